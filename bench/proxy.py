"""Proxy and replay benchmark: what --proxy adds to a request, and replay vs synthesis.

In one run, side by side, on loopback: an upstream mock, a plain `--proxy` mock in front of it,
a recording one (`--proxy --record`), and a `--replay` mock over what was recorded. Prints p50/p99
latency of /models and a chat completion direct vs through each proxy (and the difference: what
proxying adds, and what recording adds on top: a cassette file written per exchange), time to the
first stream event, and sequential requests per second of replayed vs synthesized answers.
Bounded by --count; numbers depend on the machine.

    python bench/proxy.py [--count 400] [--checkout]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import server

CHAT: dict[str, object] = {
    "model": "venice-uncensored",
    "messages": [{"role": "user", "content": "Tell me about Venice"}],
}
HEADERS = {"Authorization": "Bearer bench", "Content-Type": "application/json"}


def _timed(
    targets: tuple[server.Target, ...], method: str, path: str, body: dict[str, object] | None, count: int
) -> list[list[float]]:
    """Seconds per request for each target, alternating between them request by request (so
    both see the same machine load), sequential on one keep-alive connection each."""
    payload = json.dumps(body).encode() if body is not None else None
    conns = [http.client.HTTPConnection(t.host, t.port, timeout=30) for t in targets]
    times: list[list[float]] = [[] for _ in targets]
    try:
        for _ in range(count):
            for target, conn, spent in zip(targets, conns, times, strict=True):
                started = time.perf_counter()
                conn.request(method, target.base_path + path, body=payload, headers=HEADERS)
                response = conn.getresponse()
                response.read()
                spent.append(time.perf_counter() - started)
                if response.status != 200:
                    raise RuntimeError(f"{method} {path} answered {response.status}")
    finally:
        for conn in conns:
            conn.close()
    return times


def _first_event(targets: tuple[server.Target, ...], count: int) -> list[list[float]]:
    """Seconds from sending a streaming chat request to its first `data:` line, per target
    (alternating, a new connection each)."""
    payload = json.dumps({**CHAT, "stream": True}).encode()
    times: list[list[float]] = [[] for _ in targets]
    for _ in range(count):
        for target, spent in zip(targets, times, strict=True):
            conn = http.client.HTTPConnection(target.host, target.port, timeout=30)
            try:
                started = time.perf_counter()
                conn.request("POST", target.base_path + "/chat/completions", body=payload, headers=HEADERS)
                response = conn.getresponse()
                while not response.readline().startswith(b"data:"):
                    pass
                spent.append(time.perf_counter() - started)
                response.read()
            finally:
                conn.close()
    return times


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _row(label: str, direct: list[float], proxied: list[float], recording: list[float]) -> str:
    p50d, p50p, p50r = _ms(direct, 0.5), _ms(proxied, 0.5), _ms(recording, 0.5)
    return (
        f"  {label:<19} {p50d:8.3f} {p50p:9.3f} {p50p - p50d:+7.3f} {p50r:9.3f} {p50r - p50d:+7.3f}"
        f"   {_ms(direct, 0.99):8.3f} {_ms(proxied, 0.99):9.3f} {_ms(recording, 0.99):9.3f}"
    )


def _warm(target: server.Target) -> None:
    _timed((target,), "GET", "/models", None, 20)
    _timed((target,), "POST", "/chat/completions", CHAT, 20)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=400, help="requests per measurement (default: %(default)s)")
    p.add_argument(
        "--checkout",
        action="store_true",
        help="run `python -m mockserver` of this checkout instead of the installed venice-mock",
    )
    args = p.parse_args(argv)
    count = max(args.count, 10)
    command = [sys.executable, "-m", "mockserver"] if args.checkout else None
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="venice-cassettes-") as tapes:
        up = stack.enter_context(server.spawned([], command=command)).target
        proxy = stack.enter_context(server.spawned(["--proxy", up.url], command=command)).target
        recorder = stack.enter_context(
            server.spawned(["--proxy", up.url, "--record", tapes], command=command)
        ).target
        for target in (up, proxy, recorder):
            _warm(target)  # the recorder's warm-up writes the cassettes the replay server answers from
        _first_event((proxy, recorder), 3)
        trio = (up, proxy, recorder)
        results = {
            "models": _timed(trio, "GET", "/models", None, count),
            "chat": _timed(trio, "POST", "/chat/completions", CHAT, count),
            "stream first event": _first_event(trio, max(count // 4, 5)),
        }
        replay = stack.enter_context(server.spawned(["--replay", tapes, "--replay-strict"], command=command))
        _warm(replay.target)
        versus = (up, replay.target)
        throughput = {
            "chat": _timed(versus, "POST", "/chat/completions", CHAT, count),
            "models": _timed(versus, "GET", "/models", None, count),
        }
    print(
        f"proxy overhead on loopback, {count} sequential requests each, direct / proxied / proxied and "
        "recording, in turn (ms)"
    )
    print(
        f"  {'':<19} {'p50 dir':>8} {'p50 proxy':>9} {'added':>7} {'p50 +rec':>9} {'added':>7}"
        f"   {'p99 dir':>8} {'p99 proxy':>9} {'p99 +rec':>9}"
    )
    for label, (direct, proxied, recording) in results.items():
        print(_row(label, direct, proxied, recording))
    print(f"replay vs synthesized, {count} sequential requests each, alternating (req/s)")
    for label, (synth, replayed) in throughput.items():
        rate_s, rate_r = len(synth) / sum(synth), len(replayed) / sum(replayed)
        print(
            f"  {label:<8} synthesized {rate_s:8.0f}   replayed {rate_r:8.0f}   "
            f"replay/synth {rate_r / rate_s:5.2f}   (p50 {statistics.median(synth) * 1000:.3f} vs "
            f"{statistics.median(replayed) * 1000:.3f} ms)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
