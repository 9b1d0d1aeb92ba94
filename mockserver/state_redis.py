"""The Redis store behind `--state redis://host:port/db`: one state for any number of mock processes
on any number of machines (behind a load balancer, in CI, in staging).

Why the State interface stays synchronous: the pipeline and every behavior hook are plain
synchronous functions on the hot path (an async pipeline would cost every request of the memory
store an await chain, and rewrite the engine). So this store runs the `redis` client's asyncio
API on a private event loop in one daemon thread (one connection pool, its I/O multiplexed
there), and each State method submits one coroutine to it and waits for the answer, bounded by
CALL_TIMEOUT. The server's own event loop never waits on Redis: app.py runs the pipeline in a
worker thread whenever the store is `remote`.

Atomicity across processes: whatever reads then writes is one Lua script (a key's creation under
the active-key limit, deletion, rate-limit windows: Redis runs a script alone), or, where Python
must decide in the middle, an optimistic transaction (billing reads what was spent, with a
version, to choose the currency; the script writing the entries refuses if the version moved,
and the bill is redone: WATCH/MULTI's guarantee in two round trips instead of four).

Outages: short socket timeouts, one immediate reconnect attempt (a restarted Redis leaves dead
pooled connections), then StoreUnavailable, which the pipeline answers with a 503 in the spec's
error shape. The next request tries again, so the mock recovers as soon as Redis is back; Lua
scripts are reloaded by the client when a restarted server no longer has them.

Layout, under a prefix (`?prefix=NAME` in the URL, default `venice-mock`; several mock groups can
share one Redis): `keys` (hash id -> key JSON), `order` (zset id by creation), `secrets` (hash
secret hash -> id), `used` (hash id -> last use), `revoked` (set of secret hashes), `usage` (zset
of entry JSON by timestamp, members prefixed by a zero-padded sequence number so that ties keep
insertion order; the newest USAGE_KEPT kept), `spent` (hash currency -> total), `rate` (hash:
each bucket's window start and count), `refusals` (list, newest first, REFUSALS_KEPT kept),
`jobs` (hash queue id -> video job JSON, until /video/complete deletes it, as SQLite keeps them).
Scripted answers and the request log are shared under the same prefix by mockserver.scripts_redis
and mockserver.calls_redis.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import logging
import threading
import time
from collections.abc import Awaitable, Iterator, Sequence
from dataclasses import asdict, fields, replace
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from mockserver import redis_scripts
from mockserver.state import (
    REFUSALS_KEPT,
    ApiKey,
    Bill,
    Clock,
    Inference,
    KeyStatus,
    RateLimitEvent,
    RateWindow,
    StateError,
    StoreUnavailable,
    UsageEntry,
    UsageQuery,
    VideoJob,
    secret_hash,
)

try:
    import redis.asyncio as aioredis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
except ImportError:  # the optional extra: `pip install venice-mockkit[redis]`
    aioredis = None  # type: ignore[assignment]

SOCKET_TIMEOUT = 0.5  # seconds: connect, and each read or write
CALL_TIMEOUT = 2.0  # seconds: one State call, retries included, before StoreUnavailable
USAGE_KEPT = 100_000  # usage entries kept (about 30 MB): a shared service's memory stays bounded
T = TypeVar("T")
logger = logging.getLogger("venice-mock")

_KEY_FIELDS = [f.name for f in fields(ApiKey) if f.name != "last_used_at"]
_NAMES = (
    *("keys", "order", "keyseq", "secrets", "used", "revoked"),
    *("usage", "usageseq", "spent", "spentver", "rate", "refusals", "jobs"),
)


def split_url(url: str) -> tuple[str, str]:
    """(the URL the client connects to, the key prefix): `prefix` is ours, not redis-py's."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = next((v for k, v in query if k == "prefix"), "venice-mock")
    rest = urlencode([(k, v) for k, v in query if k != "prefix"])
    return urlunsplit(parts._replace(query=rest)), prefix


def _shown(url: str) -> str:
    """The URL without a password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class RedisState:
    remote = True

    def __init__(self, url: str, clock: Clock = time.time) -> None:
        if aioredis is None:
            raise StateError(
                f"--state {_shown(url)} needs the redis client: pip install 'venice-mockkit[redis]'"
            )
        self.clock = clock  # for key expiry, which `key_status` decides
        self.url = _shown(url)
        # Within one request (see request()): secret -> what _lookup read. None outside requests.
        self._memo: dict[str, tuple[bool, ApiKey | None]] | None = None
        connect_url, prefix = split_url(url)
        self.prefix = prefix
        self._k = {name: f"{prefix}:{name}" for name in _NAMES}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="venice-mock-redis", daemon=True)
        self._thread.start()

        async def connect() -> Any:
            return aioredis.Redis.from_url(
                connect_url,
                decode_responses=True,
                socket_timeout=SOCKET_TIMEOUT,
                socket_connect_timeout=SOCKET_TIMEOUT,
                # One immediate retry on a broken connection (a restarted server leaves the pool's
                # sockets dead); a timeout is not retried: the command may have run.
                retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
                retry_on_timeout=False,
                health_check_interval=0,
            )

        # Any: redis-py types one client for both its sync and async faces (unions everywhere).
        self._redis: Any = self.run(connect())
        r = self._redis
        self._add_key = r.register_script(redis_scripts.ADD_KEY)
        self._delete_key = r.register_script(redis_scripts.DELETE_KEY)
        self._key_for = r.register_script(redis_scripts.KEY_FOR)
        self._api_keys = r.register_script(redis_scripts.API_KEYS)
        self._touch = r.register_script(redis_scripts.TOUCH)
        self._take = r.register_script(redis_scripts.TAKE)
        self._spent = r.register_script(redis_scripts.SPENT)
        self._charge = r.register_script(redis_scripts.CHARGE)
        try:
            self.run(r.ping())
        except StoreUnavailable as exc:
            self.close()
            raise StateError(f"cannot reach the Redis store at {self.url}: {exc.__cause__ or exc}") from exc

    @property
    def client(self) -> Any:
        """The asyncio client (its calls are run on this store's loop: see run)."""
        return self._redis

    def run(self, call: Awaitable[T]) -> T:
        """Wait for `call` (a coroutine made by the client, awaited on the store's loop)."""

        async def wait() -> T:
            return await call

        future = asyncio.run_coroutine_threadsafe(wait(), self._loop)
        try:
            return future.result(CALL_TIMEOUT)
        except concurrent.futures.TimeoutError as exc:
            future.cancel()
            raise StoreUnavailable(
                f"the Redis store at {self.url} did not answer within {CALL_TIMEOUT} s"
            ) from exc
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise StoreUnavailable(f"the Redis store at {self.url} is unavailable: {exc}") from exc

    def submit(self, call: Awaitable[Any]) -> None:
        """Start `call` on the store's loop without waiting for it (what nobody waits for, such
        as a finished stream's bytes for the request log); a failure is logged, not raised."""

        async def run() -> None:
            try:
                await call
            except Exception as exc:  # Redis down: the log misses this, the answer was sent
                logger.warning("the Redis store at %s missed a write: %s", self.url, exc)

        if not self._loop.is_closed():
            asyncio.run_coroutine_threadsafe(run(), self._loop)

    def close(self) -> None:
        if self._loop.is_closed():
            return
        redis = getattr(self, "_redis", None)
        if redis is not None:
            with contextlib.suppress(StoreUnavailable):
                self.run(redis.aclose())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=CALL_TIMEOUT)
        self._loop.close()

    # keys

    def add_key(self, key: ApiKey, max_active: int | None = None) -> bool:
        k = self._k
        stored = json.dumps({name: getattr(key, name) for name in _KEY_FIELDS} | _limits(key))
        limit = -1 if max_active is None else max_active
        self._forget()
        keys = [k["keys"], k["order"], k["secrets"], k["keyseq"]]
        return bool(self.run(self._add_key(keys, [key.id, stored, key.secret_hash, limit])))

    def api_keys(self) -> list[ApiKey]:
        k = self._k
        flat = self.run(self._api_keys([k["order"], k["keys"], k["used"]]))
        pairs = zip(flat[::2], flat[1::2], strict=True)
        return [_key(stored, used or None) for stored, used in pairs if stored]

    def key(self, key_id: str) -> ApiKey | None:
        k = self._k

        async def get() -> list[str | None]:
            async with self._redis.pipeline(transaction=True) as pipe:
                result: list[str | None] = (
                    await pipe.hget(k["keys"], key_id).hget(k["used"], key_id).execute()
                )
                return result

        stored, used = self.run(get())
        return _key(stored, used) if stored else None

    @contextlib.contextmanager
    def request(self) -> Iterator[None]:
        """One request reads each key once: a chat call asks for its key four times (auth, rate
        limits, billing), and each ask would be a round trip. Requests run one at a time in the
        pipeline's thread (app.py); this process's own writes to keys forget what was read."""
        self._memo = {}
        try:
            yield
        finally:
            self._memo = None

    def _lookup(self, secret: str) -> tuple[bool, ApiKey | None]:
        memo = self._memo
        if memo is not None and secret in memo:
            return memo[secret]
        k = self._k
        keys = [k["secrets"], k["keys"], k["used"], k["revoked"]]
        revoked, stored, used = self.run(self._key_for(keys, [secret_hash(secret)]))
        found = bool(revoked), _key(stored, used) if stored else None
        if memo is not None:
            memo[secret] = found
        return found

    def _forget(self) -> None:
        if self._memo is not None:
            self._memo.clear()

    def key_for(self, secret: str) -> ApiKey | None:
        return self._lookup(secret)[1]

    def delete_key(self, key_id: str) -> bool:
        k = self._k
        keys = [k["keys"], k["order"], k["secrets"], k["revoked"], k["used"]]
        self._forget()
        return bool(self.run(self._delete_key(keys, [key_id])))

    def key_status(self, secret: str) -> KeyStatus | None:
        revoked, key = self._lookup(secret)
        if revoked:
            return "revoked"
        if key is None:
            return None
        return "expired" if key.expired(self.clock()) else "active"

    def touch_key(self, key_id: str, when: str) -> None:
        self._forget()
        self.run(self._touch([self._k["keys"], self._k["used"]], [key_id, when]))

    # billing

    def charge(self, bill: Bill) -> list[UsageEntry]:
        k = self._k
        spent_keys = [k["spent"], k["spentver"]]
        charge_keys = [k["spent"], k["spentver"], k["usage"], k["usageseq"]]
        while True:
            version, flat = self.run(self._spent(spent_keys))
            spent = {c: float(t) for c, t in zip(flat[::2], flat[1::2], strict=True)}
            entries = list(bill(dict(spent)))
            if not entries:
                return []
            args: list[str | int] = [version, USAGE_KEPT, len(entries)]
            for entry in entries:
                args += [repr(entry.timestamp), _member_body(entry)]
                spent[entry.currency] = spent.get(entry.currency, 0.0) - entry.amount
            for currency, total in spent.items():
                args += [currency, repr(total)]
            last = int(self.run(self._charge(charge_keys, args)))
            if last >= 0:
                first = last - len(entries) + 1
                return [entry._replace(seq=first + n) for n, entry in enumerate(entries)]
            # Another process charged since the snapshot: bill again from its total.

    def spent(self) -> dict[str, float]:
        raw: dict[str, str] = self.run(self._redis.hgetall(self._k["spent"]))
        return {c: float(t) for c, t in raw.items()}

    def _entries(self, lower: float | str, upper: float | str, descending: bool) -> list[UsageEntry]:
        usage = self._k["usage"]
        members: list[str]
        if descending:
            members = self.run(self._redis.zrevrangebyscore(usage, upper, lower))
        else:
            members = self.run(self._redis.zrangebyscore(usage, lower, upper))
        return [_entry(m) for m in members]

    def usage(self, query: UsageQuery) -> tuple[list[UsageEntry], int]:
        lower = "-inf" if query.start is None else query.start
        upper = "+inf" if query.end is None else query.end
        rows = self._entries(lower, upper, query.descending)
        if query.currency is not None:
            rows = [e for e in rows if e.currency == query.currency]
        return rows[query.offset : query.offset + query.limit], len(rows)

    def usage_by_key(self, since: float) -> dict[str, dict[str, float]]:
        totals: dict[str, dict[str, float]] = {}
        for e in self._entries(since, "+inf", False):
            if e.key_id is not None:
                per = totals.setdefault(e.key_id, {})
                per[e.currency] = per.get(e.currency, 0.0) - e.amount
        return totals

    # rate limits

    def take(self, windows: Sequence[RateWindow]) -> RateWindow | None:
        args: list[str | int] = [len(windows)]
        for window in windows:
            args += [window.bucket, repr(float(window.start)), window.limit]
        full = int(self.run(self._take([self._k["rate"]], args)))
        return windows[full - 1] if full else None

    def log_refusal(self, event: RateLimitEvent) -> None:
        refusals = self._k["refusals"]

        async def log() -> None:
            async with self._redis.pipeline(transaction=True) as pipe:
                await (
                    pipe.lpush(refusals, json.dumps(asdict(event)))
                    .ltrim(refusals, 0, REFUSALS_KEPT - 1)
                    .execute()
                )

        self.run(log())

    def refusals(self) -> list[RateLimitEvent]:
        rows: list[str] = self.run(self._redis.lrange(self._k["refusals"], 0, REFUSALS_KEPT - 1))
        return [RateLimitEvent(**json.loads(row)) for row in rows]

    def add_job(self, job: VideoJob) -> None:
        self.run(self._redis.hset(self._k["jobs"], job.queue_id, json.dumps(asdict(job))))

    def job(self, queue_id: str) -> VideoJob | None:
        stored: str | None = self.run(self._redis.hget(self._k["jobs"], queue_id))
        return None if stored is None else VideoJob(**json.loads(stored))

    def delete_job(self, queue_id: str) -> bool:
        return bool(self.run(self._redis.hdel(self._k["jobs"], queue_id)))

    def reset(self) -> None:
        self._forget()
        self.run(self._redis.delete(*self._k.values()))


def _limits(key: ApiKey) -> dict[str, Any]:
    return {"consumption_limit": dict(key.consumption_limit)}


def _key(stored: str, used: str | None) -> ApiKey:
    values = json.loads(stored)
    return replace(ApiKey(**values), last_used_at=used or None)


def _member_body(entry: UsageEntry) -> str:
    """A usage entry's fields as a JSON list (Inference as a list too). The sorted-set member is
    its sequence number (zero-padded: ties in time keep insertion order), "|", then this."""
    row: list[Any] = list(entry)
    row[-2] = list(entry.inference) if entry.inference is not None else None
    return json.dumps(row)


def _entry(member: str) -> UsageEntry:
    seq, _, body = member.partition("|")
    row: list[Any] = json.loads(body)
    details = row[-2]
    row[-2] = Inference(*details) if details is not None else None
    row[-1] = int(seq)
    return UsageEntry(*row)
