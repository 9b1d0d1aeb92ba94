"""The request log: every request the mock saw, matched or not, with its verdict. Bounded."""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import unquote_plus

from mockserver.errors import Violation

# Names that look like they carry a credential, in headers (`X-Auth-Token`, `X-Api-Key`, `Cookie`)
# and in query strings (`?key=`, `?api_key=`, `?access_token=`).
_SECRET_NAME = re.compile(r"auth|token|secret|passw|api[-_]?key|session|cookie|signature|^key$", re.I)
_QUERY_PAIR = re.compile(r"(^|&)([^=&]*)=([^&]*)")


def _hidden(value: str) -> str:
    scheme, _, secret = value.partition(" ")
    if not secret:
        scheme, secret = "", value
    tail = secret[-4:] if len(secret) > 8 else ""
    return f"{scheme + ' ' if scheme else ''}***{tail}"


def redact(headers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """Headers as recorded: credentials keep their scheme and last 4 characters only."""
    return tuple(
        (name, _hidden(value) if value and _SECRET_NAME.search(name) else value)
        for name, value in headers.items()
    )


def redact_query(query: str) -> str:
    """The query string as recorded: credential-looking parameters keep their last 4 characters."""
    if not query:
        return query

    def hide(match: re.Match[str]) -> str:
        lead, name, value = match.groups()
        secret = unquote_plus(value)
        if not secret or not _SECRET_NAME.search(unquote_plus(name)):
            return match.group(0)
        return f"{lead}{name}={_hidden(secret)}"

    return _QUERY_PAIR.sub(hide, query)


class Call(NamedTuple):
    """One request as the mock saw it. A NamedTuple: one is built for every request, and a frozen
    dataclass of this size costs several times more to construct."""

    seq: int
    time: float  # wall clock, seconds since the epoch (the log is not part of any response)
    method: str
    path: str
    query: str
    operation_id: str | None
    status: int
    violations: tuple[Violation, ...]
    headers: tuple[tuple[str, str], ...]  # redacted
    body: bytes  # up to the log's body limit
    body_size: int  # the full size as received
    media_type: str | None  # of the response
    duration_ms: float
    nearest: tuple[str, ...] = ()  # closest documented operations when nothing matched
    notes: tuple[str, ...] = ()  # e.g. "Prefer: code=429"

    @property
    def ok(self) -> bool:
        return not self.violations

    def as_json(self) -> dict[str, Any]:
        try:
            body: Any = self.body.decode("utf-8")
        except UnicodeDecodeError:
            body = None
        return {
            "seq": self.seq,
            "time": self.time,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "operation_id": self.operation_id,
            "status": self.status,
            "violations": [v.as_json() for v in self.violations],
            "headers": dict(self.headers),
            "body": body,
            "body_size": self.body_size,
            "body_truncated": len(self.body) < self.body_size,
            "media_type": self.media_type,
            "duration_ms": round(self.duration_ms, 3),
            "nearest": list(self.nearest),
            "notes": list(self.notes),
        }


@dataclass
class CallLog:
    """A ring buffer of Calls; thread-safe because test fixtures read it from another thread."""

    size: int = 1000
    body_limit: int = 64 * 1024
    _calls: deque[Call] = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _seq: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self._calls = deque(maxlen=max(self.size, 1))

    def record(self, **fields: Any) -> Call:
        body: bytes = fields.pop("body", b"")
        with self._lock:
            self._seq += 1
            call = Call(
                seq=self._seq, body=body[: self.body_limit] if body else body, body_size=len(body), **fields
            )
            self._calls.append(call)
        return call

    def __iter__(self) -> Iterator[Call]:
        with self._lock:
            return iter(list(self._calls))

    def __len__(self) -> int:
        return len(self._calls)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()

    def last(self) -> Call | None:
        with self._lock:
            return self._calls[-1] if self._calls else None
