"""Cassettes: one relayed exchange per readable JSON file (`--record DIR`), answered back byte
for byte (`--replay DIR`). Here: the format, how a request finds its cassette (the match key,
also the file name), and the in-memory index of a directory; what is scrubbed before anything
is written is scrub.py's.
"""

from __future__ import annotations

import asyncio
import base64
import difflib
import hashlib
import json
import os
import re
import threading
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from mockserver import encoding
from mockserver.errors import Violation
from mockserver.exceptions import CassetteError
from mockserver.exchange import Reply
from mockserver.scrub import (
    fields_for,
    scrub_body,
    scrub_query,
    scrub_request_headers,
    scrub_response_headers,
    scrub_value,
)
from mockserver.types import Incoming

FORMAT = 1
MAX_RECORDED_BYTES = 64 * 1024 * 1024  # a stream longer than this is relayed but not recorded


@dataclass(frozen=True)
class Cassette:
    operation_id: str
    key: str  # the match key (hex): also the file name's tail
    method: str
    path: str  # relative to the base path
    query: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    chunks: tuple[tuple[float, bytes], ...] | None = None  # a stream: (seconds after the head, bytes)
    request_violations: tuple[Violation, ...] = ()
    response_violations: tuple[Violation, ...] = ()

    @property
    def file_name(self) -> str:
        return f"{self.operation_id}-{self.key}.json"

    def describe(self) -> str:
        query = "?" + self.query if self.query else ""
        return f"{self.method} {self.path}{query} {_text(self.request_body)[:200]}"


# --- scrubbing -------------------------------------------------------------------------------


# --- matching --------------------------------------------------------------------------------


def canonical_body(body: bytes, path: str, ignored: Iterable[str]) -> bytes:
    """The request body as it counts for matching: JSON with sorted keys, secrets scrubbed and
    the ignored top-level fields left out; any other body as its bytes."""
    try:
        value = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return body
    value = scrub_value(value, fields_for(path))
    if isinstance(value, dict):
        skip = set(ignored)
        value = {k: v for k, v in value.items() if k not in skip}
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def match_key(
    operation_id: str,
    method: str,
    path: str,
    query: str,
    body: bytes,
    accept_encoding: str,
    ignored: Iterable[str],
) -> str:
    """Same operation, path, query (scrubbed, pairs sorted), canonical body and accepted coding
    -> same key (the recorded bytes are in the coding the client accepted)."""
    pairs = "&".join(sorted(p for p in scrub_query(query).split("&") if p))
    digest = hashlib.blake2b(digest_size=10)
    for part in (
        operation_id,
        method,
        path,
        pairs,
        canonical_body(body, path, ignored),
        encoding.choose(accept_encoding) or "",
    ):
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\x00")
    return digest.hexdigest()


def key_for(operation_id: str, relative: str, incoming: Incoming, ignored: Iterable[str]) -> str:
    return match_key(
        operation_id,
        incoming.method,
        relative,
        incoming.query_string,
        incoming.body,
        incoming.header("accept-encoding"),
        ignored,
    )


# --- the file format -------------------------------------------------------------------------


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return ""


def _bytes_field(data: bytes) -> dict[str, Any]:
    """JSON as a tree when it re-serializes to exactly these bytes (readable, diffable), other
    UTF-8 as text, anything else as base64: replay gets the bytes back either way."""
    if data[:1] in (b"{", b"["):
        try:
            value = orjson.loads(data)
            if orjson.dumps(value) == data:
                return {"json": value}
        except (orjson.JSONDecodeError, TypeError):
            pass
    try:
        return {"text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode()}


def _chunk_field(data: bytes) -> dict[str, Any]:
    """A stream chunk that is one `data: <JSON>` event as its JSON (readable), else as bytes."""
    if data.startswith(b"data: {") and data.endswith(b"\n\n") and data.count(b"\n\n") == 1:
        inner = _bytes_field(data[6:-2])
        if "json" in inner:
            return {"event": inner["json"]}
    return _bytes_field(data)


def _bytes_of(field: Mapping[str, Any]) -> bytes:
    if "event" in field:
        return b"data: " + orjson.dumps(field["event"]) + b"\n\n"
    if "json" in field:
        return orjson.dumps(field["json"])
    if "base64" in field:
        return base64.b64decode(field["base64"])
    return str(field.get("text", "")).encode("utf-8")


_PAIR = re.compile(rb'\[\n\s+("(?:[^"\\]|\\.)*"),\n\s+("(?:[^"\\]|\\.)*")\n\s+\]')


def _layout(document: dict[str, Any]) -> bytes:
    """Indented JSON (UTF-8), with each [name, value] header pair on one line. orjson, not
    `json.dumps(indent=...)`: an indent sends the standard library to its pure-Python encoder,
    half a millisecond per cassette of a /models answer, on the recording proxy's hot path."""
    return _PAIR.sub(rb"[\1, \2]", orjson.dumps(document, option=orjson.OPT_INDENT_2)) + b"\n"


def to_json(c: Cassette) -> dict[str, Any]:
    response: dict[str, Any] = {"status": c.status, "headers": [list(h) for h in c.headers]}
    if c.chunks is None:
        response["body"] = _bytes_field(c.body)
    else:
        response["chunks"] = [{"at": round(t, 6), **_chunk_field(data)} for t, data in c.chunks]
    return {
        "format": FORMAT,
        "operation_id": c.operation_id,
        "key": c.key,
        "request": {
            "method": c.method,
            "path": c.path,
            "query": c.query,
            "headers": [list(h) for h in c.request_headers],
            "body": _bytes_field(c.request_body),
        },
        "response": response,
        "violations": {
            "request": [v.as_json() for v in c.request_violations],
            "response": [v.as_json() for v in c.response_violations],
        },
    }


def _violations(raw: Iterable[Mapping[str, str]]) -> tuple[Violation, ...]:
    return tuple(Violation(v["location"], v["rule"], v["message"]) for v in raw)


def from_json(raw: Mapping[str, Any]) -> Cassette:
    request, response = raw["request"], raw["response"]
    chunks = response.get("chunks")
    violations = raw.get("violations") or {}
    return Cassette(
        operation_id=raw["operation_id"],
        key=raw["key"],
        method=request["method"],
        path=request["path"],
        query=request.get("query", ""),
        request_headers=tuple((str(k), str(v)) for k, v in request.get("headers", [])),
        request_body=_bytes_of(request.get("body") or {}),
        status=int(response["status"]),
        headers=tuple((str(k), str(v)) for k, v in response.get("headers", [])),
        body=_bytes_of(response.get("body") or {}) if chunks is None else b"",
        chunks=None if chunks is None else tuple((float(c["at"]), _bytes_of(c)) for c in chunks),
        request_violations=_violations(violations.get("request", [])),
        response_violations=_violations(violations.get("response", [])),
    )


def write(directory: str, cassette: Cassette) -> Path:
    """Write atomically (a reader never sees half a cassette); the same request overwrites."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / cassette.file_name
    temporary = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.write_bytes(_layout(to_json(cassette)))
    os.replace(temporary, target)
    return target


def read(path: Path) -> Cassette:
    try:
        return from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CassetteError(f"{path}: not a cassette ({type(exc).__name__}: {exc})") from None


class Tape:
    """The cassettes of a directory by match key; ones recorded during the run join it."""

    def __init__(self, directory: str | None) -> None:
        self._by_key: dict[str, Cassette] = {}
        self._lock = threading.Lock()
        if directory is not None and Path(directory).is_dir():
            for path in sorted(Path(directory).glob("*.json")):
                cassette = read(path)
                self._by_key[cassette.key] = cassette

    def __len__(self) -> int:
        return len(self._by_key)

    def __iter__(self) -> Iterator[Cassette]:
        """The cassettes, by operation and file name (a stable order for reports)."""
        with self._lock:
            return iter(sorted(self._by_key.values(), key=lambda c: (c.operation_id, c.key)))

    def get(self, key: str) -> Cassette | None:
        return self._by_key.get(key)

    def add(self, cassette: Cassette) -> None:
        with self._lock:
            self._by_key[cassette.key] = cassette

    def nearest(self, operation_id: str, description: str) -> Cassette | None:
        """The cassette most like the request: same operation first, then by text similarity."""
        cassettes = list(self._by_key.values())
        same = [c for c in cassettes if c.operation_id == operation_id] or cassettes
        if not same:
            return None
        return max(same, key=lambda c: difflib.SequenceMatcher(None, c.describe(), description).ratio())


async def paced(chunks: tuple[tuple[float, bytes], ...], recorded: bool) -> AsyncIterator[bytes]:
    """A recorded stream again, each chunk at its recorded time after the head (or at once)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    for at, data in chunks:
        if recorded:
            wait = start + at - loop.time()
            await asyncio.sleep(wait if wait > 0 else 0)
        else:
            await asyncio.sleep(0)  # let a disconnect be noticed between chunks
        yield data


def make(
    operation_id: str,
    key: str,
    relative: str,
    incoming: Incoming,
    status: int,
    headers: tuple[tuple[str, str], ...],
    body: bytes,
    chunks: tuple[tuple[float, bytes], ...] | None,
    request_violations: tuple[Violation, ...],
    response_violations: tuple[Violation, ...],
) -> Cassette:
    """A cassette of one exchange, scrubbed (see the module's docstring)."""
    request_body = scrub_body(incoming.body, incoming.headers, relative)
    return Cassette(
        operation_id=operation_id,
        key=key,
        method=incoming.method,
        path=relative,
        query=scrub_query(incoming.query_string),
        request_headers=scrub_request_headers(incoming.headers),
        request_body=request_body,
        status=status,
        headers=scrub_response_headers(headers),
        body=scrub_body(body, dict(headers), relative) if chunks is None else b"",
        chunks=chunks,
        request_violations=request_violations,
        response_violations=response_violations,
    )


def reply(cassette: Cassette, pace_recorded: bool) -> Reply:
    """The recorded answer, byte for byte (a stream re-paced as recorded, or at once)."""
    media_type = dict(cassette.headers).get("content-type", "").split(";")[0].strip().lower() or None
    notes = (f"replayed {cassette.file_name}",)
    if cassette.chunks is None:
        return Reply(
            cassette.status,
            cassette.headers,
            cassette.body,
            media_type=media_type,
            notes=notes,
            drift=cassette.response_violations,
        )
    stream = paced(cassette.chunks, pace_recorded)
    return Reply(
        cassette.status, cassette.headers, b"", stream, media_type, notes, drift=cassette.response_violations
    )


def load(directory: str) -> list[Cassette]:
    """Every cassette in a directory (CassetteError names a file that is not one)."""
    return list(Tape(directory))
