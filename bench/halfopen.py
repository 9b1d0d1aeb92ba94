"""Half-open connections and large uploads against a real server: what the head timeout frees.

Opens N connections that send part of a request head and stop, then times a normal request
while they hang, and counts how many the server has closed after its --header-timeout. Then
uploads a large body several times and prints the server's RSS before and after. It asserts
nothing: `python bench/halfopen.py --connections 3000`.
"""

from __future__ import annotations

import argparse
import resource
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
import server


def _closed(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        sock.recv(65536)  # a 408 answer, or b"" at close: either way the server let go
    except BlockingIOError:
        return False  # nothing yet: still held open
    except OSError:
        pass
    return True


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--connections", type=int, default=3000)
    p.add_argument("--header-timeout", type=float, default=2.0)
    p.add_argument("--upload-mib", type=int, default=24)
    p.add_argument("--uploads", type=int, default=8)
    args = p.parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, args.connections + 256)), hard))
    with server.spawned(["--header-timeout", str(args.header_timeout)]) as spawned:
        target = spawned.target
        rss_start = server.rss_mib(spawned.proc.pid)
        socks = []
        for _ in range(args.connections):
            s = socket.create_connection((target.host, target.port))
            s.sendall(b"GET /api/v1/models HTTP/1.1\r\nHost: x\r\n")  # no blank line: the head never ends
            socks.append(s)
        started = time.perf_counter()
        ok = httpx.get(f"{target.url}/models", timeout=30)
        normal_ms = (time.perf_counter() - started) * 1000
        rss_open = server.rss_mib(spawned.proc.pid)
        time.sleep(args.header_timeout + 1.5)
        closed = sum(_closed(s) for s in socks)
        for s in socks:
            s.close()
        print(f"half-open connections           {args.connections}")
        print(f"a normal GET /models meanwhile  {ok.status_code} in {normal_ms:.1f} ms")
        print(f"closed by the server after {args.header_timeout + 1.5:g} s  {closed}")
        print(f"RSS MiB: at start {rss_start:.1f}, with them open {rss_open:.1f}")
        body = b'{"model": "text-embedding-bge-m3", "input": "' + b"a" * (args.upload_mib << 20) + b'"}'
        rss_before = server.rss_mib(spawned.proc.pid)
        statuses, trail = [], []
        with httpx.Client(timeout=120) as client:
            for _ in range(args.uploads):
                answer = client.post(
                    f"{target.url}/embeddings",
                    content=body,
                    headers={"Content-Type": "application/json", "Authorization": "Bearer k"},
                )
                statuses.append(answer.status_code)
                trail.append(f"{server.rss_mib(spawned.proc.pid):.0f}")
        rss_after = server.rss_mib(spawned.proc.pid)
        print(
            f"{args.uploads} uploads of {args.upload_mib} MiB: statuses {sorted(set(statuses))}, "
            f"RSS MiB {rss_before:.1f} -> {rss_after:.1f} (after each: {' '.join(trail)})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
