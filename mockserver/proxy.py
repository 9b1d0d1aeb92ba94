"""Forwarding to a real upstream (`--proxy URL`): the request as the client sent it, the answer
as the upstream sent it (raw bytes, Content-Encoding untouched), a stream chunk by chunk.

Nothing here judges or records: the pipeline does both, at its one exit (see pipeline.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx

from mockserver.types import Incoming

# Hop-by-hop headers (RFC 9110 7.6.1) and the ones the transport computes for itself.
_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}
)
_NOT_FORWARDED = _HOP | {"host", "content-length"}
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


class Upstream:
    """One upstream base URL and its connection pool (made on first use, inside the server's
    event loop: an AsyncClient belongs to the loop it first ran in)."""

    def __init__(self, url: str, api_key: str | None, connect_timeout: float, read_timeout: float) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.timeout = httpx.Timeout(
            connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout
        )
        self._client: httpx.AsyncClient | None = None

    def _pool(self) -> httpx.AsyncClient:
        if self._client is None:
            client = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False, trust_env=False)
            # httpx adds its own Accept-Encoding, Accept and User-Agent to every request; the
            # upstream must see the client's (an unasked-for gzip would reach the client).
            for name in ("accept-encoding", "accept", "user-agent"):
                client.headers.pop(name, None)
            self._client = client
        return self._client

    def headers_for(self, incoming: Incoming) -> list[tuple[str, str]]:
        """The client's headers as sent upstream (its credential replaced by --upstream-api-key)."""
        headers = [(k, v) for k, v in incoming.headers.items() if k not in _NOT_FORWARDED]
        if self.api_key is not None:
            headers = [(k, v) for k, v in headers if k != "authorization"]
            headers.append(("authorization", f"Bearer {self.api_key}"))
        return headers

    async def send(self, incoming: Incoming, relative_path: str) -> Answer:
        """Forward one request; UpstreamError if no answer head arrives."""
        url = self.url + relative_path
        if incoming.query_string:
            url += "?" + incoming.query_string
        client = self._pool()
        request = client.build_request(
            incoming.method, url, headers=self.headers_for(incoming), content=incoming.body or None
        )
        try:
            response = await client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise UpstreamError(
                504, f"the upstream {self.url} did not answer in time ({_name(exc)})"
            ) from None
        except httpx.HTTPError as exc:
            raise UpstreamError(
                502, f"the upstream {self.url} is unreachable ({_name(exc)}: {exc})"
            ) from None
        headers = tuple((k, v) for k, v in response.headers.multi_items() if k.lower() not in _NOT_RETURNED)
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type in _STREAMED or "content-length" not in response.headers:
            return Answer(response.status_code, headers, chunks=_chunks(response))
        try:
            body = b"".join([chunk async for chunk in response.aiter_raw()])
        except httpx.TimeoutException as exc:
            raise UpstreamError(504, f"the upstream {self.url} stopped mid-answer ({_name(exc)})") from None
        except httpx.HTTPError as exc:
            raise UpstreamError(502, f"the upstream {self.url} broke off its answer ({_name(exc)})") from None
        finally:
            await response.aclose()
        return Answer(response.status_code, headers, body)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


async def _chunks(response: httpx.Response) -> AsyncIterator[bytes]:
    """The raw body as it arrives; the upstream connection is released however the reader stops."""
    try:
        async for chunk in response.aiter_raw():
            if chunk:
                yield chunk
    except httpx.TimeoutException as exc:
        raise UpstreamError(504, f"the upstream went silent mid-stream ({_name(exc)})") from None
    except httpx.HTTPError as exc:
        raise UpstreamError(502, f"the upstream broke off its stream ({_name(exc)})") from None
    finally:
        await response.aclose()


def _name(exc: Exception) -> str:
    return type(exc).__name__
