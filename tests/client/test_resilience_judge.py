"""`judge_scenario` on its own, branch by branch: what a client did with an adverse answer (a 429
retried too early or after Retry-After, a 5xx retried, an error reported as a success or
surfaced, a slow first byte waited for or given up on, a cut stream or truncated JSON body
reported as a success, retried or as an error, an unsupported call, a refused request), judged
from hand-made outcomes. The whole (findings, Observation) pair is compared.

The request itself is judged by `request_findings` (tested in test_judge.py against a live
mock); here a stand-in answers with given findings and records what it was asked. Values are
judged by the real `value_findings`, which needs no mock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import pytest

from contracts.client import resilience
from contracts.client.adapters.base import ClientError, Result
from contracts.client.findings import Finding, Observation
from contracts.client.harness import Harness, Outcome
from contracts.client.resilience import judge_scenario
from mockserver import SCENARIO_RETRY_AFTER as RETRY_AFTER_SECONDS
from mockserver import Call, Operation, Spec
from tests.client.test_judge import EMBED_ARGS, EMBEDDING  # the same hand-made answer

CHAT = "createChatCompletion"
EMBED = "createEmbedding"
HARNESS = cast(Harness, object())  # only handed on to request_findings, which is a stand-in here

GOOD = {"status": 200, "body": EMBEDDING, "media_type": "application/json"}


def _chunk(content: str | None, finish: str | None = None) -> dict[str, Any]:
    delta = {} if content is None else {"content": content}
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


STREAM = [_chunk("a"), _chunk("b"), _chunk("c"), _chunk(None, "stop")]
GOOD_STREAM = {"status": 200, "stream": STREAM, "media_type": "text/event-stream"}
CHAT_ARGS = {"body": {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}}

# The one value change used throughout, and the finding the real value_findings makes of it.
CHANGED = {**EMBEDDING, "model": "n"}


def _changed(scenario: str) -> Finding:
    return Finding(
        EMBED,
        "resilience",
        "response.changed",
        f"{scenario}: returned another value at body.model than the answer carried",
        evidence=('body.model: changed at character 0 (lengths 1 and 1): given ..."m", got ..."n"',),
        path="body.model",
    )


def _case(scenario: str, adverse: Mapping[str, Any], good: Mapping[str, Any] = GOOD) -> dict[str, Any]:
    arguments = CHAT_ARGS if "stream" in good else EMBED_ARGS
    return {
        "phase": "resilience",
        "operation": CHAT if "stream" in good else EMBED,
        "scenario": scenario,
        "arguments": arguments,
        "scripts": [dict(adverse), dict(good)],
    }


def _status_case(scenario: str, status: int) -> dict[str, Any]:
    return _case(scenario, {"status": status, "scenario": scenario})


def _call(operation_id: str | None, status: int, at: float, seq: int = 1) -> Call:
    return Call(seq, at, "POST", "/api/v1/x", "", operation_id, status, (), (), b"", 0, None, 1.0)


def _calls(operation_id: str, *answers: tuple[int, float]) -> tuple[Call, ...]:
    return tuple(_call(operation_id, status, at, i) for i, (status, at) in enumerate(answers, 1))


class Requests:
    """A stand-in for request_findings: answers `found`, records each question asked."""

    def __init__(self, found: list[Finding]) -> None:
        self.found = found
        self.asked: list[tuple[Any, ...]] = []

    def __call__(
        self,
        h: Harness,
        op: Operation,
        arguments: Mapping[str, Any],
        calls: tuple[Call, ...],
        result: Result,
        phase: str = "requests",
    ) -> list[Finding]:
        self.asked.append((h, op.operation_id, arguments, calls, result, phase))
        return list(self.found)


@pytest.fixture
def requests(monkeypatch: pytest.MonkeyPatch) -> Requests:
    stand_in = Requests([])
    monkeypatch.setattr(resilience, "request_findings", stand_in)
    return stand_in


def _judge(
    spec: Spec, case: Mapping[str, Any], result: Result, calls: tuple[Call, ...], seconds: float = 0.5
) -> tuple[list[Finding], Observation]:
    return judge_scenario(HARNESS, spec.operation(case["operation"]), case, Outcome(result, calls, seconds))


def _seen(case: Mapping[str, Any], result: Result, calls: tuple[Call, ...]) -> list[tuple[Any, ...]]:
    """What request_findings is asked for one judged outcome: the resilience phase of the call."""
    return [(HARNESS, case["operation"], case["arguments"], calls, result, "resilience")]


def _fail(operation: str, scenario: str, rule: str, title: str, *evidence: str) -> Finding:
    return Finding(operation, "resilience", f"resilience.{rule}", title, evidence=evidence, path=scenario)


# -- what is not played ---------------------------------------------------------------------------


def test_an_unsupported_call_is_a_note_and_a_passed_observation(spec: Spec, requests: Requests) -> None:
    case = _status_case("rate-limit", 429)
    assert _judge(spec, case, Result(unsupported=True), ()) == (
        [
            Finding(
                EMBED,
                "resilience",
                "unsupported",
                "the adapter answered unsupported for the rate-limit scenario",
                attribution="allowed",
            )
        ],
        Observation(EMBED, "rate-limit", "unsupported by the adapter", True),
    )
    assert requests.asked == []


def test_a_refused_request_is_its_findings_and_a_failed_observation_without_the_count(
    spec: Spec, requests: Requests
) -> None:
    schema = Finding(EMBED, "resilience", "request.schema", "breaks the contract", evidence=("input",))
    count = Finding(EMBED, "resilience", "request.count", "2 requests for one call")
    requests.found = [schema, count]
    case = _status_case("server-error", 500)
    calls = _calls(EMBED, (500, 0.0), (200, 0.5))
    result = Result(value=EMBEDDING)
    assert _judge(spec, case, result, calls) == (
        [schema],
        Observation(EMBED, "server-error", "could not be played: the request itself was refused", False),
    )
    assert requests.asked == _seen(case, result, calls)


def test_a_retry_counted_as_a_second_request_is_no_refusal(spec: Spec, requests: Requests) -> None:
    requests.found = [Finding(EMBED, "resilience", "request.count", "2 requests for one call")]
    case = _status_case("server-error", 500)
    calls = _calls(EMBED, (500, 0.0), (200, 0.1))
    result = Result(value=EMBEDDING)
    assert _judge(spec, case, result, calls) == (
        [],
        Observation(EMBED, "server-error", "retried after 0.10 s", True),
    )
    assert requests.asked == _seen(case, result, calls)


def test_no_request_of_the_operation_is_a_refusal_even_without_findings(
    spec: Spec, requests: Requests
) -> None:
    case = _status_case("rate-limit", 429)
    calls = (_call("listModels", 200, 0.0),)
    assert _judge(spec, case, Result(value=EMBEDDING), calls) == (
        [],
        Observation(EMBED, "rate-limit", "could not be played: the request itself was refused", False),
    )


# -- error statuses -------------------------------------------------------------------------------


def test_a_429_retried_before_retry_after_fails(spec: Spec, requests: Requests) -> None:
    case = _status_case("rate-limit", 429)
    calls = _calls(EMBED, (429, 10.0), (200, 10.25))
    result = Result(value=EMBEDDING)
    assert _judge(spec, case, result, calls) == (
        [
            _fail(
                EMBED,
                "rate-limit",
                "retry-after",
                f"retried 0.25 s after a 429 that said Retry-After: {RETRY_AFTER_SECONDS}",
                "answers: 429, 200",
            )
        ],
        Observation(EMBED, "rate-limit", "retried after 0.25 s", False),
    )
    assert requests.asked == _seen(case, result, calls)


@pytest.mark.parametrize("late", [0.0, 0.5])
def test_a_429_retried_after_retry_after_passes(spec: Spec, requests: Requests, late: float) -> None:
    gap = RETRY_AFTER_SECONDS + late
    calls = _calls(EMBED, (429, 0.0), (200, gap))
    assert _judge(spec, _status_case("rate-limit", 429), Result(value=EMBEDDING), calls) == (
        [],
        Observation(EMBED, "rate-limit", f"retried after {gap:.2f} s", True),
    )


def test_a_429_retried_within_the_clock_slack_of_retry_after_passes(spec: Spec, requests: Requests) -> None:
    gap = RETRY_AFTER_SECONDS - resilience._SLACK  # slept Retry-After, measured a hair short
    calls = _calls(EMBED, (429, 0.0), (200, gap))
    assert _judge(spec, _status_case("rate-limit", 429), Result(value=EMBEDDING), calls) == (
        [],
        Observation(EMBED, "rate-limit", f"retried after {gap:.2f} s", True),
    )


@pytest.mark.parametrize(
    ("scenario", "status"), [("server-error", 500), ("unavailable", 503), ("timeout", 504)]
)
def test_a_5xx_retried_at_once_passes(spec: Spec, requests: Requests, scenario: str, status: int) -> None:
    calls = _calls(EMBED, (status, 3.0), (200, 3.04))
    assert _judge(spec, _status_case(scenario, status), Result(value=EMBEDDING), calls) == (
        [],
        Observation(EMBED, scenario, "retried after 0.04 s", True),
    )


def test_a_retried_answer_with_a_changed_value_fails_and_says_why(spec: Spec, requests: Requests) -> None:
    calls = _calls(EMBED, (429, 0.0), (200, 1.2))
    assert _judge(spec, _status_case("rate-limit", 429), Result(value=CHANGED), calls) == (
        [_changed("rate-limit")],
        Observation(
            EMBED,
            "rate-limit",
            "retried after 1.20 s; but returned another value at body.model than the answer carried",
            False,
        ),
    )


@pytest.mark.parametrize(("scenario", "status"), [("rate-limit", 429), ("server-error", 500)])
def test_an_error_reported_as_a_success_without_retrying_fails(
    spec: Spec, requests: Requests, scenario: str, status: int
) -> None:
    result = Result(value=EMBEDDING)
    assert _judge(spec, _status_case(scenario, status), result, _calls(EMBED, (status, 0.0))) == (
        [
            _fail(
                EMBED,
                scenario,
                "error-as-success",
                f"a {status} answer was reported as a success",
                f"the client returned {result.shown}",
            )
        ],
        Observation(EMBED, scenario, "reported success without retrying", False),
    )


def test_an_error_reported_as_a_success_also_has_its_values_judged(spec: Spec, requests: Requests) -> None:
    result = Result(value=CHANGED)
    assert _judge(spec, _status_case("unavailable", 503), result, _calls(EMBED, (503, 0.0))) == (
        [
            _changed("unavailable"),
            _fail(
                EMBED,
                "unavailable",
                "error-as-success",
                "a 503 answer was reported as a success",
                f"the client returned {result.shown}",
            ),
        ],
        Observation(
            EMBED,
            "unavailable",
            "reported success without retrying; but returned another value at body.model than the answer "
            "carried",
            False,
        ),
    )


def test_an_error_surfaced_without_retrying_passes(spec: Spec, requests: Requests) -> None:
    result = Result(error=ClientError("RateLimitError", "slow down", 429))
    assert _judge(spec, _status_case("rate-limit", 429), result, _calls(EMBED, (429, 0.0))) == (
        [],
        Observation(EMBED, "rate-limit", "surfaced RateLimitError (status 429): slow down", True),
    )


def test_an_error_surfaced_after_a_retry_is_the_retry(spec: Spec, requests: Requests) -> None:
    result = Result(error=ClientError("APIError", "still down", 500))
    calls = _calls(EMBED, (500, 0.0), (500, 0.3))
    assert _judge(spec, _status_case("server-error", 500), result, calls) == (
        [],
        Observation(EMBED, "server-error", "retried after 0.30 s", True),
    )


# -- a slow first byte ----------------------------------------------------------------------------


def test_a_slow_first_byte_waited_for_passes(spec: Spec, requests: Requests) -> None:
    case = _case("slow-first-byte", {**GOOD, "delay": 0.25})
    result = Result(value=EMBEDDING)
    assert _judge(spec, case, result, _calls(EMBED, (200, 0.0)), seconds=1.5) == (
        [],
        Observation(EMBED, "slow-first-byte", "waited 1.50 s for a first byte 0.25 s late", True),
    )
    assert requests.asked == _seen(case, result, _calls(EMBED, (200, 0.0)))


def test_a_slow_first_byte_waited_for_has_its_values_judged(spec: Spec, requests: Requests) -> None:
    case = _case("slow-first-byte", {**GOOD, "delay": 2})
    assert _judge(spec, case, Result(value=CHANGED), _calls(EMBED, (200, 0.0)), seconds=2.25) == (
        [_changed("slow-first-byte")],
        Observation(
            EMBED,
            "slow-first-byte",
            "waited 2.25 s for a first byte 2 s late; but returned another value at body.model than the "
            "answer carried",
            False,
        ),
    )


def test_a_slow_first_byte_waited_for_after_a_retry_says_so(spec: Spec, requests: Requests) -> None:
    case = _case("slow-first-byte", {**GOOD, "delay": 0.5})
    calls = _calls(EMBED, (200, 0.0), (200, 0.7))
    assert _judge(spec, case, Result(value=EMBEDDING), calls, seconds=0.75) == (
        [],
        Observation(
            EMBED, "slow-first-byte", "waited 0.75 s for a first byte 0.5 s late (after a retry)", True
        ),
    )


def test_a_slow_first_byte_case_without_a_delay_is_one_zero_seconds_late(
    spec: Spec, requests: Requests
) -> None:
    case = _case("slow-first-byte", GOOD, {**GOOD, "delay": 3})  # a hand-edited case: no delay first
    assert _judge(spec, case, Result(value=EMBEDDING), _calls(EMBED, (200, 0.0)), seconds=0.125) == (
        [],
        Observation(EMBED, "slow-first-byte", "waited 0.12 s for a first byte 0 s late", True),
    )


def test_a_slow_first_byte_given_up_on_passes(spec: Spec, requests: Requests) -> None:
    case = _case("slow-first-byte", {**GOOD, "delay": 0.25})
    result = Result(error=ClientError("ReadTimeout", "timed out"))
    assert _judge(spec, case, result, _calls(EMBED, (200, 0.0))) == (
        [],
        Observation(EMBED, "slow-first-byte", "gave up: ReadTimeout: timed out", True),
    )


# -- a broken answer ------------------------------------------------------------------------------


def test_a_cut_stream_reported_as_a_success_fails(spec: Spec, requests: Requests) -> None:
    case = _case("cut-stream", {**GOOD_STREAM, "scenario": "cut-stream"}, GOOD_STREAM)
    result = Result(events=tuple(STREAM[:2]))  # what arrived before the cut
    assert _judge(spec, case, result, _calls(CHAT, (200, 0.0))) == (
        [
            _fail(
                CHAT,
                "cut-stream",
                "cut-stream",
                "reported a stream cut mid-way as a success",
                "the client returned 2 events",
            )
        ],
        Observation(CHAT, "cut-stream", "reported a stream cut mid-way as a success (2 events)", False),
    )
    assert requests.asked == _seen(case, result, _calls(CHAT, (200, 0.0)))


def test_a_cut_stream_retried_passes_with_the_next_answer(spec: Spec, requests: Requests) -> None:
    case = _case("cut-stream", {**GOOD_STREAM, "scenario": "cut-stream"}, GOOD_STREAM)
    calls = _calls(CHAT, (200, 0.0), (200, 0.2))
    assert _judge(spec, case, Result(events=tuple(STREAM)), calls) == (
        [],
        Observation(
            CHAT, "cut-stream", "retried after a stream cut mid-way and returned the next answer", True
        ),
    )


def test_a_cut_stream_retried_into_a_changed_answer_fails_and_says_why(
    spec: Spec, requests: Requests
) -> None:
    case = _case("cut-stream", {**GOOD_STREAM, "scenario": "cut-stream"}, GOOD_STREAM)
    calls = _calls(CHAT, (200, 0.0), (200, 0.2))
    events = (STREAM[0], _chunk("B"), *STREAM[2:])
    where = "events[1].choices[0].delta.content"
    title = f"returned another value at {where} than the answer carried"
    assert _judge(spec, case, Result(events=events), calls) == (
        [
            Finding(
                CHAT,
                "resilience",
                "response.changed",
                f"cut-stream: {title}",
                evidence=(f'{where}: changed at character 0 (lengths 1 and 1): given ..."b", got ..."B"',),
                path=where,
            )
        ],
        Observation(
            CHAT,
            "cut-stream",
            f"retried after a stream cut mid-way and returned the next answer; but {title}",
            False,
        ),
    )


def test_a_cut_stream_reported_as_an_error_passes(spec: Spec, requests: Requests) -> None:
    case = _case("cut-stream", {**GOOD_STREAM, "scenario": "cut-stream"}, GOOD_STREAM)
    result = Result(error=ClientError("RemoteProtocolError", "peer closed connection"))
    assert _judge(spec, case, result, _calls(CHAT, (200, 0.0))) == (
        [],
        Observation(
            CHAT,
            "cut-stream",
            "reported a stream cut mid-way as an error: RemoteProtocolError: peer closed connection",
            True,
        ),
    )


def test_a_truncated_json_body_reported_as_a_success_fails(spec: Spec, requests: Requests) -> None:
    case = _case("truncated-json", {**GOOD, "scenario": "truncated-json"})
    result = Result(value={"data": []})
    assert _judge(spec, case, result, _calls(EMBED, (200, 0.0))) == (
        [
            _fail(
                EMBED,
                "truncated-json",
                "truncated-json",
                "reported a truncated JSON body as a success",
                'the client returned value {"data": []}',
            )
        ],
        Observation(
            EMBED, "truncated-json", 'reported a truncated JSON body as a success (value {"data": []})', False
        ),
    )


def test_a_truncated_json_body_retried_passes_with_the_next_answer(spec: Spec, requests: Requests) -> None:
    case = _case("truncated-json", {**GOOD, "scenario": "truncated-json"})
    calls = _calls(EMBED, (200, 0.0), (200, 0.01))
    assert _judge(spec, case, Result(value=EMBEDDING), calls) == (
        [],
        Observation(
            EMBED, "truncated-json", "retried after a truncated JSON body and returned the next answer", True
        ),
    )


def test_a_truncated_json_body_reported_as_an_error_passes(spec: Spec, requests: Requests) -> None:
    case = _case("truncated-json", {**GOOD, "scenario": "truncated-json"})
    result = Result(error=ClientError("JSONDecodeError", "Expecting value"))
    assert _judge(spec, case, result, _calls(EMBED, (200, 0.0))) == (
        [],
        Observation(
            EMBED,
            "truncated-json",
            "reported a truncated JSON body as an error: JSONDecodeError: Expecting value",
            True,
        ),
    )
