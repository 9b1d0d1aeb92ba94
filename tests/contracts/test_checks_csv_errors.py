"""CSV answers against the JSON schema of the same operation; error bodies in the spec's shape."""

from __future__ import annotations

from contracts.checks.csvcheck import check_csv, record_columns
from contracts.checks.errors import check_error_body
from mockserver import Spec

JSON = {"content-type": "application/json"}


def billing_schema(spec: Spec) -> dict[str, object]:
    schema = spec.operation("getBillingUsage").responses["200"].content["application/json"].schema
    assert schema is not None
    return schema.schema


DETAILS = ("completionTokens", "inferenceExecutionTime", "promptTokens", "requestId")
HEADER = ",".join(
    [
        "amount",
        "currency",
        *(f"inferenceDetails.{d}" for d in DETAILS),
        "notes",
        "pricePerUnitUsd",
        "sku",
        "timestamp",
        "units",
    ]
)
ROW = "0.5,USD,12,30.5,7,req-1,chat,0.1,llama,2025-01-01T00:00:00Z,5"


def test_columns_follow_the_records_of_the_json_answer(spec: Spec) -> None:
    columns = record_columns(billing_schema(spec))
    assert columns is not None
    assert sorted(columns) == sorted(HEADER.split(","))


def test_a_consistent_csv_passes(spec: Spec) -> None:
    body = f"{HEADER}\r\n{ROW}\r\n,USD,,,,,,1,x,2025,2\r\n".encode()
    assert check_csv(body, billing_schema(spec)) == []


def test_csv_failures_are_named(spec: Spec) -> None:
    schema = billing_schema(spec)
    short_header = HEADER.rsplit(",", 1)[0]
    assert [f.name for f in check_csv(f"{short_header}\r\n".encode(), schema)] == ["csv_conformance.header"]
    assert [f.name for f in check_csv(f"{HEADER}\r\n0.5,USD\r\n".encode(), schema)] == ["csv_conformance.row"]
    not_a_number = ROW.replace("0.5,USD", "lots,USD", 1)
    assert [f.name for f in check_csv(f"{HEADER}\r\n{not_a_number}\r\n".encode(), schema)] == [
        "csv_conformance.cell"
    ]
    assert [f.name for f in check_csv(b"", schema)] == ["csv_conformance.header"]
    assert [f.name for f in check_csv(b"\xff\xfe", schema)] == ["csv_conformance.text"]


def test_error_bodies_in_the_spec_shape_pass() -> None:
    assert check_error_body(400, JSON, b'{"error": "bad", "details": {"_errors": []}}') == []
    assert check_error_body(500, {"content-type": "application/json; charset=utf-8"}, b'{"error": "x"}') == []
    assert check_error_body(200, {"content-type": "text/plain"}, b"fine") == []


def test_error_bodies_out_of_shape_are_named() -> None:
    cases = [
        ({"content-type": "text/plain"}, b"Internal Server Error"),
        (JSON, b"not json"),
        (JSON, b'{"message": "bad"}'),
        (JSON, b'{"error": {"message": "bad"}}'),
        (JSON, b'{"error": "bad", "details": "text"}'),
    ]
    for headers, body in cases:
        failures = check_error_body(404, headers, body)
        assert [f.check for f in failures] == ["error_shape"], body
