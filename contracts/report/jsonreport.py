"""The JSON report: the whole result, for machines."""

from __future__ import annotations

import json

from contracts.server.results import SuiteResult


def render_json(result: SuiteResult) -> str:
    document = {
        "tool": "venice-contracts server",
        "base_url": result.base_url,
        "spec": result.spec,
        "seed": result.seed,
        "requests": result.requests,
        "seconds": round(result.seconds, 3),
        "stopped": result.stopped or None,
        "verdicts": result.verdicts(),
        "failures": len(result.failures),
        "exit_code": result.exit_code,
        "operations": [
            {
                "operation_id": op.operation_id,
                "operation": op.label,
                "verdict": op.verdict,
                "reason": op.reason or None,
                "cases": op.cases,
                "requests": op.requests,
                "seconds": round(op.seconds, 3),
                "failures": [f.as_json() for f in op.failures],
                "warnings": list(op.warnings),
            }
            for op in result.operations
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
