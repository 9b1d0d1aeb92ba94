"""State that outlives one request: API keys, billing usage, rate-limit counters and refusals,
queued video jobs.

One interface (`State`), three stores, chosen by `--state URL` (`stores.open_state`): in memory
(`memory://`, the default, below); SQLite (`sqlite:///PATH`, alias `--state-file PATH`,
mockserver.state_sqlite), which survives restarts and is shared by the worker processes of one
machine; Redis (`redis://host:port/db`, mockserver.state_redis), shared by any number of mock
processes on any number of machines. Stores keep plain values and answer plain queries; what the
values mean (prices, limits, which key may do what) is decided by the behaviors (keys, billing,
ratelimits).
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from typing import Literal, NamedTuple, Protocol

from mockserver.exceptions import StateError as StateError  # raised by the stores; re-exported
from mockserver.exceptions import StoreUnavailable as StoreUnavailable
from mockserver.timestamps import parse_instant

KeyStatus = Literal["active", "revoked", "expired"]
Clock = Callable[[], float]

USAGE_KEPT = 10_000  # in memory only: the newest entries kept, so a long run's memory stays flat
REFUSALS_KEPT = 50  # GET /api_keys/rate_limits/log "returns the last 50"
JOBS_KEPT = 1000  # queued video jobs kept in memory (the oldest go first); SQLite keeps all


def secret_hash(secret: str) -> str:
    """What a store keeps of a key's secret: its SHA-256. The API shows the secret once, when the
    key is created; neither the stores nor a state file on disk can show it again."""
    return hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    secret_hash: str  # see secret_hash()
    last6: str  # the secret's last six characters, as listings show them
    api_key_type: str  # "INFERENCE" or "ADMIN"
    description: str
    created_at: str  # RFC 3339
    expires_at: str | None = None  # RFC 3339; None: never expires
    consumption_limit: Mapping[str, float | None] = field(default_factory=dict)  # usd/diem/vcu per epoch
    last_used_at: str | None = None

    def expired(self, now: float) -> bool:
        when = parse_instant(self.expires_at) if self.expires_at else None
        return when is not None and when <= now


class Inference(NamedTuple):
    """Details of the LLM call behind a usage entry (inferenceDetails)."""

    prompt_tokens: int | None
    completion_tokens: int | None
    execution_ms: float | None
    request_id: str | None


class UsageEntry(NamedTuple):
    """One billed line. A NamedTuple, like Inference: every billed call builds several, and frozen
    dataclasses cost several times more to construct."""

    timestamp: float  # seconds since the epoch
    sku: str
    units: float
    price_usd: float  # per unit
    amount: float  # negative: what was charged, in `currency`
    currency: str  # USD, DIEM or VCU
    notes: str = "API Inference"
    key_id: str | None = None
    inference: Inference | None = None
    seq: int = 0  # assigned by the store: ties in `timestamp` keep insertion order


@dataclass(frozen=True, slots=True)
class UsageQuery:
    currency: str | None = None
    start: float | None = None  # inclusive bounds on the timestamp
    end: float | None = None
    descending: bool = True
    limit: int = 200
    offset: int = 0


class RateWindow(NamedTuple):
    """One fixed rate-limit window: at most `limit` requests counted under `bucket` from `start`.
    (A NamedTuple: two are built for every inference call.)"""

    bucket: str
    start: float
    limit: int


@dataclass(frozen=True, slots=True)
class RateLimitEvent:
    key_id: str
    model_id: str
    tier: str
    limit_type: str  # RPM, RPD
    timestamp: float


@dataclass(frozen=True, slots=True)
class VideoJob:
    """A queued video generation (POST /video/queue), until /video/complete removes it. What the
    finished video will be is fixed when it is queued, so any worker can answer a retrieve."""

    queue_id: str
    model: str
    queued_at: float  # seconds since the epoch
    run_seconds: float  # how long the generation "runs" before the MP4 is ready
    seconds: float  # the video's duration
    width: int
    height: int
    audio: bool
    seed: int


# Billing decides an entry's currency from what was spent so far (per currency, all time).
Bill = Callable[[Mapping[str, float]], Sequence[UsageEntry]]


class State(Protocol):
    # True for a store behind the network (Redis): its calls may wait on I/O, so the server runs
    # the pipeline off the event loop (app.py). The local stores answer in microseconds inline.
    remote: bool

    # Around one request: a remote store may remember what it read of a key for the rest of that
    # request (a chat call asks for its key four times); a new request reads afresh.
    def request(self) -> AbstractContextManager[None]: ...
    # False (and nothing stored) when `max_active` keys exist already: checked and stored in one
    # step, so concurrent creations (threads, worker processes) cannot pass the limit together.
    def add_key(self, key: ApiKey, max_active: int | None = None) -> bool: ...
    def api_keys(self) -> list[ApiKey]: ...  # in creation order
    def key(self, key_id: str) -> ApiKey | None: ...
    def key_for(self, secret: str) -> ApiKey | None: ...
    def delete_key(self, key_id: str) -> bool: ...
    def key_status(self, secret: str) -> KeyStatus | None: ...
    def touch_key(self, key_id: str, when: str) -> None: ...
    def charge(self, bill: Bill) -> list[UsageEntry]: ...
    def spent(self) -> dict[str, float]: ...
    def usage(self, query: UsageQuery) -> tuple[list[UsageEntry], int]: ...
    def usage_by_key(self, since: float) -> dict[str, dict[str, float]]: ...
    def take(self, windows: Sequence[RateWindow]) -> RateWindow | None: ...
    def log_refusal(self, event: RateLimitEvent) -> None: ...
    def refusals(self) -> list[RateLimitEvent]: ...  # newest first
    def add_job(self, job: VideoJob) -> None: ...
    def job(self, queue_id: str) -> VideoJob | None: ...
    def delete_job(self, queue_id: str) -> bool: ...
    def reset(self) -> None: ...


class MemoryState:
    """The default store: process-local (state is lost on restart). The lock only guards against
    the test client's threads; every critical section is a few dict operations."""

    remote = False

    def __init__(self, clock: Clock = time.time) -> None:
        self.clock = clock  # for key expiry, which `key_status` decides
        self._lock = threading.Lock()
        self._keys: dict[str, ApiKey] = {}
        self._by_secret: dict[str, str] = {}  # secret hash -> key id
        self._revoked: set[str] = set()
        self._usage: deque[UsageEntry] = deque(maxlen=USAGE_KEPT)
        self._spent: dict[str, float] = {}
        self._seq = 0
        self._counters: dict[str, tuple[float, int]] = {}  # bucket -> (window start, count)
        self._refusals: deque[RateLimitEvent] = deque(maxlen=REFUSALS_KEPT)
        self._jobs: dict[str, VideoJob] = {}  # insertion order: the oldest first

    def request(self) -> AbstractContextManager[None]:
        return nullcontext()  # every read is a dict lookup: nothing worth remembering

    def add_key(self, key: ApiKey, max_active: int | None = None) -> bool:
        with self._lock:
            if max_active is not None and len(self._keys) >= max_active:
                return False
            self._keys[key.id] = key
            self._by_secret[key.secret_hash] = key.id
            return True

    def api_keys(self) -> list[ApiKey]:
        return list(self._keys.values())

    def key(self, key_id: str) -> ApiKey | None:
        return self._keys.get(key_id)

    def key_for(self, secret: str) -> ApiKey | None:
        if not self._by_secret:  # no key created: nothing to hash for (asked several times a call)
            return None
        key_id = self._by_secret.get(secret_hash(secret))
        return self._keys.get(key_id) if key_id is not None else None

    def delete_key(self, key_id: str) -> bool:
        with self._lock:
            key = self._keys.pop(key_id, None)
            if key is None:
                return False
            del self._by_secret[key.secret_hash]
            self._revoked.add(key.secret_hash)
            return True

    def key_status(self, secret: str) -> KeyStatus | None:
        if not self._by_secret and not self._revoked:
            return None
        if secret_hash(secret) in self._revoked:
            return "revoked"
        key = self.key_for(secret)
        if key is None:
            return None
        return "expired" if key.expired(self.clock()) else "active"

    def touch_key(self, key_id: str, when: str) -> None:
        with self._lock:
            key = self._keys.get(key_id)
            if key is not None:
                self._keys[key_id] = replace(key, last_used_at=when)

    def charge(self, bill: Bill) -> list[UsageEntry]:
        with self._lock:
            recorded = []
            for entry in bill(dict(self._spent)):
                self._seq += 1
                recorded.append(_numbered(entry, self._seq))
                self._spent[entry.currency] = self._spent.get(entry.currency, 0.0) - entry.amount
            self._usage.extend(recorded)
            return recorded

    def spent(self) -> dict[str, float]:
        return dict(self._spent)

    def usage(self, query: UsageQuery) -> tuple[list[UsageEntry], int]:
        lower = -math.inf if query.start is None else query.start
        upper = math.inf if query.end is None else query.end
        with self._lock:
            rows = [
                e
                for e in self._usage
                if lower <= e.timestamp <= upper and query.currency in (None, e.currency)
            ]
        rows.sort(key=lambda e: (e.timestamp, e.seq), reverse=query.descending)
        return rows[query.offset : query.offset + query.limit], len(rows)

    def usage_by_key(self, since: float) -> dict[str, dict[str, float]]:
        totals: dict[str, dict[str, float]] = {}
        with self._lock:
            for e in self._usage:
                if e.key_id is not None and e.timestamp >= since:
                    per = totals.setdefault(e.key_id, {})
                    per[e.currency] = per.get(e.currency, 0.0) - e.amount
        return totals

    def take(self, windows: Sequence[RateWindow]) -> RateWindow | None:
        with self._lock:
            counts = []
            for window in windows:
                start, count = self._counters.get(window.bucket, (window.start, 0))
                count = count if start == window.start else 0
                if count >= window.limit:
                    return window
                counts.append(count)
            for window, count in zip(windows, counts, strict=True):
                self._counters[window.bucket] = (window.start, count + 1)
            return None

    def log_refusal(self, event: RateLimitEvent) -> None:
        with self._lock:
            self._refusals.append(event)

    def refusals(self) -> list[RateLimitEvent]:
        return list(reversed(self._refusals))

    def add_job(self, job: VideoJob) -> None:
        with self._lock:
            self._jobs[job.queue_id] = job
            while len(self._jobs) > JOBS_KEPT:
                del self._jobs[next(iter(self._jobs))]

    def job(self, queue_id: str) -> VideoJob | None:
        return self._jobs.get(queue_id)

    def delete_job(self, queue_id: str) -> bool:
        with self._lock:
            return self._jobs.pop(queue_id, None) is not None

    def reset(self) -> None:
        with self._lock:
            self._jobs.clear()
            self._keys.clear()
            self._by_secret.clear()
            self._revoked.clear()
            self._usage.clear()
            self._spent.clear()
            self._counters.clear()
            self._refusals.clear()


def _numbered(e: UsageEntry, seq: int) -> UsageEntry:
    # `seq` is the last field; building the tuple anew costs half of `_replace` (every billed call).
    return UsageEntry(*e[:-1], seq)


STATE_SCHEMES = ("memory://", "sqlite:///PATH", "redis://HOST:PORT/DB")
