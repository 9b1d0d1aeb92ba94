"""The drift report: for each broken promise, what swagger.yaml says and what the server answered."""

from __future__ import annotations

from contracts.failures import Failure
from contracts.server.results import SuiteResult

_ICONS = {"passed": "passed", "failed": "**FAILED**", "skipped": "skipped", "errored": "**ERROR**"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _block(text: str) -> str:
    fence = "````" if "```" in text else "```"
    return f"{fence}\n{text}\n{fence}"


def _drift(failure: Failure) -> list[str]:
    status = f" (HTTP {failure.status})" if failure.status is not None else ""
    lines = [f"### `{failure.operation}`: {failure.title}", "", f"Check: `{failure.name}`{status}", ""]
    lines += ["swagger.yaml says:", "", _block(failure.expected or "(see the check)"), ""]
    lines += ["The server answered:", "", _block(failure.received or "(nothing more)"), ""]
    if failure.curl:
        lines += ["Reproduce:", "", "```sh\n" + failure.curl + "\n```", ""]
    return lines


def render_markdown(result: SuiteResult) -> str:
    counts = result.verdicts()
    summary = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
    lines = [
        "# Contract drift report",
        "",
        f"- Server: `{result.base_url}`",
        f"- Contract: {result.spec} (swagger.yaml and the stream overlay)",
        f"- Seed: `{result.seed}` (rerun with `--seed {result.seed}`)",
        f"- {result.requests} requests in {result.seconds:.1f} s; operations: {summary}",
    ]
    if result.stopped:
        lines.append(f"- Stopped early: {result.stopped}")
    lines += ["", "| Operation | | Verdict | Cases | Checks failed |", "|---|---|---|---|---|"]
    for op in result.operations:
        failed = ", ".join(f"`{name}`" for name in op.checks_failed) or _cell(op.reason)
        lines.append(f"| `{op.operation_id}` | {op.label} | {_ICONS[op.verdict]} | {op.cases} | {failed} |")
    lines.append("")
    failures = result.failures
    lines += ["## Drift", ""]
    if not failures:
        lines += ["None found: every answer kept the contract.", ""]
    for failure in failures:
        lines += _drift(failure)
    errored = [op for op in result.operations if op.verdict == "errored"]
    if errored:
        lines += ["## Errors", "", "Operations the suite could not finish judging:", ""]
        lines += [f"- `{op.operation_id}` ({op.label}): {op.reason}" for op in errored]
        lines.append("")
    warnings = [w for op in result.operations for w in op.warnings]
    if warnings:
        lines += ["## Notes", "", *(f"- {w}" for w in warnings), ""]
    return "\n".join(lines)
