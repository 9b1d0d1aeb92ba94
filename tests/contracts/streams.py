"""Hand-made chat streams for the stream checker's tests: a good one, and ways to spoil it."""

from __future__ import annotations

import json
from typing import Any

from contracts.checks.sse import Event

ID, MODEL, CREATED = "chatcmpl-1", "venice-uncensored", 1739928524


def chunk(delta: dict[str, Any], finish: str | None = None, index: int = 0, **top: Any) -> dict[str, Any]:
    value = {
        "id": ID,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": MODEL,
        "choices": [{"index": index, "delta": delta, "finish_reason": finish}],
    }
    value.update(top)
    return value


def usage_chunk() -> dict[str, Any]:
    return {
        "id": ID,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": MODEL,
        "choices": [],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    }


def text_stream(usage: bool = False) -> list[dict[str, Any]]:
    chunks = [
        chunk({"role": "assistant", "content": ""}),
        chunk({"content": "Hello"}),
        chunk({"content": " there"}),
        chunk({}, "stop"),
    ]
    return [*chunks, usage_chunk()] if usage else chunks


def tool_stream(
    arguments: tuple[str, ...] = ('{"city": ', '"Paris"}'), name: str = "weather"
) -> list[dict[str, Any]]:
    first = {"index": 0, "id": "call_1", "type": "function", "function": {"name": name, "arguments": ""}}
    deltas = [{"index": 0, "function": {"arguments": part}} for part in arguments]
    return [
        chunk({"role": "assistant", "tool_calls": [first]}),
        *(chunk({"tool_calls": [d]}) for d in deltas),
        chunk({}, "stop"),
    ]


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def events(chunks: list[Any], done: bool = True) -> list[Event]:
    out = [Event(c if isinstance(c, str) else json.dumps(c)) for c in chunks]
    return [*out, Event("[DONE]")] if done else out
