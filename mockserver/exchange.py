"""Exchange: one validated request, its controls and the response chosen for it; Reply: the
bytes to send.

Behaviors and media renderers read an Exchange; nothing here touches the framework.
"""

from __future__ import annotations

import functools
import hashlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from mockserver.controls import NO_CONTROLS, Controls
from mockserver.errors import Violation
from mockserver.spec import Operation, Response
from mockserver.types import JSON, Incoming
from mockserver.validation import RequestData


@dataclass(frozen=True, slots=True)
class Exchange:
    operation: Operation
    incoming: Incoming
    request: RequestData
    status: int
    response: Response | None
    media_type: str | None
    seed: int  # everything random about this response derives from it
    controls: Controls = NO_CONTROLS  # the mock's controls this request sent (Prefer, X-Mock-*)

    def rng(self, purpose: str = "") -> random.Random:
        """An RNG for one purpose; separate purposes stay independent of each other's draws."""
        return random.Random(self.seed ^ _purpose_key(purpose) if purpose else self.seed)

    @property
    def body(self) -> JSON:
        return self.request.body

    def field(self, name: str, default: JSON = None) -> JSON:
        """A top-level field of a JSON/form body, or the default."""
        body = self.request.body
        return body.get(name, default) if isinstance(body, dict) else default


class BrokenOff(Exception):
    """Raised by a Reply's stream that cannot end properly (a relayed answer the upstream broke
    off): the edge ends the client's answer the same way, without its last chunk, so a client
    behind the proxy sees the cut it would have seen from the upstream."""


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    stream: AsyncIterator[bytes] | None = field(default=None, compare=False)
    media_type: str | None = None
    notes: tuple[str, ...] = ()  # for the request log
    # With --replay: how the recorded answer broke the spec (None: not a recorded answer).
    drift: tuple[Violation, ...] | None = None
    # Set only with --proxy: the real reply is the upstream's, awaited at the edge (app.py).
    pending: Callable[[], Awaitable[Reply]] | None = field(default=None, compare=False)


@functools.lru_cache(maxsize=512)
def _purpose_key(purpose: str) -> int:
    # The seed is already a hash of the request; mixing in a fixed per-purpose key is enough to
    # separate purposes, and a cached key keeps hashing off the per-request path.
    return derive_seed("purpose", purpose)


def derive_seed(*parts: object) -> int:
    """A 64-bit seed from any parts (strings, ints, bytes), stable across runs and platforms."""
    digest = hashlib.blake2b(digest_size=8)
    for part in parts:
        digest.update(part if isinstance(part, bytes) else str(part).encode())
        digest.update(b"\x00")
    return int.from_bytes(digest.digest(), "big")


def request_seed(base: int, operation_id: str, incoming: Incoming, body_key: bytes | None = None) -> int:
    """Same spec + seed + request -> same seed (`base`: the run's --seed, or the request's
    X-Mock-Seed); `body_key` replaces the raw body when some of its fields must not count (see
    behaviors)."""
    body = incoming.body if body_key is None else body_key
    return derive_seed(base, operation_id, incoming.method, incoming.path, incoming.query_string, body)
