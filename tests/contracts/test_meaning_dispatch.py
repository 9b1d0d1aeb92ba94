"""check_meaning routes each 2xx answer to the right meaning check, by operationId and media
type; the findings are compared whole (the checks themselves are tested in test_checks_*)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import requests

from contracts.checks.reader import Body
from contracts.failures import Failure
from contracts.server.meaning import check_meaning, streams
from contracts.server.transport import Call
from mockserver import Spec

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


def call(status: int, media_type: str | None, content: Any = b"", cut: bool = False) -> Call:
    raw = content if isinstance(content, bytes) else json.dumps(content).encode()
    headers = httpx.Headers({"content-type": media_type} if media_type else {})
    body = Body(raw, len(raw), 0, cut, 0.0, ())
    return Call(requests.PreparedRequest(), status, headers, body, 0.0, "curl", 0.0)


def answer(content: str = "Hello.", finish: str = "stop", n: int = 1, **usage: int) -> dict[str, Any]:
    tokens = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5, **usage}
    choices = [
        {"index": i, "message": {"role": "assistant", "content": content}, "finish_reason": finish}
        for i in range(n)
    ]
    return {
        "id": "x",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": choices,
        "usage": tokens,
    }


def test_only_the_chat_operation_documents_a_stream(spec: Spec) -> None:
    assert streams(spec.operation("createChatCompletion"))
    assert not streams(spec.operation("createEmbedding"))


def test_a_stream_request_answered_with_json_is_named(spec: Spec) -> None:
    op = spec.operation("createChatCompletion")
    body = {**CHAT, "stream": True}
    assert check_meaning(op, body, call(200, "application/json", answer())) == [
        Failure(
            "streaming",
            "stream: true was answered with application/json, not a stream",
            "text/event-stream",
            "application/json",
            "not_a_stream",
            field="stream",
        )
    ]
    assert check_meaning(op, body, call(200, None)) == [
        Failure(
            "streaming",
            "stream: true was answered with no Content-Type, not a stream",
            "text/event-stream",
            "none",
            "not_a_stream",
            field="stream",
        )
    ]
    assert check_meaning(op, body, call(200, "text/event-stream; charset=utf-8", b"data: x\n\n")) == []
    # stream: "yes" is no stream request (the schema judges the type)
    assert check_meaning(op, {**CHAT, "stream": "yes"}, call(200, "application/json", answer())) == []


def test_speech_must_be_audio(spec: Spec) -> None:
    op = spec.operation("createSpeech")
    body = {"model": "tts-kokoro", "input": "hi"}
    assert check_meaning(op, body, call(200, "application/json", {"x": 1})) == [
        Failure(
            "streaming",
            "speech was answered with application/json, not audio",
            "audio bytes of the requested format",
            "application/json",
            "speech",
        )
    ]
    streamed = check_meaning(op, {**body, "streaming": True}, call(200, "text/plain"))
    assert [f.title for f in streamed] == ["streaming: true was answered with text/plain, not audio"]
    assert [f.title for f in check_meaning(op, body, call(200, None))] == [
        "speech was answered with no Content-Type, not audio"
    ]
    assert check_meaning(op, body, call(200, "audio/mpeg", b"ID3")) == []


def test_chat_answers_are_judged_against_their_request(spec: Spec) -> None:
    op = spec.operation("createChatCompletion")
    assert check_meaning(op, {**CHAT, "n": 2}, call(200, "application/json", answer(n=2))) == []
    one_short = check_meaning(op, {**CHAT, "n": 2}, call(200, "application/json", answer(n=1)))
    assert [f.name for f in one_short] == ["choices.n"]
    # The spec's finish_reason enum is read from the 200 answer's schema.
    odd = check_meaning(op, CHAT, call(200, "application/json", answer(finish="exploded")))
    assert odd == [
        Failure(
            "finish_reason",
            "choice 0: finish_reason 'exploded' is not in the spec",
            "one of ['stop', 'length']",
            "exploded",
            "enum",
            field="choices[0].finish_reason",
        )
    ]


def test_embeddings_are_judged_against_their_request(spec: Spec) -> None:
    op = spec.operation("createEmbedding")
    body = {"model": "e", "input": ["a", "b"]}
    two = {
        "object": "list",
        "data": [{"index": i, "embedding": [0.5, 0.25], "object": "embedding"} for i in (0, 1)],
    }
    assert check_meaning(op, body, call(200, "application/json", two)) == []
    one = {**two, "data": two["data"][:1]}
    assert check_meaning(op, body, call(200, "application/json", one)) == [
        Failure("embeddings", "1 embedding(s) for 2 input(s)", "2 embedding(s)", "1", "count", field="data")
    ]


@pytest.mark.parametrize(
    ("status", "cut", "body", "media_type"),
    [
        (400, False, CHAT, "application/json"),  # errors are judged by the error checks
        (300, False, CHAT, "application/json"),
        (199, False, CHAT, "application/json"),
        (200, True, CHAT, "application/json"),  # a cut answer is reported by the reader
        (200, False, ["not", "a", "dict"], "application/json"),
        (200, False, CHAT, "text/plain"),  # not JSON: the media checks say so
    ],
)
def test_what_check_meaning_leaves_to_other_checks(
    spec: Spec, status: int, cut: bool, body: Any, media_type: str
) -> None:
    op = spec.operation("createChatCompletion")
    bad = answer(n=1)
    assert (
        check_meaning(
            op, {**CHAT, "n": 3} if isinstance(body, dict) else body, call(status, media_type, bad, cut)
        )
        == []
    )


def test_other_operations_have_no_meaning_check(spec: Spec) -> None:
    assert (
        check_meaning(spec.operation("listModels"), {"x": 1}, call(200, "application/json", {"data": []}))
        == []
    )
