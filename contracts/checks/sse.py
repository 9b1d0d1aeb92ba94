"""text/event-stream framing, parsed incrementally (WHATWG HTML, "server-sent events").

Bytes arrive in arbitrary pieces; `EventParser.feed` returns the events completed so far, so a
checker can judge each event as soon as it is whole. Only framing lives here, no JSON.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Event:
    data: str
    event: str = ""  # "" means the default type, "message"
    id: str | None = None
    retry: int | None = None


class EventParser:
    """Bytes in, events out. Lines end in CRLF, LF or CR; a blank line dispatches the event."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""  # text after the last complete line
        self._started = False
        self._data: list[str] = []
        self._event = ""
        self._id: str | None = None
        self._retry: int | None = None
        self._fields = False  # a field line was seen since the last dispatch
        self.comments = 0

    def feed(self, chunk: bytes) -> list[Event]:
        return self._lines(self._decoder.decode(chunk))

    def close(self) -> list[Event]:
        """End of stream. Per the standard an event without its blank line is dropped; whether
        one was pending is told by `truncated` (read it before calling close)."""
        return self._lines(self._decoder.decode(b"", final=True), final=True)

    @property
    def truncated(self) -> bool:
        """The stream so far ends inside an event (fields read, blank line not yet)."""
        return self._fields or bool(self._pending)

    def _lines(self, text: str, final: bool = False) -> list[Event]:
        if not self._started and text:
            text = text.removeprefix("\ufeff")
            self._started = True
        text = self._pending + text
        events: list[Event] = []
        start = 0
        while True:
            cut = _line_end(text, start)
            if cut is None:
                break
            end, after = cut
            if after <= start:  # a line end must move on: never spin on the same text
                raise RuntimeError(f"SSE line splitting made no progress at {start}")
            if not final and end == len(text) - 1 and text[end] == "\r":
                break  # a CR at the very end may be the first half of CRLF: wait for more
            event = self._line(text[start:end])
            if event is not None:
                events.append(event)
            start = after
        self._pending = text[start:]
        return events

    def _line(self, line: str) -> Event | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            self.comments += 1
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        self._fields = True
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\x00" not in value:
            self._id = value
        elif name == "retry" and value.isdigit():
            self._retry = int(value)
        return None

    def _dispatch(self) -> Event | None:
        self._fields = False
        if not self._data:
            self._event, self._retry = "", None
            return None
        event = Event("\n".join(self._data), self._event, self._id, self._retry)
        self._data, self._event, self._retry = [], "", None
        return event


def _line_end(text: str, start: int) -> tuple[int, int] | None:
    """(index of the line break, index after it) for the next line at or after `start`."""
    lf = text.find("\n", start)
    cr = text.find("\r", start, lf if lf >= 0 else len(text))
    if cr >= 0:
        return cr, cr + 2 if text.startswith("\r\n", cr) else cr + 1
    if lf >= 0:
        return lf, lf + 1
    return None


def parse_events(body: bytes) -> list[Event]:
    """All complete events of a recorded stream."""
    parser = EventParser()
    return parser.feed(body) + parser.close()
