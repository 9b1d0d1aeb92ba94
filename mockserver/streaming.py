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
    """Frames for `events`, paced; `[DONE]` last (as OpenAI-compatible clients expect).

    Paced on a schedule: event k is due `ttft + k * delay` after the stream began, so the time
    spent building and sending events is not added to every gap (with thousands of streams on
    one loop, a sleep of `delay` after each send would stretch every gap by the loop's lag). A
    stream that fell more than one delay behind restarts its schedule instead of bursting."""
    if not (pace.ttft or pace.delay):  # unpaced (the default): no clock to read per event
        for event in events:
            await asyncio.sleep(0)  # yield to the loop so a disconnect is noticed between events
            yield frame(event)
        if done:
            yield DONE
        return
    loop = asyncio.get_running_loop()
    due = loop.time()
    first = True
    for event in events:
        due += pace.ttft if first else pace.delay
        late = loop.time() - due
        if late < 0:
            await asyncio.sleep(-late)
        else:
            await asyncio.sleep(0)
            if late > pace.delay:
                due = loop.time()
        first = False
        yield frame(event)
    if done:
        yield DONE
