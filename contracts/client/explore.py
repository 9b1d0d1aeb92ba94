"""Hypothesis drives the cases of one operation and phase: the explicit ends first, then drawn
cases; a failing case is shrunk, and the shrunk case is what gets reported."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, example, given, seed, settings
from hypothesis import strategies as st

from contracts.client.findings import Finding, case_text

Judge = Callable[[Mapping[str, Any]], list[Finding]]
# Each shrink step is a real client call: after this many calls past the first failure,
# shrinking stops making progress (new candidates count as passing) and the best so far stands.
SHRINK_BUDGET = 400


class CaseFailed(Exception):
    def __init__(self, case: Mapping[str, Any], findings: list[Finding]) -> None:
        super().__init__(f"{len(findings)} finding(s)")
        self.case = case
        self.findings = findings


def _failed(exc: BaseException) -> CaseFailed | None:
    """The CaseFailed inside whatever hypothesis raised (flaky failures come grouped)."""
    if isinstance(exc, CaseFailed):
        return exc
    for inner in getattr(exc, "exceptions", ()) or ():
        found = _failed(inner)
        if found is not None:
            return found
    return None


def explore(
    strategy: st.SearchStrategy[dict[str, Any]],
    judge: Judge,
    explicit: list[dict[str, Any]],
    max_examples: int,
    seed_value: int,
) -> tuple[list[Finding], list[Finding], int]:
    """(failures of the shrunk failing case, allowed notes seen, cases run).

    Explicit cases are not shrunk by hypothesis; when one fails, drawn cases are explored again
    for the same rule, so the report can show a shrunk case (the explicit one if none turns up)."""
    notes: dict[tuple[str, str], Finding] = {}
    ran = 0
    failing: dict[str, CaseFailed] = {}
    since_failure = 0

    def test(case: dict[str, Any]) -> None:
        nonlocal ran, since_failure
        key = case_text(case)
        if failing:
            since_failure += 1
            if since_failure > SHRINK_BUDGET:
                if key in failing:
                    raise failing[key]
                return
        ran += 1
        findings = judge(case)
        for f in findings:
            if f.attribution == "allowed":
                notes.setdefault((f.rule, f.title), f)
        bad = [f.with_case(case) for f in findings if f.attribution != "allowed"]
        if bad:
            failing[key] = CaseFailed(case, bad)
            raise failing[key]

    failed = _run(strategy, test, explicit, max_examples, seed_value)
    if failed is not None and failed.case in explicit and max_examples > 0:
        rules = {f.rule for f in failed.findings}
        failing.clear()
        since_failure = 0
        again = _run(strategy, test, [], max(4 * max_examples, 40), seed_value + 1)
        if again is not None and rules & {f.rule for f in again.findings}:
            failed = again
    return (failed.findings if failed else []), list(notes.values()), ran


def _run(
    strategy: st.SearchStrategy[dict[str, Any]],
    test: Callable[[dict[str, Any]], None],
    explicit: list[dict[str, Any]],
    max_examples: int,
    seed_value: int,
) -> CaseFailed | None:
    run: Any = given(strategy)(test)
    for case in reversed(explicit):  # decorators apply inside out: keep the given order
        run = example(case)(run)
    phases = [Phase.explicit, Phase.generate, Phase.shrink] if max_examples > 0 else [Phase.explicit]
    run = settings(
        max_examples=max(max_examples, 1),
        phases=phases,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        print_blob=False,
    )(run)
    run = seed(seed_value)(run)
    try:
        run()
    except Exception as exc:
        failed = _failed(exc)
        if failed is None:
            raise
        return failed
    return None
