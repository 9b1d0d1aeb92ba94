"""Injectable contract violations, to prove that a contract suite catches real faults.

Chosen per run (`venice-mock --fault NAME`) or per request (`X-Mock-Fault: NAME[, NAME]`); the
names, and which of them waive a refusal, are controls.py's. Each fault breaks one promise of
the spec, and only where it can: a JSON fault leaves images alone, a stream fault leaves JSON
answers alone. Two faults are not about the answer but about what the pipeline refuses (401,
400/415): the pipeline reads `Controls.waived` before refusing.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import csv
import io
import re
import zlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import brotli
import orjson

from mockserver import encoding
from mockserver.exchange import Exchange, Reply
from mockserver.rendering import dump_json
from mockserver.selfcheck import decoded
from mockserver.spec import Operation, Security

_IMAGE = re.compile(rb"^(\x89PNG|\xff\xd8\xff|RIFF....WEBP)", re.DOTALL)
_DATA_URL = re.compile(r"^(data:image/[\w.+-]+;base64,)(.*)$", re.DOTALL)


def unsecured(operation: Operation) -> Operation:
    """The operation without its security requirement (for auth-not-enforced)."""
    return replace(operation, security=Security(()))


def apply(names: Sequence[str], reply: Reply, exchange: Exchange) -> Reply:
    """The reply with the named faults injected (unknown names are refused earlier)."""
    for name in names:
        reply = _inject(name, reply, exchange)
    return reply


def _inject(name: str, reply: Reply, exchange: Exchange) -> Reply:
    if name == "undocumented-status":
        return replace(reply, status=418) if 200 <= reply.status < 300 else reply
    if name == "wrong-content-type":
        return _with_header(reply, "content-type", "text/plain; charset=utf-8")
    if name == "lying-content-encoding":
        coding = _coding(reply)
        return _with_header(reply, "content-encoding", "br" if coding == "gzip" else "gzip")
    media_type = reply.media_type or ""
    if name in ("sse-changing-id", "sse-without-done", "stream-never-ends"):
        if media_type != "text/event-stream" or reply.stream is None:
            return reply
        return _restream(reply, name)
    if (
        name in ("wrong-field-type", "missing-required-field", "extra-field")
        and media_type == "application/json"
    ):
        schema = _schema(exchange, media_type)
        return (
            _rewrite_json(reply, lambda v: _break_json(name, v, schema))
            if 200 <= reply.status < 300
            else reply
        )
    if name in ("invalid-base64-image", "wrong-image-size") and media_type == "application/json":
        return _rewrite_json(reply, lambda v: _images_in(v, name, exchange.seed))
    if name == "wrong-image-size" and media_type.startswith("image/"):
        return _rewrite_bytes(reply, lambda data: _resized(data, exchange.seed))
    if name == "undecodable-audio" and media_type.startswith("audio/"):
        return _rewrite_bytes(reply, lambda data: _garbled(data, media_type == "audio/pcm"))
    if name == "csv-missing-column" and media_type == "text/csv":
        return _rewrite_bytes(reply, _drop_last_column)
    return reply


# -- replies ---------------------------------------------------------------------------------


def _coding(reply: Reply) -> str:
    return next((v for k, v in reply.headers if k == "content-encoding"), "")


def _with_header(reply: Reply, name: str, value: str) -> Reply:
    headers = tuple((k, v) for k, v in reply.headers if k != name)
    return replace(reply, headers=(*headers, (name, value)))


def _plain(reply: Reply) -> tuple[Reply, str]:
    """The reply without its Content-Encoding (decoded), and the coding to put back."""
    coding = _coding(reply)
    if not coding:
        return reply, ""
    headers = tuple((k, v) for k, v in reply.headers if k not in ("content-encoding", "vary"))
    if reply.stream is not None:
        return replace(reply, headers=headers, stream=_decoded_stream(reply.stream, coding)), coding
    return replace(reply, headers=headers, body=decoded(reply.body, coding)), coding


def _rewrite_bytes(reply: Reply, change: Callable[[bytes], bytes]) -> Reply:
    plain, coding = _plain(reply)
    if plain.stream is not None:
        plain = replace(plain, stream=_collected(plain.stream, change))
    else:
        plain = replace(plain, body=change(plain.body))
    return encoding.encode(plain, coding) if coding else plain


def _rewrite_json(reply: Reply, change: Callable[[Any], Any]) -> Reply:
    return _rewrite_bytes(reply, lambda body: dump_json(change(orjson.loads(body))))


def _restream(reply: Reply, name: str) -> Reply:
    plain, coding = _plain(reply)
    assert plain.stream is not None
    if name == "sse-changing-id":
        stream = _renumbered_ids(plain.stream)
    elif name == "sse-without-done":
        stream = _without_done(plain.stream)
    else:
        stream = _endless(plain.stream)
    plain = replace(plain, stream=stream)
    return encoding.encode(plain, coding) if coding else plain


# -- JSON ------------------------------------------------------------------------------------


def _schema(exchange: Exchange, media_type: str) -> Any:
    media = exchange.response.content.get(media_type) if exchange.response is not None else None
    return media.schema if media is not None else None


def _other_types(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [12345, True]
    if isinstance(value, bool):
        return ["true", 1]
    if isinstance(value, (int, float)):
        return [str(value), True]
    return ["not-a-" + type(value).__name__, 0]


def _break_json(name: str, value: Any, schema: Any) -> Any:
    """The value with one promise of `schema` broken (checked: the result is invalid); the value
    itself when this fault cannot break it."""
    if schema is None:
        return value
    for candidate in _candidates(name, value, schema.schema):
        if not schema.is_valid(candidate):
            return candidate
    return value


def _candidates(name: str, value: Any, schema: Mapping[str, Any]) -> list[Any]:
    if name == "extra-field":
        return _with_extra(value)
    if not isinstance(value, dict):
        return []
    required = [k for k in schema.get("required", ()) if k in value] or sorted(value)
    if name == "missing-required-field":
        return [{k: v for k, v in value.items() if k != key} for key in required]
    return [{**value, key: other} for key in required for other in _other_types(value[key])]


def _with_extra(value: Any) -> list[Any]:
    """Copies of `value`, each with an undocumented field added to one of its objects."""
    out: list[Any] = []
    if isinstance(value, dict):
        out.append({**value, "undocumented_field": True})
        for key, item in value.items():
            out.extend({**value, key: patched} for patched in _with_extra(item)[:3])
    elif isinstance(value, list) and value:
        out.extend([patched, *value[1:]] for patched in _with_extra(value[0])[:3])
    return out


# -- media -----------------------------------------------------------------------------------


def _images_in(value: Any, name: str, seed: int) -> Any:
    """`value` with every base64 image (plain or a data URL) broken or resized."""
    if isinstance(value, dict):
        return {k: _images_in(v, name, seed) for k, v in value.items()}
    if isinstance(value, list):
        return [_images_in(v, name, seed) for v in value]
    if not isinstance(value, str) or len(value) < 16:
        return value
    match = _DATA_URL.match(value)
    prefix, payload = (match.group(1), match.group(2)) if match else ("", value)
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return value
    if not _IMAGE.match(data[:12]):
        return value
    if name == "invalid-base64-image":
        return prefix + "@@" + payload[2:-4] + "!*"
    return prefix + base64.b64encode(_resized(data, seed)).decode()


def _resized(data: bytes, seed: int) -> bytes:
    from mockserver.media.images import encode_image, inspect_image

    try:
        info = inspect_image(data)
    except ValueError:
        return data
    if info.format not in ("png", "jpeg", "webp"):
        return data
    width, height = max(1, info.width // 2), max(1, info.height // 2)
    if (width, height) == (info.width, info.height):
        width += 1
    return encode_image(width, height, info.format, seed)  # type: ignore[arg-type]


def _garbled(data: bytes, raw_pcm: bool) -> bytes:
    """The magic bytes kept, everything after them garbage; raw PCM (no magic, any even number of
    bytes decodes) gets half a sample at the end."""
    if raw_pcm:
        return data + b"\x00" if len(data) % 2 == 0 else data
    return data[:4] + bytes((i * 37 + 11) % 251 for i in range(max(64, len(data) - 4)))


def _drop_last_column(body: bytes) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in csv.reader(io.StringIO(body.decode("utf-8"))):
        writer.writerow(row[:-1])
    return out.getvalue().encode()


# -- streams (the ASGI edge closes the outermost generator; each closes the one it wraps) -----


async def _aclose(stream: AsyncIterator[bytes]) -> None:
    close = getattr(stream, "aclose", None)
    if close is not None:
        await close()


async def _decoded_stream(stream: AsyncIterator[bytes], coding: str) -> AsyncIterator[bytes]:
    decompress = brotli.Decompressor().process if coding == "br" else zlib.decompressobj(31).decompress
    try:
        async for chunk in stream:
            piece = bytes(decompress(chunk))
            if piece:
                yield piece
    finally:
        await _aclose(stream)


async def _frames(stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Whole `...\n\n` frames, however the chunks were cut."""
    buffer = b""
    try:
        async for chunk in stream:
            buffer += chunk
            while b"\n\n" in buffer:
                frame, buffer = buffer.split(b"\n\n", 1)
                yield frame + b"\n\n"
        if buffer:
            yield buffer
    finally:
        await _aclose(stream)


async def _renumbered_ids(stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    seen = 0
    async for frame in _frames(stream):
        if frame.startswith(b"data: {"):
            chunk = orjson.loads(frame[6:])
            if seen and isinstance(chunk, dict):
                chunk["id"] = f"{chunk.get('id')}-{seen}"
            seen += 1
            frame = b"data: " + dump_json(chunk) + b"\n\n"
        yield frame


async def _without_done(stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    async for frame in _frames(stream):
        if frame.strip() != b"data: [DONE]":
            yield frame


async def _endless(stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    async for frame in _without_done(stream):
        yield frame
    while True:  # until the client goes away: the edge then cancels and closes this generator
        await asyncio.sleep(0.05)
        yield b": keep-alive\n\n"


async def _collected(stream: AsyncIterator[bytes], change: Callable[[bytes], bytes]) -> AsyncIterator[bytes]:
    try:
        body = b"".join([chunk async for chunk in stream])
    finally:
        await _aclose(stream)
    yield change(body)
