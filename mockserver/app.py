"""The ASGI edge: HTTP in, Incoming out; Reply in, HTTP out. The only module that speaks ASGI
for the API itself; the admin routes under /__mock/ are a Starlette app (see admin.py).

API requests bypass Starlette's router on purpose: the mock's own router already knows every
operation, and skipping a second routing layer measured 35k vs 26k req/s for a fixed reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.types import ASGIApp

from mockserver import admin
from mockserver.errors import Violation
from mockserver.exchange import BrokenOff, Reply
from mockserver.pipeline import Mock
from mockserver.rendering import violation_reply
from mockserver.settings import Settings
from mockserver.types import Incoming

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

ADMIN_PREFIX = "/__mock/"
logger = logging.getLogger("venice-mock")


class BodyTooLarge(Exception):
    def __init__(self, size: int) -> None:
        self.size = size


def _headers(scope: Scope) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


async def _read_body(receive: Receive, limit: int, declared: int) -> bytes:
    if declared > limit:
        raise BodyTooLarge(declared)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(size)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _declared_size(declared: str | None) -> int:
    """Content-Length as a number (0 if absent or unreadable: the body read then decides).
    ASCII digits only (`isdigit` admits "²"); 19 digits or more exceed any limit anyway."""
    if not declared or not declared.isascii() or not declared.isdigit():
        return 0
    return int(declared) if len(declared) < 19 else 2**63


def _encode(value: str) -> bytes:
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


async def _send(reply: Reply, receive: Receive, send: Send) -> None:
    headers = [(_encode(k), _encode(v)) for k, v in reply.headers]
    if reply.stream is None:
        headers.append((b"content-length", str(len(reply.body)).encode()))
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": reply.body})
        return
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await _send_stream(reply, receive, send)


async def _send_stream(reply: Reply, receive: Receive, send: Send) -> None:
    """Send chunks as they are produced; a client disconnect cancels the producer."""
    assert reply.stream is not None
    stream = reply.stream

    async def pump() -> None:
        async for chunk in stream:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    pumping = asyncio.ensure_future(pump())
    watching = asyncio.ensure_future(watch())
    try:
        await asyncio.wait({pumping, watching}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        # The server is stopping (--graceful-timeout ran out): end the body properly, so the
        # client sees a complete (if short) answer rather than a connection cut mid-chunk.
        pumping.cancel()
        with contextlib.suppress(asyncio.CancelledError, OSError):
            await pumping
        with contextlib.suppress(Exception):
            await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        for task in (pumping, watching):
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, OSError):
                    await task
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()
    if pumping.done() and not pumping.cancelled() and pumping.exception() is not None:
        failure = pumping.exception()
        if isinstance(failure, BrokenOff):
            # Returning without the last chunk makes the server close the connection mid-body:
            # the client sees an incomplete answer, as the upstream sent it.
            logger.warning("venice-mock: %s; the client's answer is cut there too", failure)
            return
        raise failure  # type: ignore[misc]


class MockApp:
    """The ASGI application: `/__mock/...` and lifespan go to Starlette, the rest to the pipeline."""

    def __init__(self, mock: Mock) -> None:
        self.mock = mock
        self.admin: ASGIApp = admin.build(mock)
        # A remote store (Redis) waits on the network inside the pipeline: run the pipeline in
        # one worker thread so the event loop keeps serving (streams, other connections). One
        # thread: the pipeline's caches are not built for concurrent use, and it is the store's
        # round trips, not this thread, that bound a remote store's throughput.
        self._offload = (
            ThreadPoolExecutor(1, thread_name_prefix="venice-mock-pipeline")
            if mock.services.state.remote
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.admin(scope, receive, send)
            return
        headers = _headers(scope)
        declared = headers.get("content-length")
        incoming_body = b""
        # A request that announces no body has none to read: skip a trip through the event loop.
        if declared not in (None, "0") or "transfer-encoding" in headers:
            try:
                incoming_body = await _read_body(
                    receive,
                    self.mock.settings.max_body_bytes,
                    _declared_size(declared),
                )
            except BodyTooLarge as exc:
                if self._offload is None:
                    reply = self._too_large(scope, headers, exc.size)
                else:  # recorded in the shared log (Redis): not on the event loop
                    reply = await asyncio.get_running_loop().run_in_executor(
                        self._offload, self._too_large, scope, headers, exc.size
                    )
                await _send(reply, receive, send)
                return
        incoming = Incoming(
            method=scope["method"],
            path=scope["path"],
            query_string=scope["query_string"].decode("latin-1"),
            headers=headers,
            body=incoming_body,
        )
        if self._offload is None:
            reply = self.mock.handle(incoming)
        else:
            reply = await asyncio.get_running_loop().run_in_executor(
                self._offload, self.mock.handle, incoming
            )
        if reply.pending is not None:  # --proxy: the upstream answers
            reply = await reply.pending()
        await _send(reply, receive, send)

    def _too_large(self, scope: Scope, headers: dict[str, str], size: int) -> Reply:
        limit = self.mock.settings.max_body_bytes
        violation = Violation(
            "body", "size", f"request body of {size} bytes exceeds the limit of {limit} bytes"
        )
        reply = violation_reply(413, [violation])
        self.mock.record_rejected(
            scope["method"], scope["path"], scope["query_string"].decode("latin-1"), headers, reply, violation
        )
        return reply


def create_app(settings: Settings | None = None, mock: Mock | None = None) -> MockApp:
    """The ASGI app for a mock (built from `settings` unless a Mock is given)."""
    return MockApp(mock or Mock(settings))
