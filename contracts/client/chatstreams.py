"""Valid chat completion streams of many shapes, for scripting the mock's answers.

A stream is a list of `chat.completion.chunk` events (without the final `[DONE]`, which the mock
adds). Shapes: one or two choices, sequential or interleaved; content, reasoning and empty
deltas; tool calls with arguments split anywhere (when the request sent tools); a usage chunk
(when it asked for one); long streams; unknown extra fields; any Unicode. Every stream passes
the server side's stream checker (`contracts.checks.streams`), the single source of the rules.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import strategies as st

from contracts.checks.sse import Event
from contracts.checks.streams import chat_stream_checker
from contracts.client.schemagen import Style, any_json

OBJECT = "chat.completion.chunk"
_KNOWN_FIELDS = frozenset({"id", "object", "created", "model", "choices", "usage", "system_fingerprint"})
WEATHER_TOOL: Mapping[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}},
            "required": ["city"],
        },
    },
}


def request_body(include_usage: bool, tools: Sequence[Mapping[str, Any]] | None) -> dict[str, Any]:
    """The parts of a chat request that decide which streams are valid answers to it."""
    body: dict[str, Any] = {"stream": True}
    if include_usage:
        body["stream_options"] = {"include_usage": True}
    if tools is not None:
        body["tools"] = [dict(t) for t in tools]
    return body


def choice_count(events: Sequence[Any]) -> int:
    """How many choices a stream answers with: a stream of two is the answer to `n: 2`."""
    indexes = {
        c.get("index")
        for e in events
        if isinstance(e, dict)
        for c in e.get("choices") or ()
        if isinstance(c, dict)
    }
    return max(len(indexes), 1)


def is_valid_stream(spec: Any, events: Sequence[Any], body: Mapping[str, Any]) -> bool:
    """Valid as the answer to `body`, which asked for as many choices as the stream has."""
    count = choice_count(events)
    checker = chat_stream_checker(spec, {**body, "n": count} if count > 1 else dict(body))
    failures = [f for e in events for f in checker.feed(Event(json.dumps(e)))]
    failures += checker.feed(Event("[DONE]"))
    return not failures and not checker.finish()


def _text(low: int = 0, high: int = 16) -> st.SearchStrategy[str]:
    return st.text(st.characters(codec="utf-8"), min_size=low, max_size=high)


def _weather_arguments() -> st.SearchStrategy[str]:
    """JSON arguments valid for WEATHER_TOOL's parameters (the tool the suite sends)."""
    city = _text(0, 12)
    days = st.integers(1, 30)
    return st.fixed_dictionaries({"city": city}, optional={"days": days}).map(
        lambda a: json.dumps(a, ensure_ascii=False)
    )


@st.composite
def _pieces(draw: st.DrawFn, tools: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """The deltas of one choice after its role delta (the finish comes separately)."""
    piece: st.SearchStrategy[dict[str, Any]] = st.one_of(
        _text().map(lambda t: {"content": t}),
        _text().map(lambda t: {"reasoning_content": t}),
        st.just({}),
    )
    pieces: list[dict[str, Any]] = draw(
        st.one_of(st.lists(piece, max_size=6), st.lists(piece, min_size=30, max_size=60))
    )
    if tools and tools[0] == WEATHER_TOOL and draw(st.booleans()):
        text = draw(_weather_arguments())
        cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=3)))
        parts = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
        call_id = draw(_text(1, 12))
        name = tools[0]["function"]["name"]
        first = {
            "index": 0,
            "id": call_id,
            "type": "function",
            "function": {"name": name, "arguments": parts[0]},
        }
        pieces.append({"tool_calls": [first]})
        pieces += [{"tool_calls": [{"index": 0, "function": {"arguments": p}}]} for p in parts[1:]]
    return pieces


@st.composite
def chat_stream(
    draw: st.DrawFn,
    spec: Any,
    include_usage: bool = False,
    tools: Sequence[Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """One valid stream: the chunks a chat completion with `stream: true` may send."""
    ident = draw(_text(1, 40))
    model = draw(_text(1, 24))
    created = draw(st.integers(0, 2**31 - 1))
    extra = draw(
        st.dictionaries(_text(1, 10).filter(lambda k: k not in _KNOWN_FIELDS), any_json(Style()), max_size=2)
    )

    def chunk(choices: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            **extra,
            "id": ident,
            "object": OBJECT,
            "created": created,
            "model": model,
            "choices": choices,
        }

    lanes: list[list[dict[str, Any]]] = []
    for index in range(draw(st.integers(1, 2))):
        role: dict[str, Any] = {"role": "assistant", **draw(st.sampled_from([{}, {"content": ""}]))}
        reason = draw(st.sampled_from(["stop", "length"]))
        deltas = [role, *draw(_pieces(tools))]
        choices: list[dict[str, Any]] = [{"index": index, "delta": d, "finish_reason": None} for d in deltas]
        if draw(st.booleans()):
            choices[-1]["finish_reason"] = reason  # the last delta carries the reason itself
        else:
            choices.append({"index": index, "delta": {}, "finish_reason": reason})
        lanes.append(choices)
    if draw(st.booleans()):  # interleaved: one chunk per choice delta, alternating choices
        order = [lane[i] for i in range(max(map(len, lanes))) for lane in lanes if i < len(lane)]
    else:
        order = [c for lane in lanes for c in lane]
    events = [chunk([c]) for c in order]
    if include_usage:
        prompt, completion = draw(st.integers(0, 10**6)), draw(st.integers(0, 10**6))
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
        events.append({**chunk([]), "usage": usage})
    return events


def chat_streams(
    spec: Any, include_usage: bool = False, tools: Sequence[Mapping[str, Any]] | None = None
) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Streams valid for a request with these options, checked by the stream checker."""
    body = request_body(include_usage, tools)
    return chat_stream(spec, include_usage, tools).filter(lambda events: is_valid_stream(spec, events, body))


def stream_kinds(events: Sequence[Any]) -> frozenset[str]:
    """What a stream exercised, for the coverage table."""
    kinds: set[str] = set()
    indexes: set[Any] = set()
    for event in events:
        if not isinstance(event, dict):
            continue
        if event.get("usage") is not None:
            kinds.add("usage")
        if set(event) - _KNOWN_FIELDS:
            kinds.add("extra-fields")
        for choice in event.get("choices") or []:
            indexes.add(choice.get("index"))
            delta = choice.get("delta") or {}
            if delta.get("content"):
                kinds.add("content")
            if delta.get("reasoning_content"):
                kinds.add("reasoning")
            if delta.get("tool_calls"):
                kinds.add("tool-calls")
            if not delta:
                kinds.add("empty-delta")
    if len(indexes) > 1:
        kinds.add("multi-choice")
    if len(events) >= 30:
        kinds.add("long")
    if any(not json.dumps(e, ensure_ascii=False).isascii() for e in events):
        kinds.add("non-ascii")
    return frozenset(kinds)
