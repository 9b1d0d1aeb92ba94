"""Operations on a schema that draw no value: the schema a local `$ref` names, and `allOf`
folded into one schema. Synthesis and answer completion walk schemas with them."""

from __future__ import annotations

from typing import Any

from mockserver.types import Schema


def resolve(ref: str, root: Schema) -> Schema:
    """The schema a local `$ref` names inside `root` (`{}`, anything, if it names nothing)."""
    node: Any = root
    for token in ref.lstrip("#/").split("/"):
        node = node.get(token, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


def merge_all_of(schema: Schema) -> Schema:
    """Fold `allOf` into one schema (properties and required unite, bounds tighten, types meet)."""
    merged: Schema = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema.get("allOf") or ():
        if not isinstance(part, dict):
            continue
        part = merge_all_of(part) if "allOf" in part else part
        for key, value in part.items():
            if key not in merged:
                merged[key] = value
            elif key == "properties":
                merged[key] = {
                    **merged[key],
                    **{
                        n: merge_all_of({"allOf": [merged[key][n], s]}) if n in merged[key] else s
                        for n, s in value.items()
                    },
                }
            elif key == "required":
                merged[key] = list(dict.fromkeys([*merged[key], *value]))
            elif key in ("minimum", "minLength", "minItems", "minProperties"):
                merged[key] = max(merged[key], value)
            elif key in ("maximum", "maxLength", "maxItems", "maxProperties"):
                merged[key] = min(merged[key], value)
            elif key == "type":
                mine = set(merged[key]) if isinstance(merged[key], list) else {merged[key]}
                theirs = set(value) if isinstance(value, list) else {value}
                both = mine & theirs or ({"integer"} if {"integer", "number"} <= mine | theirs else mine)
                merged[key] = sorted(both) if len(both) > 1 else next(iter(both))
            elif key == "enum":
                merged[key] = [v for v in merged[key] if v in value] or merged[key]
            elif key == "additionalProperties" and value is False:
                merged[key] = False
    return merged
