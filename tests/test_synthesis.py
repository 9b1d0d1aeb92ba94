"""The seeded walker: valid for any (satisfiable) schema, deterministic, realistic where it can be."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver import Spec
from mockserver.exceptions import SynthesisError
from mockserver.regexgen import generate
from mockserver.schemaops import merge_all_of
from mockserver.schemas import compile_schema
from mockserver.synthesis import Synthesizer


def valid(schema: dict[str, Any], seed: int = 0, version: str = "3.0.3") -> Any:
    compiled = compile_schema(schema, version, "response")
    return Synthesizer(version).valid_value(compiled, random.Random(seed))


# A grammar of satisfiable OpenAPI 3.0 schemas, to check the walker beyond the Venice spec.
def scalars() -> st.SearchStrategy[dict[str, Any]]:
    bounds = st.tuples(st.integers(-50, 50), st.integers(0, 40))
    return st.one_of(
        bounds.map(lambda b: {"type": "integer", "minimum": b[0], "maximum": b[0] + b[1]}),
        bounds.map(
            lambda b: {
                "type": "integer",
                "minimum": b[0],
                "exclusiveMinimum": True,
                "maximum": b[0] + b[1] + 2,
            }
        ),
        bounds.map(
            lambda b: {
                "type": "number",
                "minimum": b[0] / 3,
                "maximum": b[0] / 3 + b[1] + 0.5,
                "exclusiveMaximum": True,
            }
        ),
        st.integers(1, 7).map(lambda m: {"type": "integer", "multipleOf": m, "minimum": 1}),
        st.tuples(st.integers(0, 5), st.integers(0, 30)).map(
            lambda b: {"type": "string", "minLength": b[0], "maxLength": b[0] + b[1]}
        ),
        st.sampled_from(["date-time", "date", "uuid", "email", "ipv4", "ipv6", "uri", "byte", "time"]).map(
            lambda f: {"type": "string", "format": f}
        ),
        st.sampled_from(
            [r"^\d{4}-\d{2}-\d{2}$", r"^[A-Z]{2,4}-\d+$", r"^(red|green|blue)$", r"^x?y+z*$"]
        ).map(lambda p: {"type": "string", "pattern": p}),
        st.lists(st.one_of(st.text(max_size=5), st.integers()), min_size=1, max_size=4, unique=True).map(
            lambda e: {"enum": e}
        ),
        st.just({"type": "boolean"}),
        st.just({"type": "string", "nullable": True, "enum": ["a", "b"]}),
        st.just({"nullable": True}),
    )


def schemas() -> st.SearchStrategy[dict[str, Any]]:
    def extend(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        names = st.sampled_from(["id", "name", "createdAt", "url", "count", "tags", "value", "items"])
        props = st.dictionaries(names, children, min_size=1, max_size=4)
        # allOf parts with disjoint properties: overlapping ones could contradict each other.
        left = st.dictionaries(st.sampled_from(["id", "name", "url"]), children, min_size=1, max_size=3)
        right = st.dictionaries(st.sampled_from(["count", "tags", "value"]), children, min_size=1, max_size=3)
        return st.one_of(
            st.tuples(props, st.booleans()).map(
                lambda pb: {
                    "type": "object",
                    "properties": pb[0],
                    "additionalProperties": not pb[1],
                    "required": sorted(pb[0])[: len(pb[0]) // 2 + 1],
                }
            ),
            st.tuples(children, st.integers(0, 3), st.integers(0, 3)).map(
                lambda c: {"type": "array", "items": c[0], "minItems": c[1], "maxItems": c[1] + c[2]}
            ),
            st.just({"type": "object", "additionalProperties": {"type": "integer"}, "minProperties": 2}),
            st.lists(children, min_size=1, max_size=3).map(lambda bs: {"anyOf": bs}),
            st.just({"oneOf": [{"type": "integer"}, {"type": "string"}, {"type": "boolean"}]}),
            st.tuples(left, right).map(
                lambda pp: {
                    "allOf": [
                        {"type": "object", "properties": pp[0], "required": sorted(pp[0])[:1]},
                        {"type": "object", "properties": pp[1]},
                    ]
                }
            ),
        )

    return st.recursive(scalars(), extend, max_leaves=12)


@given(schema=schemas(), seed=st.integers(0, 2**32))
def test_any_satisfiable_schema_gets_a_valid_value(schema: dict[str, Any], seed: int) -> None:
    valid(schema, seed)  # valid_value raises SynthesisError if no valid value was found


@given(schema=schemas(), seed=st.integers(0, 2**32))
def test_same_seed_same_value(schema: dict[str, Any], seed: int) -> None:
    assert valid(schema, seed) == valid(schema, seed)


def test_contradictions_raise_a_clear_error() -> None:
    with pytest.raises(SynthesisError, match=r"less than the minimum|greater than"):
        valid({"type": "integer", "minimum": 5, "maximum": 1})


def test_exclusive_bounds_in_both_dialects() -> None:
    for seed in range(50):
        assert valid({"type": "integer", "minimum": 0, "exclusiveMinimum": True, "maximum": 1}, seed) == 1
        assert valid({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 2}, seed, "3.1.0") == 1


def test_one_of_values_match_exactly_one_branch() -> None:
    schema = {"oneOf": [{"type": "number"}, {"type": "integer"}]}  # an integer matches both
    for seed in range(30):
        value = valid(schema, seed)
        assert isinstance(value, float)
        assert not value.is_integer()


def test_nullable_enums_never_produce_null() -> None:
    assert {
        valid({"type": "string", "nullable": True, "enum": ["stop", "length"]}, s) for s in range(30)
    } <= {"stop", "length"}


def test_property_names_shape_realistic_strings() -> None:
    value = valid(
        {
            "type": "object",
            "required": ["createdAt", "url", "id", "email"],
            "properties": {
                "createdAt": {"type": "string"},
                "url": {"type": "string"},
                "id": {"type": "string"},
                "email": {"type": "string"},
            },
        }
    )
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", value["createdAt"])
    assert value["url"].startswith("https://")
    assert re.fullmatch(r"[0-9a-f-]{36}", value["id"])
    assert "@" in value["email"]


def test_recursive_schemas_terminate() -> None:
    node = {
        "type": "object",
        "properties": {"children": {"type": "array", "items": {"$ref": "#/definitions/n"}}},
    }
    schema = {"allOf": [node], "definitions": {"n": node}}
    value = valid(schema)
    assert isinstance(value, dict)


def test_merge_all_of_tightens_and_unites() -> None:
    merged = merge_all_of(
        {
            "allOf": [
                {"type": "object", "properties": {"a": {"minimum": 1}}, "required": ["a"], "maxLength": 9},
                {"properties": {"a": {"minimum": 3}, "b": {}}, "required": ["b"], "maxLength": 4},
            ]
        }
    )
    assert merged["required"] == ["a", "b"]
    assert merged["properties"]["a"]["minimum"] == 3
    assert merged["maxLength"] == 4


@pytest.mark.parametrize(
    "pattern",
    [
        r"^\d{4}-\d{2}-\d{2}$",
        r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$",
        r"^[a-f0-9]{8}(-[a-f0-9]{4}){3}-[a-f0-9]{12}$",
        r"^(ab|cd)+\1?$",
        r"[^x]y",
    ],
)
def test_regex_generation_matches(pattern: str) -> None:
    for seed in range(25):
        text = generate(pattern, random.Random(seed))
        assert text is not None
        assert re.search(pattern, text), (pattern, text)


def test_an_invalid_pattern_yields_none() -> None:
    assert generate("(unclosed", random.Random(0)) is None


def test_every_venice_request_schema_synthesizes_valid_requests(spec: Spec) -> None:
    """Also used by tests to build valid requests: the walker works in the request direction."""
    synthesizer = Synthesizer(spec.openapi)
    for op in spec.operations:
        if op.request_body is None:
            continue
        for media in op.request_body.content.values():
            assert media.schema is not None
            for seed in range(20):
                synthesizer.valid_value(media.schema, random.Random(seed))
