"""Where a finding is pinned: the names the judge and the blame give to locations, as whole values."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.client.blame import _unknown
from contracts.client.findings import Finding
from contracts.client.judge import _body_path
from mockserver import Spec

CASE: dict[str, Any] = {"arguments": {}, "script": {"status": 200, "body": {}}}


@pytest.mark.parametrize(
    ("location", "pinned"),
    [
        ("query.limit", "query.limit"),
        ("path.model_id", "path.model_id"),
        ("header.Accept", "header.Accept"),
        ("body", "body"),
        ("body.model", "body.model"),
        ("model", "body.model"),  # a validator's bare field is a body field
        ("pathway", "body.pathway"),  # only the whole prefix names a location
    ],
)
def test_a_violation_is_pinned_on_its_location(location: str, pinned: str) -> None:
    assert _body_path(location) == pinned


def _finding(shown: str, evidence: tuple[str, ...]) -> Finding:
    return Finding(
        "createChatCompletion",
        "responses",
        "response.unknown-field",
        f"the client failed on an unknown field at {shown}",
        "client",
        (
            *evidence,
            f"the same answer without {shown} is accepted; the schema allows additional properties "
            "at body (no additionalProperties: false, OpenAPI's default), so the answer is valid",
        ),
        path="body.*",
        case=CASE,
    )


@pytest.mark.parametrize("count", [1, 4, 5, 6])
def test_an_unknown_field_finding_names_at_most_four_fields(spec: Spec, count: int) -> None:
    op = spec.operation("createChatCompletion")
    locations = [f"body.x{i}" for i in range(count)]
    shown = ", ".join(locations[:4]) + (f" (and {count - 4} more)" if count > 4 else "")
    assert _unknown(op, "body", locations, "", CASE) == _finding(shown, ())
    assert _unknown(op, "body", locations, "KeyError: 'x0'", CASE) == _finding(shown, ("KeyError: 'x0'",))


def test_the_count_of_fields_not_shown_is_spelled_out(spec: Spec) -> None:
    op = spec.operation("createChatCompletion")
    finding = _unknown(op, "body", ["body.a", "body.b", "body.c", "body.d", "body.e", "body.f"], "", CASE)
    shown = "body.a, body.b, body.c, body.d (and 2 more)"
    assert finding.title == f"the client failed on an unknown field at {shown}"
