"""Server-sent events: framing (`data: <json>\\n\\n` ... `data: [DONE]\\n\\n`) and pacing.

Frames are produced lazily, one at a time, so the first byte leaves before the last event is
built, and a client that goes away stops the generator (the ASGI edge cancels it).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable

from mockserver.controls import Pacing
from mockserver.rendering import dump_json
from mockserver.types import JSON

DONE = b"data: [DONE]\n\n"


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
