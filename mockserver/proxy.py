"""Forwarding to a real upstream (`--proxy URL`): the request as the client sent it, the answer
as the upstream sent it (raw bytes, Content-Encoding untouched), a stream chunk by chunk.

A small HTTP/1.1 client of its own (asyncio streams, httptools' C parser, a keep-alive pool):
httpx's client added 0.7 ms to every request, more than the whole budget for the proxy.
Nothing here judges or records: the pipeline does both, at its one exit (see pipeline.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httptools

from mockserver.types import Incoming

# Hop-by-hop headers (RFC 9110 7.6.1) and the ones the transport computes for itself.
_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}
)
# Expect: the proxy sends the body with the head at once (the client already got its 100
# Continue from the proxy's own server); forwarded, it would draw an interim 100 as the answer.
_NOT_FORWARDED = _HOP | {"host", "content-length", "expect"}
# The proxy's own server writes these; two of each would reach the client otherwise.
_NOT_RETURNED = _HOP | {"content-length", "date", "server"}
_STREAMED = ("text/event-stream",)


class UpstreamError(Exception):
    """No answer from the upstream: 502 (refused, broken) or 504 (timed out)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Answer:
    """The upstream's answer: a whole body, or (streams, bodies without a length) raw chunks."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    chunks: AsyncIterator[bytes] | None = field(default=None, compare=False)


class _Connection:
    """One keep-alive connection upstream; httptools calls the on_* methods while parsing."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.reset()

    def reset(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.headers: list[tuple[str, str]] = []
        self.body: list[bytes] = []
        self.head_done = False
        self.keep_alive = False
        self.interim = False
        self.done = False
        self.eof = False
        self.received = False
        self.framed = False  # the body's end is marked (Content-Length, chunked), not the close

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.decode("latin-1").lower(), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        if self.parser.get_status_code() < 200:  # an interim answer (103 Early Hints): not ours
            self.headers.clear()
            self.interim = True
            return
        self.head_done = True
        self.keep_alive = self.parser.should_keep_alive()  # only meaningful at this point
        self.framed = any(
            name == "content-length" or (name == "transfer-encoding" and "chunked" in value.lower())
            for name, value in self.headers
        )

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.interim:
            self.interim = False
            return
        self.done = True

    def close(self) -> None:
        self.writer.close()


class Upstream:
    """One upstream base URL and its idle connections (made on first use, inside the server's
    event loop)."""

    def __init__(self, url: str, api_key: str | None, connect_timeout: float, read_timeout: float) -> None:
        self.url = url.rstrip("/")
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"--proxy needs an http:// or https:// URL, not {url!r}")
        if api_key is not None and any(c in api_key for c in "\r\n"):
            raise ValueError("--upstream-api-key must be one line")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.tls = ssl.create_default_context() if parts.scheme == "https" else None
        self.host_header = parts.netloc.rpartition("@")[2]
        self.prefix = parts.path
        self.api_key = api_key
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._idle: list[_Connection] = []
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop the idle connections belong to

    def headers_for(self, incoming: Incoming) -> list[tuple[str, str]]:
        """The client's headers as sent upstream (its credential replaced by --upstream-api-key)."""
        headers = [(k, v) for k, v in incoming.headers.items() if k not in _NOT_FORWARDED]
        if self.api_key is not None:
            headers = [(k, v) for k, v in headers if k != "authorization"]
            headers.append(("authorization", f"Bearer {self.api_key}"))
        return headers

    def _head(self, incoming: Incoming, relative_path: str) -> bytes:
        target = self.prefix + relative_path
        if incoming.query_string:
            target += "?" + incoming.query_string
        lines = [f"{incoming.method} {target} HTTP/1.1", f"host: {self.host_header}"]
        lines += [f"{k}: {v}" for k, v in self.headers_for(incoming)]
        if incoming.body or incoming.method in ("POST", "PUT", "PATCH"):
            lines.append(f"content-length: {len(incoming.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")

    async def _connect(self) -> _Connection:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(
                    self.host, self.port, ssl=self.tls, server_hostname=self.host if self.tls else None
                ),
                self.connect_timeout,
            )
        except asyncio.TimeoutError:
            raise UpstreamError(504, f"the upstream {self.url} did not accept a connection in time") from None
        except OSError as exc:
            raise UpstreamError(
                502, f"the upstream {self.url} is unreachable ({_name(exc)}: {exc})"
            ) from None
        return _Connection(reader, writer)

    async def _read(self, conn: _Connection, what: str) -> None:
        """Read and parse what arrived; UpstreamError on silence, a cut or garbage."""
        try:
            data = await _read_within(conn.reader, self.read_timeout)
        except asyncio.TimeoutError:
            raise UpstreamError(504, f"the upstream {self.url} did not answer in time ({what})") from None
        except OSError as exc:
            raise UpstreamError(502, f"the upstream {self.url} broke off ({what}: {_name(exc)})") from None
        if not data:
            conn.eof = True
            if not conn.head_done:
                raise UpstreamError(502, f"the upstream {self.url} closed the connection ({what})")
            if conn.framed and not conn.done:
                # Without this, a reader at its end answers at once, forever: the loop spun.
                raise UpstreamError(
                    502, f"the upstream {self.url} closed the connection ({what}) before the body's end"
                )
            return
        conn.received = True
        try:
            conn.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            raise UpstreamError(502, f"the upstream {self.url} answered no valid HTTP ({exc})") from None

    def _release(self, conn: _Connection) -> None:
        if conn.done and not conn.eof and conn.keep_alive and len(self._idle) < 32:
            conn.reset()
            self._idle.append(conn)
        else:
            conn.close()

    async def send(self, incoming: Incoming, relative_path: str) -> Answer:
        """Forward one request; UpstreamError if no answer head arrives."""
        request = self._head(incoming, relative_path) + incoming.body
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a connection is bound to the loop that opened it
            self._idle, self._loop = [], loop
        while True:
            reused = bool(self._idle)
            conn = self._idle.pop() if reused else await self._connect()
            try:
                conn.writer.write(request)
                while not conn.head_done:
                    await self._read(conn, "before its answer")
                break
            except UpstreamError as exc:
                conn.close()
                # A pooled connection the upstream had closed meanwhile: once more on a new one.
                if not (reused and not conn.received and exc.status == 502):
                    raise
        status = conn.parser.get_status_code()
        headers = tuple((k, v) for k, v in conn.headers if k not in _NOT_RETURNED)
        names = {k for k, _ in conn.headers}
        media_type = next((v for k, v in conn.headers if k == "content-type"), "").split(";")[0].strip()
        if media_type.lower() in _STREAMED or "content-length" not in names:
            return Answer(status, headers, chunks=self._chunks(conn))
        try:
            while not conn.done:
                await self._read(conn, "mid-answer")
        except UpstreamError:
            conn.close()
            raise
        body = b"".join(conn.body)
        self._release(conn)
        return Answer(status, headers, body)

    async def _chunks(self, conn: _Connection) -> AsyncIterator[bytes]:
        """The body as it arrives; the connection is pooled again only if read to its end."""
        finished = False
        try:
            while True:
                if conn.body:
                    chunks, conn.body = conn.body, []
                    for chunk in chunks:
                        yield chunk
                if conn.done or conn.eof:
                    break
                await self._read(conn, "mid-stream")
            finished = True
        finally:
            if finished:
                self._release(conn)
            else:
                conn.close()

    @property
    def idle(self) -> int:
        """Keep-alive connections waiting for the next request."""
        return len(self._idle)

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
        for conn in idle:
            # A TLS connection closes with an exchange (close_notify): wait for it, briefly, or the
            # event loop ends with the transport still open. An upstream gone silent must not
            # hold up the server's shutdown.
            with contextlib.suppress(OSError, asyncio.TimeoutError):
                await asyncio.wait_for(conn.writer.wait_closed(), 1.0)


if sys.version_info >= (3, 11):

    async def _read_within(reader: asyncio.StreamReader, seconds: float) -> bytes:
        # asyncio.timeout arms a timer on the running task; wait_for would start a new task per read.
        async with asyncio.timeout(seconds):
            return await reader.read(65536)

else:  # pragma: no cover - Python 3.10

    async def _read_within(reader: asyncio.StreamReader, seconds: float) -> bytes:
        return await asyncio.wait_for(reader.read(65536), seconds)


def _name(exc: Exception) -> str:
    return type(exc).__name__
