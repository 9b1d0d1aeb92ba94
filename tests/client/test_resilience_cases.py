"""Which resilience scenarios are played for which operation, and the case each one plays, whole."""

from __future__ import annotations

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
