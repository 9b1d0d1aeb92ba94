"""The systematic variations, whole: every one-place change of a full value, in walk order (each
enum value, both booleans, null where allowed, absence where optional, an unknown field where
additional properties are allowed, through arrays and every kind of union), each checked against
the schema and kept once; and the labels they carry."""

from __future__ import annotations

from typing import Any

from contracts.client import variations as variations_module
from contracts.client.variations import (
    MAX_VARIATIONS,
    UNKNOWN_FIELD,
    UNKNOWN_VALUE,
    repr_value,
    variations,
)

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": True,
    "required": ["id", "kind", "items"],
    "properties": {
        "id": {"type": "string"},
        "kind": {"type": "string", "enum": ["a", "b"]},
        "flag": {"type": "boolean"},
        "note": {"type": ["string", "null"]},
        "switch": {"anyOf": [{"type": "boolean"}, {"type": "string", "enum": ["auto"]}]},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["n"],
                "properties": {
                    "n": {"enum": [1, 2]},
                    "tag": {"oneOf": [{"enum": ["x", "y"]}, {"type": "null"}]},
                },
            },
        },
        "closed": {"type": "object", "properties": {"c": {"type": "string"}}, "additionalProperties": False},
        "mixed": {
            "type": "object",
            "properties": {"p": {"enum": ["p1", "p2"]}},
            "allOf": [{"properties": {"q": {"enum": ["q1", "q2"]}}}],
        },
        "meta": {"type": "object", "additionalProperties": {"type": "string"}},  # no names: no unknown field
    },
}
FULL: dict[str, Any] = {
    "id": "i",
    "kind": "a",
    "flag": True,
    "note": "n",
    "switch": True,
    "items": [{"n": 1, "tag": "x"}],
    "closed": {"c": "c"},
    "mixed": {"p": "p1", "q": "q1"},
    "meta": {"k": "v"},
}


def _but(**changes: Any) -> dict[str, Any]:
    """FULL with top-level keys replaced (None as a value: left out)."""
    out = {**FULL, **changes}
    return {k: v for k, v in out.items() if k not in changes or changes[k] is not None}


def _item(**changes: Any) -> dict[str, Any]:
    return _but(items=[{**FULL["items"][0], **changes}])


# Every single-place change of FULL, in the order the walk meets them.
EVERY_CHANGE = [
    ("body.kind", "'b'", _but(kind="b")),
    ("body.flag", "absent", _but(flag=None)),
    ("body.flag", "false", _but(flag=False)),
    ("body.note", "absent", _but(note=None)),
    ("body.note", "null", {**FULL, "note": None}),
    ("body.switch", "absent", _but(switch=None)),
    ("body.switch", "'auto'", _but(switch="auto")),
    ("body.switch", "false", _but(switch=False)),
    ("body.items[0].n", "2", _item(n=2)),
    ("body.items[0].tag", "absent", _but(items=[{"n": 1}])),
    ("body.items[0].tag", "null", _item(tag=None)),
    ("body.items[0].tag", "'y'", _item(tag="y")),
    ("body.items[0]", "unknown field", _item(**{UNKNOWN_FIELD: UNKNOWN_VALUE})),
    ("body.closed", "absent", _but(closed=None)),
    ("body.closed.c", "absent", _but(closed={})),
    ("body.mixed", "absent", _but(mixed=None)),
    ("body.mixed.p", "absent", _but(mixed={"q": "q1"})),
    ("body.mixed.p", "'p2'", _but(mixed={"p": "p2", "q": "q1"})),
    ("body.mixed.q", "absent", _but(mixed={"p": "p1"})),
    ("body.mixed.q", "'q2'", _but(mixed={"p": "p1", "q": "q2"})),
    ("body.mixed", "unknown field", _but(mixed={"p": "p1", "q": "q1", UNKNOWN_FIELD: UNKNOWN_VALUE})),
    ("body.meta", "absent", _but(meta=None)),
    ("body.meta.k", "absent", _but(meta={})),  # an additional property is optional too
    ("body", "unknown field", {**FULL, UNKNOWN_FIELD: UNKNOWN_VALUE}),
]


class Accepts:
    """A schema with a validator of our choosing."""

    def __init__(self, schema: dict[str, Any], rejects: tuple[Any, ...] = ()) -> None:
        self.schema = schema
        self.rejects = rejects

    def is_valid(self, value: Any) -> bool:
        return value not in self.rejects


def test_every_single_place_change_is_a_variation_in_walk_order() -> None:
    assert variations(Accepts(SCHEMA), FULL) == EVERY_CHANGE


def test_an_invalid_variation_is_dropped_and_the_walk_goes_on() -> None:
    rejected = (_but(kind="b"), _item(tag=None))
    assert variations(Accepts(SCHEMA, rejected), FULL) == [v for v in EVERY_CHANGE if v[2] not in rejected]


def test_two_changes_that_make_the_same_value_are_one_variation() -> None:
    schema = {"type": "object", "properties": {"pick": {"enum": ["a", None]}}, "additionalProperties": False}
    # null is allowed (null among the enum values) and an enum value: one variation
    assert variations(Accepts(schema), {"pick": "a"}) == [
        ("body.pick", "absent", {}),
        ("body.pick", "null", {"pick": None}),
    ]


def test_a_value_with_no_change_allowed_has_no_variation() -> None:
    schema = {
        "type": "object",
        "required": ["e"],
        "properties": {"e": {"enum": [0]}},
        "additionalProperties": False,
    }
    assert variations(Accepts(schema), {"e": 0}) == []


def test_variations_stop_at_the_maximum() -> None:
    schema = {
        "type": "object",
        "required": ["e"],
        "properties": {"e": {"enum": list(range(MAX_VARIATIONS + 2))}},
        "additionalProperties": False,
    }
    found = variations(Accepts(schema), {"e": 0})
    assert found == [("body.e", str(i), {"e": i}) for i in range(1, MAX_VARIATIONS + 1)]


def test_an_enum_value_equal_to_the_current_one_but_of_another_type_is_a_change() -> None:
    schema = {"type": "object", "properties": {"b": {"enum": [1, "z"]}, "c": {"enum": [2, "z"]}}}
    changes = list(variations_module._changes({"b": True, "c": 2}, [schema], (), schema))
    assert changes == [
        (("b",), "absent", variations_module._ABSENT),
        (("b",), "1", 1),  # 1 == True, but a client may tell them apart
        (("b",), "'z'", "z"),
        (("c",), "absent", variations_module._ABSENT),
        (("c",), "'z'", "z"),
        ((UNKNOWN_FIELD,), "unknown field", UNKNOWN_VALUE),
    ]


def test_a_changed_value_is_labelled_as_json_spells_its_constants() -> None:
    assert [repr_value(v) for v in (None, True, False, "a", 1, 1.5)] == [
        "null",
        "true",
        "false",
        "'a'",
        "1",
        "1.5",
    ]


def test_a_value_that_differs_only_in_its_json_type_is_its_own_variation() -> None:
    """`1` and `true` are one value to Python's `==` and two to a strict client: a union of a
    boolean and 0/1 is walked through all four, not two (and `{"v": 1}` is not `{"v": true}`)."""
    schema = {
        "type": "object",
        "required": ["v"],
        "properties": {"v": {"anyOf": [{"type": "boolean"}, {"enum": [0, 1]}]}},
        "additionalProperties": False,
    }
    assert variations(Accepts(schema), {"v": True}) == [
        ("body.v", "0", {"v": 0}),
        ("body.v", "1", {"v": 1}),
        ("body.v", "false", {"v": False}),
    ]
    assert variations(Accepts(schema), {"v": 1}) == [
        ("body.v", "0", {"v": 0}),
        ("body.v", "true", {"v": True}),
        ("body.v", "false", {"v": False}),
    ]


def test_the_typed_identity_ignores_key_order_and_never_fails_on_a_value() -> None:
    typed = variations_module._typed
    assert typed({"a": 1, "b": [True]}) == typed({"b": [True], "a": 1})
    assert typed({"b": [True]}) != typed({"b": [1]})
    assert typed(1) != typed(1.0)
    marker = object()  # not JSON: told apart by its repr, never an error
    assert typed({"v": marker}) == typed({"v": marker}) != typed({"v": object()})


def test_variations_reach_through_a_recursive_schemas_refs() -> None:
    # A recursive schema keeps its recursion as a $ref: the nested node is varied like the top.
    node = {
        "type": "object",
        "required": ["kind"],
        "additionalProperties": False,
        "properties": {
            "kind": {"enum": ["leaf", "branch"]},
            "child": {"$ref": "#/$defs/Node"},
        },
    }
    schema = {"$defs": {"Node": node}, "allOf": [{"$ref": "#/$defs/Node"}]}
    full = {"kind": "branch", "child": {"kind": "leaf"}}
    assert variations(Accepts(schema), full) == [
        ("body.kind", "'leaf'", {"kind": "leaf", "child": {"kind": "leaf"}}),
        ("body.child", "absent", {"kind": "branch"}),
        ("body.child.kind", "'branch'", {"kind": "branch", "child": {"kind": "branch"}}),
    ]
