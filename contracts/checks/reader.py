"""Read a live HTTP response (httpx streaming) within a time and a size bound.

The raw bytes are decoded by their Content-Encoding as they arrive; an event stream is parsed
and judged event by event as well, so a stream that never ends fails with a clear message when
its time runs out instead of hanging the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from contracts.checks.encoding import DecodeError, check_encoding, decoder_for
from contracts.checks.sse import EventParser
from contracts.checks.streams import StreamChecker
from contracts.failures import Failure

BOUNDED = "bounded_response"
COMPLETE = "complete_response"
_RAW_KEPT = 64 * 1024  # raw bytes kept for the encoding check when the body is encoded


@dataclass(frozen=True, slots=True)
class Limits:
    seconds: float = 30.0  # from the first byte of the answer to its last
    max_bytes: int = 32 * 1024 * 1024  # decoded body


@dataclass(frozen=True, slots=True)
class Body:
    content: bytes  # decoded (all of it, unless cut short)
    raw_size: int
    events: int  # server-sent events seen (0 for other media types)
    cut_short: bool  # reading stopped before the end (a bound, a broken connection, a bad coding)
    elapsed: float
    failures: tuple[Failure, ...]


def is_event_stream(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == "text/event-stream"


def read_body(
    response: httpx.Response,
    limits: Limits,
    checker: StreamChecker | None = None,
    accept_encoding: str | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Body:
    """Read `response` (opened with `stream=True`) to its end or to a bound; never raises for
    what the server did. `checker` judges the events of an event stream as they arrive."""
    started = clock()
    failures: list[Failure] = []
    headers = response.headers
    # One byte past the bound is enough to know the body exceeds it.
    decoder, unreadable = decoder_for(headers.get("content-encoding", ""), limits.max_bytes + 1)
    if unreadable is not None:
        failures.append(unreadable)
    parser = (
        EventParser() if checker is not None and is_event_stream(headers.get("content-type", "")) else None
    )
    content = bytearray()
    raw = bytearray()
    raw_size = 0
    decode_error: str | None = None
    cut = False
    try:
        for chunk in response.iter_raw():
            raw_size += len(chunk)
            if len(raw) < _RAW_KEPT:
                raw += chunk[: _RAW_KEPT - len(raw)]
            try:
                piece = decoder.feed(chunk) if decoder is not None else chunk
            except DecodeError as exc:
                decode_error, cut = str(exc), True
                break
            content += piece
            if parser is not None and checker is not None:
                for event in parser.feed(piece):
                    failures.extend(checker.feed(event))
            if len(content) > limits.max_bytes:
                failures.append(_too_large(limits, len(content), parser))
                cut = True
                break
            if clock() - started > limits.seconds:
                failures.append(_too_slow(limits, len(content), parser))
                cut = True
                break
        else:
            if decoder is not None:
                try:
                    content += decoder.finish()
                except DecodeError as exc:
                    decode_error, cut = str(exc), True
    except httpx.TimeoutException:
        failures.append(_too_slow(limits, len(content), parser))
        cut = True
    except httpx.TransportError as exc:
        title = "the connection broke before the body ended"
        failures.append(Failure(COMPLETE, title, "a complete body", f"{type(exc).__name__}: {exc}"))
        cut = True
    finally:
        response.close()
    accept = accept_encoding
    failures.extend(check_encoding(headers, accept, bytes(raw) if decoder else bytes(content), decode_error))
    if parser is not None and checker is not None and not cut:
        for event in parser.close():
            failures.extend(checker.feed(event))
        if parser.truncated:
            failures.append(
                Failure(
                    "sse_stream",
                    "stream ended inside an event",
                    "a blank line after each event",
                    "EOF",
                    "framing",
                )
            )
        failures.extend(checker.finish())
    events = checker.events if checker is not None and parser is not None else 0
    return Body(bytes(content), raw_size, events, cut, clock() - started, tuple(failures))


def _progress(size: int, parser: EventParser | None) -> str:
    return f"{size} bytes" + (
        f", {parser.comments} comments" if parser is not None and parser.comments else ""
    )


def _too_slow(limits: Limits, size: int, parser: EventParser | None) -> Failure:
    title = f"the answer did not end within {limits.seconds:g} s"
    return Failure(
        BOUNDED, title, f"a complete answer within {limits.seconds:g} s", _progress(size, parser), "time"
    )


def _too_large(limits: Limits, size: int, parser: EventParser | None) -> Failure:
    title = f"the answer exceeds {limits.max_bytes} bytes"
    return Failure(BOUNDED, title, f"at most {limits.max_bytes} bytes", _progress(size, parser), "size")
