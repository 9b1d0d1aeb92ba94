"""Progress while the suite runs: a bar redrawn in place on a terminal, one line per finished
operation otherwise (CI logs)."""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO

from contracts.server.results import OperationResult
from contracts.wording import counted

_MARKS = {"passed": "ok", "failed": "FAIL", "skipped": "skip", "errored": "ERROR"}


class Progress(Protocol):
    def start(self, total: int) -> None: ...
    def operation(self, label: str) -> None: ...
    def case(self, requests: int) -> None: ...
    def done(self, result: OperationResult) -> None: ...
    def finish(self) -> None: ...


class Silent:
    def start(self, total: int) -> None:
        pass

    def operation(self, label: str) -> None:
        pass

    def case(self, requests: int) -> None:
        pass

    def done(self, result: OperationResult) -> None:
        pass

    def finish(self) -> None:
        pass


class Console:
    """Writes to `stream` (stderr by default, so stdout stays the verdict)."""

    WIDTH = 24

    def __init__(self, stream: TextIO | None = None, interactive: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.total = 0
        self.finished = 0
        self.label = ""
        self.requests = 0
        self._drawn = 0.0

    def start(self, total: int) -> None:
        self.total = max(total, 1)

    def operation(self, label: str) -> None:
        self.label = label
        self._draw(force=True)

    def case(self, requests: int) -> None:
        self.requests = requests
        self._draw()

    def done(self, result: OperationResult) -> None:
        if result.verdict == "skipped":
            return
        self.finished += 1
        self._clear()
        mark = _MARKS.get(result.verdict, result.verdict)
        detail = f"{counted(result.cases, 'case')}, {result.seconds:.1f} s"
        if result.failures:
            detail += ": " + ", ".join(result.checks_failed)
        elif result.reason:
            detail += f": {result.reason}"
        self.stream.write(f"[{self.finished}/{self.total}] {mark:5} {result.label}  ({detail})\n")
        self.stream.flush()

    def finish(self) -> None:
        self._clear()

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not self.interactive or (not force and now - self._drawn < 0.1):
            return
        self._drawn = now
        filled = self.WIDTH * self.finished // self.total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        line = f"[{bar}] {self.finished}/{self.total} {self.label}  {self.requests} requests"
        self.stream.write("\r" + line[:120].ljust(120))
        self.stream.flush()

    def _clear(self) -> None:
        if self.interactive:
            self.stream.write("\r" + " " * 120 + "\r")
