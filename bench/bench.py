"""Benchmark of the mock server: start-up time, throughput/latency per scenario, memory flatness.

Starts the real server (`venice-mock --port 0`) in a subprocess, drives it over loopback and prints
the numbers; it asserts nothing (`tox -e bench`, or `python bench/bench.py --help`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType
from typing import Any

# The sibling modules are imported as top-level ones; the script's own directory is not on sys.path
# under `python -P` / PYTHONSAFEPATH, so put it there explicitly.
sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen
import server
import streams
from scenarios import DEFAULT_SCENARIOS, MEMORY_SCENARIO, SCENARIOS, Scenario, by_name


@dataclass(frozen=True)
class ScenarioResult:
    name: str
    request: str
    stats: loadgen.RunStats
    rps: float
    server_cpu_pct: float | None
    client_cpu_pct: float | None
    rss_before_mib: float | None
    rss_after_mib: float | None


@dataclass(frozen=True)
class MemorySample:
    requests: int
    rss_mib: float | None
    elapsed_s: float


@dataclass(frozen=True)
class MemoryResult:
    scenario: str
    requested: int
    stats: loadgen.CountStats
    samples: list[MemorySample]
    growth_mib: float | None  # from the first sample after warm-up (the first tenth) to the last
    growth_pct: float | None


def options(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench.py", description=__doc__)
    p.add_argument("--duration", type=float, default=10.0, help="measured seconds per scenario (default 10)")
    p.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each (default 2)")
    p.add_argument("--connections", type=int, default=20, help="concurrent connections (default 20)")
    p.add_argument(
        "--scenarios",
        nargs="+",
        metavar="NAME",
        default=list(DEFAULT_SCENARIOS),
        choices=[s.name for s in SCENARIOS],
        help=f"default: {' '.join(DEFAULT_SCENARIOS)}",
    )
    p.add_argument(
        "--memory-requests",
        type=int,
        default=100_000,
        metavar="N",
        help=f"requests of '{MEMORY_SCENARIO.name}' in the memory run; 0 skips it (default 100000)",
    )
    p.add_argument(
        "--memory-deadline",
        type=float,
        default=300.0,
        metavar="S",
        help="stop the memory run after this many seconds (default 300)",
    )
    p.add_argument(
        "--server-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra server flag, repeatable; write --server-arg=--workers --server-arg=2 "
        "or --server-arg='--workers 2'",
    )
    p.add_argument(
        "--generator",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator: wrk -t1 if installed (auto), or the built-in Python one",
    )
    p.add_argument(
        "--base-url",
        metavar="URL",
        help="measure this running server (loopback only), e.g. http://127.0.0.1:8000/api/v1",
    )
    p.add_argument(
        "--paced-streams",
        default="50,200,500",
        metavar="N,N,...",
        help="concurrent chat streams at one chunk per 20 ms, one run per count; '' skips the stream "
        "benchmarks (default 50,200,500)",
    )
    p.add_argument("--pid", type=int, help="with --base-url: its PID, for RSS and CPU from /proc")
    p.add_argument("--startup-timeout", type=float, default=60.0, metavar="S")
    p.add_argument("--json", metavar="PATH", help="also write every number to this JSON file")
    args = p.parse_args(argv)
    if not 0 < args.duration <= 600 or not 0 <= args.warmup <= 60:
        p.error("--duration must be in (0, 600] and --warmup in [0, 60]")
    if not 1 <= args.connections <= 1000:
        p.error("--connections must be in [1, 1000]")
    if args.memory_requests < 0 or args.memory_deadline <= 0:
        p.error("--memory-requests must be >= 0 and --memory-deadline > 0")
    try:
        args.paced = [int(n) for n in args.paced_streams.split(",") if n.strip()]
    except ValueError:
        p.error("--paced-streams takes counts like 50,200,500")
    if any(not 1 <= n <= 5000 for n in args.paced):
        p.error("--paced-streams counts must be in [1, 5000]")
    if args.pid is not None and args.base_url is None:
        p.error("--pid only goes with --base-url")
    if args.base_url is not None and args.server_arg:
        p.error("--server-arg only applies to a server this script starts, not with --base-url")
    try:
        args.target = server.parse_target(args.base_url) if args.base_url else None
    except ValueError as exc:
        p.error(str(exc))
    args.wrk = loadgen.wrk_path() if args.generator != "python" else None
    if args.generator == "wrk" and args.wrk is None:
        p.error("--generator wrk: wrk is not installed")
    return args


def _num(value: float | None, spec: str = ".2f") -> str:
    return "n/a" if value is None else format(value, spec)


def _pct(cpu_s: float | None, elapsed_s: float) -> float | None:
    return None if cpu_s is None or elapsed_s <= 0 else 100 * cpu_s / elapsed_s


def run_scenario(
    args: argparse.Namespace, target: server.Target, pid: int | None, sc: Scenario
) -> ScenarioResult:
    rss_before = server.rss_mib(pid) if pid else None
    cpu_before, wall_before = (server.cpu_seconds(pid) if pid else None), time.perf_counter()
    if args.wrk:
        stats = loadgen.wrk_timed(args.wrk, target, sc, args.connections, args.duration, args.warmup)
    else:
        stats = loadgen.python_timed(target, sc, args.connections, args.duration, args.warmup)
    cpu_after = server.cpu_seconds(pid) if pid else None
    # The server's CPU over the whole call includes the warm-up; scale by that wall time, not the window.
    server_cpu = (
        _pct(cpu_after - cpu_before, time.perf_counter() - wall_before)
        if cpu_before is not None and cpu_after is not None
        else None
    )
    return ScenarioResult(
        sc.name,
        sc.label,
        stats,
        stats.rps,
        server_cpu,
        _pct(stats.client_cpu_s, stats.elapsed_s),
        rss_before,
        server.rss_mib(pid) if pid else None,
    )


def run_memory(args: argparse.Namespace, target: server.Target, pid: int) -> MemoryResult:
    total, samples = args.memory_requests, []
    every = max(1, total // 10)
    started = time.perf_counter()

    def sample(done: int) -> None:
        samples.append(MemorySample(done, server.rss_mib(pid), time.perf_counter() - started))

    sample(0)
    stats = loadgen.python_counted(
        target, MEMORY_SCENARIO, args.connections, total, every, sample, args.memory_deadline
    )
    if samples[-1].requests != stats.requests:  # total not a multiple of ten, or stopped at the deadline
        sample(stats.requests)
    # The first tenth is the warm-up: caches fill, and (from 10,000 requests on) so does the server's
    # request log, which keeps the last --log-size (1000) requests; growth is measured after it.
    first, last = (samples[1], samples[-1]) if len(samples) > 2 else (None, None)
    growth = pct = None
    if first is not None and last is not None and first.rss_mib and last.rss_mib is not None:
        growth = last.rss_mib - first.rss_mib
        pct = 100 * growth / first.rss_mib
    return MemoryResult(MEMORY_SCENARIO.name, total, stats, samples, growth, pct)


def print_startup(spawned: server.Spawned) -> None:
    s = spawned.startup
    print("\nStart-up")
    print(f"  spawn -> 'serving' line        {s.announce_s:8.3f} s")
    print(f"  spawn -> first 200 /models     {s.first_ok_s:8.3f} s")
    print(f"  RSS right after start          {_num(s.rss_mib, '8.1f')} MiB  ({s.processes} process(es))")


def print_table_head(args: argparse.Namespace) -> None:
    how = f"wrk -t1 -c{args.connections}" if args.wrk else f"python generator, {args.connections} connections"
    print(f"\nThroughput and latency ({how}, {args.duration:g} s after {args.warmup:g} s warm-up)")
    if args.wrk and (args.duration % 1 or args.warmup % 1):
        print("  (wrk runs whole seconds: durations are rounded, at least 1 s)")
    print(
        f"  {'scenario':<9} {'request':<24} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'non-2xx':>8} {'errors':>7} {'srv CPU%':>9} {'gen CPU%':>9}  generator"
    )


def print_row(r: ScenarioResult) -> None:
    s = r.stats
    server_cpu, client_cpu = _num(r.server_cpu_pct, ".0f"), _num(r.client_cpu_pct, ".0f")
    print(
        f"  {r.name:<9} {r.request:<24} {s.requests:>9} {r.rps:>9.1f} {_num(s.p50_ms):>8} "
        f"{_num(s.p99_ms):>8} {_num(s.max_ms):>8} {s.non_2xx:>8} {s.errors:>7} {server_cpu:>9} "
        f"{client_cpu:>9}  {s.generator}",
        flush=True,
    )
    if s.error_kinds:
        print(f"    errors: {s.error_kinds}")


def print_memory(m: MemoryResult) -> None:
    s = m.stats
    print(f"  {'requests':>10} {'RSS MiB':>9} {'elapsed s':>10}")
    for sample in m.samples:
        print(f"  {sample.requests:>10} {_num(sample.rss_mib, '.1f'):>9} {sample.elapsed_s:>10.1f}")
    if not s.completed:
        print(f"  stopped at the {s.elapsed_s:.0f} s deadline after {s.requests} of {m.requested} requests")
    if m.growth_mib is not None and m.growth_pct is not None:
        print(
            f"  growth after warm-up ({m.samples[1].requests} -> {m.samples[-1].requests} requests): "
            f"{m.growth_mib:+.1f} MiB ({m.growth_pct:+.1f}%)"
        )
    else:
        print("  growth: n/a (too few samples)")
    rate = s.requests / s.elapsed_s if s.elapsed_s else 0.0
    kinds = f" {s.error_kinds}" if s.error_kinds else ""
    print(f"  {rate:.1f} req/s, non-2xx {s.non_2xx}, errors {s.errors}{kinds}", flush=True)


def run_streams(args: argparse.Namespace, target: server.Target, pid: int | None) -> dict[str, Any]:
    print("\nStreams (POST /chat/completions, stream: true)")
    rate, events = streams.chunks_per_second(target)
    print(f"  one stream, no pacing          {rate:8.0f} chunks/s  ({events} events per stream, n=64)")
    p50, p99 = streams.time_to_first_byte(target)
    print(f"  time to first byte             {p50:8.2f} ms p50, {p99:.2f} ms p99  (50 streams)")
    print(
        f"  {'paced streams':>14} {'completed':>10} {'events':>9} {'gap p50 ms':>11} {'gap p99 ms':>11} "
        f"{'RSS MiB before/peak/after':>26} {'seconds':>8}"
    )
    paced = []
    for count in args.paced:
        r = streams.paced_streams(target, count, lambda: server.rss_mib(pid) if pid else None)
        paced.append(asdict(r))
        memory = (
            f"{_num(r.rss_before_mib, '.1f')}/{_num(r.rss_peak_mib, '.1f')}/{_num(r.rss_after_mib, '.1f')}"
        )
        print(
            f"  {r.streams:>14} {r.completed:>10} {r.events:>9} {r.gap_p50_ms:>11.1f} {r.gap_p99_ms:>11.1f} "
            f"{memory:>26} {r.seconds:>8.1f}",
            flush=True,
        )
    return {
        "chunks_per_s": rate,
        "events_per_stream": events,
        "ttfb_p50_ms": p50,
        "ttfb_p99_ms": p99,
        "paced": paced,
    }


def _sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the `finally` that stops the server


@contextmanager
def _server(args: argparse.Namespace) -> Iterator[tuple[server.Target, int | None, server.Spawned | None]]:
    if args.target is not None:
        if not server.answers(args.target):
            raise RuntimeError(f"nothing answers GET {args.target.url}/models with 200")
        yield args.target, args.pid, None
        return
    with server.spawned(server.split_server_args(args.server_arg), args.startup_timeout) as spawned:
        yield spawned.target, spawned.proc.pid, spawned


def main(argv: Sequence[str] | None = None) -> int:
    args = options(argv)
    signal.signal(signal.SIGTERM, _sigterm)
    report: dict[str, Any] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "connections": args.connections,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "generator": args.generator,
    }
    began = time.perf_counter()
    with ExitStack() as stack:
        target, pid, spawned = stack.enter_context(_server(args))
        origin = " ".join(spawned.command) if spawned else "already running" + (f", pid {pid}" if pid else "")
        print(f"venice-mock benchmark: {target.url}  ({origin})")
        print(f"python {report['python']}, {report['cpus']} CPUs")
        report["target"] = target.url
        if spawned is not None:
            report["server_command"] = list(spawned.command)
            report["startup"] = asdict(spawned.startup)
            print_startup(spawned)
        elif pid is None:
            print("\nStart-up: skipped (not started here); RSS and CPU: n/a without --pid")

        print_table_head(args)
        results = []
        for name in args.scenarios:
            results.append(run_scenario(args, target, pid, by_name(name)))
            print_row(results[-1])  # row by row: a long run shows progress
        report["scenarios"] = [asdict(r) for r in results]

        if args.paced_streams:
            report["streams"] = run_streams(args, target, pid)

        if args.memory_requests and pid is not None:
            print(
                f"\nMemory flatness: {args.memory_requests} x {MEMORY_SCENARIO.label} "
                f"(python generator, {args.connections} connections), RSS every "
                f"{max(1, args.memory_requests // 10)} requests"
            )
            memory = run_memory(args, target, pid)
            print_memory(memory)
            report["memory"] = asdict(memory)
        elif args.memory_requests:
            print("\nMemory flatness: skipped (needs the server's PID: --pid)")
    report["total_s"] = time.perf_counter() - began
    print(f"\ntotal {report['total_s']:.1f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted; the server was stopped", file=sys.stderr)
        sys.exit(130)
    except RuntimeError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        sys.exit(1)
