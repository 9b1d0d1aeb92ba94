"""Drift: where the traffic the mock relayed (or replayed) departed from the spec, counted per
(operation, side, location, rule) for the whole run (the request log is a bounded ring buffer;
this summary is not). Served at GET /__mock/drift as JSON or Markdown."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mockserver.errors import Violation

_MAX_ROWS = 1000  # distinct (operation, side, location, rule); a pathological upstream stays bounded


@dataclass
class Drift:
    exchanges: int = 0
    drifted: int = 0
    _rows: dict[tuple[str, str, str, str], list[Any]] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def add(self, operation_id: str, request: Iterable[Violation], response: Iterable[Violation]) -> None:
        """One relayed exchange and what each side broke."""
        sides = [("request", v) for v in request] + [("response", v) for v in response]
        with self._lock:
            self.exchanges += 1
            if sides:
                self.drifted += 1
            for side, v in sides:
                key = (operation_id, side, v.location, v.rule)
                row = self._rows.get(key)
                if row is not None:
                    row[1] += 1
                elif len(self._rows) < _MAX_ROWS:
                    self._rows[key] = [v.message, 1]

    def clear(self) -> None:
        with self._lock:
            self.exchanges = self.drifted = 0
            self._rows.clear()

    def as_json(self) -> dict[str, Any]:
        with self._lock:
            rows = [
                {"operation_id": op, "side": side, "location": loc, "rule": rule, "message": msg, "count": n}
                for (op, side, loc, rule), (msg, n) in sorted(self._rows.items())
            ]
            return {"exchanges": self.exchanges, "drifted": self.drifted, "drift": rows}

    def markdown(self, source: str) -> str:
        """Shaped like the contract kit's drift report (`venice-contracts server --report md`)."""
        summary = self.as_json()
        lines = [
            "# Contract drift report",
            "",
            f"- Server: `{source}`",
            f"- {summary['drifted']} of {summary['exchanges']} relayed exchanges broke the contract",
            "",
        ]
        if not summary["drift"]:
            return "\n".join([*lines, "None found: every relayed answer kept the contract.", ""])
        lines += ["| Operation | Side | Where | Rule | Times | First message |", "|---" * 6 + "|"]
        lines += [
            f"| `{r['operation_id']}` | {r['side']} | `{r['location']}` | `{r['rule']}` | {r['count']} | "
            f"{_cell(r['message'])} |"
            for r in summary["drift"]
        ]
        return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
