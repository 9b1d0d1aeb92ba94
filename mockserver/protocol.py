"""uvicorn's h11 protocol with bounds on the request head: a size limit (431) and a read timeout.

Without them a 100 MB header is buffered whole (other clients stall) and thousands of half-sent
requests keep their sockets until the file limit is reached. The size counts the bytes of a head
not yet complete; the timeout runs from the first byte of a connection (or the end of the last
answer) until the head is complete, then the body and the answer are not limited here.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
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
    """`config` serving with BoundedH11Protocol and these bounds. They travel as attributes of the
    config, which uvicorn hands (pickled) to every worker process, as it does the protocol class."""
    config.http = BoundedH11Protocol
    config.h11_max_incomplete_event_size = header_limit + 2**20  # h11's own bound must not come first
    config.mock_header_limit = header_limit  # type: ignore[attr-defined]
    config.mock_header_timeout = header_timeout  # type: ignore[attr-defined]
    return config


class BoundedH11Protocol(H11Protocol):
    """H11Protocol refusing heads over the header limit (431) or slower than the header timeout."""

    def __init__(self, config: Config, server_state: ServerState, app_state: dict[str, Any], **kw: Any):
        super().__init__(config, server_state, app_state, **kw)
        self.header_limit: int = getattr(config, "mock_header_limit", DEFAULT_HEADER_LIMIT)
        self.header_timeout: float = getattr(config, "mock_header_timeout", DEFAULT_HEADER_TIMEOUT)
        self._head_bytes = 0
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        waiting = self.conn.their_state is h11.IDLE
        if waiting:
            if self._head_timer is None:
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
        if self.conn.their_state is not h11.IDLE:
            self._head_bytes = 0
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._head_bytes = 0

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.header_timeout, self._timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _timed_out(self) -> None:
        self._head_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            if self._head_bytes:
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
