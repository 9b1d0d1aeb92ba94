"""Which store a `--state` URL names, opened: the one place that knows all three.

Kept apart from mockserver.state (the interface and the in-memory store) so that the stores can
import the interface without the interface importing them back. The Redis store is imported
only when named: its client library is an optional dependency.
"""

from __future__ import annotations

import time

from mockserver.exceptions import StateError
from mockserver.state import STATE_SCHEMES, Clock, MemoryState, State


def open_state(where: str | None, clock: Clock = time.time) -> State:
    """The store `where` names: a URL (see STATE_SCHEMES), a bare path (`--state-file`: SQLite),
    or None (in memory)."""
    if where is None or where == "memory://":
        return MemoryState(clock)
    if where.startswith(("redis://", "rediss://", "unix://")):
        from mockserver.state_redis import RedisState

        return RedisState(where, clock)
    if where.startswith("sqlite://"):
        where = where.removeprefix("sqlite://")
        if not where.startswith("/"):
            raise StateError(f"sqlite:// needs an absolute path (sqlite:///PATH), not {where!r}")
    elif "://" in where:
        raise StateError(f"unknown state store {where!r}; known: {', '.join(STATE_SCHEMES)}")
    from mockserver.state_sqlite import SqliteState

    return SqliteState(where, clock)
