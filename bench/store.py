"""Benchmark of the state stores: chat req/s with the memory, SQLite and Redis stores, with one
and with two mock processes, side by side in one bounded run.

Every chat call reads and writes the store (the key check, the rate-limit windows, billing), so
this measures what a store costs per request. Two processes are two `venice-mock`s on their own
ports sharing the store (as two machines behind a load balancer would; with `memory://` each has
its own state, the baseline), each driven by its own load generator thread. A redis-server is
started on a free loopback port unless `--redis URL` names one. Prints numbers, asserts nothing:
`python bench/store.py --help`.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen
import server
from scenarios import CHAT


@contextmanager
def redis_server(given: str | None) -> Iterator[str]:
    """The Redis URL to use: `given`, or a throwaway redis-server's (persistence off)."""
    if given:
        yield given
        return
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit(
            "store.py: redis-server is not installed (apt-get install redis-server) and no --redis"
        )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="venice-bench-redis-") as tmp:
        command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        proc = subprocess.Popen(
            [*command, "--dir", tmp], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.02)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            proc.wait(10)


def drive(targets: Sequence[server.Target], connections: int, duration: float, warmup: float) -> float:
    """req/s summed over the targets, each driven at once by a load generator thread of its own."""
    results: list[loadgen.RunStats] = []

    def one(target: server.Target) -> None:
        results.append(loadgen.python_timed(target, CHAT, connections, duration, warmup))

    threads = [threading.Thread(target=one, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = sum(r.non_2xx + r.errors for r in results)
    if failed:
        print(f"  warning: {failed} non-2xx answers or errors", file=sys.stderr)
    return sum(r.rps for r in results)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=float, default=3.0, help="seconds measured per cell (default 3)")
    p.add_argument("--warmup", type=float, default=0.5, help="seconds of warm-up per cell (default 0.5)")
    p.add_argument("--connections", type=int, default=8, help="keep-alive connections per process")
    p.add_argument("--redis", metavar="URL", help="an existing Redis (default: start a redis-server)")
    p.add_argument("--stores", default="memory,sqlite,redis", help="comma-separated (default: all three)")
    args = p.parse_args(argv)
    stores = args.stores.split(",")
    rows: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="venice-bench-state-") as tmp, ExitStack() as outer:
        redis_url = outer.enter_context(redis_server(args.redis)) if "redis" in stores else ""
        for store in stores:
            rows[store] = []
            for processes in (1, 2):
                run = uuid.uuid4().hex[:8]
                url = {
                    "memory": "memory://",
                    "sqlite": f"sqlite://{tmp}/state-{run}.db",
                    "redis": f"{redis_url}{'&' if '?' in redis_url else '?'}prefix=bench-{run}",
                }[store]
                with ExitStack() as stack:
                    spawned = [
                        stack.enter_context(server.spawned(["--state", url])) for _ in range(processes)
                    ]
                    rps = drive([s.target for s in spawned], args.connections, args.duration, args.warmup)
                rows[store].append(rps)
                print(f"  {store:<7} {processes} process{'es' if processes > 1 else ''}: {rps:8.0f} req/s")
    print()
    print("chat req/s (POST /chat/completions)   1 process   2 processes")
    for store, (one, two) in rows.items():
        print(f"{store:<37} {one:9.0f}   {two:11.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
