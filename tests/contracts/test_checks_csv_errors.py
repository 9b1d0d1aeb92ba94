"""CSV answers against the JSON schema of the same operation; error bodies in the spec's shape."""

from __future__ import annotations

import pytest

from contracts.checks.csvcheck import check_csv, record_columns
from contracts.checks.errors import check_error_body
from contracts.failures import Failure
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


EXPECTED_SHAPE = 'application/json {"error": "<message>", "details": {...}?}'


@pytest.mark.parametrize(
    ("status", "headers", "body", "title", "received"),
    [
        (
            500,
            {"content-type": "text/plain"},
            b"Internal Server Error",
            "500 answer is not JSON",
            "Content-Type: text/plain",
        ),
        (404, {}, b"", "404 answer is not JSON", "Content-Type: none"),
        (
            429,
            {"content-type": " Text/HTML ; charset=x"},
            b"<p>",
            "429 answer is not JSON",
            "Content-Type: text/html",
        ),
        (400, JSON, b"not json", "400 body is not valid JSON", "not json"),
        (400, JSON, b"\xff\xfe\x00", "400 body is not valid JSON", "<3 bytes, application/json: ff fe 00>"),
        (401, JSON, b'{"message": "bad"}', "401 body lacks a string `error`", '{"message": "bad"}'),
        (403, JSON, b'["bad"]', "403 body lacks a string `error`", '["bad"]'),
        (
            400,
            JSON,
            b'{"error": {"message": "bad"}}',
            "400 body lacks a string `error`",
            '{"error": {"message": "bad"}}',
        ),
        (
            422,
            JSON,
            b'{"error": "bad", "details": "text"}',
            "422 body has non-object `details`",
            '{"error": "bad", "details": "text"}',
        ),
        (
            400,
            JSON,
            b'{"error": "bad", "details": null}',
            "400 body has non-object `details`",
            '{"error": "bad", "details": null}',
        ),
    ],
)
def test_each_error_body_out_of_shape_is_one_whole_failure(
    status: int, headers: dict[str, str], body: bytes, title: str, received: str
) -> None:
    assert check_error_body(status, headers, body) == [
        Failure("error_shape", title, EXPECTED_SHAPE, received)
    ]


def test_the_error_shape_applies_from_400_and_to_json_suffix_types() -> None:
    assert check_error_body(399, {"content-type": "text/plain"}, b"x") == []
    assert check_error_body(400, {"content-type": "application/problem+json"}, b'{"error": "x"}') == []
    assert check_error_body(400, {"content-type": "APPLICATION/JSON"}, b'{"error": "x"}') == []
    assert len(check_error_body(400, {"content-type": "text/plain"}, b"x")) == 1


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


# A small schema of its own, so that every expected text below is read off it by hand.
SMALL: dict[str, object] = {
    "type": "object",
    "properties": {
        "data": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "n": {"type": "integer"},
                    "x": {"type": "number"},
                    "ok": {"type": "boolean"},
                    "kind": {"enum": ["a", 2]},
                    "meta": {"type": "object", "properties": {"tag": {"type": ["string", "null"]}}},
                    "raw": {"type": "object"},
                    "any": {},
                },
            },
        }
    },
}
SMALL_HEADER = "n,x,ok,kind,meta.tag,raw,any"


def small(*rows: str) -> list[Failure]:
    return check_csv("\r\n".join([SMALL_HEADER, *rows, ""]).encode(), SMALL)


def test_the_columns_of_nested_records_are_flattened_in_order() -> None:
    assert list(record_columns(SMALL) or {}) == SMALL_HEADER.split(",")
    assert record_columns({"type": "object", "properties": {"a": {"type": "string"}}}) is None
    assert record_columns({"properties": {"a": {"items": {"type": "string"}}}}) is None


@pytest.mark.parametrize(
    "row",
    [
        "1,1.5,true,a,t,{},z",
        "-3,2,FALSE,2,,[1],",  # a case-insensitive boolean, an enum number, an empty optional
        '4.0,1e3,False,a,x,{"k": 1},anything',
        ",,,,,,",
    ],
)
def test_cells_that_read_as_their_columns_type_pass(row: str) -> None:
    assert small(row) == []


@pytest.mark.parametrize(
    ("row", "column", "schema", "value"),
    [
        ("1.5,1,true,a,t,{},z", "n", '{"type": "integer"}', "1.5"),
        ("one,1,true,a,t,{},z", "n", '{"type": "integer"}', "one"),
        ("1,x,true,a,t,{},z", "x", '{"type": "number"}', "x"),
        ("1,1,yes,a,t,{},z", "ok", '{"type": "boolean"}', "yes"),
        ("1,1,true,b,t,{},z", "kind", '{"enum": ["a", 2]}', "b"),
        ("1,1,true,a,t,x,z", "raw", '{"type": "object"}', "x"),
    ],
)
def test_the_first_cell_that_does_not_fit_is_one_whole_failure(
    row: str, column: str, schema: str, value: str
) -> None:
    title = f"row 2: {column} does not fit its schema"
    assert small(row) == [Failure("csv_conformance", title, schema, value, "cell")]
    # Only the first bad row is reported: one finding, not one per row.
    assert small("1,1,true,a,t,{},z", row, row) == [
        Failure("csv_conformance", f"row 3: {column} does not fit its schema", schema, value, "cell")
    ]


def test_header_and_row_failures_are_whole() -> None:
    header = check_csv(b"n,x,extra\r\n", SMALL)
    assert header == [
        Failure(
            "csv_conformance",
            "CSV header differs from the JSON records' fields",
            '["n", "x", "ok", "kind", "meta.tag", "raw", "any"]',
            "missing ['ok', 'kind', 'meta.tag', 'raw', 'any'], undocumented ['extra']",
            "header",
        )
    ]
    assert small("1,2") == [
        Failure("csv_conformance", "row 2 has 2 cells for 7 columns", "7 cells", '["1", "2"]', "row")
    ]
    assert check_csv(b"", SMALL) == [
        Failure("csv_conformance", "CSV without a header row", "a header row", "empty body", "header")
    ]
    not_utf8 = check_csv(b"n\r\n\xff\r\n", SMALL)
    assert [(f.check, f.title, f.expected, f.rule) for f in not_utf8] == [
        ("csv_conformance", "CSV is not UTF-8", "UTF-8 text", "text")
    ]
    assert "0xff" in not_utf8[0].received
    # A byte-order mark is not part of the first column's name.
    assert check_csv(("\ufeff" + SMALL_HEADER + "\r\n1,1,true,a,t,{},z\r\n").encode(), SMALL) == []
    # Without a schema only the shape is judged.
    assert check_csv(b"a,b\r\n1\r\n", None) == [
        Failure("csv_conformance", "row 2 has 1 cells for 2 columns", "2 cells", '["1"]', "row")
    ]
    assert check_csv(b"a,b\r\n1,zz\r\n", None) == []
    assert check_csv(b"a,b\r\n1,2\r\n3\r\n", None) == [
        Failure("csv_conformance", "row 3 has 1 cells for 2 columns", "2 cells", '["3"]', "row")
    ]


@pytest.mark.parametrize(
    ("schema", "fits", "misfits"),
    [
        ({"type": "boolean"}, ["true", "False", "TRUE"], ["1", "yes", "{}", "[true]"]),
        ({"type": "integer"}, ["1", "-2", "3.0"], ["1.5", "true", "{}"]),
        ({"type": "array"}, ["[1]", "{}"], ["1", "x"]),
        ({"type": ["integer", "null"]}, ["7"], ["x"]),
        ({"enum": [True, False, None]}, ["true", "false", "TRUE"], ["yes", "1", "None"]),
        ({"enum": ["A", 1.5]}, ["A", "1.5"], ["B", "a", "15"]),
        ({"type": "string", "enum": ["on", "off"]}, ["on", "off"], ["auto"]),
        ({"type": "string"}, ["anything", "{}"], []),
    ],
)
def test_cells_fit_by_type_and_enum(schema: dict[str, object], fits: list[str], misfits: list[str]) -> None:
    table = {"properties": {"data": {"items": {"properties": {"c": schema}}}}}
    for text in fits:
        assert check_csv(f"c\r\n{text}\r\n".encode(), table) == [], text
    for text in misfits:
        assert [f.rule for f in check_csv(f"c\r\n{text}\r\n".encode(), table)] == ["cell"], text
