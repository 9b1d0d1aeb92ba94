"""Violations, their human messages, and error bodies in the spec's shape.

A Violation names where (`messages[0].content[0].text`, `query.limit`, `header.authorization`),
the rule that failed (`minLength`, `required`, ...) and a short message. Error bodies follow the
Venice spec: `{"error": "...", "details": {...}}`, where details nest by field like zod's
`format()` output (`{"_errors": [], "temperature": {"_errors": ["..."]}}`), which is what the real
API sends.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from mockserver.formats import INTEGER_FORMAT, INTEGER_RANGES
from mockserver.types import JSON, Schema


@dataclass(frozen=True, slots=True)
class Violation:
    location: str  # "messages[0].role", "query.limit", "header.authorization", "body"
    rule: str  # the schema keyword or check that failed: "enum", "required", "content-type", ...
    message: str  # "must be one of 'user', 'assistant'"

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"

    def as_json(self) -> dict[str, str]:
        return {"location": self.location, "rule": self.rule, "message": self.message}


def format_path(path: Sequence[str | int], prefix: str = "") -> str:
    """['messages', 0, 'content'] -> 'messages[0].content' (with an optional `query.`-style prefix)."""
    out = prefix
    for token in path:
        if isinstance(token, int):
            out += f"[{token}]"
        else:
            out += f".{token}" if out else str(token)
    return out or "body"


def _quote(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value).replace("None", "null")
    return text if len(text) <= 60 else text[:57] + "..."


def _plural(n: Any, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") else f"{n} {word}s"


def _type_name(value: Any) -> str:
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
    if isinstance(value, list):
        return "array"
    return "object"


def _rule_message(error: jsonschema_rs.ValidationError, schema: Schema) -> tuple[str, str]:
    """(rule, message) for one non-union error."""
    kind = error.kind.name
    info = error.kind.as_dict()
    instance = error.instance
    if kind == "type":
        types = info.get("types") or [info.get("type")]
        wanted = " or ".join(str(t) for t in types if t != "null") or "null"
        if "null" in types and wanted != "null":
            wanted += " or null"
        return "type", f"expected {wanted}, got {_type_name(instance)}"
    if kind == "minLength":
        return kind, f"shorter than {_plural(info['limit'], 'character')}"
    if kind == "maxLength":
        return kind, f"longer than {_plural(info['limit'], 'character')}"
    if kind == "minimum":
        return kind, f"{_quote(instance)} is less than the minimum of {info['limit']}"
    if kind == "maximum":
        return kind, f"{_quote(instance)} is greater than the maximum of {info['limit']}"
    if kind == "exclusiveMinimum":
        return kind, f"{_quote(instance)} must be greater than {info['limit']}"
    if kind == "exclusiveMaximum":
        return kind, f"{_quote(instance)} must be less than {info['limit']}"
    if kind == "multipleOf":
        return kind, f"{_quote(instance)} is not a multiple of {info['multiple_of']}"
    if kind == "minItems":
        return kind, f"has fewer than {_plural(info['limit'], 'item')}"
    if kind == "maxItems":
        return kind, f"has more than {_plural(info['limit'], 'item')}"
    if kind == "uniqueItems":
        return kind, "items are not unique"
    if kind == "minProperties":
        return kind, f"has fewer than {_plural(info['limit'], 'property')}"
    if kind == "maxProperties":
        return kind, f"has more than {_plural(info['limit'], 'property')}"
    if kind == "enum":
        options = info.get("options") or []
        shown = ", ".join(_quote(o) for o in options[:12]) + (", ..." if len(options) > 12 else "")
        return kind, f"{_quote(instance)} is not one of {shown}"
    if kind == "const":
        return kind, f"must be {_quote(info.get('expected_value'))}"
    if kind == "pattern":
        return kind, f"{_quote(instance)} does not match the pattern {info['pattern']}"
    if kind == "format":
        fmt = str(info.get("format", "")).removeprefix("oas:")
        return kind, f"{_quote(instance)} is not a valid {fmt}"
    if kind == "not":
        return kind, "is not allowed here" if info.get(
            "schema"
        ) == {} else f"must not match {info.get('schema')}"
    if kind == "falseSchema":
        return kind, "is not allowed here"
    return kind, error.message


def _node_at(schema: Schema, schema_path: Sequence[str | int]) -> Any:
    node: Any = schema
    for token in schema_path:
        in_dict = isinstance(node, dict) and token in node
        in_list = isinstance(node, list) and isinstance(token, int) and token < len(node)
        if not (in_dict or in_list):
            return None
        node = node[token]
    return node


def _branch_title(schema: Schema, schema_path: Sequence[str | int]) -> str:
    node = _node_at(schema, schema_path)
    return str(node.get("title", "")) if isinstance(node, dict) else ""


def _context(error: jsonschema_rs.ValidationError) -> list[list[jsonschema_rs.ValidationError]]:
    """Per-branch errors of an anyOf/oneOf failure (jsonschema_rs types omit this attribute)."""
    return list(getattr(error.kind, "context", None) or [])


def _disqualified(branch: list[jsonschema_rs.ValidationError], depth: int) -> bool:
    """A direct child fails an enum/const: the discriminator (like `role` in chat messages) says
    the value is another alternative."""
    return any(e.kind.name in ("enum", "const") and len(e.instance_path) == depth + 1 for e in branch)


@dataclass(frozen=True, slots=True)
class _Discriminator:
    path: list[str | int]
    value: Any
    options: list[Any]

    def with_prefix(self, prefix: str) -> Violation:
        shown = ", ".join(_quote(o) for o in self.options)
        return Violation(
            format_path(self.path, prefix), "enum", f"{_quote(self.value)} is not one of {shown}"
        )


def _shared_discriminator(
    branches: list[list[jsonschema_rs.ValidationError]], depth: int
) -> _Discriminator | None:
    """Every alternative rejects the same child by enum/const (`role: wizard` for chat messages):
    one message listing what the alternatives together allow beats picking one of them."""
    found: list[jsonschema_rs.ValidationError] = []
    for branch in branches:
        hits = [e for e in branch if e.kind.name in ("enum", "const") and len(e.instance_path) == depth + 1]
        if not hits:
            return None
        found.append(hits[0])
    paths = {tuple(e.instance_path) for e in found}
    if len(found) < 2 or len(paths) != 1:
        return None
    options: list[Any] = []
    for e in found:
        info = e.kind.as_dict()
        for option in info.get("options") or [info.get("expected_value")]:
            if option not in options:
                options.append(option)
    return _Discriminator(list(found[0].instance_path), found[0].instance, options)


def _wrong_type(branch: list[jsonschema_rs.ValidationError], depth: int) -> bool:
    return any(e.kind.name == "type" and len(e.instance_path) == depth for e in branch)


def _known_keys(schema: Schema, branch_path: Sequence[str | int], instance: Any) -> int:
    """How many of the value's keys the alternative declares (more: more likely meant)."""
    if not isinstance(instance, dict):
        return 0
    node = _node_at(schema, branch_path)
    if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        node = _node_at(schema, node["$ref"][2:].split("/"))
    properties = node.get("properties") if isinstance(node, dict) else None
    return sum(1 for key in instance if key in properties) if isinstance(properties, dict) else 0


def _pick_branch(
    error: jsonschema_rs.ValidationError, schema: Schema
) -> tuple[int, list[jsonschema_rs.ValidationError]]:
    """The union branch the value most likely meant (research/libraries.md 2.4, extended):
    drop branches of another type; prefer those that declare most of the value's keys; drop those
    whose discriminator disagrees; then the fewest errors, then the deepest."""
    depth = len(error.instance_path)
    plausible = [(i, b) for i, b in enumerate(_context(error)) if b]
    plausible = [(i, b) for i, b in plausible if not _wrong_type(b, depth)] or plausible
    known = {i: _known_keys(schema, [*error.schema_path, i], error.instance) for i, _ in plausible}
    most = max(known.values(), default=0)
    plausible = [(i, b) for i, b in plausible if known[i] == most]
    plausible = [(i, b) for i, b in plausible if not _disqualified(b, depth)] or plausible
    return min(plausible, key=lambda ib: (len(ib[1]), -max(len(e.instance_path) for e in ib[1])))


def explain(
    errors: Iterable[jsonschema_rs.ValidationError], schema: Schema, prefix: str = ""
) -> list[Violation]:
    """Turn validator errors into violations, descending into the most plausible union branch."""
    out: list[Violation] = []
    for error in errors:
        out.extend(_explain_one(error, schema, prefix, annotate=True))
    # Same location and rule twice (two anyOf siblings that share a field) reads as noise.
    unique = {(v.location, v.rule, v.message): v for v in out}
    return list(unique.values())


def _explain_one(
    error: jsonschema_rs.ValidationError, schema: Schema, prefix: str, annotate: bool
) -> list[Violation]:
    kind = error.kind.name
    path = list(error.instance_path)
    if kind == "anyOf":
        node = _node_at(schema, error.schema_path[:-1])
        fmt = node.get(INTEGER_FORMAT) if isinstance(node, dict) else None
        if fmt in INTEGER_RANGES:
            low, high = INTEGER_RANGES[fmt]
            message = f"{error.instance} is outside {fmt}: must be from {low} to {high}"
            return [Violation(format_path(path, prefix), "format", message)]
    if kind in ("anyOf", "oneOf"):
        branches = _context(error)
        if kind == "oneOf" and any(not b for b in branches):
            matched = [i for i, b in enumerate(branches) if not b]
            return [
                Violation(
                    format_path(path, prefix),
                    "oneOf",
                    f"matches more than one alternative of oneOf (#{', #'.join(map(str, matched))})",
                )
            ]
        discriminator = _shared_discriminator(branches, len(path))
        if discriminator is not None:
            return [discriminator.with_prefix(prefix)]
        index, branch = _pick_branch(error, schema)
        title = _branch_title(schema, [*error.schema_path, index]) if len(branches) > 1 else ""
        # Only the outermost union says which alternative it read; nested ones would repeat it.
        inner = [v for e in branch for v in _explain_one(e, schema, prefix, annotate and not title)]
        if annotate and title:
            inner = [Violation(v.location, v.rule, f"{v.message} (read as {title!r})") for v in inner]
        return inner
    if kind == "required":
        missing = error.kind.as_dict()["property"]
        return [Violation(format_path([*path, missing], prefix), "required", "required property is missing")]
    if kind == "additionalProperties":
        node = _node_at(schema, error.schema_path[:-1])
        known = sorted(node.get("properties", {})) if isinstance(node, dict) else []
        out = []
        for name in error.kind.as_dict().get("unexpected", []):
            hint = difflib.get_close_matches(str(name), known, n=1)
            message = "unknown property (additionalProperties is false)"
            if hint:
                message += f"; did you mean {hint[0]!r}?"
            out.append(Violation(format_path([*path, name], prefix), "additionalProperties", message))
        return out
    rule, message = _rule_message(error, schema)
    return [Violation(format_path(path, prefix), rule, message)]


def zod_details(violations: Iterable[Violation]) -> dict[str, JSON]:
    """Nest messages by field path the way zod's `format()` does (what Venice's 400s carry)."""
    root: dict[str, JSON] = {"_errors": []}
    for violation in violations:
        node = root
        if violation.location not in ("body", ""):
            for part in _split_location(violation.location):
                node = node.setdefault(part, {"_errors": []})
        node["_errors"].append(violation.message)
    return root


def _split_location(location: str) -> list[str]:
    parts: list[str] = []
    for chunk in location.replace("]", "").split("."):
        parts.extend(p for p in chunk.split("[") if p)
    return parts


def error_body(message: str, violations: Sequence[Violation] = (), **details: JSON) -> dict[str, JSON]:
    """`{"error": ..., "details": ...}` as the spec shapes its error responses."""
    body: dict[str, JSON] = {"error": message}
    if violations:
        body["details"] = zod_details(violations)
    if details:
        body.setdefault("details", {}).update(details)
    return body


def summarize(violations: Sequence[Violation], limit: int = 3) -> str:
    """'a: x; b: y (and 2 more)' for the `error` string of a 400."""
    shown = "; ".join(str(v) for v in violations[:limit])
    more = len(violations) - limit
    return shown + (f" (and {more} more)" if more > 0 else "")
