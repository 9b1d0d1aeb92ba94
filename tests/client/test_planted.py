"""Six planted bugs at once, in one hand-written httpx client: each is reported as a client bug,
with its own case that replays it; the same client without the bugs has no finding."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contracts.client.compare import Difference
from contracts.client.findings import Finding
from contracts.client.suite import ClientOptions, ClientReport, replay, run_client_suite
from tests.client.planted import PLANTED, CorrectAdapter, PlantedAdapter

OPTIONS = ClientOptions(operations=("createChatCompletion",), max_examples=10, slow_first_byte=0.1)
CHAT = "createChatCompletion"


@pytest.fixture(scope="module")
def planted() -> ClientReport:
    return run_client_suite(PlantedAdapter, OPTIONS)


def _one(report: ClientReport, rule: str) -> Finding:
    found = [f for f in report.failures if f.rule == rule]
    assert len(found) == 1, [f.as_json() for f in report.findings]
    return found[0]


def test_every_planted_bug_is_reported_as_a_client_bug(planted: ClientReport) -> None:
    assert planted.exit_code == 1
    assert {f.attribution for f in planted.findings} == {"client"}
    assert set(PLANTED.values()) <= {f.rule for f in planted.failures}
    # One bug is one finding (the boolean also breaks the schema: a second rule, same field).
    keys = [f.key for f in planted.findings]
    assert len(keys) == len(set(keys))
    assert sorted(keys) == sorted(
        [
            (CHAT, "request.dropped", "body.venice_parameters"),
            (CHAT, "request.retyped", "body.venice_parameters.enable_web_search"),
            (CHAT, "request.schema", "body.venice_parameters.enable_web_search"),
            (CHAT, "response.changed", "body.choices[].message.tool_calls"),
            (CHAT, "response.unknown-field", "body.choices[].*"),
            (CHAT, "resilience.retry-after", "rate-limit"),
            (CHAT, "resilience.cut-stream", "cut-stream"),
        ]
    )


@pytest.mark.parametrize("rule", sorted(set(PLANTED.values()) | {"request.schema"}))
def test_each_finding_replays_on_the_buggy_client_and_passes_on_the_correct_one(
    planted: ClientReport, rule: str
) -> None:
    finding = _one(planted, rule)
    assert finding.case is not None
    options = ClientOptions(slow_first_byte=0.1)
    assert rule in {f.rule for f in replay(PlantedAdapter, finding.case, options)}
    assert replay(CorrectAdapter, finding.case, options) == []


def test_the_dropped_and_retyped_fields_are_whole_findings(planted: ClientReport) -> None:
    dropped = _one(planted, "request.dropped")
    assert dropped.case is not None
    body: dict[str, Any] = dropped.case["arguments"]["body"]
    assert body["stream"] is True
    given = body["venice_parameters"]
    where = "body.venice_parameters"
    assert dropped == Finding(
        CHAT,
        "requests",
        "request.dropped",
        f"dropped {where}",
        evidence=(str(Difference("dropped", where, given)),),
        path=where,
    )
    retyped = _one(planted, "request.retyped")
    assert retyped.case is not None
    search = retyped.case["arguments"]["body"]["venice_parameters"]["enable_web_search"]
    assert search in ("on", "off")
    where = "body.venice_parameters.enable_web_search"
    assert retyped == Finding(
        CHAT,
        "requests",
        "request.retyped",
        f"retyped {where}",
        evidence=(str(Difference("retyped", where, search, search == "on")),),
        path=where,
    )


def test_the_unknown_field_and_the_dropped_tool_calls_are_whole_findings(planted: ClientReport) -> None:
    unknown = _one(planted, "response.unknown-field")
    assert unknown.case is not None
    choice = unknown.case["script"]["body"]["choices"][0]
    (extra,) = set(choice) - {"finish_reason", "index", "logprobs", "message", "stop_reason"}
    where = f"body.choices[0].{extra}"
    assert unknown == Finding(
        CHAT,
        "responses",
        "response.unknown-field",
        f"the client failed on an unknown field at {where}",
        evidence=(
            f"TypeError: unexpected keyword argument {extra!r}",
            f"the same answer without {where} is accepted; the schema allows additional properties "
            "at body.choices[0] (no additionalProperties: false, OpenAPI's default), so the answer is valid",
        ),
        path="body.choices[0].*",
    )
    changed = _one(planted, "response.changed")
    assert changed.case is not None
    tool_calls = changed.case["script"]["body"]["choices"][0]["message"]["tool_calls"]
    where = "body.choices[0].message.tool_calls"
    assert changed == Finding(
        CHAT,
        "responses",
        "response.changed",
        f"returned another value at {where} than the answer carried",
        evidence=(str(Difference("dropped", where, tool_calls)),),
        path=where,
    )


def test_the_resilience_bugs_name_what_the_client_did(planted: ClientReport) -> None:
    retry = _one(planted, "resilience.retry-after")
    assert (retry.phase, retry.evidence, retry.path) == ("resilience", ("answers: 429, 200",), "rate-limit")
    assert retry.title.endswith("after a 429 that said Retry-After: 1")
    cut = _one(planted, "resilience.cut-stream")
    assert cut.title == "reported a stream cut mid-way as a success"
    assert cut.evidence[0].startswith("the client returned ")
    assert cut.evidence[0].endswith(" events")


def test_the_same_client_without_the_bugs_has_no_finding() -> None:
    report = run_client_suite(CorrectAdapter, OPTIONS)
    assert report.findings == []
    assert report.operation(CHAT).notes == []
    assert report.exit_code == 0


def test_an_unknown_field_whose_name_holds_a_dot_is_pinned_on_its_object(planted: ClientReport) -> None:
    finding = _one(planted, "response.unknown-field")
    assert finding.case is not None
    case = json.loads(json.dumps(finding.case))
    choice = case["script"]["body"]["choices"][0]
    for name in set(choice) - {"finish_reason", "index", "logprobs", "message", "stop_reason"}:
        del choice[name]
    choice["a.b"] = 1
    (again,) = replay(PlantedAdapter, case, ClientOptions())
    assert (again.rule, again.path, again.key) == (
        "response.unknown-field",
        "body.choices[0].*",
        (CHAT, "response.unknown-field", "body.choices[].*"),
    )
    assert again.title == "the client failed on an unknown field at body.choices[0].a.b"
