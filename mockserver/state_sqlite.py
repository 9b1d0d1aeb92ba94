"""The SQLite store behind `--state-file PATH`: survives restarts, shared by worker processes.

Concurrency: every worker process opens its own connection. WAL mode lets readers (every
authenticated request asks `key_status`) proceed while one writer commits; writes are single
short transactions (`BEGIN IMMEDIATE` takes the write lock up front, so a read-then-write such as
a rate-limit check cannot interleave with another process's); the busy timeout makes a writer
wait for the lock instead of failing. `synchronous=NORMAL` is WAL's documented safe setting: a
crash may lose the last commits, never corrupt the file. No lock is held across an await: the
pipeline is synchronous, and a transaction holds the write lock for well under a millisecond.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, fields
from typing import Any

from mockserver.exceptions import StateFileError
from mockserver.state import (
    REFUSALS_KEPT,
    ApiKey,
    Bill,
    Clock,
    Inference,
    KeyStatus,
    RateLimitEvent,
    RateWindow,
    UsageEntry,
    UsageQuery,
    VideoJob,
    secret_hash,
)

BUSY_TIMEOUT_MS = 5000
_SCHEMA_VERSION = 2  # 2: keys stored as SHA-256 hashes (1 kept the secrets themselves)
# Columns are named after the dataclass fields they hold; mappings and Inference are JSON text.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL UNIQUE, last6 TEXT NOT NULL, api_key_type TEXT NOT NULL,
    description TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT,
    consumption_limit TEXT NOT NULL, last_used_at TEXT);
CREATE TABLE IF NOT EXISTS revoked_secrets (secret_hash TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS usage (
    timestamp REAL NOT NULL, sku TEXT NOT NULL, units REAL NOT NULL, price_usd REAL NOT NULL,
    amount REAL NOT NULL, currency TEXT NOT NULL, notes TEXT NOT NULL, key_id TEXT, inference TEXT,
    seq INTEGER PRIMARY KEY AUTOINCREMENT);
CREATE INDEX IF NOT EXISTS usage_by_time ON usage (timestamp, seq);
CREATE INDEX IF NOT EXISTS usage_by_key ON usage (key_id, timestamp);
CREATE TABLE IF NOT EXISTS spent (currency TEXT PRIMARY KEY, total REAL NOT NULL);
CREATE TABLE IF NOT EXISTS rate_counters (
    bucket TEXT PRIMARY KEY, window_start REAL NOT NULL, count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS rate_refusals (
    key_id TEXT NOT NULL, model_id TEXT NOT NULL, tier TEXT NOT NULL, limit_type TEXT NOT NULL,
    timestamp REAL NOT NULL, seq INTEGER PRIMARY KEY AUTOINCREMENT);
CREATE TABLE IF NOT EXISTS video_jobs (
    queue_id TEXT PRIMARY KEY, model TEXT NOT NULL, queued_at REAL NOT NULL, run_seconds REAL NOT NULL,
    seconds REAL NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL, audio INTEGER NOT NULL,
    seed INTEGER NOT NULL);
"""
# video_jobs came after version 2 without changing it: CREATE TABLE IF NOT EXISTS adds it to a
# version-2 file on open, and nothing else about such a file differs.
_TABLES = ("api_keys", "revoked_secrets", "usage", "spent", "rate_counters", "rate_refusals", "video_jobs")
_KEY_FIELDS = [f.name for f in fields(ApiKey)]
_USAGE_FIELDS = list(UsageEntry._fields)
_EVENT_FIELDS = [f.name for f in fields(RateLimitEvent)]
_JOB_FIELDS = [f.name for f in fields(VideoJob)]
_BIG = 2**62  # SQLite integers are 64-bit: an absurd page number must not overflow OFFSET


def _insert(table: str, names: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)})"


class SqliteState:
    remote = False  # one local file: transactions hold the lock for well under a millisecond

    def __init__(self, path: str, clock: Clock = time.time) -> None:
        self.path = path
        self.clock = clock  # for key expiry, which `key_status` decides
        # One connection per process, used from whichever thread runs the pipeline (the test
        # client runs the app in a worker thread); the lock serializes this process's use of it.
        self._lock = threading.Lock()
        try:
            _create_private(path)
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            with self._write() as db:  # workers start together: one of them creates the tables
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version not in (0, _SCHEMA_VERSION):
                    raise StateFileError(
                        f"{path}: state version {version}, expected {_SCHEMA_VERSION} (a file of an "
                        "older venice-mock: delete it or choose another --state-file)"
                    )
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            raise StateFileError(f"cannot use {path} as the state file: {exc}") from exc

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _rows(self, sql: str, *args: object) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def request(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()  # a local read costs microseconds: nothing to remember

    def add_key(self, key: ApiKey, max_active: int | None = None) -> bool:
        row = {**asdict(key), "consumption_limit": json.dumps(dict(key.consumption_limit))}
        with self._write() as db:  # BEGIN IMMEDIATE: the count and the insert see no other writer
            if max_active is not None:
                count = int(db.execute("SELECT COUNT(*) FROM api_keys").fetchone()[0])
                if count >= max_active:
                    return False
            db.execute(_insert("api_keys", _KEY_FIELDS), row)
        return True

    def api_keys(self) -> list[ApiKey]:
        return [
            _key(row) for row in self._rows(f"SELECT {', '.join(_KEY_FIELDS)} FROM api_keys ORDER BY rowid")
        ]

    def key(self, key_id: str) -> ApiKey | None:
        rows = self._rows(f"SELECT {', '.join(_KEY_FIELDS)} FROM api_keys WHERE id = ?", key_id)
        return _key(rows[0]) if rows else None

    def key_for(self, secret: str) -> ApiKey | None:
        rows = self._rows(
            f"SELECT {', '.join(_KEY_FIELDS)} FROM api_keys WHERE secret_hash = ?", secret_hash(secret)
        )
        return _key(rows[0]) if rows else None

    def delete_key(self, key_id: str) -> bool:
        with self._write() as db:
            row = db.execute("DELETE FROM api_keys WHERE id = ? RETURNING secret_hash", (key_id,)).fetchone()
            if row is not None:
                db.execute("INSERT OR IGNORE INTO revoked_secrets (secret_hash) VALUES (?)", (row[0],))
        return row is not None

    def key_status(self, secret: str) -> KeyStatus | None:
        key = self.key_for(secret)
        if key is not None:
            return "expired" if key.expired(self.clock()) else "active"
        revoked = self._rows("SELECT 1 FROM revoked_secrets WHERE secret_hash = ?", secret_hash(secret))
        return "revoked" if revoked else None

    def touch_key(self, key_id: str, when: str) -> None:
        with self._write() as db:
            db.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", (when, key_id))

    def charge(self, bill: Bill) -> list[UsageEntry]:
        recorded = []
        names = [n for n in _USAGE_FIELDS if n != "seq"]
        with self._write() as db:
            spent = {str(c): float(t) for c, t in db.execute("SELECT currency, total FROM spent")}
            for entry in bill(spent):
                row = entry._asdict()
                row["inference"] = json.dumps(entry.inference._asdict()) if entry.inference else None
                seq = db.execute(_insert("usage", names) + " RETURNING seq", row).fetchone()[0]
                db.execute(
                    "INSERT INTO spent (currency, total) VALUES (?, ?) "
                    "ON CONFLICT (currency) DO UPDATE SET total = total + excluded.total",
                    (entry.currency, -entry.amount),
                )
                recorded.append(entry._replace(seq=int(seq)))
        return recorded

    def spent(self) -> dict[str, float]:
        return {str(c): float(t) for c, t in self._rows("SELECT currency, total FROM spent")}

    def usage(self, query: UsageQuery) -> tuple[list[UsageEntry], int]:
        clause = "timestamp >= ? AND timestamp <= ?" + (" AND currency = ?" if query.currency else "")
        args: list[object] = [
            -1e300 if query.start is None else query.start,
            1e300 if query.end is None else query.end,
            *([query.currency] if query.currency else []),
        ]
        order = "DESC" if query.descending else "ASC"
        with self._lock:
            self._db.execute("BEGIN")  # the page and its total from one snapshot
            try:
                total = int(
                    self._db.execute(f"SELECT COUNT(*) FROM usage WHERE {clause}", args).fetchone()[0]
                )
                rows = []
                if query.offset < total:
                    rows = self._db.execute(
                        f"SELECT {', '.join(_USAGE_FIELDS)} FROM usage WHERE {clause} "
                        f"ORDER BY timestamp {order}, seq {order} LIMIT ? OFFSET ?",
                        [*args, min(query.limit, _BIG), min(query.offset, _BIG)],
                    ).fetchall()
            finally:
                self._db.execute("COMMIT")
        return [_usage(row) for row in rows], total

    def usage_by_key(self, since: float) -> dict[str, dict[str, float]]:
        totals: dict[str, dict[str, float]] = {}
        rows = self._rows(
            "SELECT key_id, currency, -SUM(amount) FROM usage "
            "WHERE key_id IS NOT NULL AND timestamp >= ? GROUP BY key_id, currency",
            since,
        )
        for key_id, currency, total in rows:
            totals.setdefault(str(key_id), {})[str(currency)] = float(total)
        return totals

    def take(self, windows: Sequence[RateWindow]) -> RateWindow | None:
        with self._write() as db:
            counts = []
            for window in windows:
                row = db.execute(
                    "SELECT window_start, count FROM rate_counters WHERE bucket = ?", (window.bucket,)
                ).fetchone()
                count = int(row[1]) if row is not None and row[0] == window.start else 0
                if count >= window.limit:
                    return window  # nothing written: the refused request does not count
                counts.append(count)
            for window, count in zip(windows, counts, strict=True):
                db.execute(
                    "INSERT OR REPLACE INTO rate_counters (bucket, window_start, count) VALUES (?, ?, ?)",
                    (window.bucket, window.start, count + 1),
                )
        return None

    def log_refusal(self, event: RateLimitEvent) -> None:
        with self._write() as db:
            db.execute(_insert("rate_refusals", _EVENT_FIELDS), asdict(event))
            db.execute(
                "DELETE FROM rate_refusals WHERE seq <= (SELECT MAX(seq) FROM rate_refusals) - ?",
                (REFUSALS_KEPT,),
            )

    def refusals(self) -> list[RateLimitEvent]:
        sql = f"SELECT {', '.join(_EVENT_FIELDS)} FROM rate_refusals ORDER BY seq DESC LIMIT ?"
        return [RateLimitEvent(*row) for row in self._rows(sql, REFUSALS_KEPT)]

    def add_job(self, job: VideoJob) -> None:
        with self._write() as db:
            db.execute(
                _insert("video_jobs", _JOB_FIELDS).replace("INSERT", "INSERT OR REPLACE", 1), asdict(job)
            )

    def job(self, queue_id: str) -> VideoJob | None:
        rows = self._rows(f"SELECT {', '.join(_JOB_FIELDS)} FROM video_jobs WHERE queue_id = ?", queue_id)
        if not rows:
            return None
        values = dict(zip(_JOB_FIELDS, rows[0], strict=True))
        return VideoJob(**{**values, "audio": bool(values["audio"])})  # seeds stay below 2**63 (video.py)

    def delete_job(self, queue_id: str) -> bool:
        with self._write() as db:
            return db.execute("DELETE FROM video_jobs WHERE queue_id = ?", (queue_id,)).rowcount > 0

    def reset(self) -> None:
        with self._write() as db:
            for table in _TABLES:
                db.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _create_private(path: str) -> None:
    """Create the file readable by its owner only (0600) before SQLite opens it: it holds key
    hashes, usage and limits. SQLite gives its -wal and -shm files the same permissions."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise StateFileError(f"cannot use {path} as the state file: {exc.strerror}") from exc


def _key(row: Sequence[Any]) -> ApiKey:
    values = dict(zip(_KEY_FIELDS, row, strict=True))
    return ApiKey(**{**values, "consumption_limit": json.loads(values["consumption_limit"])})


def _usage(row: Sequence[Any]) -> UsageEntry:
    values = dict(zip(_USAGE_FIELDS, row, strict=True))
    details = values["inference"]
    return UsageEntry(**{**values, "inference": Inference(**json.loads(details)) if details else None})
