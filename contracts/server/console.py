"""The run's verdict on stdout: one line per operation, then each failure with its evidence and
the curl command that reproduces it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from contracts.server.results import SuiteResult
from contracts.wording import counted

_MARKS = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP", "errored": "ERROR"}


def _indented(label: str, text: str) -> str:
    lines = text.splitlines() or [""]
    return "\n".join([f"    {label}: {lines[0]}", *(f"      {line}" for line in lines[1:])])


def print_result(result: SuiteResult, out: TextIO, redact: Callable[[str], str]) -> None:
    lines = [f"venice-contracts server: {result.spec} against {result.base_url} (seed {result.seed})"]
    for op in result.operations:
        detail = counted(op.cases, "case") if op.verdict != "skipped" else op.reason
        if op.verdict == "errored":
            detail = op.reason
        elif op.failures:
            detail += "; " + ", ".join(op.checks_failed)
        lines.append(f"  {_MARKS[op.verdict]:5} {op.label:40} {op.operation_id:30} {detail}")
    for failure in result.failures:
        status = f" -> {failure.status}" if failure.status is not None else ""
        lines += ["", f"FAIL {failure.operation}{status}: {failure.name}: {failure.title}"]
        if failure.expected:
            lines.append(_indented("expected", failure.expected))
        if failure.received:
            lines.append(_indented("received", failure.received))
        if failure.curl:
            lines.append(_indented("reproduce", failure.curl))
    notes = sorted({w for op in result.operations for w in op.warnings})
    any_key = sorted({f.operation for f in result.failures if f.name == "ignored_auth.bad_key"})
    if any_key:  # one plain sentence for what would otherwise read as many separate faults
        notes.insert(
            0,
            f"the server accepts a key nobody issued on {len(any_key)} operation(s) ({', '.join(any_key)}): "
            "it does not check keys (for the mock: start it with --api-key KEY)",
        )
    if notes:
        lines += ["", "notes:", *(f"  {note}" for note in notes)]
    counts = ", ".join(f"{n} {v}" for v, n in sorted(result.verdicts().items()))
    stopped = f"; stopped early: {result.stopped}" if result.stopped else ""
    spent = f"{result.requests} requests in {result.seconds:.1f} s"
    errored = [op for op in result.operations if op.verdict == "errored"]
    for op in errored:
        lines += ["", f"ERROR {op.operation_id}: {op.reason}"]
    found = f"{len(result.failures)} failure(s), {len(errored)} error(s)"
    lines += ["", f"{found}; operations: {counts}; {spent}{stopped}"]
    out.write(redact("\n".join(lines)) + "\n")
