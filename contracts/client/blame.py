"""Unknown fields: where a schema does not say `additionalProperties: false`, OpenAPI allows
additional properties, so an answer with unknown fields is valid and a client that fails on it is
broken (real SDKs have shipped this bug). When a client fails on an answer with unknown fields,
the suite re-runs it without them; if it then accepts it, each unknown field is tried alone, and
each place the client fails on becomes a `response.unknown-field` client bug, its case the answer
with only that field, its evidence the passing re-run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contracts.client.equivalence import strip, unknown_fields
from contracts.client.findings import Finding
from contracts.client.harness import Harness
from contracts.client.judge import response_findings, response_schema
from mockserver import Operation

_CULPRITS = 8  # unknown fields tried one by one (each is a client call)


def blame(h: Harness, op: Operation, case: Mapping[str, Any], findings: list[Finding]) -> list[Finding]:
    """`findings` of a response case, with failures caused by unknown fields pinned on them."""
    script = case.get("script") or {}
    if not findings or "body" not in script:
        return findings
    fields = unknown_fields(script["body"], response_schema(op, script))
    extras = [f"{parent}.{key}" for parent, key in fields]
    rejected = [f for f in findings if f.failing and f.rule == "response.rejected"]
    if not extras or not rejected or _rejects(h, op, _with_body(case, strip(script["body"], extras))):
        return findings
    error = next((line for f in rejected for line in f.evidence[:1]), "")
    out: list[Finding] = []
    for (parent, _), location in list(zip(fields, extras, strict=True))[:_CULPRITS]:
        alone = _with_body(case, strip(script["body"], [e for e in extras if e != location]))
        if _rejects(h, op, alone):
            out.append(_unknown(op, parent, [location], error, alone))
    kept = [f for f in findings if f not in rejected]
    return kept + (out or [_unknown(op, fields[0][0], extras, error, case)])


def _with_body(case: Mapping[str, Any], body: Any) -> dict[str, Any]:
    return {**case, "script": {**case["script"], "body": body}}


def _rejects(h: Harness, op: Operation, case: Mapping[str, Any]) -> bool:
    """Whether the client still fails on the answer of `case` (other findings aside)."""
    outcome = h.run(op.operation_id, case["arguments"], [case["script"]])
    return any(f.rule == "response.rejected" for f in response_findings(h, op, case, outcome))


def _unknown(
    op: Operation, parent: str, locations: list[str], error: str, case: Mapping[str, Any]
) -> Finding:
    shown = ", ".join(locations[:4]) + (f" (and {len(locations) - 4} more)" if len(locations) > 4 else "")
    return Finding(
        op.operation_id,
        "responses",
        "response.unknown-field",
        f"the client failed on an unknown field at {shown}",
        "client",
        (
            *([error] if error else []),
            f"the same answer without {shown} is accepted; the schema allows additional properties "
            f"at {parent} (no additionalProperties: false, OpenAPI's default), so the answer is valid",
        ),
        path=f"{parent}.*",
        case=case,
    )
