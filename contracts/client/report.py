"""The client suite's report: verdict per operation, each finding with its blame, evidence and
a replay command for the shrunk case, what the client did in each scenario, and coverage."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

from contracts.client.findings import Finding, case_text

if TYPE_CHECKING:
    from contracts.client.results import ClientReport

_BLAME = {"client": "client bug", "spec": "spec ambiguity", "allowed": "declared by the adapter"}


def replay_command(adapter: str, finding: Finding) -> str:
    if finding.case is None:
        return ""
    case = shlex.quote(case_text(finding.case))
    return f"venice-contracts client --adapter {shlex.quote(adapter)} --replay {case}"


def _finding_lines(report: ClientReport, finding: Finding) -> list[str]:
    lines = [
        f"  {finding.operation}  {finding.rule}  [{_BLAME[finding.attribution]}]",
        f"    {finding.title}",
    ]
    lines += [f"      {line}" for line in finding.evidence]
    if finding.case is not None:
        lines.append(f"    case (shrunk): {case_text(finding.case)[:2000]}")
        lines.append(f"    replay: {replay_command(report.adapter, finding)[:2200]}")
    return lines


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]


def text_report(report: ClientReport) -> str:
    o = report.options
    lines = [
        f"venice-contracts client: adapter {report.adapter}, {len(report.operations)} operation(s), "
        f"seed {o.seed}, {o.max_examples} drawn cases per target, {report.seconds:.1f} s",
        "",
        "verdicts",
    ]
    rows = [["operation", "", "verdict", "cases", "findings"]]
    rows += [
        [op.operation, op.label, op.verdict.upper(), str(op.cases), str(len(op.findings))]
        for op in report.operations
    ]
    lines += _table(rows)
    for title, attribution in (
        ("failures (client bugs)", "client"),
        ("spec ambiguities (not failing)", "spec"),
    ):
        chosen = [f for f in report.findings if f.attribution == attribution]
        if chosen:
            lines += ["", title]
            for finding in chosen:
                lines += _finding_lines(report, finding)
    notes = [n for op in report.operations for n in op.notes]
    if notes:
        lines += ["", "declared by the adapter (not failing)"]
        lines += [f"  {n.operation}  {n.title}: {'; '.join(n.evidence)}" for n in notes]
    skipped = [f"  {op.operation}  {line}" for op in report.operations for line in op.skipped]
    if skipped:
        lines += ["", "not exercised", *skipped]
    observations = [obs for op in report.operations for obs in op.observations]
    if observations:
        lines += ["", "resilience: what the client did"]
        rows = [["operation", "scenario", "ok", "outcome"]]
        rows += [
            [obs.operation, obs.scenario, "yes" if obs.passed else "NO", obs.outcome] for obs in observations
        ]
        lines += _table(rows)
    lines += ["", "coverage"]
    rows = [["operation", "requests", "statuses", "media types", "stream kinds", "scenarios"]]
    for op in report.operations:
        c = op.coverage
        if c is None or not op.supported:
            rows.append([op.operation, "-", "-", "-", "-", op.verdict])
            continue
        rows.append(
            [
                op.operation,
                str(c.requests),
                f"{c.status_ratio}: {','.join(map(str, sorted(c.statuses)))}",
                f"{c.media_ratio}: {','.join(sorted(c.media_types))}",
                ",".join(sorted(c.stream_kinds)) or "-",
                ",".join(sorted(c.scenarios)) or "-",
            ]
        )
    lines += _table(rows)
    failures = len(report.failures)
    verdict = (
        "PASS"
        if report.passed
        else f"FAIL ({failures} client failure(s))"
        if failures
        else "FAIL (nothing ran)"
    )
    lines += ["", f"result: {verdict}"]
    return "\n".join(lines) + "\n"


def json_report(report: ClientReport) -> dict[str, Any]:
    o = report.options
    return {
        "adapter": report.adapter,
        "passed": report.passed,
        "seconds": round(report.seconds, 3),
        "options": {
            "operations": list(o.operations),
            "max_examples": o.max_examples,
            "seed": o.seed,
            "timeout": o.timeout,
            "phases": list(o.phases),
            "scenarios": list(o.scenarios),
        },
        "operations": [op.as_json() for op in report.operations],
        "replay": {
            f"{f.operation}:{f.rule}": replay_command(report.adapter, f)
            for f in report.findings
            if f.case is not None
        },
    }


def markdown_report(report: ClientReport) -> str:
    lines = [
        f"# Client contract report: `{report.adapter}`",
        "",
        f"**Result: {'PASS' if report.passed else 'FAIL'}**",
        "",
    ]
    lines += ["| operation | verdict | cases | findings |", "|---|---|---|---|"]
    lines += [
        f"| `{op.operation}` {op.label} | {op.verdict} | {op.cases} | {len(op.findings)} |"
        for op in report.operations
    ]
    if report.findings:
        lines += ["", "## Findings", ""]
        for f in report.findings:
            lines += [f"### `{f.operation}` {f.rule} ({_BLAME[f.attribution]})", "", f.title, ""]
            lines += [f"- {line}" for line in f.evidence]
            if f.case is not None:
                lines += ["", "```", replay_command(report.adapter, f), "```"]
            lines.append("")
    observations = [obs for op in report.operations for obs in op.observations]
    if observations:
        lines += ["", "## Resilience", "", "| operation | scenario | ok | outcome |", "|---|---|---|---|"]
        lines += [
            f"| `{o.operation}` | {o.scenario} | {'yes' if o.passed else 'no'} | {o.outcome} |"
            for o in observations
        ]
    lines += [
        "",
        "## Coverage",
        "",
        "| operation | requests | statuses | media types | stream kinds | scenarios |",
    ]
    lines.append("|---|---|---|---|---|---|")
    for op in report.operations:
        c = op.coverage
        if c is not None and op.supported:
            kinds = ", ".join(sorted(c.stream_kinds)) or "-"
            scenarios = ", ".join(sorted(c.scenarios)) or "-"
            statuses = f"{c.status_ratio} {sorted(c.statuses)}"
            media = f"{c.media_ratio} {sorted(c.media_types)}"
            lines.append(
                f"| `{op.operation}` | {c.requests} | {statuses} | {media} | {kinds} | {scenarios} |"
            )
    return "\n".join(lines) + "\n"
