"""Schema -> value: a seeded walker that makes realistic, valid JSON for any converted schema.

Same schema + same RNG state -> same value. The walker reads enums, consts, examples (valid ones
only: invalid spec examples were stripped at load), defaults, formats, patterns, bounds, unions and
property names ("createdAt" looks like a timestamp, "url" like a URL). `valid_value` checks the
result with the compiled validator and retries, so a value that reaches a client is always valid.
"""

from __future__ import annotations

import base64
import copy
import math
import random
from typing import Any

import jsonschema_rs

from mockserver import formats, regexgen, text, valuehints
from mockserver.exceptions import SynthesisError
from mockserver.schemaops import merge_all_of, resolve
from mockserver.schemas import Compiled, compile_validator
from mockserver.types import JSON, Schema

_MAX_DEPTH = 12  # recursive schemas stop here with the smallest value they allow
_OPTIONAL_PROBABILITY = 0.8  # optional properties present in most, not all, responses
_EXAMPLE_PROBABILITY = 0.5  # leaves use the spec's example about half the time


class Synthesizer:
    """Holds per-spec caches (compiled sub-schemas for oneOf exclusivity checks)."""

    def __init__(self, openapi_version: str = "3.0.0") -> None:
        self.openapi_version = openapi_version
        # id(schema) -> (schema, validator); the schema is kept so its id cannot be reused.
        self._validators: dict[int, tuple[Schema, jsonschema_rs.Validator]] = {}
        # id(branch) -> (branch, the branch wrapped with its root's definitions), kept alike.
        self._rooted: dict[int, tuple[Schema, Schema]] = {}
        self._merged: dict[int, tuple[Schema, Schema]] = {}

    def _validator(self, schema: Schema) -> jsonschema_rs.Validator:
        entry = self._validators.get(id(schema))
        if entry is None:
            entry = (schema, compile_validator(schema, self.openapi_version))
            self._validators[id(schema)] = entry
        return entry[1]

    def accepts(self, schema: Schema, root: Schema, value: JSON) -> bool:
        """Is `value` valid under `schema`, a part of `root` (whose definitions its refs use)?"""
        return self._validator(self.rooted(schema, root)).is_valid(value)

    def rooted(self, branch: Schema, root: Schema) -> Schema:
        """A part of `root` that can be compiled alone: with the definitions its `$ref`s point to."""
        if branch is root:
            return branch
        for key in ("$defs", "definitions"):
            if key in root and "$ref" in str(branch):
                cached = self._rooted.get(id(branch))
                if cached is None:
                    cached = (branch, {"allOf": [branch], key: root[key]})
                    self._rooted[id(branch)] = cached
                return cached[1]
        return branch

    def merged(self, schema: Schema) -> Schema:
        """`merge_all_of(schema)`, memoized by identity: spec schemas live as long as the spec, and
        a fresh dict per call would defeat the validator cache above."""
        cached = self._merged.get(id(schema))
        if cached is None:
            cached = (schema, merge_all_of(schema))
            self._merged[id(schema)] = cached
        return cached[1]

    def valid_value(
        self, compiled: Compiled, rng: random.Random, *, examples: bool = True, attempts: int = 8
    ) -> JSON:
        """A value valid under `compiled`, or SynthesisError after `attempts` tries."""
        last_errors: list[str] = []
        for attempt in range(attempts):
            value = self.value(
                compiled.schema, rng, examples=examples and attempt < attempts - 1, root=compiled.schema
            )
            if compiled.is_valid(value):
                return value
            last_errors = [e.message for e in list(compiled.errors(value))[:3]]
        raise SynthesisError("; ".join(last_errors) or "no valid value found")

    def value(
        self,
        schema: Schema,
        rng: random.Random,
        *,
        name: str = "",
        examples: bool = True,
        root: Schema | None = None,
        depth: int = 0,
    ) -> JSON:
        """One value for `schema` (not checked; see valid_value)."""
        return _Walk(self, rng, examples, root or schema).node(schema, name, depth)


class _Walk:
    __slots__ = ("examples", "owner", "rng", "root")

    def __init__(self, owner: Synthesizer, rng: random.Random, examples: bool, root: Schema) -> None:
        self.owner = owner
        self.rng = rng
        self.examples = examples
        self.root = root

    def node(self, schema: Any, name: str, depth: int) -> JSON:
        if not isinstance(schema, dict):
            return None  # `true` (anything) and `false` (nothing valid): null is the best attempt
        if "$ref" in schema:
            return self.node(self._deref(schema["$ref"]), name, depth + 1)
        if "const" in schema:
            return copy.deepcopy(schema["const"])
        if "enum" in schema:
            return self._enum(schema)
        if "allOf" in schema:
            return self.node(merge_all_of(schema), name, depth)
        if (
            self.examples
            and "example" in schema
            and self._leafish(schema)
            and self.rng.random() < _EXAMPLE_PROBABILITY
        ):
            return copy.deepcopy(schema["example"])
        branches = schema.get("oneOf") or schema.get("anyOf")
        if branches:
            return self._union(schema, branches, name, depth)
        kind = self._type(schema)
        if kind == "object":
            return self._object(schema, depth)
        if kind == "array":
            return self._array(schema, name, depth)
        if kind == "string":
            return self._string(schema, name)
        if kind == "integer":
            return self._integer(schema, name)
        if kind == "number":
            return self._number(schema, name)
        if kind == "boolean":
            return self.rng.random() < 0.5
        if self.examples and "example" in schema:
            return copy.deepcopy(schema["example"])
        return None  # `{}` (any value, e.g. OAS `nullable: true` alone): null is the plainest member

    def _deref(self, ref: str) -> Schema:
        return resolve(ref, self.root)

    def _rooted(self, branch: Schema) -> Schema:
        return self.owner.rooted(branch, self.root)

    @staticmethod
    def _leafish(schema: Schema) -> bool:
        # Whole-object examples repeat the same record everywhere; use them only where the schema
        # gives no structure of its own (free-form objects).
        return "properties" not in schema and "items" not in schema

    def _type(self, schema: Schema) -> str:
        kind = schema.get("type")
        if isinstance(kind, list):
            concrete = [k for k in kind if k != "null"]
            return self.rng.choice(concrete) if concrete else "null"
        if isinstance(kind, str):
            return kind
        if "properties" in schema or "additionalProperties" in schema or "required" in schema:
            return "object"
        if "items" in schema or "prefixItems" in schema:
            return "array"
        return ""

    def _enum(self, schema: Schema) -> JSON:
        options = schema["enum"]
        kind = schema.get("type")
        if kind is not None:
            allowed = {kind} if isinstance(kind, str) else set(kind)
            typed = [
                o
                for o in options
                if _json_type(o) in allowed or (_json_type(o) == "integer" and "number" in allowed)
            ]
            options = typed or options
        non_null = [o for o in options if o is not None]
        return copy.deepcopy(self.rng.choice(non_null or options))

    def _union(self, schema: Schema, branches: list[Any], name: str, depth: int) -> JSON:
        # Prefer branches that describe something; `{}`/"null" branches only when nothing else is left.
        concrete = [b for b in branches if isinstance(b, dict) and b and b.get("title") != "null"]
        order = list(concrete or branches)
        self.rng.shuffle(order)
        exclusive = "oneOf" in schema
        rest = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf")}
        for branch in order:
            target = merge_all_of({"allOf": [rest, branch]}) if rest else branch
            value = self.node(target, name, depth + 1)
            if not exclusive:
                return value
            matches = sum(
                1
                for b in branches
                if isinstance(b, dict) and self.owner._validator(self._rooted(b)).is_valid(value)
            )
            if matches == 1:
                return value
        return self.node(order[0], name, depth + 1)

    def _object(self, schema: Schema, depth: int) -> JSON:
        properties: dict[str, Any] = schema.get("properties") or {}
        required = set(schema.get("required") or ())
        out: dict[str, JSON] = {}
        deep = depth >= _MAX_DEPTH
        for prop, sub in properties.items():
            if prop in required or (not deep and self.rng.random() < _OPTIONAL_PROBABILITY):
                if sub == {"not": {}}:
                    continue  # readOnly/writeOnly in this direction: must be absent
                out[prop] = self.node(sub, prop, depth + 1)
        for prop in required - out.keys():
            out[prop] = self.node({}, prop, depth + 1)  # required but undeclared: any value
        extra = schema.get("additionalProperties")
        wanted = int(schema.get("minProperties", 0))
        if isinstance(extra, dict) and not deep and (not properties or len(out) < wanted):
            count = max(wanted - len(out), 0 if properties else self.rng.randint(1, 3))
            for _ in range(count):
                key = self._free_key(schema, out)
                out[key] = self.node(extra, key, depth + 1)
        elif len(out) < wanted and extra is not False:
            for _ in range(wanted - len(out)):
                out[self._free_key(schema, out)] = self.node({}, "", depth + 1)
        limit = schema.get("maxProperties")
        if isinstance(limit, int) and len(out) > limit:
            optional = [k for k in out if k not in required]
            for key in optional[: len(out) - limit]:
                del out[key]
        return out

    def _free_key(self, schema: Schema, taken: dict[str, JSON]) -> str:
        patterns = list((schema.get("patternProperties") or {}).keys())
        for _ in range(10):
            key = regexgen.generate(patterns[0], self.rng) if patterns else text.slug(self.rng)
            if key and key not in taken:
                return key
        return f"{text.slug(self.rng)}-{len(taken)}"

    def _array(self, schema: Schema, name: str, depth: int) -> JSON:
        prefix = schema.get("prefixItems")
        if isinstance(prefix, list):  # 2020-12 tuples: one value per position, then `items`
            head = [self.node(sub, name, depth + 1) for sub in prefix]
            rest = {**schema, "minItems": max(int(schema.get("minItems", 0)) - len(head), 0)}
            rest.pop("prefixItems")
            rest.pop("maxItems", None)
            tail = self._array(rest, name, depth) if isinstance(schema.get("items"), dict) else []
            limit = schema.get("maxItems")
            values = [*head, *(tail if isinstance(tail, list) else [])]
            return values[: int(limit)] if isinstance(limit, (int, float)) else values
        items = schema.get("items")
        low = int(schema.get("minItems", 0))
        high = schema.get("maxItems")
        if not isinstance(items, dict) or not items or depth >= _MAX_DEPTH:
            count = low  # items of any shape (OAS `nullable` alone) or too deep: keep it minimal
        else:
            top = low + 3 if high is None else min(int(high), low + 3)
            count = self.rng.randint(max(low, 1 if top >= 1 else 0), max(top, low))
        singular = name[:-1] if name.endswith("s") else name
        out: list[JSON] = []
        for _ in range(count * 3 if schema.get("uniqueItems") else count):
            value = self.node(items if isinstance(items, dict) else {}, singular, depth + 1)
            if schema.get("uniqueItems") and value in out:
                continue
            out.append(value)
            if len(out) == count:
                break
        return out

    def _string(self, schema: Schema, name: str) -> str:
        low = int(schema.get("minLength", 0))
        high = schema.get("maxLength")
        value: str | None = None
        if "pattern" in schema:
            value = regexgen.generate(str(schema["pattern"]), self.rng)
        fmt = schema.get("x-format")
        if value is None and schema.get("contentEncoding") == "base64":
            # 2020-12's way to say "bytes in a string" (OAS 3.0 said `format: byte`).
            value = base64.b64encode(self.rng.randbytes(self.rng.randint(4, 24))).decode()
        if value is None and isinstance(fmt, str):
            value = formats.example_for(fmt, self.rng)
        if value is None and self.examples and isinstance(schema.get("example"), str):
            value = schema["example"] if self.rng.random() < _EXAMPLE_PROBABILITY else None
        listed = schema.get("examples")  # JSON Schema's list (client schemas, OAS 3.1)
        if value is None and self.examples and isinstance(listed, list):
            strings = [e for e in listed if isinstance(e, str)]
            value = self.rng.choice(strings) if strings else None
        if value is None:
            description = schema.get("description")
            value = valuehints.string_for_name(
                name, self.rng, description if isinstance(description, str) else ""
            )
        if len(value) < low:
            value += text.token(self.rng, low - len(value), "abcdefghijklmnopqrstuvwxyz")
        if isinstance(high, int) and len(value) > high:
            value = value[:high]
        return value

    def _integer(self, schema: Schema, name: str) -> int:
        low, high = _bounds(schema, integer=True)
        lo, hi = valuehints.number_range(low, high, valuehints.name_range(name, integer=True))
        lo, hi = math.ceil(lo), math.floor(hi)
        if hi < lo:
            return lo  # contradictory bounds; the validator will say so
        multiple = schema.get("multipleOf")
        if isinstance(multiple, int) and multiple > 0:
            first = math.ceil(lo / multiple)
            last = math.floor(hi / multiple)
            return multiple * self.rng.randint(first, max(first, last))
        return self.rng.randint(lo, hi)

    def _number(self, schema: Schema, name: str) -> float | int:
        low, high = _bounds(schema, integer=False)
        lo, hi = valuehints.number_range(low, high, valuehints.name_range(name, integer=False))
        multiple = schema.get("multipleOf")
        if isinstance(multiple, (int, float)) and multiple > 0:
            steps = max(math.floor((hi - lo) / multiple), 0)
            return round(math.ceil(lo / multiple) * multiple + multiple * self.rng.randint(0, steps), 10)
        raw = self.rng.uniform(lo, hi)
        rounded = round(raw, 2)
        return rounded if lo <= rounded <= hi else raw


def _bounds(schema: Schema, integer: bool) -> tuple[float | None, float | None]:
    """Inclusive bounds, honouring draft-4 boolean and 2020-12 numeric exclusive bounds."""
    step = 1 if integer else 1e-6
    low = schema.get("minimum")
    high = schema.get("maximum")
    ex_low = schema.get("exclusiveMinimum")
    ex_high = schema.get("exclusiveMaximum")
    if ex_low is True and low is not None:
        low = (math.floor(low) + 1) if integer else low + step
    elif isinstance(ex_low, (int, float)) and not isinstance(ex_low, bool):
        candidate = (math.floor(ex_low) + 1) if integer else ex_low + step
        low = candidate if low is None else max(low, candidate)
    if ex_high is True and high is not None:
        high = (math.ceil(high) - 1) if integer else high - step
    elif isinstance(ex_high, (int, float)) and not isinstance(ex_high, bool):
        candidate = (math.ceil(ex_high) - 1) if integer else ex_high - step
        high = candidate if high is None else min(high, candidate)
    return low, high


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"
