"""OpenAPI schema objects -> plain JSON Schema, compiled once into fast validators.

OpenAPI 3.0 schemas are a dialect of JSON Schema draft 4 (boolean `exclusiveMinimum`, integers
that exclude 1.0) plus `nullable`, `readOnly`/`writeOnly` and a few annotations; they compile as
draft 4 after this conversion. OpenAPI 3.1 schemas are draft 2020-12 already. The conversion
keeps `example`/`default` (validators ignore them; the synthesizer uses them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import jsonschema_rs

from mockserver.formats import CHECKERS, INTEGER_FORMAT, INTEGER_RANGES
from mockserver.types import JSON, Schema

Direction = Literal["request", "response"]

# Keywords whose value is one schema, a list of schemas, or a map of name -> schema.
_ONE = (
    "additionalProperties",
    "items",
    "not",
    "additionalItems",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
)
_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_MAP = ("properties", "patternProperties", "definitions", "$defs", "dependentSchemas")
# OpenAPI-only keywords that mean nothing to a JSON Schema validator.
_OAS_ONLY = ("nullable", "discriminator", "xml", "externalDocs", "deprecated", "readOnly", "writeOnly")

FORMAT_PREFIX = "oas:"  # checked formats are renamed so the validator's own format rules never apply


@dataclass
class Converter:
    """Converts one spec's schemas; memoized by identity because resolved specs share subtrees."""

    openapi_version: str
    direction: Direction
    recursive: dict[str, JSON] = field(default_factory=dict)
    bad_examples: set[int] = field(default_factory=set)  # ids of nodes whose `example` is invalid
    # Large shared components by identity -> definition name: kept as `$ref`s into definitions
    # instead of being expanded (a deep component graph expands exponentially; see specload).
    shared: dict[int, str] = field(default_factory=dict)
    _memo: dict[int, Schema] = field(default_factory=dict)
    _definitions: dict[str, Schema] = field(default_factory=dict)

    @property
    def is_oas30(self) -> bool:
        return self.openapi_version.startswith("3.0")

    @property
    def _defs_key(self) -> str:
        return "definitions" if self.is_oas30 else "$defs"

    def convert(self, schema: JSON) -> Schema:
        """The JSON Schema for an OpenAPI schema object, ready to compile."""
        converted = self._convert(schema, root=True)
        if not self._definitions:
            return converted
        # Refs point into `definitions`; wrap so the root carries the ones it reaches.
        names = self._reachable(converted)
        if not names:
            return converted
        return {"allOf": [converted], self._defs_key: {n: self._definitions[n] for n in sorted(names)}}

    def _reachable(self, converted: Schema) -> set[str]:
        prefix = f"#/{self._defs_key}/"
        names: set[str] = set()
        seen: set[int] = set()
        pending: list[Any] = [converted]
        while pending:
            node = pending.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.startswith(prefix) and ref[len(prefix) :] not in names:
                    names.add(ref[len(prefix) :])
                    pending.append(self._definitions.get(ref[len(prefix) :]))
                pending.extend(node.values())
            elif isinstance(node, list):
                pending.extend(node)
        return names

    def _convert(self, schema: JSON, root: bool = False) -> Schema:
        if isinstance(schema, bool):
            return {} if schema else {"not": {}}
        if not isinstance(schema, dict):
            return {}
        key = id(schema)
        if not root and key in self.shared:
            name = self.shared[key]
            if name not in self._definitions:
                self._definitions[name] = {}
                self._definitions[name].update(self._convert(schema, root=True))
            return {"$ref": f"#/{self._defs_key}/{name}"}
        if key in self._memo:
            return self._memo[key]
        out: Schema = {}
        self._memo[key] = out  # registered before descending, so shared subtrees convert once
        self._fill(schema, out)
        return out

    def _fill(self, schema: dict[str, Any], out: Schema) -> None:
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref in self.recursive:
            name = ref.strip("/").replace("/", "_").replace("#", "_") or "root"
            if name not in self._definitions:
                self._definitions[name] = {}
                self._definitions[name].update(self._convert(self.recursive[ref], root=True))
            out["$ref"] = f"#/{self._defs_key}/{name}"
            return
        for keyword, value in schema.items():
            if keyword.startswith("x-") or keyword in _OAS_ONLY:
                continue
            if keyword == "example" and id(schema) in self.bad_examples:
                continue  # reported as a spec warning at load; never served
            if keyword in _ONE and isinstance(value, (dict, bool)):
                out[keyword] = self._convert(value) if isinstance(value, dict) else value
            elif keyword in _LIST and isinstance(value, list):
                out[keyword] = [self._convert(v) for v in value]
            elif keyword in _MAP and isinstance(value, dict):
                out[keyword] = {name: self._convert(v) for name, v in value.items()}
            elif keyword == "items" and isinstance(value, list):
                out[keyword] = [self._convert(v) for v in value]
            elif keyword == "format":
                self._format(value, out)
            else:
                out[keyword] = value
        if self.is_oas30 and schema.get("nullable") is True and "type" in out:
            # OAS 3.0.3: nullable widens `type` only; an enum must still list null itself.
            kinds = out["type"] if isinstance(out["type"], list) else [out["type"]]
            out["type"] = [*kinds, "null"] if "null" not in kinds else kinds
        self._direction_rules(schema, out)

    def _format(self, fmt: Any, out: Schema) -> None:
        out["x-format"] = fmt  # kept for the synthesizer; validators ignore unknown keywords
        if fmt in CHECKERS:
            out["format"] = FORMAT_PREFIX + fmt
        elif fmt in INTEGER_RANGES:
            low, high = INTEGER_RANGES[fmt]
            bounded = {"minimum": low, "maximum": high}
            # Marked, so that a refusal names the format and its range (mockserver.errors), not
            # the `not` branch of this construct.
            ranged = {"anyOf": [{"not": {"type": "integer"}}, bounded], INTEGER_FORMAT: fmt}
            out.setdefault("allOf", []).append(ranged)

    def _direction_rules(self, schema: dict[str, Any], out: Schema) -> None:
        # Requests may not carry readOnly properties; responses may not carry writeOnly ones,
        # and such properties are not required in that direction (as openapi-core does).
        hidden = "readOnly" if self.direction == "request" else "writeOnly"
        properties = schema.get("properties")
        if not isinstance(properties, dict):
            return
        banned = [
            name for name, sub in properties.items() if isinstance(sub, dict) and sub.get(hidden) is True
        ]
        if not banned:
            return
        out["properties"] = {**out["properties"], **{name: {"not": {}} for name in banned}}
        if isinstance(out.get("required"), list):
            out["required"] = [name for name in out["required"] if name not in banned]


def _format_functions() -> dict[str, Callable[[str], bool]]:
    return {FORMAT_PREFIX + name: check for name, check in CHECKERS.items()}


def compile_validator(schema: Schema, openapi_version: str) -> jsonschema_rs.Validator:
    """A compiled validator for a converted schema (draft 4 for OAS 3.0, 2020-12 otherwise)."""
    cls = (
        jsonschema_rs.Draft4Validator
        if openapi_version.startswith("3.0")
        else jsonschema_rs.Draft202012Validator
    )
    return cls(schema, formats=_format_functions(), validate_formats=True)


class Compiled:
    """A converted schema and its compiled validator.

    Either both are given, or `make` converts on first use (then the validator compiles on first
    use too): a spec with hundreds of operations over a deep component graph starts at once and
    pays per operation when it is first called. A lazily compiled schema that the validator
    refuses is read as `{}` (any value); eagerly compiled ones are reported at load instead.
    """

    __slots__ = ("_make", "_schema", "_validator", "_version")

    def __init__(
        self,
        schema: Schema | None = None,
        validator: jsonschema_rs.Validator | None = None,
        *,
        make: Callable[[], Schema] | None = None,
        version: str = "3.0.0",
    ) -> None:
        self._schema = schema
        self._validator = validator
        self._make = make
        self._version = version

    @property
    def schema(self) -> Schema:
        if self._schema is None:
            self._schema = self._make() if self._make is not None else {}
        return self._schema

    @property
    def validator(self) -> jsonschema_rs.Validator:
        if self._validator is None:
            try:
                self._validator = compile_validator(self.schema, self._version)
            except (ValueError, jsonschema_rs.ValidationError):
                self._schema = {}
                self._validator = compile_validator({}, self._version)
        return self._validator

    def is_valid(self, value: JSON) -> bool:
        return bool(self.validator.is_valid(value))

    def errors(self, value: JSON) -> Iterator[jsonschema_rs.ValidationError]:
        return iter(self.validator.iter_errors(value))


def compile_schema(
    schema: JSON, openapi_version: str, direction: Direction, recursive: dict[str, JSON] | None = None
) -> Compiled:
    """Convert and compile one OpenAPI schema object."""
    converter = Converter(openapi_version, direction, recursive or {})
    converted = converter.convert(schema)
    return Compiled(converted, compile_validator(converted, openapi_version))
