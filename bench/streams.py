"""Streaming benchmarks: SSE chunks per second of one stream, time to first byte, and how many
paced streams one worker holds at once with flat memory.

Raw asyncio sockets (HTTP/1.1, chunked transfer) so the client stays cheap; loopback only (the
caller's Target was checked). Every run is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import server

STREAM_PATH = "/chat/completions"


def _request(target: server.Target, body: dict[str, object], pace: str = "") -> bytes:
    payload = json.dumps(body, separators=(",", ":")).encode()
    lines = [
        f"POST {target.base_path}{STREAM_PATH} HTTP/1.1",
        f"Host: {target.host}:{target.port}",
        "Authorization: Bearer bench",
        "Content-Type: application/json",
        f"Content-Length: {len(payload)}",
        "Connection: close",
    ]
    if pace:
        lines.append(f"X-Mock-Pace: {pace}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


def _chat(n: int) -> dict[str, object]:
    return {
        "model": "venice-uncensored",
        "stream": True,
        "n": n,
        "messages": [{"role": "user", "content": "Tell me about the canals of Venice"}],
    }


@dataclass(frozen=True)
class StreamRun:
    events: int  # data: lines, [DONE] included
    first_byte_s: float  # request sent -> first byte of the response
    first_event_s: float  # request sent -> first `data:` line
    total_s: float  # request sent -> end of the stream
    gaps: tuple[float, ...]  # seconds between consecutive events


async def one_stream(
    target: server.Target, body: dict[str, object], pace: str = "", limit_s: float = 60.0
) -> StreamRun:
    """Send one streaming request and read it to the end, timing bytes and events."""
    reader, writer = await asyncio.open_connection(target.host, target.port)
    started = time.perf_counter()
    writer.write(_request(target, body, pace))
    await writer.drain()
    first_byte = first_event = None
    events = 0
    last = None
    gaps: list[float] = []
    buffer = b""
    deadline = started + limit_s
    try:
        while time.perf_counter() < deadline:
            data = await asyncio.wait_for(
                reader.read(65536), timeout=max(deadline - time.perf_counter(), 0.01)
            )
            if not data:
                break
            now = time.perf_counter()
            first_byte = first_byte if first_byte is not None else now
            buffer += data
            found = buffer.count(b"data: ")
            if found:
                if first_event is None:
                    first_event = now
                if last is not None:
                    gaps.extend([(now - last) / found] * found)
                last = now
                events += found
                buffer = buffer[buffer.rfind(b"data: ") + 6 :]
    finally:
        writer.close()
    end = time.perf_counter()
    return StreamRun(
        events, (first_byte or end) - started, (first_event or end) - started, end - started, tuple(gaps)
    )


def chunks_per_second(target: server.Target, repeats: int = 5) -> tuple[float, int]:
    """(median chunks/s, events per stream) for one unpaced stream of many chunks (n=64 choices)."""

    async def run() -> list[StreamRun]:
        return [await one_stream(target, _chat(64)) for _ in range(repeats)]

    runs = asyncio.run(run())
    return statistics.median(r.events / r.total_s for r in runs), runs[0].events


def time_to_first_byte(target: server.Target, samples: int = 50) -> tuple[float, float]:
    """(median, p99) milliseconds from sending a streaming request to the first byte back."""

    async def run() -> list[float]:
        return [(await one_stream(target, _chat(1))).first_byte_s * 1000 for _ in range(samples)]

    values = sorted(asyncio.run(run()))
    return statistics.median(values), values[min(len(values) - 1, int(len(values) * 0.99))]


@dataclass(frozen=True)
class PacedResult:
    streams: int
    completed: int
    events: int
    gap_p50_ms: float
    gap_p99_ms: float
    rss_before_mib: float | None
    rss_peak_mib: float | None
    rss_after_mib: float | None
    seconds: float


def paced_streams(
    target: server.Target, count: int, rss: Callable[[], float | None], delay_ms: int = 20, n: int = 8
) -> PacedResult:
    """`count` concurrent streams at one chunk per `delay_ms`, sampling the server's RSS."""

    async def run() -> tuple[list[StreamRun | BaseException], float | None]:
        peak = rss()

        async def sample() -> None:
            nonlocal peak
            while True:
                await asyncio.sleep(0.5)
                value = rss()
                if value is not None and (peak is None or value > peak):
                    peak = value

        sampler = asyncio.ensure_future(sample())
        tasks = [one_stream(target, _chat(n), pace=f"delay={delay_ms}ms", limit_s=120) for _ in range(count)]
        results = await asyncio.gather(*tasks, return_exceptions=True)
        sampler.cancel()
        return results, peak

    before = rss()
    began = time.perf_counter()
    results, peak = asyncio.run(run())
    runs = [r for r in results if isinstance(r, StreamRun)]
    gaps = sorted(g * 1000 for r in runs for g in r.gaps)
    p50 = statistics.median(gaps) if gaps else float("nan")
    p99 = gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))] if gaps else float("nan")
    return PacedResult(
        count,
        sum(1 for r in runs if r.events > 1),
        sum(r.events for r in runs),
        p50,
        p99,
        before,
        peak,
        rss(),
        time.perf_counter() - began,
    )
