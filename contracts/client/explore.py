"""Hypothesis drives the cases of one operation and phase: the explicit cases first, then drawn
cases; every distinct finding is reported, each with its own case, shrunk where hypothesis drew
it."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
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
    until: float | None = None,
) -> tuple[list[Finding], list[Finding], int]:
    """(every distinct failing finding, each with its own case; notes seen; cases run).

    The explicit cases run first, each judged on its own. Then hypothesis explores in rounds:
    a round fails on the first finding whose key (operation, rule, field path) has no shrunk
    case yet, and shrinks the case for that key alone; the next round looks for the next new key,
    until a round finds none, ROUNDS is reached or the clock passes `until`. A key only an
    explicit case showed keeps that case. So one bug never hides another."""
    notes: dict[tuple[str, str, str], Finding] = {}
    found: dict[tuple[str, str, str], Finding] = {}
    shrunk: set[tuple[str, str, str]] = set()
    ran = 0

    def judged(case: dict[str, Any], record: bool = True) -> list[Finding]:
        """The failing findings of `case`; with `record`, kept (first case per key) as found."""
        nonlocal ran
        ran += 1
        findings = judge(case)
        for f in findings:
            if f.attribution == "allowed":
                notes.setdefault(f.key, f)
        bad = [f if f.case is not None else f.with_case(case) for f in findings if f.attribution != "allowed"]
        for f in bad if record else ():
            found.setdefault(f.key, f)
        return bad

    for case in explicit:
        judged(case)
    for round_number in range(ROUNDS if max_examples > 0 else 0):
        if until is not None and time.monotonic() > until:
            break
        failed = _run(strategy, _round(judged, shrunk, until), max_examples, seed_value + round_number)
        if failed is None:
            break
        for f in failed.findings:
            if f.key not in shrunk:
                found[f.key] = f
                shrunk.add(f.key)
    return list(found.values()), list(notes.values()), ran


ROUNDS = 12  # hypothesis runs per target: each shrinks one new kind of finding


def _round(
    judged: Callable[[dict[str, Any], bool], list[Finding]],
    shrunk: set[tuple[str, str, str]],
    until: float | None,
) -> Callable[[dict[str, Any]], None]:
    """The test of one round: it fails on the first key not yet shrunk, then only on that key."""
    target: list[tuple[str, str, str]] = []
    failing: dict[str, CaseFailed] = {}
    since_failure = 0

    def test(case: dict[str, Any]) -> None:
        nonlocal since_failure
        key = case_text(case)
        if target:
            since_failure += 1
            out_of_time = until is not None and time.monotonic() > until
            if since_failure > SHRINK_BUDGET or out_of_time:
                if key in failing:
                    raise failing[key]
                return
        # While shrinking, the cases are variants of one failure: only what generation meets is
        # kept as found (a bug seen only while shrinking turns up in a later round, or not).
        bad = judged(case, not target)
        keys = [f.key for f in bad if f.key not in shrunk]
        if not target and keys:
            target.append(keys[0])
        if target and target[0] in {f.key for f in bad}:
            failing[key] = CaseFailed(case, bad)
            raise failing[key]

    return test


def _run(
    strategy: st.SearchStrategy[dict[str, Any]],
    test: Callable[[dict[str, Any]], None],
    max_examples: int,
    seed_value: int,
) -> CaseFailed | None:
    run: Any = given(strategy)(test)
    run = settings(
        max_examples=max_examples,
        phases=[Phase.generate, Phase.shrink],
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
