"""The incremental SSE parser against a whole-text oracle, over generated streams.

The oracle reads the standard's rules once more, the plain way: the whole text at once, lines
split on CRLF, LF or CR, fields applied in order. Any streams, any line ends, any chunking: the
parser's events, comment count and truncation agree with it exactly.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.checks.sse import Event, EventParser, parse_events

_TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n"), max_size=12)
_FIELD = st.one_of(
    st.tuples(st.just("data"), _TEXT),
    st.tuples(st.just("event"), _TEXT),
    st.tuples(st.just("id"), st.one_of(_TEXT, st.just("a\x00b"))),
    st.tuples(st.just("retry"), st.one_of(st.integers(0, 10**6).map(str), st.just("12x"), st.just(""))),
    st.tuples(st.sampled_from(["", "x", "data ", "Data"]), _TEXT),  # unknown names, a bare colon
)
_LINE = st.one_of(
    _FIELD.map(lambda f: f"{f[0]}:{f[1]}"),
    _FIELD.map(lambda f: f"{f[0]}: {f[1]}"),  # one leading space is dropped, only one
    _FIELD.map(lambda f: f"{f[0]}:  {f[1]}"),
    st.sampled_from(["data", "event", "id", "retry"]),  # a name without a colon: empty value
    _TEXT.map(lambda t: ":" + t),  # a comment
    st.just(""),  # a blank line: dispatch
)


def oracle(text: str) -> tuple[list[Event], int, bool]:
    """(events, comments, truncated) of a whole stream, read line by line."""
    text = text.removeprefix("\ufeff")
    *lines, rest = re.split(r"\r\n|\r|\n", text)
    events: list[Event] = []
    data: list[str] = []
    kind, last_id, retry, fields, comments = "", None, None, False, 0
    for line in lines:
        if line == "":
            if data:
                events.append(Event("\n".join(data), kind, last_id, retry))
            data, kind, retry, fields = [], "", None, False
            continue
        if line[0] == ":":
            comments += 1
            continue
        fields = True
        name, colon, value = line.partition(":")
        value = value[1:] if colon and value[:1] == " " else value
        if name == "data":
            data.append(value)
        elif name == "event":
            kind = value
        elif name == "id" and "\x00" not in value:
            last_id = value
        elif name == "retry" and value.isdigit():
            retry = int(value)
    return events, comments, fields or bool(rest)


@st.composite
def streams(draw: st.DrawFn) -> tuple[bytes, list[int]]:
    lines = draw(st.lists(_LINE, max_size=14))
    ends = draw(st.lists(st.sampled_from(["\n", "\r", "\r\n"]), min_size=len(lines), max_size=len(lines)))
    text = "".join(line + end for line, end in zip(lines, ends, strict=True))
    text = (
        draw(st.sampled_from(["", "\ufeff"])) + text + draw(st.sampled_from(["", "data: cut", ": c", "\r"]))
    )
    body = text.encode()
    cuts = sorted(draw(st.lists(st.integers(0, len(body)), max_size=6)))
    return body, cuts


@settings(max_examples=400, deadline=None)
@given(streams())
def test_any_stream_in_any_chunks_parses_as_the_oracle_reads_it(stream: tuple[bytes, list[int]]) -> None:
    body, cuts = stream
    parser = EventParser()
    events: list[Event] = []
    for start, end in zip([0, *cuts], [*cuts, len(body)], strict=True):
        events += parser.feed(body[start:end])
    truncated = parser.truncated
    events += parser.close()
    expected, comments, cut = oracle(body.decode())
    assert events == expected
    assert parser.comments == comments
    # A lone CR at the end is a whole line end only at close: before it, the parser must wait.
    assert truncated == (cut or body.endswith(b"\r"))
    assert parse_events(body) == expected


def test_a_bom_is_dropped_only_at_the_very_start() -> None:
    assert parse_events("\ufeffdata: a\n\n".encode()) == [Event("a")]
    later = parse_events("data: a\n\n\ufeffdata: b\n\n".encode())
    assert later == [Event("a")]  # "\ufeffdata" is an unknown field name, not data
    parser = EventParser()
    assert parser.feed(b"") == []
    assert parser.feed("\ufeffdata: x\n\n".encode()) == [Event("x")]  # an empty first chunk starts nothing


def test_a_crlf_cut_between_chunks_is_one_line_end_and_waits_for_its_second_half() -> None:
    parser = EventParser()
    assert parser.feed(b"data: a\r") == []
    assert parser.truncated
    assert parser.feed(b"\n\r") == []
    assert parser.feed(b"\n") == [Event("a")]
    assert not parser.truncated


def test_a_bom_at_the_start_of_a_later_chunk_is_text() -> None:
    parser = EventParser()
    assert parser.feed("\ufeffdata: a\n\n".encode()) == [Event("a")]
    assert parser.feed("\ufeffdata: b\n\n".encode()) == []  # the field is "\ufeffdata": unknown
    assert parser.feed(b"data: c\n\n") == [Event("c")]


def test_bytes_that_are_not_utf8_become_replacement_characters_not_an_exception() -> None:
    assert parse_events(b"data: a\xff\xfeb\n\n") == [Event("a\ufffd\ufffdb")]
    parser = EventParser()
    assert parser.feed(b"data: \xe2\x82") == []  # half a character waits for the rest
    assert parser.feed(b"\xac\n\n") == [Event("\u20ac")]
