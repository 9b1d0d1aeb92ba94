"""completion.complete: a behavior's answer made valid, keeping every part that already is."""

from __future__ import annotations

import random
from typing import Any

import pytest

from mockserver.completion import complete
from mockserver.schemas import compile_schema
from mockserver.synthesis import Synthesizer

ITEM: dict[str, Any] = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "kind": {"type": "string", "enum": ["a", "b"]}},
    "required": ["id", "kind"],
}
LISTING: dict[str, Any] = {
    "type": "object",
    "properties": {
        "data": {"type": "array", "items": {"$ref": "#/definitions/Item"}, "minItems": 1, "maxItems": 3},
        "total": {"type": "integer", "minimum": 0},
        "added": {"type": "string", "minLength": 2},
    },
    "required": ["data", "added"],
    "additionalProperties": False,
    "definitions": {"Item": ITEM},
}


def _complete(schema: dict[str, Any], value: Any, seed: int = 0) -> Any:
    compiled = compile_schema(schema, "3.0.3", "response")
    result = complete(Synthesizer("3.0.3"), compiled, value, lambda: random.Random(seed))
    assert compiled.is_valid(result), result
    return result


def test_a_valid_value_is_the_same_object() -> None:
    value = {"data": [{"id": "x", "kind": "a"}], "added": "yes"}
    assert _complete(LISTING, value) is value


def test_a_valid_value_seeds_no_rng() -> None:
    """The common case (every chat answer) costs one check: no RNG is seeded for it."""

    def unseeded() -> random.Random:
        raise AssertionError("an RNG was seeded for a valid value")

    compiled = compile_schema(LISTING, "3.0.3", "response")
    value = {"data": [{"id": "x", "kind": "a"}], "added": "yes"}
    assert complete(Synthesizer("3.0.3"), compiled, value, unseeded) is value
    with pytest.raises(AssertionError, match="seeded"):
        complete(Synthesizer("3.0.3"), compiled, {"data": "broken"}, unseeded)


def test_missing_required_fields_are_synthesized_and_the_rest_is_kept() -> None:
    value = {"data": [{"id": "keep-me"}], "total": 4}
    result = _complete(LISTING, value)
    assert result["total"] == 4
    assert result["data"][0]["id"] == "keep-me"
    assert result["data"][0]["kind"] in ("a", "b")
    assert isinstance(result["added"], str)
    assert len(result["added"]) >= 2


def test_a_closed_object_loses_only_the_fields_it_does_not_allow() -> None:
    value = {"data": [{"id": "x", "kind": "b"}], "added": "yes", "retired": 1, "total": 2}
    assert _complete(LISTING, value) == {"data": [{"id": "x", "kind": "b"}], "added": "yes", "total": 2}


def test_a_value_outside_an_enum_or_bounds_is_replaced_but_its_siblings_are_not() -> None:
    value = {"data": [{"id": "x", "kind": "new"}, {"id": "y", "kind": "a"}], "added": "yes", "total": -3}
    result = _complete(LISTING, value)
    assert result["data"][0]["id"] == "x"
    assert result["data"][0]["kind"] in ("a", "b")
    assert result["data"][1] == {"id": "y", "kind": "a"}
    assert result["total"] >= 0
    assert result["added"] == "yes"


@pytest.mark.parametrize(("items", "length"), [([], 1), ([{"id": str(i), "kind": "a"} for i in range(5)], 3)])
def test_array_lengths_are_brought_within_bounds(items: list[Any], length: int) -> None:
    result = _complete(LISTING, {"data": items, "added": "yes"})
    assert len(result["data"]) == length
    assert result["data"][: min(len(items), 3)] == items[:3]


def test_a_value_of_the_wrong_type_is_synthesized_whole() -> None:
    result = _complete(LISTING, ["not", "an", "object"])
    assert isinstance(result, dict)
    assert result["data"]


def test_the_same_seed_repairs_the_same_way() -> None:
    value = {"data": [{"id": "x"}], "total": 4}
    assert _complete(LISTING, value, seed=5) == _complete(LISTING, dict(value), seed=5)


def test_a_schema_the_walk_cannot_follow_falls_back_to_a_valid_synthesized_value() -> None:
    # `not` is outside what the repair walks: only the final check sees it.
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "not": {"required": ["n"]}}
    result = _complete(schema, {"n": 1})
    assert "n" not in result
