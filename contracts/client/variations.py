"""Systematic coverage: one valid value, varied one place at a time.

Random draws rarely hit the one enum value a strict client mishandles (`enable_web_search: "on"`)
or the one place it cannot take an unknown field. So besides them, the suite walks a full value
(every optional property present, no nulls) along its schema and derives, for each place:
every other enum value (and both booleans), null where the schema allows it, the property left
out where it is optional, and one unknown field `x_unknown_field` in every object that allows
additional properties. Each variation differs from the full value in exactly one place, so a
failure names that place; each is checked against the schema and dropped if invalid.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from contracts.client.equivalence import admits_null
from contracts.client.refs import resolve
from contracts.client.schemagen import Schemaful

UNKNOWN_FIELD = "x_unknown_field"
UNKNOWN_VALUE = "an unknown field's value"
MAX_VARIATIONS = 400  # per value: each is one client call
_ABSENT = object()
Path = tuple[str | int, ...]


def location(path: Path) -> str:
    text = "body"
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else f".{step}"
    return text


def _branches(node: Any, root: Any, depth: int = 0) -> list[dict[str, Any]]:
    """The node and every union branch under it, through `$ref`s (objects are described by any
    of them; a recursive schema keeps its recursion as a `$ref`)."""
    if not isinstance(node, dict) or depth > 64:
        return []
    if isinstance(node.get("$ref"), str):
        return _branches(resolve(node["$ref"], root), root, depth + 1)
    out = [node]
    for union in ("anyOf", "oneOf", "allOf"):
        for branch in node.get(union) or []:
            out += _branches(branch, root, depth + 1)
    return out


def _changes(
    value: Any, nodes: list[dict[str, Any]], path: Path, root: Any
) -> Iterator[tuple[Path, str, Any]]:
    """(path, what changed, new value or _ABSENT) for every single-place change under `value`."""
    if isinstance(value, list) and value:
        items = [n["items"] for n in nodes if isinstance(n.get("items"), dict)]
        yield from _changes(value[0], [b for i in items for b in _branches(i, root)], (*path, 0), root)
        return
    if not isinstance(value, dict):
        return
    named = [n for n in nodes if isinstance(n.get("properties"), dict)]
    required = {r for n in named for r in n.get("required") or []}
    for key, item in value.items():
        subs = [b for n in named for b in _branches(n["properties"].get(key), root)]
        if key not in required:
            yield (*path, key), "absent", _ABSENT
        if item is not None and any(admits_null(s) for s in subs):
            yield (*path, key), "null", None
        enums = [e for s in subs if isinstance(s.get("enum"), list) for e in s["enum"]]
        if any(s.get("type") == "boolean" for s in subs):
            enums += [True, False]
        for choice in _unique(enums):
            if _typed(choice) != _typed(item):
                yield (*path, key), repr_value(choice), choice
        yield from _changes(item, subs, (*path, key), root)
    if named and not any(n.get("additionalProperties") is False for n in named):
        yield (*path, UNKNOWN_FIELD), "unknown field", UNKNOWN_VALUE


def _typed(value: Any) -> str:
    """A value's identity with its JSON types: `1`, `1.0` and `true` are three different answers
    to a strict client (Python's `==` says they are one), also inside arrays and objects."""
    return json.dumps(value, sort_keys=True, default=repr)


def _unique(values: list[Any]) -> list[Any]:
    """`values` in order, each once by `_typed` identity."""
    first: dict[str, Any] = {}
    for value in values:
        first.setdefault(_typed(value), value)
    return list(first.values())


def repr_value(value: Any) -> str:
    return (
        "null" if value is None else "true" if value is True else "false" if value is False else repr(value)
    )


def _apply(value: Any, path: Path, new: Any) -> Any:
    out = copy.deepcopy(value)
    node = out
    for step in path[:-1]:
        node = node[step]
    if new is _ABSENT:
        del node[path[-1]]
    else:
        node[path[-1]] = new
    return out


def variations(compiled: Schemaful, full: Any) -> list[tuple[str, str, Any]]:
    """(field location, what changed there, the varied value) for every valid one-place change."""
    out: list[tuple[str, str, Any]] = []
    seen = {_typed(full)}
    for path, what, new in _changes(full, _branches(compiled.schema, compiled.schema), (), compiled.schema):
        varied = _apply(full, path, new)
        key = _typed(varied)
        if key in seen or not compiled.is_valid(varied):
            continue
        seen.add(key)
        where = location(path[:-1]) if what == "unknown field" else location(path)
        out.append((where, what, varied))
        if len(out) >= MAX_VARIATIONS:
            break
    return out
