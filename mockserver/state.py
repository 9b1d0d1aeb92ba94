"""State that outlives one request: API keys, billing usage, rate-limit events.

One interface (`State`), two stores: in memory (the default) and SQLite (`--state-file PATH`),
which survives restarts and is shared by several worker processes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

KeyStatus = Literal["active", "revoked"]


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    secret: str
    api_key_type: str  # "INFERENCE" or "ADMIN"
    description: str
    created_at: str  # RFC 3339
    expires_at: str | None = None
    consumption_limit: Mapping[str, float | None] = field(default_factory=dict)


class State(Protocol):
    def add_key(self, key: ApiKey) -> None: ...
    def keys(self) -> list[ApiKey]: ...
    def delete_key(self, key_id: str) -> bool: ...
    def key_status(self, secret: str) -> KeyStatus | None: ...
    def reset(self) -> None: ...


class MemoryState:
    """The default store: a process-local dict (state is lost on restart)."""

    def __init__(self) -> None:
        self._keys: dict[str, ApiKey] = {}
        self._revoked: set[str] = set()

    def add_key(self, key: ApiKey) -> None:
        self._keys[key.id] = key

    def keys(self) -> list[ApiKey]:
        return list(self._keys.values())

    def delete_key(self, key_id: str) -> bool:
        key = self._keys.pop(key_id, None)
        if key is None:
            return False
        self._revoked.add(key.secret)
        return True

    def key_status(self, secret: str) -> KeyStatus | None:
        if secret in self._revoked:
            return "revoked"
        return "active" if any(k.secret == secret for k in self._keys.values()) else None

    def reset(self) -> None:
        self._keys.clear()
        self._revoked.clear()


def open_state(path: str | None) -> State:
    """The store for `--state-file PATH` (None: in memory)."""
    if path is not None:
        raise NotImplementedError("the SQLite store arrives with the state issue")
    return MemoryState()
