"""Chat completion streams (`stream: true`) judged event by event against the contract.

`StreamChecker` is pure: feed it events as they arrive (`feed(event) -> failures`), then call
`finish()` once the stream ended. It works the same on a live stream and on a recording. The
rules beyond one chunk's schema are the ones fixtures/overlay.yaml states for chat streams:
the same id/model/created throughout, role first, one finish_reason per choice, `[DONE]` last,
a usage chunk if and only if `stream_options.include_usage`, tool-call argument deltas that join
into JSON valid against the tool's parameters, and a joined message valid under the
non-streaming schema.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from contracts.checks.chat import ChatRequest, check_choices, check_usage, finish_enum
from contracts.checks.schemas import SchemaLike, Validator, first_error, subschema, user_schema
from contracts.checks.sse import Event, EventParser
from contracts.failures import Failure, excerpt

CHECK = "sse_stream"
DONE = "[DONE]"
_IDENTITY = ("id", "model", "created")


@dataclass(frozen=True, slots=True)
class StreamRequest:
    """What the request asked of the stream."""

    include_usage: bool = False
    tools: Mapping[str, Any] | None = None  # function name -> parameters schema; None: no tools sent
    chat: ChatRequest | None = None  # what the answer must mean once joined (checks/chat.py)
    finish_reasons: tuple[str, ...] | None = None  # the spec's enum; None: not checked

    @classmethod
    def from_body(cls, body: Any, finish_reasons: tuple[str, ...] | None = None) -> StreamRequest:
        if not isinstance(body, dict):
            return cls(finish_reasons=finish_reasons)
        options = body.get("stream_options")
        include = isinstance(options, dict) and options.get("include_usage") is True
        chat = ChatRequest.from_body(body)  # the tools are read once, there
        tools = MappingProxyType(dict(chat.tools)) if chat.tools is not None else None
        return cls(include, tools, chat, finish_reasons)


@dataclass
class _Call:
    id: Any = None
    type: Any = None
    name: Any = None
    arguments: list[str] = field(default_factory=list)


@dataclass
class _Choice:
    deltas: int = 0
    finish_reasons: list[str] = field(default_factory=list)
    content: list[str] | None = None
    reasoning: list[str] | None = None
    calls: dict[int, _Call] = field(default_factory=dict)


class StreamChecker:
    """One stream's verdict, built incrementally. Each rule reports at most once per stream."""

    def __init__(
        self,
        chunk_schema: SchemaLike | None,
        request: StreamRequest | None = None,
        choice_schema: SchemaLike | None = None,
    ) -> None:
        self.chunk_schema = chunk_schema
        self.request = request or StreamRequest()
        self.choice_schema = choice_schema  # one choice of the non-streaming answer
        self.events = 0
        self.done = False
        self._identity: dict[str, tuple[Any, int]] = {}
        self._choices: dict[int, _Choice] = {}
        self._usage_at: int | None = None
        self._usage: Any = None
        self._reported: set[str] = set()

    def feed(self, event: Event) -> list[Failure]:
        self.events += 1
        out: list[Failure] = []
        if self.done:
            self._fail(out, "done_last", "event after [DONE]", "[DONE] is the last event", event.data)
            return out
        if event.data == DONE:
            self.done = True
            return out
        try:
            chunk = json.loads(event.data)
        except ValueError as exc:
            self._fail(
                out, "json", f"event #{self.events} is not JSON", "a JSON chunk", f"{exc}: {event.data}"
            )
            return out
        if self.chunk_schema is not None and not self.chunk_schema.is_valid(chunk):
            error = first_error(self.chunk_schema, chunk)
            self._fail(out, "chunk_schema", f"event #{self.events} violates the chunk schema", error, chunk)
        if isinstance(chunk, dict):
            self._identity_rules(out, chunk)
            self._usage_rules(out, chunk)
            choices = chunk.get("choices")
            for choice in choices if isinstance(choices, list) else ():
                if isinstance(choice, dict) and _is_index(choice.get("index")):
                    self._choice_rules(out, choice)
        return out

    def finish(self) -> list[Failure]:
        """The stream ended: the rules about the whole stream."""
        out: list[Failure] = []
        if not self.done:
            self._fail(
                out, "done_last", "stream ended without [DONE]", "data: [DONE] last", f"{self.events} events"
            )
        if not self._choices and self.events:
            self._fail(out, "choices", "no chunk carried a choice", "at least one choice delta", "none")
        if self.request.include_usage and self._usage_at is None:
            self._fail(out, "usage", "no usage chunk", "a final usage chunk (include_usage: true)", "none")
        for index, choice in sorted(self._choices.items()):
            if not choice.finish_reasons:
                self._fail(
                    out, "finish_reason", f"choice {index} never finished", "one finish_reason", "none"
                )
            self._tool_rules(out, index, choice)
            self._joined_rules(out, index, choice)
        if self.request.chat is not None and self._choices:
            joined = [self._joined(index, choice) for index, choice in sorted(self._choices.items())]
            out += check_choices(self.request.chat, joined, self.request.finish_reasons, arguments=False)
            out += check_usage(self.request.chat, self._usage)
        return out

    # -- rules --------------------------------------------------------------------------------

    def _identity_rules(self, out: list[Failure], chunk: dict[str, Any]) -> None:
        for name in _IDENTITY:
            if name not in chunk:
                continue
            if name not in self._identity:
                self._identity[name] = (chunk[name], self.events)
                continue
            first, at = self._identity[name]
            if chunk[name] != first:
                title = f"chunk {name} changed at event #{self.events}"
                self._fail(
                    out, f"same_{name}", title, f"{excerpt(first)} (event #{at})", excerpt(chunk[name])
                )

    def _usage_rules(self, out: list[Failure], chunk: dict[str, Any]) -> None:
        if self._usage_at is not None:
            self._fail(
                out, "usage", "chunk after the usage chunk", "the usage chunk is the last chunk", chunk
            )
        if chunk.get("usage") is None:
            return
        if not self.request.include_usage:
            expected = "no usage chunk (stream_options.include_usage not set)"
            self._fail(out, "usage", "usage chunk that was not asked for", expected, chunk.get("usage"))
        elif chunk.get("choices") not in ([], None):
            self._fail(out, "usage", "usage chunk with choices", "choices: [] in the usage chunk", chunk)
        self._usage_at = self.events
        self._usage = chunk.get("usage")

    def _choice_rules(self, out: list[Failure], choice: dict[str, Any]) -> None:
        index = choice["index"]
        state = self._choices.setdefault(index, _Choice())
        delta = _mapping(choice.get("delta"))
        state.deltas += 1
        if state.deltas == 1 and delta.get("role") != "assistant":
            received = f"delta {excerpt(delta)}"
            self._fail(
                out, "role_first", f"choice {index} starts without a role", "role: assistant", received
            )
        carries = any(delta.get(k) for k in ("content", "reasoning_content", "tool_calls"))
        if state.finish_reasons and carries:
            title = f"choice {index} continues after its finish_reason"
            self._fail(out, "finish_reason", title, "no delta after finish_reason", delta)
        reason = choice.get("finish_reason")
        if reason is not None:
            state.finish_reasons.append(reason)
            if len(state.finish_reasons) > 1:
                title = f"choice {index} finished twice"
                self._fail(out, "finish_reason", title, "one finish_reason", state.finish_reasons)
        for key in ("content", "reasoning_content"):
            if isinstance(delta.get(key), str):
                parts = state.content if key == "content" else state.reasoning
                if parts is None:
                    parts = []
                    if key == "content":
                        state.content = parts
                    else:
                        state.reasoning = parts
                parts.append(delta[key])
        calls = delta.get("tool_calls")
        for call in calls if isinstance(calls, list) else ():
            if isinstance(call, dict) and _is_index(call.get("index")):
                self._call_delta(out, index, state, call)

    def _call_delta(self, out: list[Failure], index: int, state: _Choice, call: dict[str, Any]) -> None:
        function = _mapping(call.get("function"))
        known = state.calls.get(call["index"])
        if known is None:
            known = state.calls[call["index"]] = _Call(call.get("id"), call.get("type"), function.get("name"))
            if not (known.id and known.type == "function" and known.name):
                title = f"choice {index} tool call {call['index']} starts without id, type or name"
                expected = "id, type: function and function.name in the first delta"
                self._fail(out, "tool_calls", title, expected, call)
        if isinstance(function.get("arguments"), str):
            known.arguments.append(function["arguments"])

    def _tool_rules(self, out: list[Failure], index: int, choice: _Choice) -> None:
        tools = self.request.tools
        for number, call in sorted(choice.calls.items()):
            where = f"choice {index} tool call {number}"
            if tools is None:
                self._fail(out, "tool_calls", f"{where} without tools", "no tool calls", call.name)
                continue
            if call.name not in tools:
                expected = f"one of {sorted(tools)}"
                self._fail(out, "tool_calls", f"{where} names an unknown function", expected, call.name)
                continue
            text = "".join(call.arguments)
            try:
                arguments = json.loads(text)
            except ValueError:
                self._fail(out, "tool_calls", f"{where}: arguments are not JSON", "JSON arguments", text)
                continue
            schema = user_schema(tools[call.name])
            if schema is not None and not schema.is_valid(arguments):
                title = f"{where}: arguments violate the parameters of {call.name}"
                self._fail(out, "tool_calls", title, first_error(schema, arguments), text)

    def _joined(self, index: int, choice: _Choice) -> dict[str, Any]:
        """The choice as a non-streaming answer would have carried it."""
        message: dict[str, Any] = {
            "role": "assistant",
            "content": "".join(choice.content) if choice.content is not None else None,
        }
        if choice.reasoning is not None:
            message["reasoning_content"] = "".join(choice.reasoning)
        if choice.calls:
            message["tool_calls"] = [
                {"id": c.id, "type": c.type, "function": {"name": c.name, "arguments": "".join(c.arguments)}}
                for _, c in sorted(choice.calls.items())
            ]
        return {
            "index": index,
            "message": message,
            "finish_reason": choice.finish_reasons[-1] if choice.finish_reasons else None,
            "logprobs": None,
        }

    def _joined_rules(self, out: list[Failure], index: int, choice: _Choice) -> None:
        if self.choice_schema is None or not choice.finish_reasons:
            return
        joined = self._joined(index, choice)
        if not self.choice_schema.is_valid(joined):
            title = f"choice {index} joined into a message the non-streaming schema refuses"
            self._fail(out, "joined_message", title, first_error(self.choice_schema, joined), joined)

    def _fail(self, out: list[Failure], rule: str, title: str, expected: str, received: Any) -> None:
        if rule in self._reported:
            return
        self._reported.add(rule)
        out.append(Failure(CHECK, title, expected, excerpt(received), rule))


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _is_index(value: Any) -> bool:
    # JSON true is a Python int equal to 1: taken as an index it would merge into choice (or call) 1.
    return isinstance(value, int) and not isinstance(value, bool)


def chat_stream_checker(spec: Any, body: Any, operation_id: str = "createChatCompletion") -> StreamChecker:
    """The checker for one streamed answer of `operation_id`, from the loaded spec (a
    `mockserver.Spec`) and the request body that asked for the stream."""
    operation = spec.operation(operation_id)
    response = operation.responses.get("200")
    media = response.content.get("text/event-stream") if response is not None else None
    json_media = response.content.get("application/json") if response is not None else None
    choice: Validator | None = None
    finish: tuple[str, ...] | None = None
    if json_media is not None and json_media.schema is not None:
        draft4 = str(spec.openapi).startswith("3.0")
        choice = subschema(json_media.schema.schema, ("properties", "choices", "items"), draft4)
        finish = finish_enum(json_media.schema.schema)
    request = StreamRequest.from_body(body, finish)
    return StreamChecker(media.sse_data if media is not None else None, request, choice)


def check_recorded(checker: StreamChecker, body: bytes) -> list[Failure]:
    """Judge a whole recorded text/event-stream body (already decoded) with `checker`."""
    parser = EventParser()
    failures = [f for event in parser.feed(body) + parser.close() for f in checker.feed(event)]
    if parser.truncated:
        failures.append(
            Failure(CHECK, "stream ended inside an event", "a blank line after each event", "EOF", "framing")
        )
    return failures + checker.finish()
