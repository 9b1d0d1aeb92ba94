"""Hypothesis strategies from the spec's compiled schemas (JSON Schema after mockserver's conversion).

Built for shrinking toward the plainest valid value: optional properties absent, null first where
a type admits it, the first enum value, empty arrays where allowed. The `Style` biases generation
toward what breaks clients: unknown extra properties where the schema allows them, long and
non-ASCII strings, large numbers. Every value is finally checked by the compiled validator, so a
keyword this builder only approximates can narrow what is drawn but never let an invalid value out.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Literal, Protocol

from hypothesis import strategies as st

from contracts.client.refs import resolve

# The integers every JSON parser reads exactly (RFC 7493, I-JSON): a JavaScript client turns
# larger ones into floats, which is the spec's silence (no `format`), not the client's fault.
MAX_SAFE_INTEGER = 2**53 - 1
_INT_FORMATS = {"int32": (-(2**31), 2**31 - 1), "int64": (-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)}
_TYPE_ORDER = ("null", "boolean", "integer", "number", "string", "array", "object")

Optional = Literal["some", "all", "none"]
Extra = Literal["none", "some", "always"]


class Schemaful(Protocol):
    """What a strategy is built from: mockserver's `Compiled` has this shape."""

    @property
    def schema(self) -> dict[str, Any]: ...

    def is_valid(self, value: Any) -> bool: ...


@dataclass(frozen=True, slots=True)
class Style:
    """How values are drawn. Hypothesis tries the simplest draw first and shrinks toward it, so
    the style also decides what "simplest" means (a first draw is a useful edge case)."""

    optional: Optional = "some"  # optional properties: drawn ("some"), all present, or none
    extra: Extra = "none"  # unknown properties where additionalProperties allows them
    nulls: Literal["first", "last"] = "first"  # where null sits among a nullable type's choices
    min_items: int = 0  # arrays hold at least this many items, where maxItems allows
    long_strings: bool = False  # sometimes strings of hundreds of characters
    unicode: bool = True  # any Unicode scalar value, not only ASCII
    max_items: int = 3
    max_length: int = 24


# The ends of a schema: everything optional left out and nulls wherever allowed; and every
# property present, with values, one item per array and an unknown extra field wherever allowed.
PLAINEST = Style(optional="none", extra="none", nulls="first")
FULLEST = Style(optional="all", extra="always", nulls="last", min_items=1)
# Every property present, one item per array, no nulls, no unknown fields, ASCII: the value the
# systematic variations (variations.py) change one place at a time.
FULL = Style(optional="all", extra="none", nulls="last", min_items=1, unicode=False)
# Every property present and one item per array, but null wherever null is allowed: what a client
# that trusts nullable fields to be filled trips on.
NULLS = Style(optional="all", extra="none", nulls="first", min_items=1)


# A recursive `$ref` (a tree's node, a comment's replies) is followed in the asked style this many
# times; after that, plainest (no optional property, empty arrays allowed), so a style that fills
# everything (FULLEST) still ends instead of nesting forever.
RECURSION_DRAWN = 2


def from_schema(compiled: Schemaful, style: Style | None = None) -> st.SearchStrategy[Any]:
    """Values valid under `compiled`."""
    return _Builder(compiled.schema, style or Style()).build(compiled.schema).filter(compiled.is_valid)


def any_json(style: Style | None = None) -> st.SearchStrategy[Any]:
    """Small JSON values of every kind (for `{}` schemas and extra properties)."""
    return _Builder({}, style or Style()).anything()


class _Builder:
    def __init__(
        self, root: dict[str, Any], style: Style, depth: int = 0, recursive: dict[str, bool] | None = None
    ) -> None:
        self.root = root
        self.style = style
        self.depth = depth  # recursive `$ref`s followed to get here
        self._memo: dict[int, st.SearchStrategy[Any]] = {}
        self._refs: dict[str, st.SearchStrategy[Any]] = {}
        self._recursive = {} if recursive is None else recursive  # shared: a fact of the root
        self._deeper: _Builder | None = None

    def build(self, schema: Any) -> st.SearchStrategy[Any]:
        if schema is True or schema == {}:
            return self.anything()
        if not isinstance(schema, dict):
            return st.nothing()
        key = id(schema)
        if key not in self._memo:
            self._memo[key] = self._build(schema)
        return self._memo[key]

    def _build(self, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
        if "$ref" in schema:
            return self._ref(str(schema["$ref"]))
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return st.sampled_from(list(schema["enum"])) if schema["enum"] else st.nothing()
        if "allOf" in schema:
            return self.build(_merged(schema))
        for union in ("anyOf", "oneOf"):
            if union in schema:
                base = {k: v for k, v in schema.items() if k != union}
                return st.one_of([self.build({**base, **branch}) for branch in schema[union]])
        kind = schema.get("type")
        if isinstance(kind, list):
            ordered = sorted(kind, key=lambda k: _TYPE_ORDER.index(k) if k in _TYPE_ORDER else 99)
            if self.style.nulls == "last":
                ordered = [k for k in ordered if k != "null"] + [k for k in ordered if k == "null"]
            return st.one_of([self.build({**schema, "type": k}) for k in ordered])
        if kind is None:
            kind = "object" if "properties" in schema else "array" if "items" in schema else None
        typed: dict[str, Callable[[dict[str, Any]], st.SearchStrategy[Any]]] = {
            "null": lambda s: st.none(),
            "boolean": lambda s: st.booleans(),
            "integer": self._integer,
            "number": self._number,
            "string": self._string,
            "array": self._array,
            "object": self._object,
        }
        return typed[kind](schema) if kind in typed else self.anything()

    def _ref(self, ref: str) -> st.SearchStrategy[Any]:
        if ref not in self._refs:
            node = resolve(ref, self.root)
            builder = self._next_level() if self._is_recursive(ref) else self
            # Deferred: a recursive schema refers to itself before its strategy exists.
            self._refs[ref] = st.deferred(lambda: builder.build(node))
        return self._refs[ref]

    def _next_level(self) -> _Builder:
        """The builder one recursive `$ref` deeper: plainest past RECURSION_DRAWN, for a
        style that fills (every optional property, non-empty arrays); another style may leave
        the recursion out at any level, and Hypothesis does."""
        fills = self.style.optional == "all" or self.style.min_items > 0
        if self.depth > RECURSION_DRAWN or not fills:
            return self
        if self._deeper is None:
            style = self.style
            if self.depth + 1 > RECURSION_DRAWN:
                style = replace(style, optional="none", extra="none", min_items=0)
            self._deeper = _Builder(self.root, style, self.depth + 1, self._recursive)
        return self._deeper

    def _is_recursive(self, ref: str) -> bool:
        """Whether `ref`'s schema can reach `ref` again (through any `$ref`s)."""
        if ref not in self._recursive:
            seen: set[str] = set()
            pending: list[Any] = [resolve(ref, self.root)]
            found = False
            while pending and not found:
                node = pending.pop()
                if isinstance(node, dict):
                    target = node.get("$ref")
                    if isinstance(target, str):
                        found = target == ref
                        if target not in seen:
                            seen.add(target)
                            pending.append(resolve(target, self.root))
                    pending.extend(v for k, v in node.items() if k != "$ref")
                elif isinstance(node, list):
                    pending.extend(node)
            self._recursive[ref] = found
        return self._recursive[ref]

    def anything(self) -> st.SearchStrategy[Any]:
        scalars = st.one_of(
            st.none(),
            st.booleans(),
            st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER),
            st.floats(allow_nan=False, allow_infinity=False),
            self._text(0, 12),
        )
        return st.recursive(
            scalars,
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(self._text(1, 8), inner, max_size=3),
            max_leaves=6,
        )

    def _text(self, low: int, high: int) -> st.SearchStrategy[str]:
        alphabet = st.characters(codec="utf-8") if self.style.unicode else st.characters(codec="ascii")
        return st.text(alphabet, min_size=low, max_size=max(low, high))

    def _string(self, schema: dict[str, Any]) -> st.SearchStrategy[str]:
        low = int(schema.get("minLength", 0))
        high = int(schema.get("maxLength", max(low, 10_000)))
        fmt = schema.get("x-format")
        if fmt in _FORMATS:
            return _FORMATS[fmt]().filter(lambda s: low <= len(s) <= high)
        if isinstance(schema.get("pattern"), str):
            return st.from_regex(schema["pattern"], fullmatch=True).filter(lambda s: low <= len(s) <= high)
        short = self._text(low, min(high, max(low, self.style.max_length)))
        if self.style.long_strings and high >= max(low, 256):
            return st.one_of(short, self._text(max(low, 256), min(high, 2048)))
        return short

    def _integer(self, schema: dict[str, Any]) -> st.SearchStrategy[int]:
        floor, ceiling = _INT_FORMATS.get(str(schema.get("x-format")), _INT_FORMATS["int64"])
        low, high = _bounds(schema)
        first, last = floor, ceiling
        if low is not None:
            first = max(
                floor, math.ceil(low) + (1 if _exclusive(schema, "min") and low == math.ceil(low) else 0)
            )
        if high is not None:
            last = min(
                ceiling,
                math.floor(high) - (1 if _exclusive(schema, "max") and high == math.floor(high) else 0),
            )
        step = schema.get("multipleOf")
        if isinstance(step, int) and step > 0:
            first, last = -(-first // step), last // step
            return st.integers(first, last).map(lambda n: n * step) if first <= last else st.nothing()
        return st.integers(first, last) if first <= last else st.nothing()

    def _number(self, schema: dict[str, Any]) -> st.SearchStrategy[float | int]:
        low, high = _bounds(schema)
        floats = st.floats(
            min_value=low,
            max_value=high,
            exclude_min=low is not None and _exclusive(schema, "min"),
            exclude_max=high is not None and _exclusive(schema, "max"),
            allow_nan=False,
            allow_infinity=False,
        )
        return st.one_of(self._integer({**schema, "x-format": None}), floats)

    def _array(self, schema: dict[str, Any]) -> st.SearchStrategy[list[Any]]:
        items = schema.get("items", {})
        declared_high = int(schema.get("maxItems", 10**6))
        low = max(int(schema.get("minItems", 0)), min(self.style.min_items, declared_high))
        high = min(declared_high, max(low, self.style.max_items))
        element = self.build(items) if isinstance(items, dict) else self.anything()
        unique = (lambda v: json.dumps(v, sort_keys=True)) if schema.get("uniqueItems") else None
        return st.lists(element, min_size=low, max_size=high, unique_by=unique)

    def _object(self, schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        properties: dict[str, Any] = schema.get("properties") or {}
        required = [n for n in schema.get("required") or [] if isinstance(n, str)]
        mandatory = {n: self.build(properties.get(n, {})) for n in required}
        optional = {n: self.build(s) for n, s in properties.items() if n not in mandatory}
        if self.style.optional == "all":
            mandatory, optional = {**mandatory, **optional}, {}
        elif self.style.optional == "none":
            optional = {}
        fixed = st.fixed_dictionaries(mandatory, optional=optional)
        additional = schema.get("additionalProperties", True)
        if self.style.extra == "none" or additional is False:
            return fixed
        names = self._text(1, 12).filter(lambda n: n not in properties)
        values = self.build(additional) if isinstance(additional, dict) else self.anything()
        extras = st.dictionaries(names, values, min_size=1 if self.style.extra == "always" else 0, max_size=2)
        return st.tuples(fixed, extras).map(lambda pair: {**pair[1], **pair[0]})


def _bounds(schema: dict[str, Any]) -> tuple[float | None, float | None]:
    low = schema.get("minimum")
    high = schema.get("maximum")
    # JSON Schema 2020-12 spells exclusive bounds as numbers of their own.
    if isinstance(schema.get("exclusiveMinimum"), (int, float)) and not isinstance(
        schema["exclusiveMinimum"], bool
    ):
        low = schema["exclusiveMinimum"]
    if isinstance(schema.get("exclusiveMaximum"), (int, float)) and not isinstance(
        schema["exclusiveMaximum"], bool
    ):
        high = schema["exclusiveMaximum"]
    return low, high


def _exclusive(schema: dict[str, Any], side: str) -> bool:
    value = schema.get("exclusiveMinimum" if side == "min" else "exclusiveMaximum")
    return value is True or (isinstance(value, (int, float)) and not isinstance(value, bool))


def _merged(schema: dict[str, Any]) -> dict[str, Any]:
    """allOf folded into one schema: properties and required joined, other keywords overlaid.
    Branches that are themselves unions are left to the final validity filter."""
    out = {k: v for k, v in schema.items() if k != "allOf"}
    for branch in schema["allOf"]:
        if not isinstance(branch, dict) or "anyOf" in branch or "oneOf" in branch:
            continue
        for key, value in branch.items():
            if key == "properties":
                out["properties"] = {**out.get("properties", {}), **value}
            elif key == "required":
                out["required"] = list(dict.fromkeys([*out.get("required", []), *value]))
            else:
                out.setdefault(key, value)
    return out


def _date_time() -> st.SearchStrategy[str]:
    moments = st.datetimes(datetime(1970, 1, 1), datetime(2100, 1, 1), timezones=st.just(timezone.utc))
    return moments.map(lambda d: d.isoformat().replace("+00:00", "Z"))


_FORMATS: dict[str, Callable[[], st.SearchStrategy[str]]] = {
    "date-time": _date_time,
    "date": lambda: st.dates().map(lambda d: d.isoformat()),
    "uri": lambda: st.from_regex(r"https://[a-z]{1,12}\.example/[a-z0-9/]{0,16}", fullmatch=True),
    "byte": lambda: st.binary(max_size=32).map(lambda b: base64.b64encode(b).decode()),
    "uuid": lambda: st.uuids().map(str),
    "email": lambda: st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.example", fullmatch=True),
}
