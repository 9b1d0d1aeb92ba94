"""Does a reply follow the spec? The mock's own (`--check-responses`) and, with `--proxy`, the
upstream's: whole bodies at once, streams event by event as they pass (StreamJudge)."""

from __future__ import annotations

import gzip
import zlib
from typing import Any

import brotli
import orjson

from mockserver import bodies
from mockserver.errors import Violation
from mockserver.exchange import Reply
from mockserver.media.types import format_of
from mockserver.rendering import JSON_TYPE
from mockserver.spec import Operation
from mockserver.validation import check_value


def binary_problems(media_type: str, body: bytes) -> list[Violation]:
    """An image or audio body that is not what its Content-Type says (by its magic bytes)."""
    known = format_of(media_type)
    magic = known.magic if known is not None else None
    if magic is None or magic.match(body):
        return []
    return [Violation("body", "magic", f"the body does not start like {media_type}: {body[:12]!r}")]


def check_reply(op: Operation, reply: Reply, binaries: bool = False) -> list[Violation]:
    """`binaries`: judge image and audio bytes too (upstream answers; the mock's own are proven
    by the media tests)."""
    response = op.response(reply.status)
    if response is None:
        return [Violation("status", "status", f"status {reply.status} is not documented")]
    headers = dict(reply.headers)
    problems: list[Violation] = []
    for header in response.headers:
        name = header.name.lower()
        if name == "content-encoding":
            continue  # set only when the body is really encoded; checked by the compression tests
        if name not in headers:
            if header.required:
                problems.append(Violation(f"header.{name}", "required", "documented header is missing"))
            continue
        if header.schema is not None:
            kinds = header.schema.schema.get("type")
            value = _typed(headers[name], kinds)
            problems.extend(
                Violation(f"header.{name}", v.rule, v.message) for v in check_value(header.schema, value)
            )
    if not response.content:
        return problems
    media_type = bodies.media_type_of(headers.get("content-type", ""))
    if media_type not in response.content:
        documented = ", ".join(response.content)
        return [
            *problems,
            Violation(
                "header.content-type",
                "content-type",
                f"{media_type or 'no Content-Type'} is not documented; documented: {documented}",
            ),
        ]
    media = response.content[media_type]
    if reply.stream is not None:
        return problems  # streams are checked event by event by the contract kit, not here
    try:
        body = decoded(reply.body, headers.get("content-encoding", ""))
    except ValueError as exc:
        return [*problems, Violation("header.content-encoding", "content-encoding", str(exc))]
    if binaries and format_of(media_type) is not None:
        return [*problems, *binary_problems(media_type, body)]
    if media_type == JSON_TYPE or media_type.endswith("+json"):
        try:
            value = _parsed(body)
        except bodies.BodyError as exc:
            return [*problems, Violation("body", "parse", str(exc))]
        problems.extend(check_value(media.schema, value))
    return problems


_MAX_STREAM_PROBLEMS = 20  # a broken stream is known by its first few problems
# A body sent without Content-Length (chunked) that is not a stream is judged whole at its end
# when it is at most this long (real APIs often chunk their JSON); a longer one by its head only.
MAX_JUDGED_BODY = 32 * 1024 * 1024
_UNSEEN = object()


class StreamJudge:
    """Judges a body as it passes, chunk by chunk. SSE: each `data:` event against the media
    type's event schema (x-sse-data), chunk ids that stay the same, and `[DONE]` at the end.
    Anything else (a chunked JSON answer, audio): kept up to MAX_JUDGED_BODY and judged whole
    by check_reply at the end."""

    def __init__(self, op: Operation, reply: Reply) -> None:
        headers = dict(reply.headers)
        self._op, self._reply = op, reply
        self._kept: list[bytes] | None = []
        self._size = 0
        self.problems: list[Violation] = check_reply(op, reply)  # status, headers, media type
        response = op.response(reply.status)
        media_type = bodies.media_type_of(headers.get("content-type", ""))
        media = response.content.get(media_type) if response is not None else None
        self._schema = media.sse_data if media is not None else None
        self._sse = media_type == "text/event-stream"
        self._media_type = media_type
        self._start = b""  # a streamed binary's first bytes, for its magic
        coding = headers.get("content-encoding", "")
        self._decoder: Any = None
        if coding == "gzip":
            self._decoder = zlib.decompressobj(wbits=31)
        elif coding == "br":
            self._decoder = brotli.Decompressor()
        self._coding = coding
        self._pending = ""
        self._events = 0
        self._done = False
        self._first_id: object = _UNSEEN
        self._broken = False

    def feed(self, chunk: bytes) -> None:
        if not self._sse:
            if len(self._start) < 16:
                self._start += chunk[: 16 - len(self._start)]
            self._size += len(chunk)
            if self._kept is not None:
                self._kept.append(chunk)
                if self._size > MAX_JUDGED_BODY:
                    self._kept = None
            return
        if self._broken:
            return
        if self._decoder is not None:
            try:
                chunk = (
                    self._decoder.decompress(chunk)
                    if self._coding == "gzip"
                    else self._decoder.process(chunk)
                )
            except Exception as exc:  # zlib.error, brotli.error: not encoded as labelled
                self._add(
                    Violation(
                        "header.content-encoding",
                        "content-encoding",
                        f"the stream is not {self._coding}: {exc}",
                    )
                )
                self._broken = True
                return
        self._pending += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        *frames, self._pending = self._pending.split("\n\n")
        for frame in frames:
            self._frame(frame)

    def finish(self, complete: bool = True) -> list[Violation]:
        """The problems found; `complete`: the upstream ended the body (not a cut or a timeout)."""
        if not self._sse:
            if complete and self._kept is not None:
                whole = Reply(self._reply.status, self._reply.headers, b"".join(self._kept))
                self.problems = check_reply(self._op, whole, binaries=True)[:_MAX_STREAM_PROBLEMS]
            elif self._coding in ("", "identity"):
                for problem in binary_problems(self._media_type, self._start):
                    self._add(problem)
            if not complete:
                self._add(Violation("body", "incomplete", "the upstream answer broke off before its end"))
            return self.problems
        if self._sse and not self._broken:
            if self._pending.strip():
                self._frame(self._pending)
                self._pending = ""
            if not complete:
                self._add(Violation("stream", "incomplete", "the upstream stream broke off before its end"))
            elif self._schema is not None and not self._done:
                self._add(Violation("stream", "sse-done", "the stream ended without data: [DONE]"))
        return self.problems

    def _frame(self, frame: str) -> None:
        lines = [line[5:].lstrip(" ") for line in frame.split("\n") if line.startswith("data:")]
        if not lines:
            return  # a comment or keep-alive
        data = "\n".join(lines)
        if data == "[DONE]":
            self._done = True
            return
        where = f"event[{self._events}]"
        self._events += 1
        if self._done:
            self._add(Violation(where, "sse-after-done", "an event after data: [DONE]"))
        try:
            event = bodies.parse_json(data.encode())
        except bodies.BodyError as exc:
            self._add(Violation(where, "parse", str(exc)))
            return
        if self._schema is not None:
            for problem in check_value(self._schema, event, where):
                self._add(problem)
        if isinstance(event, dict) and "id" in event:
            if self._first_id is _UNSEEN:
                self._first_id = event["id"]
            elif event["id"] != self._first_id:
                self._add(Violation(f"{where}.id", "sse-id", f"the chunk id changed from {self._first_id!r}"))

    def _add(self, problem: Violation) -> None:
        if len(self.problems) < _MAX_STREAM_PROBLEMS:
            self.problems.append(problem)


def _parsed(body: bytes) -> object:
    """An answer's JSON: orjson first (a proxied /models answer parses 8x faster than through the
    request parser's depth guard); what orjson refuses (integers past 64 bits, nesting past
    1024) goes through the request parser, which says why."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return bodies.parse_json(body)


def decoded(body: bytes, coding: str) -> bytes:
    """The body without its Content-Encoding; ValueError if it is not encoded as labelled."""
    try:
        if coding == "gzip":
            return gzip.decompress(body)
        if coding == "br":
            return bytes(brotli.decompress(body))
    except Exception as exc:  # zlib.error, EOFError, brotli.error: all mean "not that encoding"
        raise ValueError(f"the body is not {coding}-encoded as its Content-Encoding says: {exc}") from None
    if coding not in ("", "identity"):
        raise ValueError(f"unknown Content-Encoding {coding!r}")
    return body


def _typed(text: str, kinds: object) -> object:
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "boolean" in kinds and text in ("true", "false"):
        return text == "true"
    if "integer" in kinds and text.lstrip("-").isdigit():
        return int(text)
    if "number" in kinds:
        try:
            return float(text)
        except ValueError:
            return text
    return text
