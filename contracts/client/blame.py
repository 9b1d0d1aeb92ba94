"""Who is to blame: when a client fails only on unknown fields the schema leaves open (no
`additionalProperties: false`), the spec's silence is what it tripped on, not a client bug alone.
The evidence is a re-run: the same answer without those fields passes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contracts.client.findings import Finding
from contracts.client.harness import Harness
from contracts.client.judge import response_findings
from mockserver import Operation


def undeclared(value: Any, schema: Any, location: str = "body") -> list[str]:
    """Locations of properties the schema does not name (where it leaves objects open)."""
    if not isinstance(schema, dict):
        return []
    if isinstance(value, dict):
        properties = schema.get("properties")
        branches = [
            b for u in ("anyOf", "oneOf", "allOf") for b in schema.get(u) or [] if isinstance(b, dict)
        ]
        named = set(properties or {}) | {n for b in branches for n in (b.get("properties") or {})}
        out = [f"{location}.{k}" for k in value if (properties is not None or branches) and k not in named]
        for key, item in value.items():
            sub = (properties or {}).get(key) or next(
                (b["properties"][key] for b in branches if key in (b.get("properties") or {})), None
            )
            out += undeclared(item, sub, f"{location}.{key}")
        return out
    if isinstance(value, list):
        items = schema.get("items")
        return [loc for i, item in enumerate(value) for loc in undeclared(item, items, f"{location}[{i}]")]
    return []


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


def blame(h: Harness, op: Operation, case: Mapping[str, Any], findings: list[Finding]) -> list[Finding]:
    """Re-run a failed response case without the unknown fields the schema left open: if the
    client then passes, the spec's silence is what it tripped on."""
    script = case.get("script") or {}
    if (
        not findings
        or "body" not in script
        or not all(f.rule in ("response.rejected", "response.changed") for f in findings)
    ):
        return findings
    response = op.response(int(script.get("status") or 200))
    media = (
        response.content.get(script.get("media_type") or "application/json") if response is not None else None
    )
    if media is None or media.schema is None:
        return findings
    extras = undeclared(script["body"], media.schema.schema)
    if not extras:
        return findings
    calmer = {**case, "script": {**script, "body": strip(script["body"], extras)}}
    again = response_findings(h, op, calmer, h.run(op.operation_id, calmer["arguments"], [calmer["script"]]))
    if again:
        return findings
    note = (
        f"the same answer without {', '.join(extras[:4])} passes: the schema does not close these "
        "objects (no additionalProperties: false), so unknown fields are valid there"
    )
    return [Finding(f.operation, f.phase, f.rule, f.title, "spec", (*f.evidence, note)) for f in findings]
