"""Stream pacing (X-Mock-Pace) on a clock the test controls: events leave on their schedule
(ttft, then one per delay), time the consumer spends sending an event is not added to every gap,
a stream far behind restarts its schedule rather than bursting, and an unpaced stream still
yields to the loop between events."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mockserver import streaming
from mockserver.controls import Pacing
from mockserver.streaming import DONE, frame

EVENTS = [{"n": i} for i in range(4)]


class Clock:
    """Stands in for the asyncio module inside streaming: its loop's time, and sleeps that pass
    instantly but move the time on."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def get_running_loop(self) -> Clock:
        return self

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def played(
    monkeypatch: pytest.MonkeyPatch, pace: Pacing, work: float
) -> tuple[list[float], list[bytes], Clock]:
    """When each frame left (seconds after the stream began) when sending one takes `work`."""
    clock = Clock()
    monkeypatch.setattr(streaming, "asyncio", clock)

    async def consume() -> tuple[list[float], list[bytes]]:
        times, frames = [], []
        async for chunk in streaming.sse(EVENTS, pace):
            times.append(round(clock.now - 100.0, 6))
            frames.append(chunk)
            clock.now += work
        return times, frames

    times, frames = asyncio.run(consume())
    return times, frames, clock


def test_events_leave_on_their_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    times, frames, _ = played(monkeypatch, Pacing(ttft=0.05, delay=0.02), work=0.0)
    assert times == pytest.approx([0.05, 0.07, 0.09, 0.11, 0.11])
    assert frames == [*(frame(e) for e in EVENTS), DONE]


def test_time_spent_sending_is_not_added_to_every_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    # A sleep of `delay` after each send would give 0.05, 0.085, 0.12, 0.155.
    times, _, clock = played(monkeypatch, Pacing(ttft=0.05, delay=0.02), work=0.015)
    assert times[:4] == pytest.approx([0.05, 0.07, 0.09, 0.11])
    assert clock.sleeps == pytest.approx([0.05, 0.005, 0.005, 0.005])


def test_a_stream_far_behind_restarts_its_schedule_instead_of_bursting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each send takes 50 ms against a 20 ms pace: the events go out as fast as they can be sent,
    # never closer together than that (no catching up on the lost time).
    times, _, _ = played(monkeypatch, Pacing(ttft=0.05, delay=0.02), work=0.05)
    assert times[:4] == pytest.approx([0.05, 0.10, 0.15, 0.20])


def test_an_unpaced_stream_yields_to_the_loop_between_events(monkeypatch: pytest.MonkeyPatch) -> None:
    times, frames, clock = played(monkeypatch, Pacing(), work=0.0)
    assert times == [0.0] * 5
    assert clock.sleeps == [0] * 4
    assert frames[-1] == DONE


def test_a_real_paced_stream_is_never_early() -> None:
    """On the real loop: event k never leaves before ttft + k * delay (sleeps only overshoot)."""

    async def consume() -> list[float]:
        loop = asyncio.get_running_loop()
        began = loop.time()
        out: list[float] = []
        async for _ in streaming.sse(EVENTS, Pacing(ttft=0.02, delay=0.01)):
            out.append(loop.time() - began)
        return out

    times: list[Any] = asyncio.run(consume())
    assert all(t >= 0.02 + 0.01 * k - 1e-3 for k, t in enumerate(times[:4]))
