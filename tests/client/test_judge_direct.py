"""The judge's pure parts called directly with hand-made results: which schema an answer is read
with, what kind of result a script expects back, how changed bytes and changed or missing stream
events are reported, and response_findings' verdicts on documented errors, retries, rejections
and unsupported calls. Whole findings are compared.

Where response_findings would judge the request itself (no scripted answer was asked for), a
stand-in for request_findings answers; its own logic is tested in test_judge.py."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any, cast

import pytest

from contracts.client import judge
from contracts.client.adapters.base import ClientError, Result
from contracts.client.equivalence import nodes_at
from contracts.client.findings import Finding
from contracts.client.harness import Harness, Outcome
from contracts.client.judge import request_schema, response_findings, response_schema, value_findings
from contracts.client.media import JSON_TYPE, SSE_TYPE
from mockserver import Call, Operation, Spec

CHAT = "createChatCompletion"
EMBED = "createEmbedding"
HARNESS = cast(Harness, object())  # never used: no request is judged here but by a stand-in


def _changed(operation: str, where: str, evidence: str, phase: str = "responses") -> Finding:
    title = f"returned another value at {where} than the answer carried"
    return Finding(operation, phase, "response.changed", title, evidence=(evidence,), path=where)


def _kind(operation: str, title: str) -> Finding:
    return Finding(operation, "responses", "response.kind", title)


# -- which schema, which kind ---------------------------------------------------------------------


def test_an_answer_is_read_with_the_schema_of_its_status_and_media_type(spec: Spec) -> None:
    chat = spec.operation(CHAT)
    documented = chat.response(200)
    assert documented is not None
    json_media, sse_media = documented.content[JSON_TYPE], documented.content[SSE_TYPE]
    assert json_media.schema is not None
    assert sse_media.schema is not None
    assert response_schema(chat, {}) == json_media.schema.schema  # no status: 200; no media type: JSON
    assert response_schema(chat, {"status": 200, "media_type": SSE_TYPE}) == sse_media.schema.schema
    assert response_schema(chat, {"status": 200, "media_type": "audio/mpeg"}) == {}  # not documented
    assert response_schema(chat, {"status": 201}) == {}  # no such response
    assert json_media.schema.schema != sse_media.schema.schema != {}


def test_a_bodiless_answer_returned_as_nothing_is_no_finding(spec: Spec) -> None:
    assert value_findings(spec.operation(EMBED), Result(), {"status": 200}, "responses") == []


@pytest.mark.parametrize(
    ("result", "shown"),
    [(Result(events=({"a": 1},)), "1 events"), (Result(binary=b"abc"), "3 bytes")],
)
def test_another_kind_of_result_for_a_bodiless_answer_is_response_kind(
    spec: Spec, result: Result, shown: str
) -> None:
    assert value_findings(spec.operation(EMBED), result, {"status": 200}, "responses") == [
        _kind(EMBED, f"expected value back, the client returned {shown}")
    ]


def test_nothing_returned_for_a_body_is_response_kind(spec: Spec) -> None:
    script = {"status": 200, "body": {"object": "list"}}
    assert value_findings(spec.operation(EMBED), Result(), script, "responses") == [
        _kind(EMBED, "expected value back, the client returned value null")
    ]
    assert value_findings(spec.operation(EMBED), Result(binary=b"abc"), script, "responses") == [
        _kind(EMBED, "expected value back, the client returned 3 bytes")
    ]


def test_a_value_returned_for_a_stream_is_response_kind_in_its_phase(spec: Spec) -> None:
    result = Result(value={"a": 1})
    assert value_findings(spec.operation(CHAT), result, {"stream": [{"a": 1}]}, "resilience") == [
        Finding(
            CHAT, "resilience", "response.kind", 'expected events back, the client returned value {"a": 1}'
        )
    ]


# -- bytes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "got", "evidence"),
    [
        (b"abc", b"abd", "first difference at byte 2: sent 0x63, returned 0x64"),
        (b"abc", b"ab", "first difference at byte 2: sent 0x63, returned end"),  # cut short
        (b"ab", b"abc", "first difference at byte 2: sent end, returned 0x63"),  # longer
    ],
)
def test_changed_bytes_name_the_first_byte_that_differs_or_where_one_ends(
    spec: Spec, sent: bytes, got: bytes, evidence: str
) -> None:
    script = {"status": 200, "body_base64": base64.b64encode(sent).decode(), "media_type": "audio/mpeg"}
    assert value_findings(spec.operation("createSpeech"), Result(binary=got), script, "responses") == [
        Finding(
            "createSpeech",
            "responses",
            "response.changed",
            f"binary answer changed: {len(sent)} bytes sent, {len(got)} returned",
            evidence=(evidence,),
            path="body",
        )
    ]


# -- stream events --------------------------------------------------------------------------------


def test_a_stream_with_another_number_of_events_is_one_change_of_the_events(spec: Spec) -> None:
    sent = [{"id": "c"}, {"id": "d"}]
    result = Result(events=({"id": "c"},))
    assert value_findings(spec.operation(CHAT), result, {"status": 200, "stream": sent}, "responses") == [
        _changed(
            CHAT, "events", f"events: changed (given {json.dumps(sent)}, got {json.dumps([{'id': 'c'}])})"
        )
    ]


TRACED = [
    {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [], "x_trace": "t"}
]
UNTRACED = ({k: v for k, v in TRACED[0].items() if k != "x_trace"},)


def test_stream_events_are_read_with_the_chunk_schema_of_a_script_without_status(spec: Spec) -> None:
    # an unknown field the client does not hand back is no bug: the chunk schema does not name it
    assert (
        value_findings(spec.operation(CHAT), Result(events=UNTRACED), {"stream": TRACED}, "responses") == []
    )


@pytest.mark.parametrize(("operation", "status"), [(CHAT, 201), (EMBED, 200)])
def test_stream_events_without_a_documented_stream_are_compared_plainly(
    spec: Spec, operation: str, status: int
) -> None:
    # no chunk schema (no such response, or one without an event stream): every field counts
    script = {"status": status, "stream": TRACED}
    assert value_findings(spec.operation(operation), Result(events=UNTRACED), script, "responses") == [
        _changed(operation, "events[0].x_trace", 'events[0].x_trace: dropped (given "t", not sent)')
    ]


# -- response_findings ----------------------------------------------------------------------------


def _call(operation: str, status: int, scripted: bool = True) -> Call:
    notes = ("scripted",) if scripted else ()
    return Call(1, 0.0, "POST", "/api/v1/x", "", operation, status, (), (), b"", 0, None, 1.0, notes=notes)


def _respond(
    op: Operation, script: Mapping[str, Any], result: Result, *calls: Call, vary: Any = None
) -> list[Finding]:
    case: dict[str, Any] = {
        "phase": "responses",
        "operation": op.operation_id,
        "arguments": {},
        "script": script,
    }
    if vary is not None:
        case["vary"] = vary
    return response_findings(HARNESS, op, case, Outcome(result, calls, 0.1))


def test_an_unsupported_answer_is_a_note_naming_its_status_and_media_type(spec: Spec) -> None:
    op = spec.operation(EMBED)

    def note(what: str) -> list[Finding]:
        title = f"the adapter answered unsupported for {what}"
        return [Finding(EMBED, "responses", "unsupported", title, attribution="allowed")]

    assert _respond(op, {}, Result(unsupported=True)) == note("a 200 answer")
    assert _respond(op, {"status": 400, "media_type": JSON_TYPE}, Result(unsupported=True)) == note(
        "a 400 application/json"
    )


ERROR = {"error": "e" * 300}


def _error_as_success(status: int, result: Result) -> list[Finding]:
    return [
        Finding(
            EMBED,
            "responses",
            "response.error-as-success",
            f"a documented {status} answer was reported as a success",
            evidence=(f"the client returned {result.shown}", f"answer: {json.dumps(ERROR)[:157]}..."),
            path=str(status),
        )
    ]


def test_a_retried_error_answer_reported_as_a_success_is_judged_by_its_status(spec: Spec) -> None:
    op = spec.operation(EMBED)
    ok = Result(value={"object": "list"})
    for status in (429, 503):  # retried: the client answered with the next answer
        script = {"status": status, "body": ERROR}
        assert _respond(op, script, ok, _call(EMBED, status), _call(EMBED, 200)) == []
        assert _respond(op, script, ok, _call(EMBED, status)) == _error_as_success(status, ok)
    # a 400 is never retried: a second request does not make its success right
    script = {"status": 400, "body": ERROR}
    assert _respond(op, script, ok, _call(EMBED, 400), _call(EMBED, 200)) == _error_as_success(400, ok)


@pytest.mark.parametrize("status", [400, None])
def test_an_error_reported_with_its_own_status_or_none_is_no_finding(spec: Spec, status: int | None) -> None:
    result = Result(error=ClientError("BadRequest", "no", status))
    assert _respond(spec.operation(EMBED), {"status": 400, "body": ERROR}, result, _call(EMBED, 400)) == []


def test_a_rejected_answer_names_the_varied_field(spec: Spec) -> None:
    result = Result(error=ClientError("KeyError", "'x'"))
    script = {"status": 200, "body": {"object": "list"}, "media_type": JSON_TYPE}
    assert _respond(
        spec.operation(EMBED), script, result, _call(EMBED, 200), vary=["body.object", "'x'"]
    ) == [
        Finding(
            EMBED,
            "responses",
            "response.rejected",
            "the client failed on a valid 200 answer (body.object: 'x')",
            evidence=("KeyError: 'x'", 'answer: {"object": "list"}'),
            path="body.object",
        )
    ]


class Requests:
    """A stand-in for request_findings that finds nothing and records what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[Any, ...]] = []

    def __call__(self, *args: Any) -> list[Finding]:
        self.asked.append(args)
        return []


def test_a_good_request_that_never_got_the_scripted_answer_is_request_none(
    spec: Spec, monkeypatch: pytest.MonkeyPatch
) -> None:
    requests = Requests()
    monkeypatch.setattr(judge, "request_findings", requests)
    op = spec.operation(EMBED)
    result = Result(value={"object": "list"})
    calls = (_call(EMBED, 200, scripted=False),)
    case = {"phase": "responses", "operation": EMBED, "arguments": {"body": {"input": "hi"}}, "script": {}}
    assert response_findings(HARNESS, op, case, Outcome(result, calls, 0.1)) == [
        Finding(
            EMBED,
            "responses",
            "request.none",
            "the scripted answer was never requested",
            evidence=('the client returned value {"object": "list"}',),
        )
    ]
    assert requests.asked == [(HARNESS, op, {"body": {"input": "hi"}}, calls, result, "responses")]


def test_the_request_schema_holds_path_and_query_parameters_but_not_headers(later_spec: Spec) -> None:
    by_id = request_schema(later_spec.operation("getApiKeyById"))
    assert nodes_at(by_id, "path.id") == [{"type": "string"}]
    usage = request_schema(later_spec.operation("getBillingUsage"))
    (limit,) = nodes_at(usage, "query.limit")
    assert limit["default"] == 200
    assert nodes_at(usage, "header.Accept") == []
    assert sorted(usage["properties"]) == ["body", "query"]
