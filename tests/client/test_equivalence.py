"""The equivalences (what is no bug) and the systematic variations, rule by rule."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.client.compare import Difference, diff
from contracts.client.equivalence import (
    admits_null,
    nodes_at,
    optional,
    real,
    request_root,
    rule_for,
    strip,
    undeclared,
    unknown_fields,
)
from contracts.client.variations import UNKNOWN_FIELD, UNKNOWN_VALUE, variations
from contracts.strategies import bundled_spec
from mockserver import Spec

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "tags"],
    "properties": {
        "id": {"type": ["string", "null"]},
        "mode": {"type": "string", "enum": ["auto", "off", "on"], "default": "off"},
        "note": {"type": ["string", "null"]},
        "count": {"type": "integer"},
        "tags": {"type": "array", "items": {"type": ["string", "null"]}},
        "codes": {"type": "array", "items": {"type": "string"}},
        "at": {"type": "string", "x-format": "date-time"},
        "since": {"type": "string", "format": "date-time"},  # the plain keyword counts as much as x-format
        "label": {"type": "string"},
        "closed": {"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": False},
    },
}


@pytest.mark.parametrize(
    ("difference", "rule"),
    [
        (Difference("added", "body.mode", None, "off"), "default"),
        (Difference("dropped", "body.mode", "off"), "default"),
        (Difference("added", "body.mode", None, "on"), None),  # not the default
        (Difference("dropped", "body.note", None), "null-absent"),
        (Difference("added", "body.note", None, None), "null-absent"),
        (Difference("dropped", "body.id", None), None),  # required: null is a value here
        (Difference("dropped", "body.count", 0), None),  # not null, no default
        (Difference("changed", "body.tags", [None, None], []), "null-items"),
        (Difference("changed", "body.tags", [], [None]), "null-items"),
        (Difference("changed", "body.tags", ["a", None], []), None),  # a value was lost
        (Difference("changed", "body.codes", [None], []), None),  # items are not nullable
        (
            Difference("changed", "body.at", "2000-01-01T00:00:00Z", "2000-01-01T00:00:00+00:00"),
            "same-instant",
        ),
        (Difference("changed", "body.at", "2000-01-01T00:00:00Z", "2000-01-01T00:00:01+00:00"), None),
        (Difference("changed", "body.label", "2000-01-01T00:00:00Z", "2000-01-01T00:00:00+00:00"), None),
        (Difference("changed", "body.at", "2000-01-01T00:00:00", "2000-01-01T00:00:00"), None),  # no zone
        (
            Difference("changed", "body.since", "2000-01-01T00:00:00Z", "2000-01-01T00:00:00+00:00"),
            "same-instant",
        ),
        (Difference("changed", "body.at", 946684800, "2000-01-01T00:00:00Z"), None),  # a number is no instant
        (Difference("changed", "body.at", "2000-01-01T00:00:00Z", 946684800), None),
        (Difference("changed", "body.at", "yesterday", "2000-01-01T00:00:00Z"), None),  # unparsable
    ],
)
def test_each_equivalence_and_its_limits(difference: Difference, rule: str | None) -> None:
    assert rule_for(SCHEMA, difference) == rule


def test_a_request_root_describes_query_parameters_too() -> None:
    root = request_root(SCHEMA, {"query.limit": {"type": "integer", "default": 200}})
    assert rule_for(root, Difference("dropped", "query.limit", 200)) == "default"
    assert rule_for(root, Difference("dropped", "query.limit", 100)) is None
    assert rule_for(root, Difference("dropped", "body.mode", "off")) == "default"


def test_unknown_fields_not_handed_back_are_no_bug_but_known_ones_are() -> None:
    given = {"id": "a", "tags": [], "x": 1, "closed": {"a": 1}}
    got = {"id": "a", "tags": []}
    assert undeclared(given, SCHEMA) == ["body.x"]
    assert real(SCHEMA, diff(given, got, "body"), given) == [Difference("dropped", "body.closed", {"a": 1})]


@pytest.fixture(scope="module")
def venice() -> Spec:
    return bundled_spec()


def test_variations_walk_every_enum_value_null_absence_and_unknown_field(venice: Spec) -> None:
    media = venice.operation("createChatCompletion").response(200).content["application/json"]  # type: ignore[union-attr]
    assert media.schema is not None
    full = {"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": []}
    full |= {"usage": {"completion_tokens": 0, "prompt_tokens": 0, "total_tokens": 0}}
    flags = ("include_venice_system_prompt", "include_search_results_in_stream", "strip_thinking_response")
    venice_parameters = {
        "enable_web_search": "auto",
        "enable_web_citations": False,
        "disable_thinking": False,
    }
    full |= {"venice_parameters": venice_parameters | dict.fromkeys(flags, False)}
    assert media.schema.is_valid(full)
    found = variations(media.schema, full)
    changes = {(where, what) for where, what, _ in found}
    for value in ("'off'", "'on'"):
        assert ("body.venice_parameters.enable_web_search", value) in changes
    assert ("body.venice_parameters.enable_web_citations", "true") in changes
    assert ("body.venice_parameters", "absent") in changes
    assert ("body", "unknown field") in changes
    assert ("body.venice_parameters", "unknown field") in changes
    for where, what, varied in found:
        assert media.schema.is_valid(varied), (where, what)
        assert len(diff(full, varied, "body")) == 1, (where, what)  # one place at a time
    (unknown,) = [v for w, what, v in found if (w, what) == ("body", "unknown field")]
    assert unknown == {**full, UNKNOWN_FIELD: UNKNOWN_VALUE}


def test_no_unknown_field_where_the_schema_closes_the_object() -> None:
    class Compiled:
        schema = SCHEMA

        @staticmethod
        def is_valid(value: Any) -> bool:
            return not (isinstance(value.get("closed"), dict) and set(value["closed"]) - {"a"})

    found = variations(Compiled(), {"id": "a", "tags": ["t"], "closed": {"a": 1}})
    assert ("body.closed", "unknown field") not in {(w, what) for w, what, _ in found}
    assert ("body", "unknown field") in {(w, what) for w, what, _ in found}
    assert ("body.tags[0]", "null") not in {(w, what) for w, what, _ in found}  # only properties vary


REFS: dict[str, Any] = {
    "$defs": {
        "Item": {"type": "object", "properties": {"v": {"type": "integer", "default": 3}}},
        "Maybe": {"anyOf": [{"type": "string"}, {"type": "null"}]},
    },
    "type": "object",
    "required": ["req"],
    "properties": {
        "req": {"type": "string", "default": "r"},
        "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}},
        "maybe": {"$ref": "#/$defs/Maybe"},
        "old": {"type": "string", "nullable": True},
        "picked": {"enum": ["a", None]},
        "either": {
            "oneOf": [
                {"type": "object", "properties": {"x": {"type": "integer", "default": 0}}},
                {"type": "string"},
            ]
        },
    },
}


@pytest.mark.parametrize(
    ("difference", "rule"),
    [
        (Difference("added", "body.items[2].v", None, 3), "default"),  # through items and a $ref
        (Difference("added", "body.items[2].v", None, 4), None),
        (Difference("dropped", "body.maybe", None), "null-absent"),  # a $ref to a union with null
        (Difference("dropped", "body.old", None), "null-absent"),  # OpenAPI 3.0 `nullable`
        (Difference("dropped", "body.picked", None), "null-absent"),  # null among the enum values
        (Difference("added", "body.either.x", None, 0), "default"),  # inside a oneOf branch
        (Difference("dropped", "body.req", "r"), None),  # required: its default does not excuse it
        (Difference("dropped", "body.nowhere", None), None),  # a place the schema does not know
        (Difference("dropped", "body.items[0]", None), None),  # an array item is never optional
    ],
)
def test_equivalences_follow_refs_items_and_union_branches(difference: Difference, rule: str | None) -> None:
    assert rule_for(REFS, difference) == rule


def test_unknown_fields_are_found_through_lists_and_union_branches() -> None:
    schema = {
        "type": "object",
        "properties": {
            "list": {"type": "array", "items": {"type": "object", "properties": {"a": {}}}},
            "u": {
                "anyOf": [
                    {"properties": {"b": {"type": "object", "properties": {"c": {}}}}},
                    {"type": "string"},
                ]
            },
            "free": {},
        },
    }
    value = {
        "list": [{"a": 1}, {"a": 2, "z.z": 3}],
        "u": {"b": {"c": 1, "d": 2}, "e": 3},
        "free": {"f": 1},
        "g": 4,
    }
    assert unknown_fields(value, schema) == [
        ("body", "g"),
        ("body.list[1]", "z.z"),
        ("body.u", "e"),
        ("body.u.b", "d"),
    ]
    assert undeclared(value, schema) == ["body.g", "body.list[1].z.z", "body.u.e", "body.u.b.d"]
    assert strip(value, undeclared(value, schema)) == {
        "list": [{"a": 1}, {"a": 2}],
        "u": {"b": {"c": 1}},
        "free": {"f": 1},
    }
    assert unknown_fields([1, {"x": 1}], {"items": {"properties": {}}}) == [("body[1]", "x")]
    assert unknown_fields({"x": 1}, None) == []


def test_unknown_fields_are_read_through_refs_and_nested_branches() -> None:
    # A recursive schema keeps its recursion as a $ref, and allOf may sit inside an anyOf branch:
    # the properties they declare are known, not "unknown" (which would excuse a client that
    # drops them, and make blame strip them as extras).
    node = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
        },
    }
    schema = {
        "$defs": {"Node": node},
        "allOf": [{"$ref": "#/$defs/Node"}],
        "anyOf": [{"allOf": [{"properties": {"deep": {"type": "object", "properties": {"k": {}}}}}]}],
    }
    value = {
        "name": "a",
        "deep": {"k": 1, "x": 2},
        "children": [{"name": "b", "children": [{"name": "c", "extra": 1}]}],
    }
    assert unknown_fields(value, schema) == [("body.deep", "x"), ("body.children[0].children[0]", "extra")]
    assert undeclared(value, schema) == ["body.deep.x", "body.children[0].children[0].extra"]


def test_stream_event_locations_are_read_like_body_locations() -> None:
    assert nodes_at(SCHEMA, "events.mode") == [SCHEMA["properties"]["mode"]]
    assert nodes_at(SCHEMA, "body") == [SCHEMA]
    assert rule_for(SCHEMA, Difference("changed", "body.count", 1, 2)) is None


@pytest.mark.parametrize(
    ("node", "admits"),
    [
        ({"type": "null"}, True),
        ({"type": ["integer", "null"]}, True),
        ({"type": "string", "nullable": True}, True),
        ({"enum": ["a", None]}, True),
        ({"anyOf": [{"type": "string"}, {"type": "null"}]}, True),
        ({"oneOf": [{"type": "string"}, {"nullable": True}]}, True),
        ({"anyOf": [{"oneOf": [{"type": "integer"}, {"enum": [None]}]}]}, True),  # unions in unions
        ({"allOf": [{"type": "null"}]}, False),  # allOf narrows: its other parts must allow null too
        ({"anyOf": ["null", {"type": "string"}]}, False),  # a branch that is no schema says nothing
        ({"type": "string", "nullable": False}, False),
        ({"enum": ["a"]}, False),
        ({}, False),
    ],
)
def test_null_is_admitted_by_type_nullable_enum_or_any_union_branch(
    node: dict[str, Any], admits: bool
) -> None:
    assert admits_null(node) is admits


OPTIONAL: dict[str, Any] = {
    "type": "object",
    "required": ["list"],
    "properties": {
        "a": {"type": "object", "required": ["a"], "properties": {"a": {}, "b": {}}},
        "list": {
            "type": "array",
            "items": {"type": "object", "required": ["r"], "properties": {"r": {}, "o": {}}},
        },
    },
}
ROWS: dict[str, Any] = {
    "type": "array",
    "items": {"type": "object", "required": ["r"], "properties": {"r": {}, "o": {}}},
}


@pytest.mark.parametrize(
    ("schema", "location", "expected"),
    [
        (OPTIONAL, "body.list", False),  # required at the root
        (OPTIONAL, "body.a", True),
        (OPTIONAL, "body.a.a", False),  # required by its own parent, which has the same name
        (OPTIONAL, "body.a.b", True),
        (OPTIONAL, "body.list[0].r", False),
        (OPTIONAL, "body.list[0].o", True),
        (OPTIONAL, "body.list[0]", False),  # an array item is never optional
        (OPTIONAL, "body", False),  # the whole body is not a property
        (OPTIONAL, "", False),
        (OPTIONAL, "body.nowhere.x", False),  # no schema describes its parent
        (ROWS, "body[0].o", True),  # a body that is an array
        (ROWS, "body[0].r", False),
    ],
)
def test_a_property_is_optional_where_no_parent_requires_it(
    schema: Any, location: str, expected: bool
) -> None:
    assert optional(schema, location) is expected
