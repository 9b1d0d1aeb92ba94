"""Scripted responses: "answer the next N calls of operation X with this" (for client tests).

Set from Python (`Mock.scripts.respond(...)`, the pytest plugin's `venice_mock.respond(...)`) or
over HTTP (`POST /__mock/scripts`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from mockserver.exchange import Exchange, Reply


@dataclass(frozen=True)
class Scripted:
    operation_id: str


class Scripts:
    """Per-operation queues of scripted answers; thread-safe (tests script from another thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, list[Scripted]] = {}

    def take(self, operation_id: str) -> Scripted | None:
        with self._lock:
            queue = self._queues.get(operation_id)
            return queue.pop(0) if queue else None

    def clear(self) -> None:
        with self._lock:
            self._queues.clear()


def render(scripted: Scripted, exchange: Exchange, mock: Any) -> Reply:
    raise NotImplementedError("scripted answers arrive with the client-side contract kit")
