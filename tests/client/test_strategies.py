"""The public strategies (contracts/strategies.py), judged by oracles other than the schemas they
were drawn from: the mock's request validation and openapi-core for answers."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import strategies
from contracts.client.adapters.base import Target
from contracts.client.adapters.httpx_client import HttpxAdapter
from contracts.client.chatstreams import stream_kinds
from contracts.client.live import VeniceMock
from mockserver import Settings, Spec, load_spec
from tests.helpers import Request, chunk_validator, reference_check_response, reference_for

SPEC = load_spec()
OPERATIONS = [op.operation_id for op in SPEC.operations]
ANSWERS = [
    (op.operation_id, int(status), media_type)
    for op in SPEC.operations
    for status, response in op.responses.items()
    for media_type in response.content
    if status.isdigit() and media_type in ("application/json", "text/csv")
]


@pytest.fixture(scope="module")
def venice() -> Iterator[VeniceMock]:
    with VeniceMock(Settings(behaviors=False), SPEC, inprocess=True) as mock:
        yield mock


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_drawn_requests_pass_the_mocks_validation(operation_id: str, venice: VeniceMock) -> None:
    adapter = HttpxAdapter(Target(venice.base_url), transport=venice.transport())

    @settings(max_examples=8)
    @given(strategies.requests(operation_id, SPEC))
    def check(arguments: dict[str, Any]) -> None:
        venice.calls.clear()
        with contextlib.suppress(Exception):  # the answer does not matter here, the request does
            adapter.call(operation_id, arguments)
        call = venice.calls.last()
        assert call is not None
        assert (call.operation_id, call.violations) == (operation_id, ()), arguments

    check()


@pytest.mark.parametrize(("operation_id", "status", "media_type"), ANSWERS)
def test_drawn_answers_pass_openapi_core(operation_id: str, status: int, media_type: str, spec: Spec) -> None:
    reference = reference_for(spec)
    op = spec.operation(operation_id)
    request = Request(op.method, op.path, headers={"Authorization": "Bearer k"})
    if op.request_body is not None:
        request.json, request.has_body = {}, True
        request.headers["Content-Type"] = "application/json"

    @settings(max_examples=5)
    @given(strategies.responses(operation_id, status, media_type, spec))
    def check(body: Any) -> None:
        raw = json.dumps(body).encode() if media_type == "application/json" else str(body).encode()
        if not raw:
            return  # openapi-core reads an empty body as no body at all, whatever the schema says
        reference_check_response(
            reference, spec.base_path, request, status, {"content-type": media_type}, raw
        )

    check()


def test_the_styles_reach_both_ends_of_a_schema() -> None:
    def first(style: strategies.Style) -> Any:
        from contracts.client.cases import first_draw

        return first_draw(strategies.responses("createChatCompletion", 200, style=style))

    plainest, nulls, fullest = first(strategies.PLAINEST), first(strategies.NULLS), first(strategies.FULLEST)
    required = {"choices", "created", "id", "model", "object", "usage"}
    assert set(plainest) == required
    assert plainest["choices"] == []
    assert nulls["choices"][0]["logprobs"] is None
    assert nulls["choices"][0]["message"]["reasoning_content"] is None
    assert set(fullest) >= required | {"prompt_logprobs", "venice_parameters"}
    assert fullest["choices"][0]["logprobs"] is not None
    assert set(fullest) - required - {"prompt_logprobs", "venice_parameters"}, "an unknown extra field"


def test_requests_can_ask_for_a_media_type() -> None:
    @settings(max_examples=5)
    @given(
        strategies.requests("createChatCompletion", media_type="text/event-stream"),
        strategies.requests("createSpeech", media_type="audio/flac"),
        strategies.requests("getBillingUsage", media_type="text/csv"),
    )
    def check(chat: dict[str, Any], speech: dict[str, Any], billing: dict[str, Any]) -> None:
        assert chat["body"]["stream"] is True
        assert speech["body"]["response_format"] == "flac"
        assert billing["headers"]["Accept"] == "text/csv"

    check()


def test_binary_answers_start_with_their_magic_number() -> None:
    @settings(max_examples=5)
    @given(strategies.responses("createSpeech", 200, "audio/flac"), strategies.responses("upscaleImage", 200))
    def check(flac: bytes, png: bytes) -> None:
        assert flac.startswith(b"fLaC")
        assert png.startswith(b"\x89PNG\r\n\x1a\n")

    check()


def test_chat_streams_follow_the_chunk_schema_and_cover_many_shapes(spec: Spec) -> None:
    validator = chunk_validator(spec)
    seen: set[str] = set()

    @settings(max_examples=40)
    @given(
        st.booleans().flatmap(
            lambda usage: strategies.chat_streams(spec, include_usage=usage, tools=[strategies.WEATHER_TOOL])
        )
    )
    def check(events: list[dict[str, Any]]) -> None:
        for event in events:
            validator.validate(event)
        assert len({(e["id"], e["model"], e["created"]) for e in events}) == 1
        seen.update(stream_kinds(events))

    check()
    assert {"content", "reasoning", "tool-calls", "usage", "multi-choice", "empty-delta"} <= seen


def test_an_undocumented_answer_is_refused() -> None:
    with pytest.raises(ValueError, match="status 418 is not documented"):
        strategies.responses("listModels", 418)
    with pytest.raises(ValueError, match="use chat_streams"):
        strategies.responses("createChatCompletion", 200, "text/event-stream")
