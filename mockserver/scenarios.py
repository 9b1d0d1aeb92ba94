"""Resilience scenarios: valid but adverse answers a client must survive (429 with Retry-After,
5xx, a slow first byte), and two answers broken on purpose at the transport level (a stream cut
mid-way, a truncated JSON body), per run, per request, or with seeded probabilities.

Chosen per run (`venice-mock --scenario NAME[:PROBABILITY]`, repeatable) or per request
(`X-Mock-Scenario: NAME[, NAME]`). A probability is drawn from the request's seeded RNG, so the
same seed and request meet the same fate and a failing run replays exactly. A status scenario
only applies where the operation documents that status, with a body in the spec's error shape.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import replace

import brotli

from mockserver.controls import RETRY_AFTER_SECONDS, SLOW_FIRST_BYTE_SECONDS
from mockserver.errors import error_body
from mockserver.exchange import Exchange, Reply
from mockserver.rendering import JSON_TYPE, json_reply
from mockserver.selfcheck import decoded

SSE_TYPE = "text/event-stream"
STATUSES: Mapping[str, int] = {"rate-limit": 429, "server-error": 500, "unavailable": 503, "timeout": 504}
_MESSAGES: Mapping[int, str] = {
    429: f"Rate limit exceeded; retry in {RETRY_AFTER_SECONDS} s",
    500: "Inference processing failed",
    503: "The model is at capacity. Please try again later.",
    504: "The request took too long to complete and was timed-out.",
}
# Status scenarios first (the first one that applies answers), then what changes the body, then
# the wait, so `rate-limit, slow-first-byte` is a slow 429.
_ORDER = ("rate-limit", "server-error", "unavailable", "timeout", "truncated-json", "cut-stream")


class StreamCut(asyncio.CancelledError):
    """Raised by a cut stream after its last chunk. The ASGI edge treats a cancelled producer as
    a client that left: it stops without ending the body, so the server closes the connection
    mid-message and the client sees an incomplete chunked body, as when a real upstream dies.
    (Any other exception would do the same, but would also log a traceback per cut.)"""


def choose(run: Sequence[tuple[str, float]], asked: Sequence[str], exchange: Exchange) -> tuple[str, ...]:
    """The scenarios for this request: the run's (drawn by probability, from the request's seeded
    RNG: one stream of draws, in entry order) and the ones the request asked for (always)."""
    names: list[str] = []
    rng = None
    for name, probability in run:
        if probability >= 1.0:
            names.append(name)
        elif probability > 0.0:
            rng = rng or exchange.rng("scenario")
            if rng.random() < probability:
                names.append(name)
    return tuple(dict.fromkeys([*names, *asked]))


def apply(names: Sequence[str], reply: Reply, exchange: Exchange) -> Reply:
    """The reply as the named scenarios change it; the request log notes each applied or skipped."""
    notes: list[str] = list(reply.notes)  # kept when a refusal replaces the reply ("scripted", ...)
    op = exchange.operation
    refused = False
    for name in _ORDER:
        if name not in names:
            continue
        if name in STATUSES:
            status = STATUSES[name]
            if refused:
                continue
            if not op.documents(status):
                notes.append(f"scenario {name} skipped: {status} is not documented for {op.operation_id}")
                continue
            reply, refused = refusal(status, exchange), True
        elif name == "truncated-json":
            if reply.media_type != JSON_TYPE or reply.stream is not None:
                notes.append(f"scenario {name} skipped: the answer is not a JSON body")
                continue
            reply = truncated(reply, exchange)
        elif name == "cut-stream":
            if reply.media_type != SSE_TYPE or reply.stream is None:
                notes.append(f"scenario {name} skipped: the answer is not an event stream")
                continue
            reply = cut(reply, exchange)
        notes.append(f"scenario: {name}")
    if "slow-first-byte" in names:
        reply = delayed(reply, SLOW_FIRST_BYTE_SECONDS)
        notes.append("scenario: slow-first-byte")
    return replace(reply, notes=tuple(notes))


def refusal(status: int, exchange: Exchange) -> Reply:
    """A documented error status in the spec's error shape; 429 says when to come back."""
    headers: list[tuple[str, str]] = []
    if status == 429:
        limit = exchange.rng("scenario-limit").choice((20, 50, 60, 75, 500))
        headers = [
            ("retry-after", str(RETRY_AFTER_SECONDS)),
            ("x-ratelimit-limit-requests", str(limit)),
            ("x-ratelimit-remaining-requests", "0"),
            # Unix time, as Venice documents it: time is the point of this header.
            ("x-ratelimit-reset-requests", str(int(time.time()) + RETRY_AFTER_SECONDS)),
        ]
    message = f"{_MESSAGES.get(status, 'Error')} (mock scenario)"
    return json_reply(status, error_body(message), headers)


def truncated(reply: Reply, exchange: Exchange) -> Reply:
    """The JSON body cut at a seeded point (re-encoded if it was compressed, so only the JSON is
    broken, not the Content-Encoding)."""
    headers = dict(reply.headers)
    coding = headers.get("content-encoding", "")
    body = decoded(reply.body, coding)
    cut_at = exchange.rng("scenario-cut").randrange(len(body)) if len(body) > 1 else 0
    prefix = body[:cut_at]
    if prefix and _parses(prefix):  # a prefix of a bare number can still be JSON
        prefix = b""
    if coding == "gzip":
        prefix = gzip.compress(prefix, 6, mtime=0)
    elif coding == "br":
        prefix = bytes(brotli.compress(prefix, quality=4))
    return replace(reply, body=prefix)


def _parses(data: bytes) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


def cut(reply: Reply, exchange: Exchange) -> Reply:
    """The stream stopped after a few chunks, never reaching [DONE], then the connection dropped."""
    assert reply.stream is not None
    identity = "content-encoding" not in dict(reply.headers)
    # Identity streams end with the [DONE] chunk; compressed ones with [DONE] and the trailer.
    tail = 1 if identity else 2
    keep = 1 + exchange.rng("scenario-cut").randrange(4)
    return replace(reply, stream=_cut(reply.stream, keep, tail, half=identity))


async def _cut(stream: AsyncIterator[bytes], keep: int, tail: int, half: bool) -> AsyncIterator[bytes]:
    pending: list[bytes] = []
    sent = 0
    try:
        async for chunk in stream:
            pending.append(chunk)
            if len(pending) > tail:
                if sent == keep:
                    break
                yield pending.pop(0)
                sent += 1
        if half and pending and pending[0].strip() != b"data: [DONE]":
            yield pending[0][: max(1, len(pending[0]) // 2)]  # half an event: parsers must cope
    finally:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()
    raise StreamCut()


def delayed(reply: Reply, seconds: float) -> Reply:
    """The same answer, its first body byte sent `seconds` late (headers leave at once)."""
    return replace(reply, body=b"", stream=_late(seconds, reply.body, reply.stream))


async def _late(seconds: float, body: bytes, stream: AsyncIterator[bytes] | None) -> AsyncIterator[bytes]:
    try:
        await asyncio.sleep(seconds)
        if stream is None:
            yield body
            return
        async for chunk in stream:
            yield chunk
    finally:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()
