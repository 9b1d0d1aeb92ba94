"""Validators for parts of the spec's compiled schemas (a choice inside a chat answer, a tool's
parameters), with one-line evidence for the first error."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import jsonschema_rs


class SchemaLike(Protocol):
    """What the checks need from a schema: mockserver's `Compiled` has this shape."""

    def is_valid(self, value: Any) -> bool: ...

    def errors(self, value: Any) -> Iterator[Any]: ...


class Validator:
    """A compiled jsonschema_rs validator in SchemaLike's shape."""

    def __init__(self, compiled: jsonschema_rs.Validator) -> None:
        self._compiled = compiled

    @classmethod
    def compile(cls, schema: dict[str, Any], draft4: bool = True) -> Validator:
        kind = jsonschema_rs.Draft4Validator if draft4 else jsonschema_rs.Draft202012Validator
        # Formats were renamed by mockserver's converter ("oas:uri"); the whole-body checks know
        # them, parts are checked for structure.
        return cls(kind(schema, validate_formats=False))

    def is_valid(self, value: Any) -> bool:
        return bool(self._compiled.is_valid(value))

    def errors(self, value: Any) -> Iterator[Any]:
        return iter(self._compiled.iter_errors(value))


def subschema(root: dict[str, Any], path: Sequence[str], draft4: bool = True) -> Validator | None:
    """The schema at `path` (keywords and names, e.g. properties/choices/items) of a converted
    schema, compiled with the root's definitions so `$ref`s still resolve; None if absent."""
    node: Any = root
    definitions: dict[str, Any] = {k: root[k] for k in ("definitions", "$defs") if k in root}
    if "allOf" in root and len(root["allOf"]) == 1 and definitions:
        node = root["allOf"][0]  # the converter's wrapper around a schema with recursive refs
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    if not isinstance(node, dict):
        return None
    return Validator.compile({**node, **definitions}, draft4)


def user_schema(schema: Any) -> Validator | None:
    """A schema someone wrote into a request (a tool's parameters); None if it does not compile."""
    if not isinstance(schema, dict):
        return None
    try:
        return Validator(jsonschema_rs.validator_for(schema, validate_formats=False))
    except (jsonschema_rs.ReferencingError, ValueError, TypeError):  # ValidationError is a ValueError
        return None


def first_error(schema: SchemaLike, value: Any) -> str:
    """`path: message` of the first validation error ("" when the value is valid)."""
    for error in schema.errors(value):
        where = "/".join(str(p) for p in getattr(error, "instance_path", ()))
        message = str(getattr(error, "message", error))
        return f"{where}: {message}" if where else message
    return ""
