"""What a suite run is asked to do and what it found, as plain values (reports read these)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from contracts.checks.reader import Limits
from contracts.failures import Failure
from mockserver import Settings

MODES = ("positive", "negative")


@dataclass(frozen=True, slots=True)
class SuiteOptions:
    base_url: str | None = None  # None: the in-process mock
    api_key: str | None = None
    operations: tuple[str, ...] = ()  # operationIds; () means all that safety allows
    max_examples: int = 100  # per operation and mode
    seed: int | None = None  # None: a random seed, reported so the run can be repeated
    modes: tuple[str, ...] = MODES
    allow_mutations: bool = False
    allow_costly: bool = False
    max_requests: int | None = None
    max_wait: float | None = None  # total seconds slept on Retry-After; None: 60 remote, 0 local
    limits: Limits = field(default_factory=Limits)
    time_limit: float | None = 120.0  # seconds of exploration per operation; None: only max_examples
    auth_probe: bool = True  # send each secured operation once without and once with a bad key
    headers: Mapping[str, str] = field(default_factory=dict)  # added to every request
    mock_settings: Settings | None = None  # the in-process mock's settings (api_keys are set here)


@dataclass(frozen=True, slots=True)
class OperationResult:
    operation_id: str
    label: str  # "POST /chat/completions"
    verdict: str  # "passed", "failed", "skipped" or "errored"
    reason: str = ""  # why skipped or errored
    cases: int = 0
    requests: int = 0
    failures: tuple[Failure, ...] = ()
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def checks_failed(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.name for f in self.failures))


@dataclass(frozen=True, slots=True)
class SuiteResult:
    base_url: str
    spec: str  # title and version of the contract
    seed: int
    operations: tuple[OperationResult, ...]
    requests: int
    seconds: float
    stopped: str = ""  # why the run ended early, if it did

    @property
    def failures(self) -> tuple[Failure, ...]:
        return tuple(f for op in self.operations for f in op.failures)

    @property
    def exit_code(self) -> int:
        errored = any(op.verdict == "errored" for op in self.operations)
        return 1 if self.failures or errored else 0

    def verdicts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for op in self.operations:
            counts[op.verdict] = counts.get(op.verdict, 0) + 1
        return counts
