"""uvicorn's httptools protocol with bounds on the request head: a size limit (431) and a read
timeout.

Without them a 100 MB header is buffered whole (other clients stall) and thousands of half-sent
requests keep their sockets until the file limit is reached. The size counts the bytes of a head
not yet complete; the timeout runs from the first byte of a connection (or the end of the last
answer) until the head is complete, then the body and the answer are not limited here.

httptools (llhttp, in C), not h11: the pure-Python h11 parser cost two thirds of the throughput of
a small answer (GET /models 9.0k vs 27k req/s, wrk -t1 -c20 on one worker, side by side).

An answer's head and body leave in one write at the end of the event loop's turn (`HeldHead`):
uvicorn writes them separately, and on loopback each write is a send() whose kernel work
(delivering to the peer, waking it) was a quarter of the server's time for a chat answer (py-spy,
wrk -c20).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

DEFAULT_HEADER_LIMIT = 64 * 1024
DEFAULT_HEADER_TIMEOUT = 10.0
_END_OF_HEAD = b"\r\n\r\n"


def _refusal(status: int, reason: str, message: str) -> bytes:
    body = json.dumps({"error": message}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


def bound(config: Config, header_limit: int, header_timeout: float) -> Config:
    """`config` serving with BoundedProtocol and these bounds. They travel as attributes of the
    config, which uvicorn hands (pickled) to every worker process, as it does the protocol class."""
    config.http = BoundedProtocol
    config.mock_header_limit = header_limit  # type: ignore[attr-defined]
    config.mock_header_timeout = header_timeout  # type: ignore[attr-defined]
    return config


class HeldHead:
    """The transport as a connection's protocol and responses see it: from a response head to the
    end of the event loop's turn, what is written is held, then leaves in one send(). So an
    answer's head and body are one write, not two, and the answers of one turn leave back to back:
    the client is woken once for them, not once per write (in a VM a costly cross-CPU wake-up). A
    stream's head leaves at the end of its turn (not with its first event), and a body past
    HELD_LIMIT goes straight through rather than being copied here."""

    __slots__ = ("_held", "_loop", "_size", "_transport")

    HELD_LIMIT = 64 * 1024

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []
        self._size = 0

    def write(self, data: bytes) -> None:
        if self._held:
            self._held.append(data)
            self._size += len(data)
            if self._size >= self.HELD_LIMIT:
                self.flush()
        elif data.startswith(b"HTTP/") and data.endswith(_END_OF_HEAD):
            self._held.append(data)
            self._size = len(data)
            self._loop.call_soon(self.flush)
        else:
            self._transport.write(data)

    def flush(self) -> None:
        if not self._held:
            return
        held = self._held[0] if len(self._held) == 1 else b"".join(self._held)
        self._held = []
        if not self._transport.is_closing():
            self._transport.write(held)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def __getattr__(self, name: str) -> Any:  # the rest of the transport, as it is
        return getattr(self._transport, name)


class BoundedProtocol(HttpToolsProtocol):
    """HttpToolsProtocol refusing heads over the header limit (431) or slower than the header
    timeout. The parser's callbacks say where a head ends (`on_headers_complete`) and when the
    next one may begin (`on_message_complete`)."""

    def __init__(self, config: Config, server_state: ServerState, app_state: dict[str, Any], **kw: Any):
        super().__init__(config, server_state, app_state, **kw)
        self.header_limit: int = getattr(config, "mock_header_limit", DEFAULT_HEADER_LIMIT)
        self.header_timeout: float = getattr(config, "mock_header_timeout", DEFAULT_HEADER_TIMEOUT)
        self._head_bytes = 0
        # The head's deadline, and the one wake-up pending for it. Moving or dropping the
        # deadline touches no timer (a new TimerHandle per request cost more than the rest of
        # these bounds); the wake-up, when it comes, sleeps again until a later deadline.
        self._deadline: float | None = None
        self._wakeup: asyncio.TimerHandle | None = None
        self._waiting = True  # for a request head: none has begun, or the last message is complete
        self._begun = False  # the parser has seen the first byte of the head it waits for

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # Everything on this connection writes through the one HeldHead, in order: the answers
        # (uvicorn hands self.transport to each request's cycle) and the protocol's own 400, 408
        # and 431 refusals, which must not overtake an answer still held, nor close it away.
        self.transport = HeldHead(transport, self.loop)  # type: ignore[assignment]
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._wakeup is not None:  # a closed connection keeps no timer (nor itself) alive
            self._wakeup.cancel()
            self._wakeup = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._waiting:
            if self._deadline is None:
                self._arm()
            end = data.find(_END_OF_HEAD)
            head = len(data) if end < 0 else end + len(_END_OF_HEAD)
            if self._head_bytes + head > self.header_limit:
                self._refuse(
                    431,
                    "Request Header Fields Too Large",
                    f"the request head exceeds the limit of {self.header_limit} bytes (--max-header-size)",
                )
                return
            self._head_bytes += head if end < 0 else 0
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        # Also a head pipelined behind a complete request: its clock starts with its first byte.
        self._begun = True
        if self._deadline is None:
            self._arm()

    def on_headers_complete(self) -> None:
        self._waiting = self._begun = False
        self._head_bytes = 0
        self._disarm()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._waiting = True  # the next bytes begin the next head (the timer starts with them)

    def _arm(self) -> None:
        self._deadline = self.loop.time() + self.header_timeout
        if self._wakeup is None:
            self._wakeup = self.loop.call_at(self._deadline, self._woken)

    def _disarm(self) -> None:
        self._deadline = None

    def _woken(self) -> None:
        self._wakeup = None
        if self._deadline is None:
            return
        if self.loop.time() < self._deadline:  # armed again since this wake-up was set
            self._wakeup = self.loop.call_at(self._deadline, self._woken)
            return
        self._deadline = None
        self._timed_out()

    def _timed_out(self) -> None:
        if self._waiting and not self.transport.is_closing():
            if self._head_bytes or self._begun:
                self._refuse(
                    408,
                    "Request Timeout",
                    f"the request head was not complete within {self.header_timeout:g} s (--header-timeout)",
                )
            else:
                self.transport.close()  # an idle connection: nothing was asked

    def _refuse(self, status: int, reason: str, message: str) -> None:
        self._disarm()
        if not self.transport.is_closing():
            self.transport.write(_refusal(status, reason, message))
            self.transport.close()
