"""Validators for parts of a converted schema: the draft each is compiled for, formats left to the
whole-body checks, `$ref`s into the root's definitions from a subschema, the converter's allOf
wrapper, and the one-line evidence of the first error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from contracts.checks.schemas import Validator, first_error, subschema, user_schema

INTEGER_LIST = {"type": "array", "items": {"type": "integer"}}


def test_a_part_is_compiled_for_draft4_or_2020_12_as_asked() -> None:
    # Draft 4 has no prefixItems (an unknown keyword, ignored); 2020-12 checks it.
    tuple_schema = {"type": "array", "prefixItems": [{"type": "integer"}]}
    assert Validator.compile(tuple_schema).is_valid(["x"])
    assert not Validator.compile(tuple_schema, draft4=False).is_valid(["x"])
    # ...and Draft 4's boolean exclusiveMaximum is no schema at all in 2020-12.
    assert not Validator.compile({"maximum": 3, "exclusiveMaximum": True}).is_valid(3)


def test_formats_are_not_checked_in_parts() -> None:
    email = {"type": "string", "format": "email"}
    assert Validator.compile(email).is_valid("not an email")
    assert Validator.compile(email, draft4=False).is_valid("not an email")
    draft4_email = {"$schema": "http://json-schema.org/draft-04/schema#", **email}
    user = user_schema(draft4_email)
    assert user is not None
    assert user.is_valid("not an email")
    assert user_schema({"type": "nonsense"}) is None
    assert user_schema(["not", "a schema"]) is None


def test_a_subschema_resolves_refs_into_the_roots_definitions() -> None:
    root = {
        "type": "object",
        "properties": {"a": {"type": "array", "items": {"$ref": "#/definitions/N"}}},
        "definitions": {"N": {"type": "integer"}},
    }
    part = subschema(root, ["properties", "a"])
    assert part is not None
    assert part.is_valid([1, 2])
    assert not part.is_valid([1, "x"])
    assert first_error(part, [1, "x"]) == '1: "x" is not of type "integer"'


def test_a_subschema_is_draft4_unless_asked() -> None:
    root = {"properties": {"t": {"type": "array", "prefixItems": [{"type": "integer"}]}}}
    draft4 = subschema(root, ["properties", "t"])
    assert draft4 is not None
    assert draft4.is_valid(["x"])  # prefixItems is no Draft 4 keyword
    draft2020 = subschema(root, ["properties", "t"], draft4=False)
    assert draft2020 is not None
    assert not draft2020.is_valid(["x"])


def test_a_2020_12_subschema_resolves_refs_into_defs() -> None:
    root = {
        "properties": {"t": {"type": "array", "prefixItems": [{"$ref": "#/$defs/S"}]}},
        "$defs": {"S": {"type": "string"}},
    }
    part = subschema(root, ["properties", "t"], draft4=False)
    assert part is not None
    assert part.is_valid(["a", 1])
    assert not part.is_valid([1])


def test_the_converters_allof_wrapper_is_looked_through() -> None:
    inner = {"properties": {"n": {"$ref": "#/definitions/N"}}}
    root = {"allOf": [inner], "definitions": {"N": {"type": "integer"}}}
    part = subschema(root, ["properties", "n"])
    assert part is not None
    assert part.is_valid(1)
    assert not part.is_valid("1")
    # Two schemas under allOf are no wrapper: the path is read from the root itself.
    two = {"allOf": [inner, {}], "definitions": {"N": {"type": "integer"}}}
    assert subschema(two, ["properties", "n"]) is None
    assert subschema({"allOf": [inner]}, ["properties", "n"]) is None  # no definitions: no wrapper


def test_a_missing_path_has_no_subschema() -> None:
    root = {"properties": {"a": {"type": "string"}, "e": {"enum": ["x"]}}}
    assert subschema(root, ["properties", "missing"]) is None
    assert subschema(root, ["properties", "a", "type", "x"]) is None  # through a string
    assert subschema(root, ["properties", "e", "enum"]) is None  # a list is not a schema
    whole = subschema(root, [])
    assert whole is not None
    assert not whole.is_valid({"a": 1})


def test_first_error_names_where_and_what() -> None:
    schema = Validator.compile({"type": "object", "properties": {"a": INTEGER_LIST}})
    assert first_error(schema, {"a": [1, "x"]}) == 'a/1: "x" is not of type "integer"'
    assert first_error(schema, []) == '[] is not of type "object"'  # at the root: no path
    assert first_error(schema, {"a": [1]}) == ""


class _Plain:
    """A SchemaLike whose errors are plain exceptions: no instance_path, no message."""

    def is_valid(self, value: Any) -> bool:
        return False

    def errors(self, value: Any) -> Iterator[Any]:
        return iter([ValueError(f"bad {value}"), ValueError("second")])


def test_first_error_reads_errors_without_a_path_or_a_message() -> None:
    assert first_error(_Plain(), 3) == "bad 3"
