"""Server-sent events: framing (`data: <json>\\n\\n` ... `data: [DONE]\\n\\n`) and pacing.

Frames are produced lazily, one at a time, so the first byte leaves before the last event is
built, and a client that goes away stops the generator (the ASGI edge cancels it).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

from mockserver.exceptions import SelectionError
from mockserver.rendering import dump_json
from mockserver.settings import Settings
from mockserver.types import JSON, Incoming

DONE = b"data: [DONE]\n\n"


@dataclass(frozen=True, slots=True)
class Pacing:
    ttft: float = 0.0  # seconds before the first event (time to first token)
    delay: float = 0.0  # seconds between events


# ASCII digits, at most 12 before the point: `\d` would admit "٣", and the values are bounded anyway.
_PACE_TOKEN = re.compile(r"(ttft|delay)\s*=\s*([0-9]{1,12}(?:\.[0-9]{1,12})?)\s*(ms|s)?")


def pacing(settings: Settings, incoming: Incoming) -> Pacing:
    """The settings' pacing, overridden per request by `X-Mock-Pace: ttft=200ms, delay=20ms`.
    A malformed header is a SelectionError (a 400 naming it), not silently ignored."""
    ttft, delay = settings.stream_ttft_ms / 1000, settings.stream_delay_ms / 1000
    header = incoming.header("x-mock-pace")
    tokens = [t.strip() for t in header.split(",") if t.strip()] if header else []
    for token in tokens:
        matched = _PACE_TOKEN.fullmatch(token)
        if matched is None:
            raise SelectionError(
                f"X-Mock-Pace: {token[:40]!r} is not 'ttft=N[ms|s]' or 'delay=N[ms|s]' "
                "(e.g. 'X-Mock-Pace: ttft=200ms, delay=20ms')"
            )
        name, number, unit = matched.groups()
        seconds = float(number) / (1 if unit == "s" else 1000)
        if name == "ttft":
            ttft = seconds
        else:
            delay = seconds
    return Pacing(min(ttft, 60.0), min(delay, 10.0))  # bounded: a typo must not hang a test run


def frame(event: JSON) -> bytes:
    return b"data: " + dump_json(event) + b"\n\n"


async def sse(events: Iterable[JSON], pace: Pacing, done: bool = True) -> AsyncIterator[bytes]:
    """Frames for `events`, paced; `[DONE]` last (as OpenAI-compatible clients expect)."""
    first = True
    for event in events:
        wait = pace.ttft if first else pace.delay
        if wait > 0:
            await asyncio.sleep(wait)
        else:
            await asyncio.sleep(0)  # yield to the loop so a disconnect is noticed between events
        first = False
        yield frame(event)
    if done:
        yield DONE
