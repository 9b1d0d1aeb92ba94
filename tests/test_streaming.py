"""Chat completion streams (issue 3): SSE framing, chunk rules, the openai SDK, disconnects."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
import zlib
from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpx
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator
from starlette.testclient import TestClient

from mockserver import Mock, Spec, create_app, streaming
from mockserver import app as app_module
from mockserver.controls import Pacing
from tests.conftest import LiveServer
from tests.helpers import AUTH, chunk_validator, join_stream, sse_data

CHAT = "/api/v1/chat/completions"
WEATHER: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}},
            "required": ["city", "days"],
        },
    },
}


def body(**fields: Any) -> dict[str, Any]:
    return {
        "model": "venice-uncensored",
        "messages": [{"role": "user", "content": "Tell me about canals"}],
        "stream": True,
        **fields,
    }


def stream(client: TestClient, **fields: Any) -> tuple[Any, list[dict[str, Any]]]:
    response = client.post(CHAT, json=body(**fields), headers={**AUTH, "Accept-Encoding": "identity"})
    assert response.status_code == 200, response.text
    payloads = sse_data(response.text)
    assert payloads[-1] == "[DONE]"
    assert "[DONE]" not in payloads[:-1]
    return response, [json.loads(p) for p in payloads[:-1]]


def message_schema(spec: Spec) -> Any:
    completion = spec.document["paths"]["/chat/completions"]["post"]["responses"]["200"]["content"]
    return completion["application/json"]["schema"]["properties"]["choices"]["items"]["properties"]["message"]


def test_sse_framing_as_openai_clients_expect(client: TestClient) -> None:
    response, chunks = stream(client)
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert "content-length" not in response.headers
    assert response.text.startswith("data: {")
    assert response.text.endswith("data: [DONE]\n\n")
    assert len(chunks) > 3


def test_every_chunk_follows_the_rules(client: TestClient, spec: Spec) -> None:
    _, chunks = stream(client)
    validator = chunk_validator(spec)
    for chunk in chunks:
        validator.validate(chunk)
    assert {(c["id"], c["created"], c["model"], c["object"]) for c in chunks} == {
        (chunks[0]["id"], chunks[0]["created"], "venice-uncensored", "chat.completion.chunk")
    }
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    contents = [
        c["choices"][0]["delta"]["content"] for c in chunks if c["choices"][0]["delta"].get("content")
    ]
    assert len(contents) > 5  # token-sized pieces
    finishes = [c["choices"][0]["finish_reason"] for c in chunks]
    assert finishes[-1] == "stop"
    assert all(f is None for f in finishes[:-1])
    assert all("usage" not in c for c in chunks)


def test_joined_deltas_are_the_non_streaming_answer(client: TestClient, spec: Spec) -> None:
    _, chunks = stream(client, n=2)
    plain = client.post(CHAT, json=body(n=2, stream=False), headers=AUTH).json()
    joined = join_stream(chunks)
    validator = OAS30Validator(message_schema(spec))
    for choice in plain["choices"]:
        mine = joined[choice["index"]]
        assert mine["message"]["content"] == choice["message"]["content"]
        assert mine["finish_reason"] == choice["finish_reason"]
        validator.validate({"role": "assistant", **mine["message"]})


def test_n_choices_interleave_by_index(client: TestClient) -> None:
    _, chunks = stream(client, n=3)
    order = [c["choices"][0]["index"] for c in chunks]
    assert order[:3] == [0, 1, 2]
    assert all(len(c["choices"]) == 1 for c in chunks)
    for index in range(3):
        last = max(i for i, c in enumerate(chunks) if c["choices"][0]["index"] == index)
        assert chunks[last]["choices"][0]["finish_reason"] == "stop"


def test_include_usage_adds_a_final_usage_chunk(client: TestClient) -> None:
    _, chunks = stream(client, stream_options={"include_usage": True})
    *rest, last = chunks
    assert last["choices"] == []
    assert (
        last["usage"]["total_tokens"] == last["usage"]["prompt_tokens"] + last["usage"]["completion_tokens"]
    )
    assert all("usage" not in c for c in rest)


def test_tool_calls_stream_as_deltas(client: TestClient) -> None:
    _, chunks = stream(client, tools=[WEATHER], tool_choice="required")
    plain = client.post(
        CHAT, json=body(tools=[WEATHER], tool_choice="required", stream=False), headers=AUTH
    ).json()
    calls = [
        c["choices"][0]["delta"]["tool_calls"][0]
        for c in chunks
        if c["choices"][0]["delta"].get("tool_calls")
    ]
    head, *arguments = calls
    assert head["index"] == 0
    assert head["id"].startswith("call_")
    assert head["type"] == "function"
    assert head["function"]["name"] == "get_weather"
    assert len(arguments) >= 2  # arguments arrive split over several chunks
    assert all(set(part) == {"index", "function"} for part in arguments)
    joined = join_stream(chunks)[0]["message"]["tool_calls"][0]["function"]["arguments"]
    assert joined == plain["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    assert set(json.loads(joined)) >= {"city", "days"}


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_compressed_streams_decode_event_by_event(client: TestClient, coding: str) -> None:
    response = client.post(CHAT, json=body(), headers={**AUTH, "Accept-Encoding": coding})
    assert response.headers["content-encoding"] == coding
    assert sse_data(response.text)[-1] == "[DONE]"  # httpx decoded what the label says


def test_a_gzip_stream_flushes_each_event() -> None:
    async def produce() -> AsyncIterator[bytes]:
        for i in range(3):
            yield f"data: {i}\n\n".encode()

    from mockserver.encoding import _stream

    async def collect() -> list[bytes]:
        return [piece async for piece in _stream(produce(), "gzip")]

    pieces = asyncio.run(collect())
    decoder = zlib.decompressobj(31)
    assert decoder.decompress(pieces[0]) == b"data: 0\n\n"  # readable before the stream ends
    assert gzip.decompress(b"".join(pieces)) == b"data: 0\n\ndata: 1\n\ndata: 2\n\n"


@settings(suppress_health_check=list(HealthCheck), deadline=None)
@given(
    n=st.integers(1, 3),
    usage=st.booleans(),
    tools=st.booleans(),
    model=st.sampled_from(["venice-uncensored", "qwen3-235b", "llama-3.2-3b"]),
    max_tokens=st.one_of(st.none(), st.integers(0, 40)),
)
def test_any_stream_validates_chunk_by_chunk_and_joined(
    spec: Spec, n: int, usage: bool, tools: bool, model: str, max_tokens: int | None
) -> None:
    fields: dict[str, Any] = {"model": model, "n": n, "stream_options": {"include_usage": usage}}
    if tools:
        fields.update(tools=[WEATHER], tool_choice="required")
    if max_tokens is not None:
        fields["max_tokens"] = max_tokens
    with TestClient(create_app(mock=Mock(spec=spec))) as client:
        _, chunks = stream(client, **fields)
    validator = chunk_validator(spec)
    for chunk in chunks:
        validator.validate(chunk)
    assert len({(c["id"], c["created"], c["model"]) for c in chunks}) == 1
    has_usage = [c for c in chunks if "usage" in c]
    assert len(has_usage) == (1 if usage else 0)
    joined = join_stream(chunks)
    assert sorted(joined) == list(range(n))
    messages = OAS30Validator(message_schema(spec))
    for choice in joined.values():
        assert choice["finish_reason"] in ("stop", "length")
        messages.validate({"role": "assistant", **choice["message"]})
        if choice["finish_reason"] == "length":
            continue  # cut at max_tokens: the arguments of a cut call are not whole JSON
        for call in choice["message"]["tool_calls"]:
            assert set(json.loads(call["function"]["arguments"])) >= {"city", "days"}


class TestOpenAISDK:
    def test_sync_stream_iterates(self, sdk: openai.OpenAI) -> None:
        pieces = [
            chunk.choices[0].delta.content or ""
            for chunk in sdk.chat.completions.create(
                model="venice-uncensored", messages=[{"role": "user", "content": "Hi there"}], stream=True
            )
        ]
        assert len(pieces) > 3
        assert "".join(pieces).startswith("Here is a short answer")

    def test_async_stream_iterates_with_usage(self, live_server: LiveServer) -> None:
        async def run() -> list[Any]:
            client = openai.AsyncOpenAI(base_url=live_server.base_url, api_key="k", max_retries=0)
            stream = await client.chat.completions.create(
                model="venice-uncensored",
                messages=[{"role": "user", "content": "Hi"}],
                stream=True,
                stream_options={"include_usage": True},
            )
            chunks = [chunk async for chunk in stream]
            await client.close()
            return chunks

        chunks = asyncio.run(run())
        assert chunks[-1].usage is not None
        assert chunks[-1].choices == []
        assert chunks[-1].usage.total_tokens > 0

    def test_tool_calls_through_the_stream_helper(self, sdk: openai.OpenAI) -> None:
        with sdk.chat.completions.stream(
            model="venice-uncensored",
            messages=[{"role": "user", "content": "Weather?"}],
            tools=[WEATHER],  # type: ignore[list-item]
            tool_choice="required",
        ) as events:
            final = events.get_final_completion()
        (call,) = final.choices[0].message.tool_calls or []
        assert call.function.name == "get_weather"
        assert set(json.loads(call.function.arguments)) >= {"city", "days"}


def test_the_first_event_leaves_before_the_stream_is_built_and_a_disconnect_stops_it(
    spec: Spec, monkeypatch: pytest.MonkeyPatch
) -> None:
    produced: list[int] = []
    closed = threading.Event()
    finished = threading.Event()
    leftovers: list[str] = []
    original_sse = streaming.sse
    original_send = app_module._send_stream

    async def watched(events: Iterable[Any], pace: Pacing, done: bool = True) -> AsyncIterator[bytes]:
        try:
            async for frame in original_sse(events, pace, done):
                produced.append(1)
                yield frame
        finally:
            closed.set()

    async def send_and_look(*args: Any) -> None:
        try:
            await original_send(*args)
        finally:
            # Runs on the server's loop: any pump/watch task still alive here would be a leak.
            leftovers.extend(
                t.get_coro().__qualname__  # type: ignore[union-attr]
                for t in asyncio.all_tasks()
                if not t.done() and t.get_coro().__qualname__.endswith(("pump", "watch"))  # type: ignore[union-attr]
            )
            finished.set()

    monkeypatch.setattr(streaming, "sse", watched)
    monkeypatch.setattr(app_module, "_send_stream", send_and_look)
    with LiveServer(Mock(spec=spec)) as server, httpx.Client() as client:
        with client.stream(
            "POST",
            server.base_url + "/chat/completions",
            json=body(n=4),
            headers={**AUTH, "X-Mock-Pace": "delay=200ms"},
            timeout=10,
        ) as response:
            first = next(line for line in response.iter_lines() if line.startswith("data:"))
        assert json.loads(first[5:])["object"] == "chat.completion.chunk"
        assert closed.wait(timeout=10), "the server kept producing after the client left"
        assert finished.wait(timeout=10)
    assert 0 < len(produced) < 20  # n=4 streams have well over 20 events at 200 ms each
    assert leftovers == []
