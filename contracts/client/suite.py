"""The client suite: drive a client through an adapter against the mock on loopback, and judge
it per operation on three phases (requests, responses, resilience).

    report = run_client_suite("httpx")                  # or "openai", "pkg.mod:factory", "exec:node x.mjs"
    report = run_client_suite(MyAdapter, ClientOptions(operations=("listModels",), max_examples=5))
    assert report.passed, report.text()
"""

from __future__ import annotations

import functools
import time
import zlib
from collections.abc import Callable, Mapping
from typing import Any

from hypothesis.errors import NoSuchExample, Unsatisfiable

from contracts.client import adapters
from contracts.client.adapters.base import Target, as_adapter
from contracts.client.blame import blame
from contracts.client.cases import (
    StreamBaselineError,
    baseline,
    request_cases,
    response_cases,
    response_targets,
)
from contracts.client.coverage import OperationCoverage
from contracts.client.explore import explore
from contracts.client.findings import Finding
from contracts.client.harness import Harness
from contracts.client.judge import request_findings, response_findings
from contracts.client.media import SSE_TYPE
from contracts.client.report import ClientOptions, ClientReport, OperationReport
from contracts.client.resilience import judge_scenario, scenario_case
from contracts.server.local import LocalMock
from contracts.strategies import bundled_spec
from mockserver import Mock, Operation, Settings, Spec

AdapterSpec = str | Callable[[Target], Any]
__all__ = ["AdapterSpec", "ClientOptions", "ClientReport", "replay", "run_client_suite"]


def _seed(base: int, *parts: object) -> int:
    return zlib.crc32(repr((base, *parts)).encode())


def adapter_name(adapter: AdapterSpec) -> str:
    """How --adapter names it, so a report's replay command runs as printed."""
    if isinstance(adapter, str):
        return adapter
    module, qualname = getattr(adapter, "__module__", ""), getattr(adapter, "__qualname__", "")
    return f"{module}:{qualname}" if module and qualname and "<" not in qualname else repr(adapter)


def make_adapter(adapter: AdapterSpec, target: Target) -> Any:
    if isinstance(adapter, str):
        return adapters.load(adapter, target)
    return as_adapter(adapter(target))


class Runner:
    """One suite run: a mock on loopback, one adapter, operations judged one after the other."""

    def __init__(self, harness: Harness, spec: Spec, options: ClientOptions, progress: Callable[[str], None]):
        self.h = harness
        self.spec = spec
        self.options = options
        self.progress = progress

    def operation(self, op: Operation) -> OperationReport:
        report = OperationReport(op.operation_id, op.label, coverage=OperationCoverage.of(op))
        if self.h.supports(op.operation_id) is False:
            report.supported = False
            return report
        probe = self.h.run(op.operation_id, baseline(self.spec, op, None), [])
        if probe.result.unsupported:
            report.supported = False
            return report
        report.supported = True
        if "requests" in self.options.phases:
            self._guarded(report, "requests", lambda: self._requests(op, report))
        if "responses" in self.options.phases:
            self._responses(op, report)
        if "resilience" in self.options.phases:
            self._resilience(op, report)
        return report

    def _record(self, report: OperationReport, found: tuple[list[Finding], list[Finding], int]) -> None:
        failures, notes, ran = found
        _add(report, failures)
        report.notes += [n for n in notes if n not in report.notes]
        report.cases += ran

    def _requests(self, op: Operation, report: OperationReport) -> None:
        self.progress(f"{op.operation_id}: requests")
        drawn, explicit = request_cases(self.spec, op)

        def judge(case: Mapping[str, Any]) -> list[Finding]:
            outcome = self.h.run(op.operation_id, case["arguments"], [])
            assert report.coverage is not None
            report.coverage.record(op.operation_id, outcome)
            return request_findings(self.h, op, case["arguments"], outcome.calls, outcome.result)

        seed = _seed(self.options.seed, op.operation_id, "requests")
        self._record(report, explore(drawn, judge, explicit, self.options.max_examples, seed, self._until()))

    def _until(self) -> float:
        return time.monotonic() + self.options.time_budget

    def _guarded(self, report: OperationReport, what: str, run: Callable[[], None]) -> None:
        """Run one target; one the spec gives no values for is reported as not exercised."""
        try:
            run()
        except (NoSuchExample, Unsatisfiable, StreamBaselineError) as exc:
            report.skipped.append(f"{what}: {exc or type(exc).__name__}")

    def _responses(self, op: Operation, report: OperationReport) -> None:
        for status, media_type in response_targets(op):
            target = f"responses {status} {media_type or '(no body)'}"
            if media_type == SSE_TYPE and not self.h.streams():
                report.skipped.append(f"{target}: the adapter declares that its client does not stream")
                continue
            self.progress(f"{op.operation_id}: {target}")
            self._guarded(report, target, functools.partial(self._answer, op, report, status, media_type))

    def _answer(self, op: Operation, report: OperationReport, status: int, media_type: str | None) -> None:
        drawn, explicit = response_cases(self.spec, op, status, media_type)

        def judge(case: Mapping[str, Any]) -> list[Finding]:
            outcome = self.h.run(op.operation_id, case["arguments"], [case["script"]])
            assert report.coverage is not None
            report.coverage.record(op.operation_id, outcome, [case["script"]])
            return blame(self.h, op, case, response_findings(self.h, op, case, outcome))

        # Error answers are small and alike: their explicit ends are enough.
        examples = self.options.max_examples if status < 400 else 0
        seed = _seed(self.options.seed, op.operation_id, status, media_type)
        self._record(report, explore(drawn, judge, explicit, examples, seed, self._until()))

    def _resilience(self, op: Operation, report: OperationReport) -> None:
        for scenario in self.options.scenarios:
            case = scenario_case(self.spec, op, scenario, self.options.slow_first_byte)
            if case is None:
                continue
            if scenario == "cut-stream" and not self.h.streams():
                report.skipped.append(
                    f"resilience {scenario}: the adapter declares that its client does not stream"
                )
                continue
            self.progress(f"{op.operation_id}: resilience {scenario}")
            outcome = self.h.run(op.operation_id, case["arguments"], case["scripts"])
            assert report.coverage is not None
            report.coverage.record(op.operation_id, outcome, case["scripts"])
            findings, observation = judge_scenario(self.h, op, case, outcome)
            report.notes += [f for f in findings if f.attribution == "allowed" and f not in report.notes]
            _add(report, [f.with_case(case) for f in findings if f.attribution != "allowed"])
            report.observations.append(observation)
            report.cases += 1


def _add(report: OperationReport, findings: list[Finding]) -> None:
    """One finding per (operation, rule, field path) across the phases: the first one found."""
    seen = {f.key for f in report.findings}
    for finding in findings:
        if finding.key not in seen:
            seen.add(finding.key)
            report.findings.append(finding)


def suite_mock(spec: Spec, seed: int) -> Mock:
    """The mock a client is judged against: Venice semantics off (every schema-valid request is
    answered, whatever its model or image), scripts checked against the spec."""
    mock = Mock(Settings(seed=seed, behaviors=False, any_model=True, log_size=200), spec=spec)
    mock.scripts.bind(spec)
    return mock


def selected(spec: Spec, options: ClientOptions) -> list[Operation]:
    known = {op.operation_id for op in spec.operations}
    unknown = [o for o in options.operations if o not in known]
    if unknown:
        raise ValueError(f"unknown operation(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return [op for op in spec.operations if not options.operations or op.operation_id in options.operations]


def run_client_suite(
    adapter: AdapterSpec,
    options: ClientOptions | None = None,
    progress: Callable[[str], None] | None = None,
) -> ClientReport:
    options = options or ClientOptions()
    spec = options.spec or bundled_spec()
    operations = selected(spec, options)
    started = time.monotonic()
    with LocalMock(suite_mock(spec, options.seed)) as server:
        target = Target(server.base_url, timeout=options.timeout)
        harness = Harness(server.mock, make_adapter(adapter, target), options.timeout)
        runner = Runner(harness, spec, options, progress or (lambda _: None))
        try:
            reports = [runner.operation(op) for op in operations]
        finally:
            harness.close()
    return ClientReport(adapter_name(adapter), options, reports, time.monotonic() - started)


def replay(
    adapter: AdapterSpec, case: Mapping[str, Any], options: ClientOptions | None = None
) -> list[Finding]:
    """Run one case (as a report prints it) again and judge it; [] when it passes now."""
    options = options or ClientOptions()
    spec = options.spec or bundled_spec()
    op = spec.operation(str(case["operation"]))
    with LocalMock(suite_mock(spec, options.seed)) as server:
        harness = Harness(
            server.mock,
            make_adapter(adapter, Target(server.base_url, timeout=options.timeout)),
            options.timeout,
        )
        try:
            phase = case.get("phase")
            if phase == "requests":
                outcome = harness.run(op.operation_id, case["arguments"], [])
                return request_findings(harness, op, case["arguments"], outcome.calls, outcome.result)
            if phase == "responses":
                outcome = harness.run(op.operation_id, case["arguments"], [case["script"]])
                return blame(harness, op, case, response_findings(harness, op, case, outcome))
            if phase == "resilience":
                outcome = harness.run(op.operation_id, case["arguments"], case["scripts"])
                return judge_scenario(harness, op, case, outcome)[0]
            raise ValueError(f"a case's phase is requests, responses or resilience, not {phase!r}")
        finally:
            harness.close()
