"""Just past the bound: every numeric bound the spec states for a request field is also sent one
step beyond it, on a request that is otherwise valid; the server must refuse it (4xx, error shape).

Random negative cases rarely land next to a bound (`temperature: 2.01`); this is where servers
clamp silently instead of refusing. Body fields at the top level of a JSON body and query
parameters are covered; a step is 1 for integers and 0.01 (or a hundredth of the bound) for
numbers; a draft-4 boolean `exclusiveMinimum` makes the bound itself out of range.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from contracts.server.cases import Planned
from mockserver import Operation


@dataclass(frozen=True, slots=True)
class Past:
    """One value past one bound of one field."""

    field: str  # "temperature", or "?limit" for a query parameter
    value: float | int
    bound: str  # "maximum 2"


def _types(schema: Mapping[str, Any]) -> set[str]:
    kind = schema.get("type")
    return (
        {kind}
        if isinstance(kind, str)
        else {k for k in kind if isinstance(k, str)}
        if isinstance(kind, list)
        else set()
    )


def _past(name: str, schema: Any) -> Iterator[Past]:
    if not isinstance(schema, Mapping):
        return
    types = _types(schema)
    integer = "integer" in types and "number" not in types
    if not types & {"integer", "number"}:
        return
    exclusive_min, exclusive_max = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    for key, sign in (("maximum", 1), ("minimum", -1)):
        limit = schema.get(key)
        if not isinstance(limit, (int, float)) or isinstance(limit, bool):
            continue
        exclusive = (exclusive_max if sign > 0 else exclusive_min) is True
        step = 1 if integer else max(0.01, abs(limit) / 100)
        value = limit if exclusive else limit + sign * step
        if integer:
            value = int(value)
        yield Past(name, value, f"{'exclusive ' if exclusive else ''}{key} {limit}")
    for key in ("exclusiveMaximum", "exclusiveMinimum"):  # OAS 3.1: the bound is a number
        limit = schema.get(key)
        if isinstance(limit, (int, float)) and not isinstance(limit, bool):
            yield Past(name, int(limit) if integer else limit, f"{key} {limit}")


def body_bounds(op: Operation) -> list[Past]:
    body = op.request_body
    media = body.content.get("application/json") if body is not None else None
    schema = media.schema.schema if media is not None and media.schema is not None else {}
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    return [p for name, prop in (properties or {}).items() for p in _past(name, prop)]


def query_bounds(op: Operation) -> list[Past]:
    return [
        p
        for parameter in op.parameters
        if parameter.location == "query" and parameter.schema is not None
        for p in _past(f"?{parameter.name}", parameter.schema.schema)
    ]


def bound_cases(op: Operation, base: Planned | None) -> list[tuple[Planned, Past]]:
    """The base case (a valid request of the operation) with one field past one bound each."""
    if base is None:
        return []
    out: list[tuple[Planned, Past]] = []
    if isinstance(base.body, dict):
        for past in body_bounds(op):
            body = {**base.body, past.field: past.value}
            out.append(
                (replace(base, title=f"bounds: {past.field}={past.value}", body=body, key="", pair=""), past)
            )
    for past in query_bounds(op):
        query = {**base.query, past.field[1:]: str(past.value)}
        out.append(
            (replace(base, title=f"bounds: {past.field}={past.value}", query=query, key="", pair=""), past)
        )
    return out
