"""Closed-loop load generators: `wrk -t1` when installed, else a single-threaded asyncio HTTP/1.1 client.

Both hold N keep-alive connections, each sending the same request back to back (like `wrk -cN`), and
both use one thread, so on a 2-core machine the server keeps the other core to itself.
"""

from __future__ import annotations

import asyncio
import math
import re
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from scenarios import Scenario
from server import Target

T = TypeVar("T")


@dataclass(frozen=True)
class RunStats:
    generator: str
    elapsed_s: float
    requests: int  # completed responses in the measured window
    p50_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    non_2xx: int  # wrk can only count status >= 400 here
    errors: int  # connect/read/write errors and timeouts
    error_kinds: dict[str, int]
    client_cpu_s: float

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s else 0.0


@dataclass(frozen=True)
class CountStats:
    generator: str
    elapsed_s: float
    requests: int
    completed: bool  # False: stopped at the deadline before all requests were sent
    non_2xx: int
    errors: int
    error_kinds: dict[str, int]


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def percentile(sorted_values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (the value below which pct % of the samples lie)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


# ------------------------------------------------------------------ the Python generator


def request_bytes(scenario: Scenario, target: Target) -> bytes:
    host = f"[{target.host}]" if ":" in target.host else target.host
    lines = [f"{scenario.method} {target.base_path}{scenario.path} HTTP/1.1", f"Host: {host}:{target.port}"]
    lines += [f"{name}: {value}" for name, value in scenario.headers]
    if scenario.body or scenario.method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(scenario.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + scenario.body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one whole response; returns (status, keep-alive). Handles Content-Length and chunked bodies."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head[:-4].split(b"\r\n")
    status = int(status_line.split(b" ", 2)[1])
    length: int | None = None
    chunked = close = False
    for line in header_lines:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            close = b"close" in value.lower()
    if status in (204, 304) or 100 <= status < 200:
        return status, not close
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers end with an empty line
                    pass
                break
            await reader.readexactly(size + 2)  # the chunk and its CRLF
    elif length is not None:
        await reader.readexactly(length)
    else:  # no framing: the body runs until the server closes
        await reader.read()
        close = True
    return status, not close


# Mutable on purpose: every connection task updates it after each response, without locks,
# since everything runs on one event loop thread.
@dataclass
class _State:
    measuring: bool = False
    limit: int | None = None  # stop counting after this many responses (memory run)
    every: int = 0  # call on_mark every this many responses
    on_mark: Callable[[int], None] | None = None
    done: int = 0
    non_2xx: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    latencies_ns: list[int] = field(default_factory=list)
    keep_latencies: bool = True
    finished: asyncio.Event = field(default_factory=asyncio.Event)

    def record(self, status: int, latency_ns: int) -> None:
        if not self.measuring:
            return
        self.done += 1
        if self.keep_latencies:
            self.latencies_ns.append(latency_ns)
        if not 200 <= status < 300:
            self.non_2xx += 1
        if self.every and self.on_mark is not None and self.done % self.every == 0:
            self.on_mark(self.done)
        if self.limit is not None and self.done >= self.limit:
            self.measuring = False  # late responses from other connections are not counted
            self.finished.set()

    def error(self, exc: BaseException) -> None:
        if self.measuring:
            kind = type(exc).__name__
            self.errors[kind] = self.errors.get(kind, 0) + 1


async def _connection(target: Target, payload: bytes, state: _State) -> None:
    """One keep-alive connection sending `payload` back to back until cancelled; reconnects on errors."""
    writer: asyncio.StreamWriter | None = None
    try:
        while True:
            if writer is None:
                try:
                    reader, writer = await asyncio.open_connection(target.host, target.port)
                except OSError as exc:
                    state.error(exc)
                    await asyncio.sleep(0.01)  # do not spin on a refusing server
                    continue
            started = time.perf_counter_ns()
            try:
                writer.write(payload)  # small requests: no drain() needed, the buffer never fills
                status, keep_alive = await read_response(reader)
            except (OSError, EOFError, asyncio.LimitOverrunError, ValueError, IndexError) as exc:
                state.error(exc)
                writer.close()
                writer = None
                await asyncio.sleep(0.01)
                continue
            state.record(status, time.perf_counter_ns() - started)
            if not keep_alive:
                writer.close()
                writer = None
    finally:
        if writer is not None:
            writer.close()


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _run(make: Callable[[], Coroutine[Any, Any, T]]) -> tuple[T, str]:
    """Run a coroutine on uvloop when available (less client overhead per request), else asyncio."""
    loop: asyncio.AbstractEventLoop
    try:
        import uvloop

        loop, name = uvloop.new_event_loop(), "python+uvloop"
    except ImportError:
        loop, name = asyncio.new_event_loop(), "python+asyncio"
    try:
        return loop.run_until_complete(make()), name
    finally:
        # On Ctrl-C, cancel what is left so the loop closes without "task destroyed" warnings.
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()


def python_timed(
    target: Target, scenario: Scenario, connections: int, duration_s: float, warmup_s: float
) -> RunStats:
    """Warm up for warmup_s (on the same connections, not counted), then measure for duration_s."""
    payload = request_bytes(scenario, target)

    async def drive() -> tuple[_State, float, float]:
        state = _State()
        tasks = [asyncio.create_task(_connection(target, payload, state)) for _ in range(connections)]
        try:
            await asyncio.sleep(warmup_s)
            state.measuring = True
            started, cpu = time.perf_counter(), _self_cpu()
            await asyncio.sleep(duration_s)
            state.measuring = False
            return state, time.perf_counter() - started, _self_cpu() - cpu
        finally:
            await _cancel(tasks)

    (state, elapsed, cpu), name = _run(drive)
    latencies = sorted(ns / 1e6 for ns in state.latencies_ns)
    return RunStats(
        generator=name,
        elapsed_s=elapsed,
        requests=state.done,
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        max_ms=latencies[-1] if latencies else None,
        non_2xx=state.non_2xx,
        errors=sum(state.errors.values()),
        error_kinds=dict(state.errors),
        client_cpu_s=cpu,
    )


def python_counted(
    target: Target,
    scenario: Scenario,
    connections: int,
    total: int,
    every: int,
    on_mark: Callable[[int], None],
    deadline_s: float,
) -> CountStats:
    """Send `total` requests, calling on_mark(n) after every `every` responses; give up after deadline_s."""
    payload = request_bytes(scenario, target)

    async def drive() -> tuple[_State, float, bool]:
        state = _State(measuring=True, limit=total, every=every, on_mark=on_mark, keep_latencies=False)
        started = time.perf_counter()
        tasks = [asyncio.create_task(_connection(target, payload, state)) for _ in range(connections)]
        try:
            await asyncio.wait_for(state.finished.wait(), deadline_s)
            completed = True
        except asyncio.TimeoutError:
            state.measuring = False
            completed = False
        finally:
            await _cancel(tasks)
        return state, time.perf_counter() - started, completed

    (state, elapsed, completed), name = _run(drive)
    errors = dict(state.errors)
    return CountStats(name, elapsed, state.done, completed, state.non_2xx, sum(errors.values()), errors)


# ------------------------------------------------------------------ wrk


def wrk_path() -> str | None:
    return shutil.which("wrk")


def wrk_version(wrk: str) -> str:
    # `wrk -v` prints "wrk 4.1.0 [epoll] ..." and exits non-zero; the first two words are enough.
    out = subprocess.run([wrk, "-v"], capture_output=True, text=True, timeout=10).stdout
    return " ".join(out.split()[:2]) or "wrk"


def _lua_string(data: bytes) -> str:
    # Decimal escapes for anything but plain printable ASCII: always valid Lua, whatever the body holds.
    return '"' + "".join(chr(b) if 32 <= b < 127 and b not in b'"\\' else f"\\{b:03d}" for b in data) + '"'


def wrk_script(scenario: Scenario) -> str:
    lines = [f"wrk.method = {_lua_string(scenario.method.encode())}"]
    if scenario.body:
        lines.append(f"wrk.body = {_lua_string(scenario.body)}")
    for name, value in scenario.headers:
        lines.append(f"wrk.headers[{_lua_string(name.encode())}] = {_lua_string(value.encode())}")
    # done() prints one machine-readable line, so nothing depends on wrk's human-readable units.
    lines.append(
        """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%.0f duration_us=%.0f connect=%.0f read=%.0f write=%.0f status=%.0f timeout=%.0f " ..
    "p50_us=%.1f p99_us=%.1f max_us=%.1f\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""
    )
    return "\n".join(lines)


def _wrk_once(wrk: str, script: Path, url: str, connections: int, seconds: int, latency: bool) -> str:
    command = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script)]
    if latency:
        command.append("--latency")
    proc = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 30)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout


def wrk_timed(
    wrk: str, target: Target, scenario: Scenario, connections: int, duration_s: float, warmup_s: float
) -> RunStats:
    """A separate wrk warm-up run (discarded), then the measured one. wrk only takes whole seconds."""
    url = target.url + scenario.path
    with tempfile.TemporaryDirectory(prefix="venice-bench-wrk-") as tmp:
        script = Path(tmp, f"{scenario.name}.lua")
        script.write_text(wrk_script(scenario))
        if warmup_s > 0:
            _wrk_once(wrk, script, url, connections, max(1, round(warmup_s)), latency=False)
        cpu = _children_cpu()  # wrk's CPU time is added here once it has been waited for
        out = _wrk_once(wrk, script, url, connections, max(1, round(duration_s)), latency=True)
        client_cpu = _children_cpu() - cpu
    match = re.search(r"^BENCH (.*)$", out, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no summary line in wrk's output:\n{out}")
    v = {key: float(value) for key, value in (pair.split("=") for pair in match.group(1).split())}
    kinds = {k: int(v[k]) for k in ("connect", "read", "write", "timeout") if v[k]}
    requests = int(v["requests"])
    return RunStats(
        generator=wrk_version(wrk),
        elapsed_s=v["duration_us"] / 1e6,
        requests=requests,
        p50_ms=v["p50_us"] / 1e3 if requests else None,
        p99_ms=v["p99_us"] / 1e3 if requests else None,
        max_ms=v["max_us"] / 1e3 if requests else None,
        non_2xx=int(v["status"]),
        errors=sum(kinds.values()),
        error_kinds=kinds,
        client_cpu_s=client_cpu,
    )
