"""Honest Content-Encoding: gzip or br when the client accepts it, and only for bodies that are
really encoded that way. JSON, CSV and SSE are compressed; images and audio never are (they are
compressed formats already).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import AsyncIterator

import brotli

from mockserver.exchange import Reply
from mockserver.selection import weighted

COMPRESSIBLE = ("application/json", "text/csv", "text/event-stream")


def choose(accept_encoding: str) -> str | None:
    """The coding to use for an Accept-Encoding header: br before gzip, q=0 means no."""
    wanted = {name.lower(): q for name, q in weighted(accept_encoding)}
    star = wanted.get("*", 0.0)
    for coding in ("br", "gzip"):
        if wanted.get(coding, star) > 0:
            return coding
    return None


def encode(reply: Reply, accept_encoding: str) -> Reply:
    """The reply, compressed if the client accepts a coding and the media type is compressible."""
    if reply.media_type not in COMPRESSIBLE or not accept_encoding:
        return reply
    coding = choose(accept_encoding)
    if coding is None:
        return reply
    headers = (*reply.headers, ("content-encoding", coding), ("vary", "accept-encoding"))
    if reply.stream is not None:
        return Reply(reply.status, headers, b"", _stream(reply.stream, coding), reply.media_type, reply.notes)
    body = brotli.compress(reply.body, quality=4) if coding == "br" else gzip.compress(reply.body, 6, mtime=0)
    return Reply(reply.status, headers, body, None, reply.media_type, reply.notes)


async def _stream(chunks: AsyncIterator[bytes], coding: str) -> AsyncIterator[bytes]:
    """Compress a stream chunk by chunk, flushing each so events still arrive one at a time."""
    try:
        if coding == "br":
            compressor = brotli.Compressor(quality=4)
            async for chunk in chunks:
                yield compressor.process(chunk) + compressor.flush()
            yield compressor.finish()
            return
        deflate = zlib.compressobj(6, zlib.DEFLATED, 31)  # wbits 31: a gzip container
        async for chunk in chunks:
            yield deflate.compress(chunk) + deflate.flush(zlib.Z_SYNC_FLUSH)
        yield deflate.flush()
    finally:
        aclose = getattr(chunks, "aclose", None)
        if aclose is not None:
            await aclose()  # a client that left stops the producer too
