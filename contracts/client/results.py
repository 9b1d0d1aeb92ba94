"""What a client suite run is asked (ClientOptions) and what it found (ClientReport, one
OperationReport per operation)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts.client.coverage import OperationCoverage
from contracts.client.findings import PHASES, Finding, Observation, verdict
from contracts.client.resilience import SCENARIOS
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
        from contracts.client.report import text_report

        return text_report(self, replays)

    def as_json(self) -> dict[str, Any]:
        from contracts.client.report import json_report

        return json_report(self)
