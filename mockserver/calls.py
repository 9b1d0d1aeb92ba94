"""The request log: every request the mock saw, matched or not, with its verdict and its answer
(for the inspector page). Bounded: entries, and the bytes kept of each body."""

from __future__ import annotations

import base64
import functools
import re
import threading
import zlib
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import unquote_plus

import brotli

from mockserver.errors import Violation

# Names that look like they carry a credential, in headers (`X-Auth-Token`, `X-Api-Key`, `Cookie`)
# and in query strings (`?key=`, `?api_key=`, `?access_token=`).
_SECRET_NAME = re.compile(r"auth|token|secret|passw|api[-_]?key|session|cookie|signature|^key$", re.I)
QUERY_PAIR = re.compile(r"(^|&)([^=&]*)=([^&]*)")  # name=value pairs of a query string
# A created key's secret in an answer (POST /api_keys): shown to its client once, never logged.
_ANSWERED_SECRET = re.compile(rb'("apiKey"\s*:\s*")([^"]*)(")')


def is_secret_name(name: str) -> bool:
    """Whether a header or query parameter name looks like it carries a credential."""
    return _SECRET_NAME.search(unquote_plus(name)) is not None


def _hidden(value: str) -> str:
    scheme, _, secret = value.partition(" ")
    if not secret:
        scheme, secret = "", value
    tail = secret[-4:] if len(secret) > 8 else ""
    return f"{scheme + ' ' if scheme else ''}***{tail}"


@functools.lru_cache(maxsize=1024)
def _secret_header(name: str) -> bool:
    # Remembered: every request is redacted, and clients send the same few header names.
    return _SECRET_NAME.search(name) is not None


def redact(headers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """Headers as recorded: credentials keep their scheme and last 4 characters only."""
    return tuple(
        (name, _hidden(value) if value and _secret_header(name) else value) for name, value in headers.items()
    )


def redact_answer(body: bytes) -> bytes:
    """An answer's body as recorded: the secret of a created key keeps its last 4 characters."""
    if b'"apiKey"' not in body:
        return body
    return _ANSWERED_SECRET.sub(
        lambda m: m.group(1) + _hidden(m.group(2).decode()).encode() + m.group(3), body
    )


def redact_query(query: str) -> str:
    """The query string as recorded: credential-looking parameters keep their last 4 characters."""
    if not query:
        return query

    def hide(match: re.Match[str]) -> str:
        lead, name, value = match.groups()
        secret = unquote_plus(value)
        if not secret or not _SECRET_NAME.search(unquote_plus(name)):
            return match.group(0)
        return f"{lead}{name}={_hidden(secret)}"

    return QUERY_PAIR.sub(hide, query)


class Call(NamedTuple):
    """One request as the mock saw it. A NamedTuple: one is built for every request, and a frozen
    dataclass of this size costs several times more to construct."""

    seq: int
    time: float  # wall clock, seconds since the epoch (the log is not part of any response)
    method: str
    path: str
    query: str
    operation_id: str | None
    status: int
    violations: tuple[Violation, ...]
    headers: tuple[tuple[str, str], ...]  # redacted
    body: bytes  # up to the log's body limit
    body_size: int  # the full size as received
    media_type: str | None  # of the response
    duration_ms: float
    nearest: tuple[str, ...] = ()  # closest documented operations when nothing matched
    notes: tuple[str, ...] = ()  # e.g. "Prefer: code=429"
    reply_headers: tuple[tuple[str, str], ...] = ()
    reply_body: bytes = b""  # as sent (encoded), up to the log's body limit; a stream's once it ended
    reply_size: int = 0  # the full size sent
    streamed: bool = False
    # With --proxy or --replay: how the upstream's answer broke the spec (`violations` are the request's).
    response_violations: tuple[Violation, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.violations

    def as_json(self) -> dict[str, Any]:
        try:
            body: Any = self.body.decode("utf-8")
        except UnicodeDecodeError:
            body = None
        return {
            "seq": self.seq,
            "time": self.time,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "operation_id": self.operation_id,
            "status": self.status,
            "violations": [v.as_json() for v in self.violations],
            "headers": dict(self.headers),
            "body": body,
            "body_size": self.body_size,
            "body_truncated": len(self.body) < self.body_size,
            "media_type": self.media_type,
            "duration_ms": round(self.duration_ms, 3),
            "nearest": list(self.nearest),
            "notes": list(self.notes),
            "response_violations": [v.as_json() for v in self.response_violations],
        }

    def detail_json(self) -> dict[str, Any]:
        """The entry with its answer (GET /__mock/requests/SEQ): text bodies as text, others as
        base64 (images and audio for the inspector to show and play). An answer sent gzip- or
        br-encoded is shown decoded (as far as it was kept)."""
        # Decoded, then redacted, here rather than per request: most answers are never looked at.
        answer = redact_answer(
            _decoded(self.reply_body, dict(self.reply_headers).get("content-encoding", ""))
        )
        return {
            **self.as_json(),
            "body_base64": None if _text(self.body) is not None else base64.b64encode(self.body).decode(),
            "response": {
                "status": self.status,
                "headers": dict(self.reply_headers),
                "media_type": self.media_type,
                "streamed": self.streamed,
                "body": _text(answer),
                "body_base64": None if _text(answer) is not None else base64.b64encode(answer).decode(),
                "size": self.reply_size,
                "truncated": len(self.reply_body) < self.reply_size,
            },
        }


def _decoded(body: bytes, coding: str) -> bytes:
    """Decode what was kept of an encoded answer; a cut-off stream decodes up to where it was cut."""
    try:
        if coding == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body)
        if coding == "br":
            return bytes(brotli.Decompressor().process(body))
    except (zlib.error, brotli.error):
        pass  # shown as it was sent
    return body


def _text(body: bytes) -> str | None:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


@dataclass
class CallLog:
    """A ring buffer of Calls; thread-safe because test fixtures read it from another thread."""

    size: int = 1000
    body_limit: int = 64 * 1024
    _calls: deque[Call] = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _seq: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self._calls = deque(maxlen=max(self.size, 1))

    def record(self, **fields: Any) -> Call:
        with self._lock:
            self._seq += 1
            call = self.build(self._seq, fields)
            self._calls.append(call)
        return call

    def build(self, seq: int, fields: dict[str, Any]) -> Call:
        """The Call for `record`'s fields: bodies cut to the log's limit, their full sizes kept."""
        body: bytes = fields.pop("body", b"")
        answer: bytes = fields.pop("reply_body", b"")
        if answer:
            fields["reply_size"] = fields.get("reply_size") or len(answer)
            answer = answer[: self.body_limit]
        return Call(
            seq=seq,
            body=body[: self.body_limit] if body else body,
            body_size=len(body),
            reply_body=answer,
            **fields,
        )

    def get(self, seq: int) -> Call | None:
        with self._lock:
            for call in reversed(self._calls):
                if call.seq == seq:
                    return call
                if call.seq < seq:
                    break
        return None

    def tee(self, seq: int, stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        """`stream` as sent, its first body_limit bytes recorded on entry `seq` when it ends (or
        is cut): the inspector lists a stream's events."""
        return _tee(stream, self.body_limit, lambda kept, size: self._finish(seq, kept, size))

    def _finish(self, seq: int, kept: bytes, size: int) -> None:
        with self._lock:
            for n in range(len(self._calls) - 1, -1, -1):
                call = self._calls[n]
                if call.seq == seq:
                    self._calls[n] = call._replace(reply_body=kept, reply_size=size)
                    return
                if call.seq < seq:
                    return

    def __iter__(self) -> Iterator[Call]:
        with self._lock:
            return iter(list(self._calls))

    def __len__(self) -> int:
        return len(self._calls)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()

    def last(self) -> Call | None:
        with self._lock:
            return self._calls[-1] if self._calls else None


async def _tee(
    stream: AsyncIterator[bytes], limit: int, done: Callable[[bytes, int], None]
) -> AsyncIterator[bytes]:
    kept: list[bytes] = []
    room, size = limit, 0
    try:
        async for chunk in stream:
            size += len(chunk)
            if room > 0:
                kept.append(chunk[:room])
                room -= len(kept[-1])
            yield chunk
    finally:
        done(b"".join(kept), size)
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()
