"""Scripted responses: "answer the next N calls of operation X with this" (for client tests).

Set from Python (`Mock.scripts.respond(...)`, the pytest plugin's `venice_mock.respond(...)`) or
over HTTP (`POST /__mock/scripts`). A scripted answer is sent as given: the client test decides.
But a scripted body (or stream event) is checked against the spec when it is scripted, unless
`validate=False`, so a test author learns early that the script itself breaks the contract.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from mockserver import answer, encoding, media, scenarios, streaming
from mockserver.behaviors.hooks import Behavior
from mockserver.controls import SCENARIOS
from mockserver.errors import error_body
from mockserver.exceptions import ScriptError
from mockserver.exchange import Exchange, Reply
from mockserver.rendering import JSON_TYPE, documented_headers, dump_json, json_reply
from mockserver.selection import success_response
from mockserver.services import Services
from mockserver.spec import Operation, Spec
from mockserver.types import JSON
from mockserver.validation import check_value

SSE_TYPE = "text/event-stream"
MAX_DELAY = 60.0  # seconds; a typo must not hang a test run
_NO_BODY: Any = object()


_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 field names
_UNSENDABLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # field values: HTAB is the only control allowed


@dataclass(frozen=True, slots=True)
class Scripted:
    operation_id: str
    status: int | None = None  # None: the status the mock would choose (the documented success)
    body: JSON | bytes = None
    has_body: bool = False  # False: the mock renders its own answer for that status
    headers: tuple[tuple[str, str], ...] = ()
    stream: tuple[JSON | bytes | str, ...] | None = None  # events (framed) or raw chunks (as is)
    done: bool = True  # end an event stream with `data: [DONE]`
    media_type: str | None = None
    delay: float = 0.0  # seconds before the first body byte
    scenarios: tuple[str, ...] = ()  # resilience scenarios applied on top (see scenarios.py)
    validate: bool = True
    validated: bool = False  # checked against the spec when scripted

    def as_json(self) -> dict[str, JSON]:
        body = self.body
        if isinstance(body, bytes):
            body = f"<{len(body)} bytes>"
        stream = None if self.stream is None else [_shown(item) for item in self.stream]
        return {
            "operation_id": self.operation_id,
            "status": self.status,
            "body": body if self.has_body else None,
            "headers": dict(self.headers),
            "stream": stream,
            "media_type": self.media_type,
            "delay": self.delay,
            "scenarios": list(self.scenarios),
        }


def _shown(item: JSON | bytes | str) -> JSON:
    return item.decode("utf-8", "replace") if isinstance(item, bytes) else item


@dataclass
class _Entry:
    scripted: Scripted
    remaining: int | None  # None: every call until cleared


@dataclass
class Scripts:
    """Per-operation queues of scripted answers; thread-safe (tests script from another thread)."""

    spec: Spec | None = None  # what scripts are checked against; unbound ones are checked when served
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _queues: dict[str, list[_Entry]] = field(default_factory=dict, init=False, repr=False)

    def bind(self, spec: Spec) -> Scripts:
        self.spec = spec
        return self

    def respond(
        self,
        operation_id: str,
        status: int | None = None,
        body: JSON | bytes = _NO_BODY,
        *,
        headers: Mapping[str, str] | None = None,
        stream: Iterable[JSON | bytes | str] | None = None,
        done: bool | None = None,
        media_type: str | None = None,
        times: int | None = 1,
        delay: float = 0.0,
        scenario: str | Sequence[str] = (),
        validate: bool = True,
    ) -> Scripted:
        """Answer the next `times` calls of `operation_id` (None: all of them) with this.

        `stream` items that are bytes or str are raw chunks, sent as they are; anything else is an
        event, framed as `data: <json>`. `[DONE]` follows the events unless `done=False` (or raw
        chunks were given). Without `body` and `stream`, the mock renders its own answer for
        `status`. `scenario` names resilience scenarios to apply on top (e.g. "cut-stream")."""
        if times is not None and times < 1:
            raise ScriptError(f"times must be at least 1 (or None for every call), not {times}")
        if not 0.0 <= delay <= MAX_DELAY:
            raise ScriptError(f"delay must be between 0 and {MAX_DELAY:g} seconds, not {delay}")
        names = (scenario,) if isinstance(scenario, str) else tuple(scenario)
        for name in names:
            if name not in SCENARIOS:
                raise ScriptError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}")
        for name, value in (headers or {}).items():
            if not _TOKEN.fullmatch(str(name)) or _UNSENDABLE.search(str(value)):
                # CR/LF would split the header block (and h11 refuses the answer mid-way).
                raise ScriptError(
                    f"header {str(name)[:40]!r}: {str(value)[:40]!r} cannot be sent: a header name is an "
                    "HTTP token and a value has no CR, LF or other control character"
                )
        items = None if stream is None else tuple(stream)
        raw = items is not None and any(isinstance(i, (bytes, str)) for i in items)
        scripted = Scripted(
            operation_id,
            status,
            None if body is _NO_BODY else body,
            body is not _NO_BODY,
            tuple((k.lower(), str(v)) for k, v in (headers or {}).items()),
            items,
            (not raw) if done is None else done,
            media_type,
            delay,
            names,
            validate,
        )
        if validate and self.spec is not None:
            try:
                op = self.spec.operation(operation_id)
            except KeyError as exc:
                raise ScriptError(str(exc.args[0])) from None
            found = problems(op, scripted)
            if found:
                raise ScriptError(_refusal(operation_id, found))
            scripted = replace(scripted, validated=True)
        self._push(scripted, times)
        return scripted

    # Where scripts are kept: in this process (below), or shared through Redis (scripts_redis).

    def _push(self, scripted: Scripted, times: int | None) -> None:
        with self._lock:
            self._queues.setdefault(scripted.operation_id, []).append(_Entry(scripted, times))

    def take(self, operation_id: str) -> Scripted | None:
        with self._lock:
            queue = self._queues.get(operation_id)
            if not queue:
                return None
            entry = queue[0]
            if entry.remaining is not None:
                entry.remaining -= 1
                if entry.remaining == 0:
                    queue.pop(0)
            return entry.scripted

    def active(self) -> bool:
        """Is anything scripted? (Replayed answers must not hide a script.)"""
        with self._lock:
            return any(self._queues.values())

    def pending(self) -> list[tuple[Scripted, int | None]]:
        """What is still scripted, in order, with how many calls each answers (None: all)."""
        with self._lock:
            return [(e.scripted, e.remaining) for queue in self._queues.values() for e in queue]

    def clear(self, operation_id: str | None = None) -> None:
        with self._lock:
            if operation_id is None:
                self._queues.clear()
            else:
                self._queues.pop(operation_id, None)


def _refusal(operation_id: str, found: list[str]) -> str:
    listed = "; ".join(found[:5]) + (f" (and {len(found) - 5} more)" if len(found) > 5 else "")
    return (
        f"the scripted answer for {operation_id} violates the spec: {listed}. "
        "Script it with validate=False to send it anyway."
    )


def problems(op: Operation, scripted: Scripted) -> list[str]:
    """How a scripted answer breaks the contract of `op` (empty: it follows it)."""
    status = scripted.status if scripted.status is not None else success_response(op)[0]
    response = op.response(status)
    if response is None:
        documented = ", ".join(op.responses)
        return [f"status {status} is not documented for {op.operation_id} (documented: {documented})"]
    if scripted.stream is not None:
        media_type = scripted.media_type or SSE_TYPE
    elif scripted.has_body:
        media_type = scripted.media_type or _default_media_type(scripted.body, response.content)
    else:
        return []
    spec_media = response.content.get(media_type)
    if spec_media is None:
        documented = ", ".join(response.content) or "no body"
        return [f"{media_type} is not documented for {op.operation_id} {status} (documented: {documented})"]
    found: list[str] = []
    if scripted.stream is not None:
        for number, event in enumerate(scripted.stream, 1):
            if not isinstance(event, (bytes, str)):
                found += [f"event #{number}: {v}" for v in check_value(spec_media.sse_data, event)]
        return found
    value = scripted.body
    if media.kind(media_type) == "json":
        return [str(v) for v in check_value(spec_media.schema, value)]
    if isinstance(value, str) and spec_media.schema is not None:
        return [str(v) for v in check_value(spec_media.schema, value)]
    return found


def _default_media_type(body: JSON | bytes, content: Mapping[str, Any]) -> str:
    if isinstance(body, bytes):
        return next((m for m in content if media.kind(m) == "binary"), "application/octet-stream")
    if isinstance(body, str):
        textual = next((m for m in content if media.kind(m) in ("csv", "text")), None)
        if textual is not None and JSON_TYPE not in content:
            return textual
    return JSON_TYPE


def render(scripted: Scripted, exchange: Exchange, behavior: Behavior, services: Services) -> Reply:
    """The scripted answer as bytes: exactly what was given, plus a Content-Type and any
    documented headers the script left out. A script without a body gets what the mock would
    send (answer.render, with the operation's behavior)."""
    op = exchange.operation
    status = scripted.status if scripted.status is not None else exchange.status
    if scripted.validate and not scripted.validated:  # scripted without a spec: check it now
        found = problems(op, replace(scripted, status=status))
        if found:
            return json_reply(500, error_body(_refusal(op.operation_id, found)), notes=("script refused",))
    response = op.response(status)
    given = dict(scripted.headers)
    content = response.content if response is not None else {}
    media_type: str | None
    if scripted.stream is not None:
        media_type = scripted.media_type or SSE_TYPE
        reply = Reply(status, (), b"", _chunks(_framed(scripted)), media_type)
    elif scripted.has_body:
        media_type = scripted.media_type or _default_media_type(scripted.body, content)
        reply = Reply(status, (), _bytes(scripted.body, media_type), None, media_type)
    else:
        media_type = scripted.media_type or _media_type_for(exchange, status)
        chosen = replace(exchange, status=status, response=response, media_type=media_type)
        own = answer.render(chosen, behavior, services)[0]
        reply = encoding.encode(own, exchange.incoming.header("accept-encoding"))
        given = {**dict(reply.headers), **given}
    headers = {"content-type": media.content_type(media_type)} if media_type else {}
    headers.update(documented_headers(response, services.synthesizer, exchange.rng("headers"), given))
    headers.update(given)
    reply = replace(reply, headers=tuple(headers.items()), notes=("scripted",))
    if scripted.scenarios:
        answered = replace(exchange, status=status, response=response, media_type=media_type)
        reply = scenarios.apply(scripted.scenarios, reply, answered)
    if scripted.delay > 0:
        reply = scenarios.delayed(reply, scripted.delay)
    return reply


def _media_type_for(exchange: Exchange, status: int) -> str | None:
    if status == exchange.status:
        return exchange.media_type
    response = exchange.operation.response(status)
    content = list(response.content) if response else []
    return next((m for m in content if media.kind(m) == "json"), content[0] if content else None)


def _bytes(body: JSON | bytes, media_type: str) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str) and media.kind(media_type) != "json":
        return body.encode()
    return dump_json(body)


def _framed(scripted: Scripted) -> list[bytes]:
    assert scripted.stream is not None
    chunks = [
        item if isinstance(item, bytes) else item.encode() if isinstance(item, str) else streaming.frame(item)
        for item in scripted.stream
    ]
    return [*chunks, streaming.DONE] if scripted.done else chunks


async def _chunks(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        await asyncio.sleep(0)  # yield to the loop so a disconnect is noticed between chunks
        yield chunk
