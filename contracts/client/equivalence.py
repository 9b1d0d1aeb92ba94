"""Differences that are not bugs: what the spec itself says means the same thing.

One set of rules, applied alike to what a client sends (given arguments vs the request) and to
what it returns (the scripted answer vs its result), in every phase (docs/client-kit.md):

  default       a value absent on one side and the schema's own `default` on the other
                (a client may fill in, or leave out, what the spec says the server assumes)
  null-absent   `null` on one side and absent on the other, where the field is optional and
                nullable (a typed client keeps unset optional fields as null, or drops them)
  null-items    `[null, ...]` on one side and `[]` on the other, where the items are nullable:
                an array of nothing but nulls carries no value
  same-instant  two spellings of one instant where the schema says `format: date-time`
                ("2000-01-01T00:00:00Z" and "2000-01-01T00:00:00+00:00")
  unknown-dropped
                an unknown field (one the schema does not name, where it allows additional
                properties) that the client does not hand back: it cannot know what it means.
                Failing on one is a bug (rule `response.unknown-field`, see blame.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from contracts.client.compare import Difference, same
from contracts.client.refs import resolve

RULES = ("default", "null-absent", "null-items", "same-instant", "unknown-dropped")


def _tokens(location: str) -> list[str]:
    return [t for t in re.split(r"\.|\[(\d+)\]", location) if t]


def request_root(body: Any, parameters: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One schema for a whole request, so that `query.x` and `body.y` are both locations in it:
    `parameters` maps "query.x" / "path.x" to the parameter's schema."""
    root: dict[str, Any] = {"type": "object", "x-request-root": True, "properties": {"body": body}}
    for name, schema in parameters.items():
        where, _, field = name.partition(".")
        part = root["properties"].setdefault(where, {"type": "object", "properties": {}})
        part["properties"][field] = schema
    return root


def nodes_at(schema: Any, location: str) -> list[dict[str, Any]]:
    """The schema nodes that describe `location` ("body.a[0].b"), through every union branch.
    A root made by request_root describes the whole request; any other describes the body."""
    tokens = _tokens(location)
    if tokens and tokens[0] in ("body", "events") and not (isinstance(schema, dict) and _is_root(schema)):
        tokens = tokens[1:]
    return [n for n in _walk(schema, tokens, schema) if isinstance(n, dict)]


def _walk(node: Any, tokens: list[str], root: Any, depth: int = 0) -> Iterator[Any]:
    if not isinstance(node, dict) or depth > 64:
        return
    if isinstance(node.get("$ref"), str):
        yield from _walk(resolve(node["$ref"], root), tokens, root, depth + 1)
        return
    for union in ("anyOf", "oneOf", "allOf"):
        for branch in node.get(union) or []:
            yield from _walk(branch, tokens, root, depth + 1)
    if not tokens:
        yield node
        return
    head, rest = tokens[0], tokens[1:]
    if head.isdigit():
        yield from _walk(node.get("items"), rest, root, depth + 1)
    else:
        yield from _walk((node.get("properties") or {}).get(head), rest, root, depth + 1)


def _is_root(schema: dict[str, Any]) -> bool:
    return schema.get("x-request-root") is True


def admits_null(node: dict[str, Any]) -> bool:
    kind = node.get("type")
    return (
        kind == "null"
        or (isinstance(kind, list) and "null" in kind)
        or node.get("nullable") is True
        or (isinstance(node.get("enum"), list) and None in node["enum"])
        or any(admits_null(b) for u in ("anyOf", "oneOf") for b in node.get(u) or [] if isinstance(b, dict))
    )


def defaults(schema: Any, location: str) -> list[Any]:
    return [n["default"] for n in nodes_at(schema, location) if "default" in n]


def optional(schema: Any, location: str) -> bool:
    """Whether the property at `location` may be left out (no parent node requires it)."""
    tokens = _tokens(location)
    if not tokens or tokens[-1].isdigit() or len(tokens) < 2:
        return False
    parent = location[: location.rfind("." + tokens[-1])]
    parents = nodes_at(schema, parent)
    return bool(parents) and not any(tokens[-1] in (p.get("required") or []) for p in parents)


def nullable(schema: Any, location: str) -> bool:
    return any(admits_null(n) for n in nodes_at(schema, location))


def rule_for(schema: Any, difference: Difference) -> str | None:
    """The equivalence that makes `difference` no bug, or None when it is one."""
    location, kind = difference.location, difference.kind
    if kind in ("added", "dropped"):
        value = difference.sent if kind == "added" else difference.given
        if optional(schema, location) and any(same(d, value) for d in defaults(schema, location)):
            return "default"
        if value is None and optional(schema, location) and nullable(schema, location):
            return "null-absent"
    if kind == "changed" and _same_instant(schema, difference):
        return "same-instant"
    if kind == "changed" and isinstance(difference.given, list) and isinstance(difference.sent, list):
        given, sent = difference.given, difference.sent
        nothing = (not given and sent and all(v is None for v in sent)) or (
            not sent and given and all(v is None for v in given)
        )
        items = [n.get("items") for n in nodes_at(schema, location)]
        if nothing and any(isinstance(i, dict) and admits_null(i) for i in items):
            return "null-items"
    return None


def _same_instant(schema: Any, difference: Difference) -> bool:
    given, sent = difference.given, difference.sent
    if not isinstance(given, str) or not isinstance(sent, str):
        return False
    formats = {n.get("x-format", n.get("format")) for n in nodes_at(schema, difference.location)}
    if "date-time" not in formats:
        return False
    try:
        a, b = datetime.fromisoformat(given), datetime.fromisoformat(sent)
    except ValueError:
        return False
    return a.tzinfo is not None and b.tzinfo is not None and a == b


def real(schema: Any, differences: list[Difference], given: Any = None) -> list[Difference]:
    """The differences no equivalence explains (`given`: the answer, for its unknown fields)."""
    unknown = set(undeclared(given, schema)) if given is not None else set()
    return [
        d
        for d in differences
        if rule_for(schema, d) is None and not (d.kind == "dropped" and d.location in unknown)
    ]


def undeclared(value: Any, schema: Any) -> list[str]:
    """Locations of properties the schema does not name (where it leaves objects open)."""
    return [f"{parent}.{key}" for parent, key in unknown_fields(value, schema)]


def unknown_fields(
    value: Any, schema: Any, location: str = "body", root: Any = None
) -> list[tuple[str, str]]:
    """(the object's location, the property's name) for each property the schema does not name,
    read through `$ref`s and every union branch (as `nodes_at` reads them): a property a
    referenced or nested branch declares is known. An object no node gives properties is open.
    Kept apart: a name may itself hold a dot."""
    root = schema if root is None else root
    nodes = [n for n in _walk(schema, [], root) if isinstance(n, dict)]
    if isinstance(value, dict):
        declared = [n["properties"] for n in nodes if isinstance(n.get("properties"), dict)]
        named = {name for properties in declared for name in properties}
        out = [(location, k) for k in value if declared and k not in named]
        for key, item in value.items():
            out += unknown_fields(
                item, _either([p[key] for p in declared if key in p]), f"{location}.{key}", root
            )
        return out
    if isinstance(value, list):
        items = _either([n["items"] for n in nodes if isinstance(n.get("items"), dict)])
        return [
            found
            for i, item in enumerate(value)
            for found in unknown_fields(item, items, f"{location}[{i}]", root)
        ]
    return []


def _either(schemas: list[Any]) -> Any:
    """One schema for a value several nodes describe (None when none does)."""
    if not schemas:
        return None
    return schemas[0] if len(schemas) == 1 else {"anyOf": schemas}


def strip(value: Any, locations: list[str], location: str = "body") -> Any:
    """`value` without the properties at `locations`."""
    if isinstance(value, dict):
        return {
            k: strip(v, locations, f"{location}.{k}")
            for k, v in value.items()
            if f"{location}.{k}" not in locations
        }
    if isinstance(value, list):
        return [strip(v, locations, f"{location}[{i}]") for i, v in enumerate(value)]
    return value
