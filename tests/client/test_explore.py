"""The explorer on its own, with a judge made of plain rules over a drawn number: every distinct
bug is reported with its own case shrunk to the smallest one showing it, notes are kept apart,
explicit cases run first, and the bounds (examples, rounds, shrink budget, clock) hold. Whole
findings and their cases are compared."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import strategies as st

from contracts.client import explore as explorer
from contracts.client.explore import ROUNDS, CaseFailed, _failed, explore
from contracts.client.findings import Finding

NUMBERS = st.fixed_dictionaries({"n": st.integers(0, 10_000)})
BIG = Finding("op", "requests", "request.schema", "too big", path="body.n")
ODD = Finding("op", "requests", "request.dropped", "odd dropped", path="body.n")
NOTE = Finding("op", "requests", "request.changed", "spelled another way", "allowed", path="body.m")


class Judge:
    """BIG from 500 up, ODD for odd numbers, NOTE (allowed) for multiples of 3; counts its calls."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def __call__(self, case: Mapping[str, Any]) -> list[Finding]:
        n = case["n"]
        self.seen.append(n)
        rules = [(BIG, n >= 500), (ODD, n % 2 == 1), (NOTE, n % 3 == 0)]
        return [finding for finding, applies in rules if applies]


def cases(findings: list[Finding]) -> dict[str, tuple[Finding, Any]]:
    return {f.rule: (f, f.case) for f in findings}


def test_every_bug_is_reported_once_each_with_its_own_smallest_case() -> None:
    judge = Judge()
    found, notes, ran = explore(NUMBERS, judge, [], 100, 7)
    assert cases(found) == {
        "request.schema": (BIG, {"n": 500}),
        "request.dropped": (ODD, {"n": 1}),
    }
    assert notes == [NOTE]
    assert notes[0].case is None
    assert ran == len(judge.seen)


def test_explicit_cases_run_first_and_a_key_only_they_show_keeps_their_case() -> None:
    judge = Judge()
    special = Finding("op", "requests", "request.added", "negative", path="query.n")

    def judged(case: Mapping[str, Any]) -> list[Finding]:
        return judge(case) + ([special] if case["n"] < 0 else [])

    found, _, ran = explore(NUMBERS, judged, [{"n": -3}, {"n": 1001}], 100, 7)
    assert judge.seen[:2] == [-3, 1001]
    assert cases(found) == {
        "request.added": (special, {"n": -3}),
        "request.schema": (BIG, {"n": 500}),
        "request.dropped": (ODD, {"n": 1}),  # drawn too, so shrunk further than the explicit -3
    }
    assert ran == len(judge.seen)


def test_a_finding_that_brings_its_own_case_keeps_it() -> None:
    own = BIG.with_case({"n": 1, "replayed": True})
    found, _, ran = explore(NUMBERS, lambda case: [own], [{"n": 2}], 0, 7)
    assert [(f, f.case) for f in found] == [(BIG, {"n": 1, "replayed": True})]
    assert ran == 1


@pytest.mark.parametrize("examples", [0, -1])
def test_without_examples_only_the_explicit_cases_run(examples: int) -> None:
    judge = Judge()
    found, notes, ran = explore(NUMBERS, judge, [{"n": 9}, {"n": 4}], examples, 7)
    assert judge.seen == [9, 4]
    assert ran == 2
    assert cases(found) == {"request.dropped": (ODD, {"n": 9})}
    assert notes == [NOTE]


def test_a_clock_already_past_runs_only_the_explicit_cases() -> None:
    judge = Judge()
    found, _, ran = explore(NUMBERS, judge, [{"n": 3}], 100, 7, until=time.monotonic() - 1)
    assert (judge.seen, ran) == ([3], 1)
    assert cases(found) == {"request.dropped": (ODD, {"n": 3})}


def test_a_correct_client_yields_nothing_after_one_round() -> None:
    calls: list[Mapping[str, Any]] = []

    def correct(case: Mapping[str, Any]) -> list[Finding]:
        calls.append(case)
        return []

    found, notes, ran = explore(NUMBERS, correct, [], 30, 7)
    assert (found, notes) == ([], [])
    assert ran == len(calls) == 30


def test_rounds_are_bounded_each_shrinking_one_new_bug() -> None:
    def every_number_its_own_bug(case: Mapping[str, Any]) -> list[Finding]:
        return [Finding("op", "requests", "request.schema", "bad", path=f"body.n{case['n']}")]

    found, _, _ = explore(NUMBERS, every_number_its_own_bug, [], 50, 7)
    assert len({f.key for f in found}) == len(found) == ROUNDS
    # each round's case is the one its bug names, so a replay shows that bug
    assert all(f.path == f"body.n{f.case['n']}" for f in found if f.case is not None)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now


def test_when_the_clock_runs_out_while_shrinking_the_first_failing_case_stands(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock()
    monkeypatch.setattr(explorer, "time", clock)
    seen: list[int] = []

    def judged(case: Mapping[str, Any]) -> list[Finding]:
        seen.append(case["n"])
        if case["n"] >= 500:
            clock.now = 11.0  # the deadline passes at the first failure
            return [BIG]
        return []

    found, _, ran = explore(NUMBERS, judged, [], 100, 7, until=10.0)
    first = next(n for n in seen if n >= 500)
    assert cases(found) == {"request.schema": (BIG, {"n": first})}
    assert first > 500  # else the test could not tell a shrunk case from an unshrunk one
    assert ran == len(seen)


def test_a_spent_shrink_budget_keeps_the_best_case_so_far(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(explorer, "SHRINK_BUDGET", 0)
    seen: list[int] = []

    def judged(case: Mapping[str, Any]) -> list[Finding]:
        seen.append(case["n"])
        return [BIG] if case["n"] >= 5000 else []

    found, _, _ = explore(NUMBERS, judged, [], 100, 7)
    first = next(n for n in seen if n >= 5000)
    assert first > 5000  # the smallest case, 5000, is what shrinking would have reached
    assert cases(found) == {"request.schema": (BIG, {"n": first})}


def test_an_error_in_the_judge_is_not_a_finding() -> None:
    def broken(case: Mapping[str, Any]) -> list[Finding]:
        raise RuntimeError("judge broke")

    with pytest.raises(RuntimeError, match="judge broke"):
        explore(NUMBERS, broken, [], 10, 7)


def test_a_case_failure_says_how_many_findings_and_carries_them() -> None:
    failed = CaseFailed({"n": 1}, [BIG, ODD])
    assert (str(failed), failed.case, failed.findings) == ("2 finding(s)", {"n": 1}, [BIG, ODD])


class Grouped(Exception):
    """What hypothesis raises for flaky failures: an error holding others in `exceptions`
    (ExceptionGroup from Python 3.11, its backport before)."""

    def __init__(self, *inner: BaseException) -> None:
        super().__init__("grouped")
        self.exceptions = inner


def test_the_case_failure_is_found_inside_grouped_errors() -> None:
    failed = CaseFailed({"n": 1}, [BIG])
    assert _failed(failed) is failed
    assert _failed(Grouped(ValueError("x"), Grouped(failed))) is failed
    assert _failed(Grouped(ValueError("x"))) is None
    assert _failed(Grouped()) is None
    assert _failed(ValueError("x")) is None


def passing(judge: Judge) -> explorer.Judge:
    """The judge's calls counted, every case passing."""

    def judged(case: Mapping[str, Any]) -> list[Finding]:
        judge(case)
        return []

    return judged


def test_each_distinct_note_is_kept_once() -> None:
    other = Finding("op", "requests", "request.added", "added on purpose", "allowed", path="query.k")
    found, notes, _ = explore(NUMBERS, lambda case: [NOTE, other, NOTE], [{"n": 1}], 0, 7)
    assert (found, notes) == ([], [NOTE, other])


def test_one_example_is_still_a_round() -> None:
    judge = Judge()
    _, _, ran = explore(NUMBERS, passing(judge), [], 1, 7)
    assert ran == len(judge.seen) == 1


def test_the_same_seed_draws_the_same_cases_and_another_seed_others() -> None:
    def draws(seed_value: int) -> list[int]:
        judge = Judge()
        explore(NUMBERS, passing(judge), [], 20, seed_value)
        return judge.seen

    first = draws(7)
    assert draws(7) == first
    assert draws(8) != first


def test_the_clock_at_the_deadline_is_not_past_it(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    clock.now = 10.0
    monkeypatch.setattr(explorer, "time", clock)
    seen: list[int] = []

    def judged(case: Mapping[str, Any]) -> list[Finding]:
        seen.append(case["n"])
        return [BIG] if case["n"] >= 500 else []

    found, _, ran = explore(NUMBERS, judged, [], 100, 7, until=10.0)
    assert cases(found) == {"request.schema": (BIG, {"n": 500})}  # shrunk all the way
    assert ran == len(seen) > 100


def test_shrinking_judges_exactly_the_budget_of_cases_past_the_first_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(explorer, "SHRINK_BUDGET", 5)
    rounds: list[list[int]] = []
    run = explorer._run

    def each_round(*args: Any) -> CaseFailed | None:
        rounds.append([])
        return run(*args)

    monkeypatch.setattr(explorer, "_run", each_round)

    def judged(case: Mapping[str, Any]) -> list[Finding]:
        rounds[-1].append(case["n"])
        return [BIG] if case["n"] >= 5000 else []

    found, _, _ = explore(NUMBERS, judged, [], 100, 7)
    first_round = rounds[0]
    failing = [i for i, n in enumerate(first_round) if n >= 5000]
    assert len(first_round) - failing[0] - 1 == 5  # then shrinking goes on, unjudged
    best = min(first_round[i] for i in failing)
    assert cases(found) == {"request.schema": (BIG, {"n": best})}
