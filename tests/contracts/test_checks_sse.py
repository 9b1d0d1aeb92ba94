"""text/event-stream framing: events are whole however the bytes are cut."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from contracts.checks.sse import Event, EventParser, parse_events

STREAM = (
    b'data: {"a": 1}\n\n: comment\n\nevent: note\nid: 7\nretry: 10\ndata: one\ndata: two\n\ndata: [DONE]\n\n'
)
EXPECTED = [Event('{"a": 1}'), Event("one\ntwo", "note", "7", 10), Event("[DONE]", "", "7")]


def test_a_recorded_stream_parses_into_its_events() -> None:
    assert parse_events(STREAM) == EXPECTED


@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=12))
def test_events_do_not_depend_on_where_the_bytes_are_cut(cuts: list[int]) -> None:
    parser = EventParser()
    events: list[Event] = []
    start = 0
    for cut in sorted(cuts):
        events += parser.feed(STREAM[start:cut])
        start = cut
    events += parser.feed(STREAM[start:]) + parser.close()
    assert events == EXPECTED


def test_crlf_and_cr_line_ends_and_a_bom() -> None:
    assert parse_events(b"\xef\xbb\xbfdata: x\r\n\r\ndata: y\r\rdata:z\n\n") == [
        Event("x"),
        Event("y"),
        Event("z"),
    ]


def test_a_crlf_split_between_chunks_is_one_line_end() -> None:
    parser = EventParser()
    assert parser.feed(b"data: x\r") == []
    assert parser.feed(b"\n\r\n") == [Event("x")]


def test_an_event_without_its_blank_line_is_not_dispatched_and_is_reported_as_truncated() -> None:
    parser = EventParser()
    assert parser.feed(b"data: [DONE]\n\ndata: partial") == [Event("[DONE]")]
    assert parser.truncated
    assert parser.close() == []


def test_comments_are_counted_but_are_not_events() -> None:
    parser = EventParser()
    assert parser.feed(b": ping\n\n: ping\n\n") == []
    assert parser.comments == 2
    assert not parser.truncated
