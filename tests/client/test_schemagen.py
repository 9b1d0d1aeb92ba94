"""The schema-driven strategies (contracts/client/schemagen.py) on keywords the bundled spec barely
uses: `$ref`s into a recursive schema's definitions, `const`, `pattern`, `multipleOf`, 2020-12's
numeric exclusive bounds, `allOf` folding, and schemas no value satisfies. Each drawn value is
checked against the compiled validator (not only the builder's own filter)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import find, given, settings
from hypothesis.errors import NoSuchExample, Unsatisfiable

from contracts.client.cases import first_draw
from contracts.client.schemagen import FULLEST, PLAINEST, RECURSION_DRAWN, from_schema
from mockserver.schemas import Compiled, compile_schema, compile_validator

NODE: dict[str, Any] = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-c]{2}$"},
        "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
    },
}


def compiled(schema: dict[str, Any], version: str = "3.1.0") -> Compiled:
    return compile_schema(schema, version, "response")


def raw(schema: Any) -> Compiled:
    """A schema given to the builder as it is, unconverted (boolean subschemas stay booleans)."""
    return Compiled(schema, compile_validator(schema, "3.1.0"))


def depth(node: dict[str, Any]) -> int:
    return 1 + max((depth(child) for child in node.get("children", [])), default=0)


def test_a_recursive_schema_draws_through_its_refs() -> None:
    tree = compile_schema(
        {"$ref": "#/components/schemas/Node"}, "3.0.3", "response", {"#/components/schemas/Node": NODE}
    )
    assert "$ref" in tree.schema["allOf"][0], "the converter keeps the recursion as a $ref"
    assert first_draw(from_schema(tree, PLAINEST)) == {"name": "aa"}
    depths: set[int] = set()

    @settings(max_examples=15)
    @given(from_schema(tree))
    def check(value: dict[str, Any]) -> None:
        assert tree.is_valid(value)
        assert len(value["name"]) == 2
        assert set(value["name"]) <= set("abc")
        depths.add(depth(value))

    check()
    assert max(depths) >= 3, "children drawn through the $ref, and their children"


def test_a_style_that_fills_everything_still_ends_on_a_recursive_schema() -> None:
    # FULLEST draws every optional property and at least one item per array: through a
    # recursive $ref that alone would nest forever. It fills RECURSION_DRAWN levels, then stops.
    tree = compile_schema(
        {"$ref": "#/components/schemas/Node"}, "3.0.3", "response", {"#/components/schemas/Node": NODE}
    )
    value = first_draw(from_schema(tree, FULLEST))
    assert tree.is_valid(value)
    assert depth(value) == RECURSION_DRAWN + 1
    level = value
    for _ in range(RECURSION_DRAWN):
        assert len(level["children"]) >= 1  # filled, as the style asks
        level = level["children"][0]
    assert "children" not in level

    @settings(max_examples=10)
    @given(from_schema(tree, FULLEST))
    def check(drawn: dict[str, Any]) -> None:
        assert tree.is_valid(drawn)
        assert depth(drawn) == RECURSION_DRAWN + 1

    check()


def test_a_deep_chain_of_refs_that_does_not_recur_is_filled_all_the_way() -> None:
    chain = {
        f"#/components/schemas/L{i}": {
            "type": "object",
            "properties": {"next": {"$ref": f"#/components/schemas/L{i + 1}"}, "tag": {"type": "boolean"}},
        }
        for i in range(5)
    }
    chain["#/components/schemas/L5"] = {"type": "object", "properties": {"end": {"type": "boolean"}}}
    deep = compile_schema({"$ref": "#/components/schemas/L0"}, "3.0.3", "response", chain)
    value = first_draw(from_schema(deep, FULLEST))
    for _ in range(5):
        assert set(value) >= {"next", "tag"}
        value = value["next"]
    assert "end" in value


def test_const_is_drawn_as_it_is() -> None:
    assert first_draw(from_schema(compiled({"const": {"a": [1, "two"]}}))) == {"a": [1, "two"]}


def test_patterned_strings_match_whole_and_keep_their_length_bounds() -> None:
    schema = compiled({"type": "string", "pattern": "^[xy]+$", "minLength": 3, "maxLength": 4})

    @settings(max_examples=30)
    @given(from_schema(schema))
    def check(value: str) -> None:
        assert 3 <= len(value) <= 4
        assert set(value) <= {"x", "y"}

    check()


def test_multiple_of_draws_only_multiples_inside_the_bounds() -> None:
    schema = compiled({"type": "integer", "multipleOf": 7, "minimum": 10, "maximum": 30})
    assert first_draw(from_schema(schema)) == 14
    assert find(from_schema(schema), lambda n: n > 14) == 21

    @settings(max_examples=30)
    @given(from_schema(schema))
    def check(value: int) -> None:
        assert value in (14, 21, 28)

    check()


def test_multiple_of_without_a_multiple_in_range_draws_nothing() -> None:
    with pytest.raises((NoSuchExample, Unsatisfiable)):
        first_draw(from_schema(compiled({"type": "integer", "multipleOf": 10, "minimum": 11, "maximum": 19})))


def test_numeric_exclusive_bounds_of_2020_12_exclude_their_ends() -> None:
    schema = compiled({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 3})
    assert first_draw(from_schema(schema)) == 1
    assert find(from_schema(schema), lambda n: n != 1) == 2

    @settings(max_examples=30)
    @given(from_schema(schema), from_schema(compiled({"type": "number", "exclusiveMaximum": 0.5})))
    def check(integer: int, number: float) -> None:
        assert integer in (1, 2)
        assert number < 0.5

    check()


def test_all_of_folds_properties_and_required_and_leaves_unions_to_the_filter() -> None:
    schema = compiled(
        {
            "allOf": [
                {"type": "object", "properties": {"a": {"type": "integer", "minimum": 5}}, "required": ["a"]},
                {"properties": {"b": {"const": "x"}}, "required": ["b", "a"]},
                {"anyOf": [{"type": "object", "required": ["a"]}]},
                {"title": "kept once"},
            ]
        }
    )
    assert first_draw(from_schema(schema, PLAINEST)) == {"a": 5, "b": "x"}


def test_an_all_of_branch_that_is_no_object_is_skipped() -> None:
    schema = raw({"allOf": [True, {"type": "object", "required": ["n"], "properties": {"n": {"const": 1}}}]})
    assert first_draw(from_schema(schema)) == {"n": 1}


def test_a_false_subschema_draws_no_value() -> None:
    schema = raw({"type": "object", "required": ["never"], "properties": {"never": False}})
    with pytest.raises((NoSuchExample, Unsatisfiable)):
        first_draw(from_schema(schema))
