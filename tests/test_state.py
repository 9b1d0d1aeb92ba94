"""The State interface, proven the same for the three stores (memory, SQLite, Redis): keys, usage
queries, rate-limit windows and refusals, reset; SQLite across connections and reopenings; Redis
under a real redis-server (tests/redis_server.py)."""

from __future__ import annotations

import math
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.exceptions import StateFileError
from mockserver.state import (
    REFUSALS_KEPT,
    ApiKey,
    Inference,
    MemoryState,
    RateLimitEvent,
    RateWindow,
    State,
    UsageEntry,
    UsageQuery,
    VideoJob,
    secret_hash,
)
from mockserver.state_redis import RedisState
from mockserver.state_sqlite import SqliteState
from mockserver.stores import open_state
from mockserver.timestamps import parse_instant, rfc3339
from tests.redis_server import RedisServer

NOW = 1_750_000_000.0


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def key(n: int, **overrides: object) -> ApiKey:
    values: dict[str, object] = {
        "id": f"id-{n}",
        "secret_hash": secret_hash(f"secret-{n}-abcdef"),
        "last6": "abcdef",
        "api_key_type": "INFERENCE",
        "description": f"key {n}",
        "created_at": rfc3339(NOW),
        **overrides,
    }
    return ApiKey(**values)  # type: ignore[arg-type]


def entry(ts: float, currency: str = "USD", amount: float = -1.0, key_id: str | None = None) -> UsageEntry:
    return UsageEntry(ts, "llama-3.3-70b-llm-output-mtoken", 0.5, 2.8, amount, currency, key_id=key_id)


StoreFactory = Callable[[Clock], State]


KINDS = ["memory", "sqlite", "redis"]


@contextmanager
def factory(kind: str, directory: Path, redis: RedisServer | None = None) -> Iterator[StoreFactory]:
    """Opens stores of one kind (SQLite ones on one file in `directory`, Redis ones under one key
    prefix of their own); closes them on exit."""
    opened: list[SqliteState | RedisState] = []
    url = redis.url() if redis is not None else ""

    def make(clock: Clock) -> State:
        state: SqliteState | RedisState
        if kind == "memory":
            return MemoryState(clock)
        state = RedisState(url, clock) if kind == "redis" else SqliteState(str(directory / "state.db"), clock)
        opened.append(state)
        return state

    try:
        yield make
    finally:
        for state in opened:
            state.close()


def redis_for(kind: str, request: pytest.FixtureRequest) -> RedisServer | None:
    """The session's Redis, asked for only by the Redis cases (the others run without it)."""
    if kind != "redis":
        return None
    server: RedisServer = request.getfixturevalue("redis_server")
    return server


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    with factory(request.param, tmp_path, redis_for(request.param, request)) as make:
        yield make


def test_keys_authenticate_until_deleted_and_never_again(store: StoreFactory) -> None:
    state = store(Clock())
    state.add_key(key(1))
    state.add_key(key(2, consumption_limit={"usd": 5.0, "diem": None}))
    assert [k.id for k in state.api_keys()] == ["id-1", "id-2"]
    assert state.key("id-2") == key(2, consumption_limit={"usd": 5.0, "diem": None})
    assert state.key_for("secret-1-abcdef") == key(1)
    assert state.key_status("secret-1-abcdef") == "active"
    assert state.key_status("someone-else") is None
    assert state.delete_key("id-1") is True
    assert state.delete_key("id-1") is False
    assert state.key_status("secret-1-abcdef") == "revoked"
    assert state.key_for("secret-1-abcdef") is None
    assert [k.id for k in state.api_keys()] == ["id-2"]


def test_a_key_expires_by_the_store_clock(store: StoreFactory) -> None:
    clock = Clock()
    state = store(clock)
    state.add_key(key(1, expires_at=rfc3339(NOW + 10)))
    assert state.key_status("secret-1-abcdef") == "active"
    clock.now = NOW + 10
    assert state.key_status("secret-1-abcdef") == "expired"


def test_touch_records_the_last_use(store: StoreFactory) -> None:
    state = store(Clock())
    state.add_key(key(1))
    state.touch_key("id-1", "2025-01-01T00:00:00.000Z")
    state.touch_key("unknown", "2025-01-01T00:00:00.000Z")
    assert state.key("id-1") == key(1, last_used_at="2025-01-01T00:00:00.000Z")


def test_charge_sees_what_was_spent_before(store: StoreFactory) -> None:
    state = store(Clock())
    seen: list[dict[str, float]] = []

    def bill(spent: Mapping[str, float]) -> list[UsageEntry]:
        seen.append(dict(spent))
        return [entry(NOW, "DIEM", -0.25), entry(NOW, "USD", -1.5)]

    first = state.charge(bill)
    state.charge(bill)
    assert seen == [{}, {"DIEM": 0.25, "USD": 1.5}]
    assert state.spent() == {"DIEM": 0.5, "USD": 3.0}
    assert [e.seq for e in first] == sorted({e.seq for e in first})
    details = Inference(3, 4, 12.5, "chatcmpl-1")
    state.charge(lambda spent: [UsageEntry(NOW + 1, "s", 1.0, 2.0, -2.0, "USD", inference=details)])
    newest = state.usage(UsageQuery(limit=1))[0][0]
    assert newest.inference == details


entries = st.lists(
    st.tuples(
        st.integers(0, 50), st.sampled_from(["USD", "DIEM", "VCU"]), st.sampled_from([None, "k1", "k2"])
    ),
    max_size=40,
)


@pytest.mark.parametrize("kind", KINDS)
@given(
    rows=entries,
    currency=st.sampled_from([None, "USD", "DIEM", "VCU"]),
    bounds=st.tuples(st.none() | st.integers(0, 50), st.none() | st.integers(0, 50)),
    descending=st.booleans(),
    limit=st.integers(1, 7),
)
def test_usage_queries_filter_sort_and_page(
    request: pytest.FixtureRequest,
    kind: str,
    rows: list[tuple[int, str, str | None]],
    currency: str | None,
    bounds: tuple[int | None, int | None],
    descending: bool,
    limit: int,
) -> None:
    redis = redis_for(kind, request)
    with tempfile.TemporaryDirectory() as directory, factory(kind, Path(directory), redis) as store:
        check_usage_queries(store, rows, currency, bounds, descending, limit)


def check_usage_queries(
    store: StoreFactory,
    rows: list[tuple[int, str, str | None]],
    currency: str | None,
    bounds: tuple[int | None, int | None],
    descending: bool,
    limit: int,
) -> None:
    state = store(Clock())
    state.charge(lambda spent: [entry(NOW + t, c, -(i + 1.0), k) for i, (t, c, k) in enumerate(rows)])
    start, end = (None if b is None else NOW + b for b in bounds)
    wanted = [
        (NOW + t, -(i + 1.0))
        for i, (t, c, _) in enumerate(rows)
        if currency in (None, c) and (start is None or NOW + t >= start) and (end is None or NOW + t <= end)
    ]
    # Ties in time keep insertion order (reversed when descending).
    wanted = sorted(wanted, key=lambda w: (w[0], -w[1]), reverse=descending)
    pages: list[tuple[float, float]] = []
    for page in range(math.ceil(len(wanted) / limit) + 1):
        query = UsageQuery(currency, start, end, descending, limit, page * limit)
        got, total = state.usage(query)
        assert total == len(wanted)
        pages.extend((e.timestamp, e.amount) for e in got)
    assert pages == wanted
    by_key = state.usage_by_key(NOW + 25)
    for k in ("k1", "k2"):
        expected: dict[str, float] = {}
        for i, (t, c, owner) in enumerate(rows):
            if owner == k and t >= 25:
                expected[c] = expected.get(c, 0.0) + i + 1.0
        assert by_key.get(k, {}) == pytest.approx(expected)


def test_rate_windows_count_until_full_and_restart_with_the_next_window(store: StoreFactory) -> None:
    state = store(Clock())
    minute = RateWindow("k|m|RPM", 600.0, 2)
    day = RateWindow("k|m|RPD", 0.0, 3)
    assert state.take([minute, day]) is None
    assert state.take([minute, day]) is None
    assert state.take([minute, day]) == minute  # refused: counts nothing
    next_minute = RateWindow("k|m|RPM", 660.0, 2)
    assert state.take([next_minute, day]) is None  # the day's third
    assert state.take([next_minute, day]) == day
    assert state.take([RateWindow("other|m|RPM", 600.0, 1)]) is None


def test_refusals_keep_the_newest_fifty(store: StoreFactory) -> None:
    state = store(Clock())
    for n in range(REFUSALS_KEPT + 7):
        state.log_refusal(RateLimitEvent("k", f"model-{n}", "paid", "RPM", NOW + n))
    kept = state.refusals()
    assert len(kept) == REFUSALS_KEPT
    assert kept[0].model_id == f"model-{REFUSALS_KEPT + 6}"
    assert kept[-1].model_id == "model-7"


def test_video_jobs_are_kept_until_deleted_and_shared_by_every_handle(store: StoreFactory) -> None:
    first, second = store(Clock()), store(Clock())  # two handles on one store (one file, one prefix)
    job = VideoJob("q-1", "wan-2.1", NOW, 2.5, 5.0, 1280, 720, True, 2**62 + 7)
    first.add_job(job)
    first.add_job(VideoJob("q-2", "wan-2.1", NOW + 1, 1.0, 3.0, 640, 360, False, 3))
    shared = second.job("q-1") if not isinstance(second, MemoryState) else first.job("q-1")
    assert shared == job
    assert shared is not None
    assert isinstance(shared.audio, bool)
    assert first.job("unknown") is None
    assert first.delete_job("q-1") is True
    assert first.delete_job("q-1") is False
    assert first.job("q-1") is None
    assert first.job("q-2") is not None
    first.reset()
    assert first.job("q-2") is None


def test_reset_forgets_everything(store: StoreFactory) -> None:
    state = store(Clock())
    state.add_key(key(1))
    state.add_key(key(2))
    state.delete_key("id-2")
    state.charge(lambda spent: [entry(NOW)])
    state.take([RateWindow("b", 0.0, 1)])
    state.log_refusal(RateLimitEvent("k", "m", "paid", "RPM", NOW))
    state.reset()
    assert state.api_keys() == []
    assert state.key_status("secret-1-abcdef") is None
    assert state.key_status("secret-2-abcdef") is None  # no longer remembered as revoked
    assert state.usage(UsageQuery()) == ([], 0)
    assert state.spent() == {}
    assert state.refusals() == []
    assert state.take([RateWindow("b", 0.0, 1)]) is None


def test_memory_keeps_a_bounded_usage_log_but_the_whole_spending() -> None:
    from mockserver.state import USAGE_KEPT

    state = MemoryState()
    state.charge(lambda spent: [entry(NOW + n, amount=-1.0) for n in range(USAGE_KEPT + 5)])
    rows, total = state.usage(UsageQuery(descending=False, limit=1))
    assert total == USAGE_KEPT
    assert rows[0].timestamp == NOW + 5
    assert state.spent() == {"USD": USAGE_KEPT + 5}


def test_sqlite_connections_share_one_file_and_it_outlives_them(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db")
    first, second = SqliteState(path), SqliteState(path)
    first.add_key(key(1))
    assert second.key_status("secret-1-abcdef") == "active"
    second.delete_key("id-1")
    assert first.key_status("secret-1-abcdef") == "revoked"
    assert second.take([RateWindow("b", 0.0, 1)]) is None
    assert first.take([RateWindow("b", 0.0, 1)]) is not None  # one counter for both
    first.charge(lambda spent: [entry(NOW, "DIEM", -2.0)])
    first.close()
    second.close()
    reopened = open_state(path)
    assert reopened.key_status("secret-1-abcdef") == "revoked"
    assert reopened.spent() == {"DIEM": 2.0}
    assert isinstance(reopened, SqliteState)
    journal = reopened._rows("PRAGMA journal_mode")[0][0]
    assert journal == "wal"
    reopened.close()


def test_a_file_that_is_not_a_state_file_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "not.db"
    bogus.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StateFileError, match="cannot use"):
        SqliteState(str(bogus))
    with pytest.raises(StateFileError, match="cannot use"):
        SqliteState(str(tmp_path / "missing-dir" / "state.db"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-06-01", "2025-06-01T00:00:00.000Z"),
        ("2023-10-01T12:00:00Z", "2023-10-01T12:00:00.000Z"),
        ("2023-10-01T12:00:00.250Z", "2023-10-01T12:00:00.250Z"),
        ("2023-10-01T14:30:00+02:30", "2023-10-01T12:00:00.000Z"),
        ("2016-12-31t23:59:60z", "2016-12-31T23:59:59.000Z"),
    ],
)
def test_instants_read_as_rfc3339(text: str, expected: str) -> None:
    when = parse_instant(text)
    assert when is not None
    assert rfc3339(when) == expected


@pytest.mark.parametrize(
    "text", ["2023-02-30", "0000-00-00", "2023-13-01T00:00:00Z", "soon", "9999-12-31T23:59:59-23:59"]
)
def test_impossible_instants_are_none(text: str) -> None:
    assert parse_instant(text) is None


def test_the_key_limit_holds_under_concurrent_creation(store: StoreFactory, tmp_path: Path) -> None:
    # Memory: one store, many threads. SQLite: a store per thread on one file, as worker
    # processes have (each its own connection). Redis: a store (connection pool) per thread.
    shared = store(Clock())
    stores = [shared if isinstance(shared, MemoryState) else store(Clock()) for _ in range(8)]
    barrier = threading.Barrier(len(stores))

    def create(worker: int) -> list[bool]:
        barrier.wait()
        return [stores[worker].add_key(key(worker * 100 + n), max_active=5) for n in range(10)]

    with ThreadPoolExecutor(max_workers=len(stores)) as pool:
        results = [ok for batch in pool.map(create, range(len(stores))) for ok in batch]
    assert results.count(True) == 5
    assert len(shared.api_keys()) == 5
    assert shared.add_key(key(999)) is True  # no limit given: mock control may exceed it


def test_concurrent_charges_each_see_the_others_spending(store: StoreFactory) -> None:
    # The bill depends on what was spent (as billing's currency choice does): DIEM pays until 10
    # were spent, then USD. Atomic read-decide-write means exactly 10 DIEM entries, whatever the
    # interleaving of threads (and, for SQLite and Redis, of connections).
    shared = store(Clock())
    stores = [shared if isinstance(shared, MemoryState) else store(Clock()) for _ in range(6)]
    barrier = threading.Barrier(len(stores))

    def bill(spent: Mapping[str, float]) -> list[UsageEntry]:
        currency = "DIEM" if spent.get("DIEM", 0.0) < 10 else "USD"
        return [entry(NOW, currency, -1.0)]

    def charge(worker: int) -> None:
        barrier.wait()
        for _ in range(10):
            stores[worker].charge(bill)

    with ThreadPoolExecutor(max_workers=len(stores)) as pool:
        list(pool.map(charge, range(len(stores))))
    assert shared.spent() == {"DIEM": 10.0, "USD": 50.0}
    rows, total = shared.usage(UsageQuery(limit=100))
    assert total == 60
    assert len({e.seq for e in rows}) == 60


def test_the_store_is_chosen_by_url(tmp_path: Path, redis_server: RedisServer) -> None:
    from mockserver.state import StateError

    assert isinstance(open_state(None), MemoryState)
    assert isinstance(open_state("memory://"), MemoryState)
    for where in (f"sqlite://{tmp_path}/a.db", str(tmp_path / "b.db")):  # a bare path: --state-file
        sqlite = open_state(where)
        assert isinstance(sqlite, SqliteState)
        sqlite.close()
    redis = open_state(redis_server.url())
    assert isinstance(redis, RedisState)
    assert redis.remote
    redis.close()
    with pytest.raises(StateError, match="absolute path"):
        open_state("sqlite://relative.db")
    with pytest.raises(StateError, match="unknown state store"):
        open_state("postgres://db/x")
