"""The just-past-the-bound cases: each numeric bound of a request field yields one value one step
beyond it (whole Past values compared), and the cases built from them change only that field."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.server.bounds import Past, _past, body_bounds, bound_cases, query_bounds
from contracts.server.cases import Planned
from mockserver import Spec


def past(schema: Any, name: str = "f") -> list[Past]:
    return list(_past(name, schema))


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "integer", "maximum": 10}, [Past("f", 11, "maximum 10")]),
        ({"type": "integer", "minimum": 1}, [Past("f", 0, "minimum 1")]),
        (
            {"type": "integer", "minimum": 1, "maximum": 10},
            [Past("f", 11, "maximum 10"), Past("f", 0, "minimum 1")],
        ),
        ({"type": "number", "maximum": 2}, [Past("f", 2.02, "maximum 2")]),
        ({"type": "number", "minimum": 0}, [Past("f", -0.01, "minimum 0")]),
        ({"type": "number", "maximum": 500}, [Past("f", 505.0, "maximum 500")]),
        ({"type": "number", "minimum": -300}, [Past("f", -303.0, "minimum -300")]),
        ({"type": "number", "maximum": 0.5}, [Past("f", 0.51, "maximum 0.5")]),
        ({"type": ["integer", "null"], "maximum": 3}, [Past("f", 4, "maximum 3")]),
        ({"type": ["integer", "number"], "maximum": 3}, [Past("f", 3.03, "maximum 3")]),
        ({"type": ["number", 7], "minimum": 1}, [Past("f", 0.99, "minimum 1")]),
        (
            {"type": "integer", "minimum": 0, "exclusiveMinimum": True},
            [Past("f", 0, "exclusive minimum 0")],
        ),
        (
            {"type": "number", "maximum": 1, "exclusiveMaximum": True},
            [Past("f", 1, "exclusive maximum 1")],
        ),
        (
            {"type": "number", "maximum": 1, "exclusiveMinimum": True},
            [Past("f", 1.01, "maximum 1")],
        ),
        (
            {"type": "number", "minimum": 1, "exclusiveMaximum": True},
            [Past("f", 0.99, "minimum 1")],
        ),
        (
            {"type": "integer", "maximum": 5, "exclusiveMaximum": False},
            [Past("f", 6, "maximum 5")],
        ),
        ({"type": "integer", "exclusiveMaximum": 5}, [Past("f", 5, "exclusiveMaximum 5")]),
        ({"type": "integer", "exclusiveMinimum": 0.0}, [Past("f", 0, "exclusiveMinimum 0.0")]),
        ({"type": "number", "exclusiveMinimum": 0.5}, [Past("f", 0.5, "exclusiveMinimum 0.5")]),
        (
            {"type": "number", "exclusiveMaximum": 9, "exclusiveMinimum": 1},
            [Past("f", 9, "exclusiveMaximum 9"), Past("f", 1, "exclusiveMinimum 1")],
        ),
    ],
)
def test_a_value_one_step_past_each_bound(schema: dict[str, Any], expected: list[Past]) -> None:
    assert past(schema) == expected
    assert [type(p.value) for p in past(schema)] == [type(p.value) for p in expected]


def test_the_field_name_is_kept() -> None:
    assert past({"type": "integer", "maximum": 1}, "?limit") == [Past("?limit", 2, "maximum 1")]


@pytest.mark.parametrize(
    "schema",
    [
        None,
        "integer",
        {},
        {"maximum": 3},
        {"type": "string", "maximum": 3},
        {"type": ["string", "null"], "maximum": 3},
        {"type": 5, "maximum": 3},
        {"type": "integer"},
        {"type": "integer", "maximum": True, "minimum": False},
        {"type": "integer", "maximum": "3", "minimum": None},
        {"type": "integer", "exclusiveMaximum": True, "exclusiveMinimum": False},
        {"type": "number", "exclusiveMaximum": "9"},
    ],
)
def test_no_bound_no_case(schema: Any) -> None:
    assert past(schema) == []


def test_body_bounds_of_embeddings_and_speech(spec: Spec) -> None:
    assert body_bounds(spec.operation("createEmbedding")) == [Past("dimensions", 0, "minimum 1")]
    assert body_bounds(spec.operation("createSpeech")) == [
        Past("speed", 4.04, "maximum 4"),
        Past("speed", 0.24, "minimum 0.25"),
    ]
    assert query_bounds(spec.operation("createSpeech")) == []


def test_query_bounds_of_billing_usage(spec: Spec) -> None:
    op = spec.operation("getBillingUsage")
    assert query_bounds(op) == [
        Past("?limit", 501, "maximum 500"),
        Past("?limit", 0, "exclusive minimum 0"),
        Past("?page", 0, "exclusive minimum 0"),
    ]


def test_an_operation_without_a_body_has_no_body_bounds(spec: Spec) -> None:
    assert body_bounds(spec.operation("listModels")) == []
    assert body_bounds(spec.operation("getBillingUsage")) == []


def test_bound_cases_change_one_body_field_each(spec: Spec) -> None:
    base = Planned("speech", {"input": "hi", "speed": 1}, {"x": "1"}, {"h": "v"}, key="k", pair="p")
    cases = bound_cases(spec.operation("createSpeech"), base)
    assert cases == [
        (
            Planned("bounds: speed=4.04", {"input": "hi", "speed": 4.04}, {"x": "1"}, {"h": "v"}),
            Past("speed", 4.04, "maximum 4"),
        ),
        (
            Planned("bounds: speed=0.24", {"input": "hi", "speed": 0.24}, {"x": "1"}, {"h": "v"}),
            Past("speed", 0.24, "minimum 0.25"),
        ),
    ]
    assert base.body == {"input": "hi", "speed": 1}


def test_bound_cases_change_one_query_parameter_each(spec: Spec) -> None:
    base = Planned("usage", None, {"page": "2", "other": "y"}, key="k", pair="p")
    cases = bound_cases(spec.operation("getBillingUsage"), base)
    assert cases == [
        (
            Planned("bounds: ?limit=501", None, {"page": "2", "other": "y", "limit": "501"}),
            Past("?limit", 501, "maximum 500"),
        ),
        (
            Planned("bounds: ?limit=0", None, {"page": "2", "other": "y", "limit": "0"}),
            Past("?limit", 0, "exclusive minimum 0"),
        ),
        (
            Planned("bounds: ?page=0", None, {"page": "0", "other": "y"}),
            Past("?page", 0, "exclusive minimum 0"),
        ),
    ]


def test_no_base_case_no_bound_cases(spec: Spec) -> None:
    assert bound_cases(spec.operation("createSpeech"), None) == []
    assert bound_cases(spec.operation("createSpeech"), Planned("no body", "text")) == []
