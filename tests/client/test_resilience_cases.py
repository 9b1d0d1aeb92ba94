"""Which resilience scenarios are played for which operation, and the case each one plays, whole."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from contracts.client.cases import baseline, success_script, success_target
from contracts.client.resilience import SCENARIOS, applicable, scenario_case
from mockserver import SCENARIO_STATUSES, Spec

CHAT = "createChatCompletion"


def test_a_scenario_applies_only_where_its_answer_can_be_played(spec: Spec) -> None:
    kinds = set()
    for op in spec.operations:
        media_type = success_target(op)[1]
        is_json = media_type is not None and media_type.split(";")[0].strip().endswith(("/json", "+json"))
        assert applicable(op, "truncated-json") == (media_type if is_json else None), op.operation_id
        assert applicable(op, "slow-first-byte") == media_type, op.operation_id
        assert applicable(op, "no-such-scenario") is None
        kinds.add(is_json)
    assert kinds == {True, False}  # the bundled spec has JSON and non-JSON successes: both sides are seen


def _expected(spec: Spec, scenario: str, delay: float) -> dict[str, Any]:
    op = spec.operation(CHAT)
    media_type = applicable(op, scenario)
    good = success_script(spec, op, media_type, long=scenario == "cut-stream")
    if scenario in SCENARIO_STATUSES:
        adverse: dict[str, Any] = {"status": SCENARIO_STATUSES[scenario], "scenario": scenario}
    elif scenario == "slow-first-byte":
        adverse = {**good, "delay": delay}
    else:
        adverse = {**good, "scenario": scenario}
    return {
        "phase": "resilience",
        "operation": CHAT,
        "scenario": scenario,
        "arguments": baseline(spec, op, media_type),
        "scripts": [adverse, good],
    }


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_scenario_case_is_an_adverse_answer_then_a_good_one(spec: Spec, scenario: str) -> None:
    assert scenario_case(spec, spec.operation(CHAT), scenario, 0.25) == _expected(spec, scenario, 0.25)


def test_a_cut_stream_is_played_long_enough_to_be_cut_and_on_the_stream_media_type(spec: Spec) -> None:
    case = scenario_case(spec, spec.operation(CHAT), "cut-stream", 0.25)
    assert case is not None
    adverse, good = case["scripts"]
    assert len(good["stream"]) >= 6
    assert adverse == {**good, "scenario": "cut-stream"}
    assert case["arguments"]["body"]["stream"] is True
    assert scenario_case(spec, spec.operation("listModels"), "cut-stream", 0.25) is None


def test_slow_first_byte_keeps_the_good_answer_and_adds_the_delay(spec: Spec) -> None:
    case = scenario_case(spec, spec.operation(CHAT), "slow-first-byte", 0.25)
    assert case is not None
    adverse, good = case["scripts"]
    assert adverse == {**good, "delay": 0.25}
    assert good["media_type"] == "application/json"
    assert "stream" not in good


# Hypothesis derandomizes by itself under these (its own CI profile), which hid the bug in CI.
_PROFILE_SETTERS = frozenset(
    {"HYPOTHESIS_PROFILE", "CI", "GITHUB_ACTIONS", "TF_BUILD", "BUILDKITE", "CIRCLECI"}
)
_DRAW_TWICE = """
import sys
from contracts.client.resilience import scenario_case
from contracts.strategies import bundled_spec
spec = bundled_spec()
op = spec.operation("createChatCompletion")
first = scenario_case(spec, op, sys.argv[1], 0.25)
print(scenario_case(spec, op, sys.argv[1], 0.25) == first)
"""


@pytest.mark.parametrize("scenario", ["cut-stream", "truncated-json"])
def test_a_case_is_the_same_on_every_draw(scenario: str) -> None:
    """A reported case must be the case a replay plays. Drawn twice in a fresh interpreter
    (without the test suite's profile or Hypothesis' CI one, as a user runs), a case is the same
    value: a cut stream's events differed between two calls."""
    env = {k: v for k, v in os.environ.items() if k not in _PROFILE_SETTERS}
    done = subprocess.run(
        [sys.executable, "-c", _DRAW_TWICE, scenario], capture_output=True, text=True, env=env, timeout=120
    )
    assert (done.returncode, done.stdout.strip()) == (0, "True"), done.stderr
