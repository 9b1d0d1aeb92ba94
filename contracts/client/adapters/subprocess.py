"""The language-neutral adapter: a process that speaks JSON lines, so a Ruby, Node or Go client
can be checked.

Each call is one line on the process's stdin:
    {"operation": "createChatCompletion", "arguments": {...}, "base_url": "http://127.0.0.1:PORT/api/v1",
     "api_key": "test-key", "timeout": 30}
and the process answers with one line on stdout, one of:
    {"ok": true, "value": <JSON the client returned>}
    {"ok": true, "events": [<each stream event the client surfaced>]}
    {"ok": true, "binary": "<base64 of the bytes the client returned>"}
    {"ok": false, "error": {"type": "RateLimitError", "message": "...", "status": 429}}
    {"unsupported": true}
Anything else the process writes goes to stderr. A process that dies is restarted for the next
call; one that does not answer within the call's time limit is killed.

The process may open with a hello line, written at start before it reads anything:
    {"hello": {"operations": ["listModels", ...], "allowances": {"listModels": {"field": "why"}},
               "capabilities": {"streaming": false}}}
declaring what it covers (default: try every operation), the differences it makes on purpose,
and that its client does not stream. The suite waits HELLO_WAIT seconds for it; a hello that
comes later is still read. A command that cannot start, or a process that exits before it ever
answers, is a usage error (AdapterLoadError), not a client bug.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import queue
import shlex
import subprocess
import threading
from collections import deque
from collections.abc import Sequence
from typing import IO, Any

from contracts.client.adapters.base import AdapterLoadError, Arguments, ClientError, Result, Target

MAX_LINE = 64 * 1024 * 1024  # one answer line; a client's answer beyond this is not read
HELLO_WAIT = 1.0  # seconds to wait at start for a hello line (or for the process to exit)


class ProtocolError(Exception):
    """The process answered something that is not one JSON result line."""


def parse_line(line: str) -> Result:
    """One answer line as a Result (ProtocolError if it breaks the protocol)."""
    try:
        message = json.loads(line)
    except ValueError as exc:
        raise ProtocolError(f"not a JSON line: {exc}: {line[:200]!r}") from None
    if not isinstance(message, dict):
        raise ProtocolError(f"not a JSON object: {line[:200]!r}")
    if message.get("unsupported") is True:
        return Result(unsupported=True)
    if message.get("ok") is True:
        if "events" in message:
            if not isinstance(message["events"], list):
                raise ProtocolError("`events` must be a list")
            return Result(events=tuple(message["events"]))
        if "binary" in message:
            try:
                return Result(binary=base64.b64decode(str(message["binary"]), validate=True))
            except (binascii.Error, ValueError):
                raise ProtocolError("`binary` must be base64") from None
        return Result(value=message.get("value"))
    if message.get("ok") is False:
        raw = message.get("error")
        error: dict[str, Any] = raw if isinstance(raw, dict) else {}
        status = error.get("status")
        return Result(
            error=ClientError(
                str(error.get("type") or "Error"),
                str(error.get("message") or ""),
                status if isinstance(status, int) and not isinstance(status, bool) else None,
            )
        )
    raise ProtocolError(f"neither ok true/false nor unsupported: {line[:200]!r}")


class SubprocessAdapter:
    """Runs `command` once and sends it every call, one JSON line each way."""

    def __init__(self, command: str | Sequence[str], target: Target, cwd: str | None = None) -> None:
        self.command = shlex.split(command) if isinstance(command, str) else list(command)
        self.target = target
        self.cwd = cwd
        self.allowances: dict[str, dict[str, str]] = {}
        self.operations: frozenset[str] | None = None
        self.capabilities: dict[str, Any] = {}
        self.answered = 0  # answer lines read: a process that never answered could not start
        self._process: subprocess.Popen[str] | None = None
        self._readers: list[threading.Thread] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: deque[str] = deque(maxlen=40)

    def _start(self) -> subprocess.Popen[str]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        self._dispose()
        self._lines = queue.Queue()
        try:
            process = subprocess.Popen(
                self.command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                cwd=self.cwd,
            )
        except OSError as exc:
            raise AdapterLoadError(
                f"cannot start adapter command {shlex.join(self.command)!r}: {exc}"
            ) from None
        assert process.stdout is not None
        assert process.stderr is not None
        self._readers = [
            threading.Thread(target=self._pump, args=(process.stdout, self._lines), daemon=True),
            threading.Thread(target=self._drain, args=(process.stderr,), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        self._process = process
        return process

    def start(self) -> None:
        """Start the process and read its hello line if it sends one within HELLO_WAIT."""
        process = self._start()
        try:
            line = self._lines.get(timeout=HELLO_WAIT)
        except queue.Empty:
            return
        if line is None:
            self._not_started(process)
        elif not self._hello(line):
            raise AdapterLoadError(
                f"adapter {shlex.join(self.command)!r} wrote before it was asked: {line[:200]!r}"
            )

    def _hello(self, line: str) -> bool:
        """Read `line` as a hello line if it is one."""
        try:
            message = json.loads(line)
        except ValueError:
            return False
        if not isinstance(message, dict) or not isinstance(message.get("hello"), dict):
            return False
        hello = message["hello"]
        if isinstance(hello.get("operations"), list):
            self.operations = frozenset(str(o) for o in hello["operations"])
        if isinstance(hello.get("allowances"), dict):
            self.allowances = {
                str(op): {str(k): str(v) for k, v in fields.items()}
                for op, fields in hello["allowances"].items()
                if isinstance(fields, dict)
            }
        if isinstance(hello.get("capabilities"), dict):
            self.capabilities = dict(hello["capabilities"])
        return True

    def _not_started(self, process: subprocess.Popen[str]) -> None:
        code = process.wait(timeout=5)
        for reader in self._readers:
            reader.join(timeout=2)
        tail = " | ".join(line for line in self._stderr if line.strip())[-300:] or "nothing on stderr"
        self._dispose()
        raise AdapterLoadError(
            f"adapter {shlex.join(self.command)!r} exited with status {code} before answering: {tail}"
        )

    @staticmethod
    def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
        for line in iter(lambda: stream.readline(MAX_LINE), ""):
            lines.put(line)
        lines.put(None)  # end of output: the process exited

    def _drain(self, stream: IO[str]) -> None:
        for line in iter(stream.readline, ""):
            self._stderr.append(line.rstrip("\n"))

    @property
    def stderr_tail(self) -> str:
        return "\n".join(self._stderr)

    def call(self, operation_id: str, arguments: Arguments, timeout: float | None = None) -> Result:
        process = self._start()
        request = {
            "operation": operation_id,
            "arguments": arguments,
            "base_url": self.target.base_url,
            "api_key": self.target.api_key,
            "timeout": self.target.timeout,
        }
        assert process.stdin is not None
        try:
            process.stdin.write(json.dumps(request, ensure_ascii=False) + "\n")
            process.stdin.flush()
        except (BrokenPipeError, OSError):
            return self._died(process)
        seconds = timeout or self.target.timeout + 5
        try:
            line = self._lines.get(timeout=seconds)
            while line is not None and self._hello(line):  # a hello that came late
                line = self._lines.get(timeout=seconds)
        except queue.Empty:
            self._kill()
            return Result(error=ClientError("AdapterTimeout", f"no answer line within {seconds:g} s"))
        if line is None:
            if not self.answered:
                self._not_started(process)
            return self._died(process)
        self.answered += 1
        try:
            return parse_line(line)
        except ProtocolError as exc:
            return Result(error=ClientError("AdapterProtocolError", str(exc)))

    def _died(self, process: subprocess.Popen[str]) -> Result:
        code = process.wait(timeout=5)
        tail = self.stderr_tail or "(nothing on stderr)"
        return Result(
            error=ClientError("AdapterExited", f"the adapter process exited with status {code}: {tail}")
        )

    def _kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=5)

    def _dispose(self) -> None:
        """Forget an exited (or killed) process: its readers end with its output, then its pipes close."""
        process = self._process
        if process is None:
            return
        self._kill()
        for reader in self._readers:
            reader.join(timeout=5)
        for pipe in (process.stdin, process.stdout, process.stderr):
            if pipe is not None:
                # A broken stdin pipe cannot flush what is left in it; it is gone anyway.
                with contextlib.suppress(OSError):
                    pipe.close()
        self._process = None
        self._readers = []

    def close(self) -> None:
        process = self._process
        if process is None:
            return
        if process.poll() is None and process.stdin is not None:
            try:
                process.stdin.close()  # end of input: a well-behaved adapter exits
                process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._dispose()
