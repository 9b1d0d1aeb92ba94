"""A chat completion as OpenAI-style stream chunks (`chat.completion.chunk`).

The chunks are cut from the finished completion, so joined deltas are the non-streaming message
by construction: role first, content in token-sized pieces, tool-call arguments split over
several chunks, each choice's last chunk with its finish_reason, choices interleaved by index,
and, with `stream_options.include_usage`, one final chunk with usage and no choices.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from mockserver import tokens
from mockserver.exchange import Exchange
from mockserver.types import JSON

if TYPE_CHECKING:
    from mockserver.services import Services


def _pieces(text: str, rng: random.Random) -> list[str]:
    """1-3 tokens per delta, as real streams vary."""
    parts = tokens.split(text)
    out: list[str] = []
    while parts:
        take = rng.randint(1, 3)
        out.append("".join(parts[:take]))
        parts = parts[take:]
    return out


def _deltas(
    message: Mapping[str, Any], finish: str, rng: random.Random
) -> Iterator[tuple[dict[str, Any], Any]]:
    """(delta, finish_reason) pairs of one choice."""
    yield {"role": "assistant", "content": ""}, None
    reasoning = message.get("reasoning_content")
    if reasoning and "<think>" not in (message.get("content") or ""):
        for piece in _pieces(reasoning, rng):
            yield {"reasoning_content": piece}, None
    for piece in _pieces(message.get("content") or "", rng):
        yield {"content": piece}, None
    for index, call in enumerate(message.get("tool_calls") or []):
        function = call["function"]
        head = {
            "index": index,
            "id": call["id"],
            "type": "function",
            "function": {"name": function["name"], "arguments": ""},
        }
        yield {"tool_calls": [head]}, None
        for piece in _pieces(function["arguments"], rng):
            yield {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}, None
    yield {}, finish


def events(ex: Exchange, value: JSON, services: Services) -> Iterator[JSON]:
    """The `data:` payloads for a finished completion (lazily: one at a time)."""
    head = {
        "id": value["id"],
        "object": "chat.completion.chunk",
        "created": value["created"],
        "model": value["model"],
    }
    rng = ex.rng("stream")
    streams = [
        (choice["index"], _deltas(choice["message"], choice["finish_reason"], rng))
        for choice in value["choices"]
    ]
    while streams:  # round-robin: n > 1 interleaves choices by index
        for entry in list(streams):
            index, deltas = entry
            step = next(deltas, None)
            if step is None:
                streams.remove(entry)
                continue
            delta, finish = step
            yield {**head, "choices": [{"index": index, "delta": delta, "finish_reason": finish}]}
    options = ex.field("stream_options")
    if isinstance(options, dict) and options.get("include_usage") is True:
        usage = {k: value["usage"][k] for k in ("prompt_tokens", "completion_tokens", "total_tokens")}
        yield {**head, "choices": [], "usage": usage}
