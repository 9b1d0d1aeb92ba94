"""The client suite's report: what a run was asked (ClientOptions) and what it found
(ClientReport, one OperationReport per operation), and how it is printed: verdict per operation,
each finding with its blame, evidence and a replay command for the shrunk case, what the client
did in each scenario, and coverage. The values and their renderings share one module so that
`report.text()` needs no import back."""

from __future__ import annotations

import re
import shlex
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts.client.coverage import OperationCoverage
from contracts.client.findings import PHASES, Finding, Observation, case_text, verdict
from contracts.client.resilience import SCENARIOS
from contracts.wording import counted
from mockserver import Spec


@dataclass(frozen=True)
class ClientOptions:
    operations: tuple[str, ...] = ()  # operationIds; empty: every one the adapter covers
    max_examples: int = 10  # drawn cases per operation and target (the explicit ends come on top)
    seed: int = 0
    timeout: float = 30.0  # seconds the client may take per call
    phases: tuple[str, ...] = PHASES
    scenarios: tuple[str, ...] = SCENARIOS
    slow_first_byte: float = 1.0  # seconds the slow-first-byte scenario holds the first byte
    time_budget: float = 60.0  # seconds of exploring per operation and target, past its explicit cases
    spec: Spec | None = None  # default: the bundled spec


@dataclass
class OperationReport:
    operation: str
    label: str
    supported: bool | None = None  # None: not run
    findings: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)  # declared by the adapter, not failing
    observations: list[Observation] = field(default_factory=list)
    coverage: OperationCoverage | None = None
    cases: int = 0
    skipped: list[str] = field(default_factory=list)  # targets the spec gave no values for

    @property
    def verdict(self) -> str:
        return verdict(self.findings, self.supported)

    def as_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "label": self.label,
            "verdict": self.verdict,
            "cases": self.cases,
            "findings": [f.as_json() for f in self.findings],
            "notes": [f.as_json() for f in self.notes],
            "observations": [o.as_json() for o in self.observations],
            "coverage": self.coverage.as_json() if self.coverage else None,
            "skipped": list(self.skipped),
        }


@dataclass
class ClientReport:
    adapter: str
    options: ClientOptions
    operations: list[OperationReport]
    seconds: float = 0.0

    @property
    def findings(self) -> list[Finding]:
        return [f for op in self.operations for f in op.findings]

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if f.failing]

    @property
    def passed(self) -> bool:
        return not self.failures and any(op.supported for op in self.operations)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def operation(self, operation_id: str) -> OperationReport:
        return next(op for op in self.operations if op.operation == operation_id)

    def text(self, replays: Path | None = None) -> str:
        """The terminal report (with `replays`: long cases written there, see report.py)."""
        return text_report(self, replays)

    def as_json(self) -> dict[str, Any]:
        return json_report(self)


_BLAME = {"client": "client bug", "spec": "spec ambiguity", "allowed": "declared by the adapter"}


def replay_command(adapter: str, finding: Finding) -> str:
    if finding.case is None:
        return ""
    case = shlex.quote(case_text(finding.case))
    return f"venice-contracts client --adapter {shlex.quote(adapter)} --replay {case}"


WIDTH = 100  # the terminal report's tables and wrapped lines fit this many columns
LONG_CASE = 400  # characters: a longer case goes to a file, the terminal shows `--replay @FILE`


def replay_file(directory: Path, number: int, finding: Finding) -> Path:
    """Where a long case is written (one file per finding, named so a reader finds it)."""
    name = re.sub(r"[^A-Za-z0-9.-]+", "-", f"{number:02d}-{finding.operation}-{finding.rule}")
    return directory / "replays" / f"{name}.json"


def _finding_lines(report: ClientReport, finding: Finding, number: int, replays: Path | None) -> list[str]:
    lines = [
        f"  {finding.operation}  {finding.rule}  [{_BLAME[finding.attribution]}]",
        f"    {finding.title}",
    ]
    lines += [f"      {line}" for line in finding.evidence]
    if finding.case is None:
        return lines
    text = case_text(finding.case)
    if replays is None or len(text) <= LONG_CASE:
        lines.append(f"    case (shrunk): {text}")
        lines.append(f"    replay: {replay_command(report.adapter, finding)}")
        return lines
    # Never cut: the whole case goes to a file, and the command reads it from there.
    path = replay_file(replays, number, finding)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
    adapter = shlex.quote(report.adapter)
    lines.append(f"    case (shrunk, {len(text)} characters): {path}")
    lines.append(
        f"    replay: venice-contracts client --adapter {adapter} --replay @{shlex.quote(str(path))}"
    )
    return lines


def _wrapped(first: str, rest: str, indent: int) -> list[str]:
    return textwrap.wrap(
        f"{first}{rest}", WIDTH, subsequent_indent=" " * indent, break_on_hyphens=False, break_long_words=True
    )


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]


def text_report(report: ClientReport, replays: Path | None = None) -> str:
    """The terminal report. With `replays` (a directory), cases longer than LONG_CASE are
    written there and their replay commands read them with `--replay @FILE`."""
    o = report.options
    lines = [
        f"venice-contracts client: adapter {report.adapter}, {counted(len(report.operations), 'operation')}, "
        f"seed {o.seed}, {counted(o.max_examples, 'drawn case')} per target, {report.seconds:.1f} s",
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
                lines += _finding_lines(report, finding, report.findings.index(finding) + 1, replays)
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
        width = max(len(f"{obs.operation}  {obs.scenario}") for obs in observations) + 2
        for obs in observations:
            head = f"  {f'{obs.operation}  {obs.scenario}':<{width}}{'ok ' if obs.passed else 'NO '} "
            lines += _wrapped(head, obs.outcome, len(head))
    lines += ["", "coverage (answered: of those documented)"]
    for op in report.operations:
        c = op.coverage
        if c is None or not op.supported:
            lines.append(f"  {op.operation}: {op.verdict}")
            continue
        statuses = ",".join(map(str, sorted(c.statuses))) or "-"
        lines += _wrapped(
            f"  {op.operation}: ",
            f"{c.requests} requests; statuses {c.status_ratio} ({statuses}); "
            f"media types {c.media_ratio} ({', '.join(sorted(c.media_types)) or '-'})",
            6,
        )
        if c.stream_kinds:
            lines += _wrapped("      stream kinds: ", ", ".join(sorted(c.stream_kinds)), 8)
        if c.scenarios:
            lines += _wrapped("      scenarios: ", ", ".join(sorted(c.scenarios)), 8)
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
