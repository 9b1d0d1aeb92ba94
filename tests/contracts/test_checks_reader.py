"""The bounded body reader, every answer compared as a whole `Body` (content, sizes, events, cut,
elapsed, whole failures): bodies at and just over the size bound, slow bodies at and over the
time bound on a fake clock, timeouts and broken connections mid-body, lying or truncated codings,
and event streams whose last event is only dispatched at the end."""

from __future__ import annotations

import gzip
import random
import zlib
from collections.abc import Callable, Iterator

import brotli
import httpx

from contracts.checks.encoding import Decoder
from contracts.checks.reader import BOUNDED, COMPLETE, Body, Limits, read_body
from contracts.checks.streams import StreamChecker
from contracts.failures import Failure
from tests.contracts.streams import events, text_stream
from tests.contracts.test_checks_encoding import answer

JSON = {"content-type": "application/json"}
SSE = {"content-type": "text/event-stream"}
BODY = b'{"hello": "world", "n": [1, 2, 3]}' * 20
N = len(BODY)


def clock(*times: float) -> Callable[[], float]:
    """A fake monotonic clock: the given readings in turn, then the last one for ever."""
    readings = iter(times)
    last = [times[0]]

    def now() -> float:
        last[0] = next(readings, last[0])
        return last[0]

    return now


def pieces(*chunks: bytes, then: Exception | None = None) -> Iterator[bytes]:
    yield from chunks
    if then is not None:
        raise then


def too_large(bound: int, received: str) -> Failure:
    return Failure(BOUNDED, f"the answer exceeds {bound} bytes", f"at most {bound} bytes", received, "size")


def too_slow(seconds: str, received: str) -> Failure:
    title = f"the answer did not end within {seconds} s"
    return Failure(BOUNDED, title, f"a complete answer within {seconds} s", received, "time")


def test_the_default_bounds_are_30_seconds_and_32_mib() -> None:
    assert Limits() == Limits(seconds=30.0, max_bytes=32 * 1024 * 1024)


def test_a_body_exactly_at_the_size_bound_is_whole() -> None:
    got = read_body(
        answer(pieces(BODY[:100], BODY[100:]), JSON), Limits(max_bytes=N), clock=clock(100.0, 101.0, 102.0)
    )
    assert got == Body(BODY, N, 0, False, 2.0, ())


def test_a_body_one_byte_over_the_size_bound_is_cut_where_it_went_over() -> None:
    got = read_body(
        answer(pieces(BODY[:100], BODY[100:] + b"!", b"never read"), JSON),
        Limits(max_bytes=N),
        clock=clock(100.0, 101.0, 102.0),
    )
    assert got == Body(BODY + b"!", N + 1, 0, True, 2.0, (too_large(N, f"{N + 1} bytes"),))


def test_an_event_stream_over_the_size_bound_counts_its_comments() -> None:
    first = b'data: {"a": 1}\n\n'
    chunks = (first, b": keep-alive\n\n", b": keep-alive\n\n")
    size = sum(map(len, chunks))
    got = read_body(answer(pieces(*chunks), SSE), Limits(max_bytes=size - 1), StreamChecker(None))
    assert got.failures == (too_large(size - 1, f"{size} bytes, 2 comments"),)
    assert (got.events, got.cut_short) == (1, True)


def test_a_body_ending_exactly_at_the_time_bound_is_whole_and_just_after_is_cut() -> None:
    whole = read_body(
        answer(pieces(BODY[:100], BODY[100:]), JSON), Limits(seconds=30), clock=clock(0.0, 29.0, 30.0, 30.0)
    )
    assert whole == Body(BODY, N, 0, False, 30.0, ())
    cut = read_body(
        answer(pieces(BODY[:100], BODY[100:], b"never read"), JSON),
        Limits(seconds=30),
        clock=clock(0.0, 29.0, 30.5, 31.0),
    )
    assert cut == Body(BODY, N, 0, True, 31.0, (too_slow("30", f"{N} bytes"),))


def test_a_slow_event_stream_is_cut_with_its_progress() -> None:
    chunks = (b'data: {"a": 1}\n\n', b": keep-alive\n\n", b": keep-alive\n\n", b": never read\n\n")
    size = sum(map(len, chunks[:3]))
    got = read_body(
        answer(pieces(*chunks), SSE),
        Limits(seconds=0.5),
        StreamChecker(None),
        clock=clock(10.0, 10.125, 10.25, 10.75),
    )
    assert got == Body(
        b"".join(chunks[:3]),
        size,
        1,
        True,
        0.75,
        (too_slow("0.5", f"{size} bytes, 2 comments"),),
    )


def test_a_read_timeout_mid_body_is_the_time_bound() -> None:
    chunks = (b'data: {"a": 1}\n\n', b": keep-alive\n\n")
    size = sum(map(len, chunks))
    got = read_body(
        answer(pieces(*chunks, then=httpx.ReadTimeout("timed out")), SSE),
        Limits(seconds=5),
        StreamChecker(None),
        clock=clock(1.0, 1.0, 1.0, 3.0),
    )
    assert got == Body(b"".join(chunks), size, 1, True, 2.0, (too_slow("5", f"{size} bytes, 1 comments"),))


def test_a_connection_broken_mid_body_is_an_incomplete_body() -> None:
    got = read_body(
        answer(pieces(BODY[:100], then=httpx.ReadError("reset by peer")), JSON),
        Limits(),
        clock=clock(1.0, 1.0, 2.0),
    )
    broken = Failure(
        COMPLETE, "the connection broke before the body ended", "a complete body", "ReadError: reset by peer"
    )
    assert got == Body(BODY[:100], 100, 0, True, 1.0, (broken,))


def test_a_gzip_body_with_junk_after_its_end_is_a_lie_shown_by_its_first_raw_bytes() -> None:
    gz = gzip.compress(BODY, mtime=0)
    got = read_body(
        answer(pieces(gz[:10], gz[10:], b"junk after the end"), {**JSON, "content-encoding": "gzip"}),
        Limits(),
        accept_encoding="gzip",
        clock=clock(0.0),
    )
    why = "not gzip: Error -3 while decompressing data: incorrect header check"
    lie = Failure(
        "content_encoding",
        "Content-Encoding: gzip but the body is not gzip",
        "a gzip body",
        f"{why}; first bytes {gz[:16]!r}",
        "lies",
    )
    assert got == Body(BODY, len(gz) + 18, 0, True, 0.0, (lie,))


def test_a_gzip_body_cut_before_its_end_marker_is_a_lie_and_cut_short() -> None:
    gz = gzip.compress(BODY, mtime=0)
    got = read_body(
        answer(pieces(gz[:-10]), {**JSON, "content-encoding": "gzip"}), Limits(), accept_encoding="gzip"
    )
    lie = Failure(
        "content_encoding",
        "Content-Encoding: gzip but the body is not gzip",
        "a gzip body",
        f"gzip body ends before its end marker; first bytes {gz[:16]!r}",
        "lies",
    )
    assert (got.failures, got.cut_short, BODY.startswith(got.content)) == ((lie,), True, True)


def test_a_long_brotli_body_without_the_header_is_named_from_all_of_it() -> None:
    # Longer than the raw bytes kept for a declared coding: an undeclared one is judged whole.
    compressed = brotli.compress(random.Random(0).randbytes(70_000))
    assert len(compressed) > 64 * 1024
    got = read_body(answer(compressed, JSON), Limits())
    undeclared = Failure(
        "content_encoding",
        "br body without Content-Encoding",
        "Content-Encoding: br",
        "no Content-Encoding",
        "undeclared",
    )
    assert (got.content, got.failures) == (compressed, (undeclared,))


def test_a_checker_only_judges_event_streams() -> None:
    for headers in (JSON, {}):
        got = read_body(
            answer(pieces(BODY[:5], BODY[5:]), headers), Limits(), StreamChecker(None), clock=clock(0.0)
        )
        assert got == Body(BODY, N, 0, False, 0.0, ()), headers


def test_an_event_stream_is_known_by_its_media_type_alone() -> None:
    raw = b"".join(f"data: {e.data}\n\n".encode() for e in events(text_stream()))
    headers = {"content-type": "Text/Event-Stream; charset=utf-8"}
    got = read_body(answer(raw, headers), Limits(), StreamChecker(None), clock=clock(0.0))
    assert got == Body(raw, len(raw), len(text_stream()) + 1, False, 0.0, ())


def test_the_last_event_dispatched_only_at_the_end_is_judged() -> None:
    # CR line ends: the final CR may be half a CRLF, so [DONE] is dispatched by the end of the body.
    raw = b"".join(f"data: {e.data}\r\r".encode() for e in events(text_stream()))
    got = read_body(answer(raw, SSE), Limits(), StreamChecker(None), clock=clock(0.0))
    assert got == Body(raw, len(raw), len(text_stream()) + 1, False, 0.0, ())


def test_a_stream_that_stops_inside_an_event_is_one_whole_framing_failure() -> None:
    good = b"".join(f"data: {e.data}\n\n".encode() for e in events(text_stream(), done=False))
    raw = good + b"data: [DO"
    got = read_body(answer(raw, SSE), Limits(), StreamChecker(None), clock=clock(0.0))
    framing = Failure(
        "sse_stream", "stream ended inside an event", "a blank line after each event", "EOF", "framing"
    )
    no_done = Failure(
        "sse_stream",
        "stream ended without [DONE]",
        "data: [DONE] last",
        f"{len(text_stream())} events",
        "done_last",
    )
    assert got == Body(raw, len(raw), len(text_stream()), False, 0.0, (framing, no_done))


def test_a_compression_bomb_is_cut_at_the_size_bound_without_being_inflated_whole() -> None:
    # A few hundred bytes of brotli (a few hundred kilobytes of gzip) that decode to 48 MiB: the
    # decoded body must stop growing at the bound, not be inflated whole and cut afterwards.
    zeros = b"\0" * (48 * 1024 * 1024)
    for coding, encoded in (("br", brotli.compress(zeros, quality=1)), ("gzip", gzip.compress(zeros, 1))):
        got = read_body(
            answer(encoded, {**JSON, "content-encoding": coding}),
            Limits(max_bytes=1000),
            accept_encoding=coding,
            clock=clock(0.0),
        )
        assert got == Body(b"\0" * 1001, len(encoded), 0, True, 0.0, (too_large(1000, "1001 bytes"),))


def test_a_limited_decoder_gives_exactly_the_first_bytes_of_every_coding_in_any_pieces() -> None:
    data = random.Random(1).randbytes(300_000) + b"a" * 500_000
    raw_deflate = zlib.compress(data)[2:-4]
    members = gzip.compress(data[:400_000], mtime=0) + gzip.compress(data[400_000:], mtime=0)
    for coding, encoded in (
        ("br", brotli.compress(data, quality=1)),
        ("gzip", members),
        ("deflate", zlib.compress(data)),
        ("deflate", raw_deflate),
        ("identity", data),
    ):
        for limit in (1, 65_536, 399_999, 400_000, 400_001, 600_000):
            decoder = Decoder(coding, limit)
            out = b"".join(decoder.feed(encoded[i : i + 65536]) for i in range(0, len(encoded), 65536))
            assert out == data[:limit], (coding, limit)
            assert decoder.finish() == b"", (coding, limit)  # cut at its limit: nothing more
        unlimited = Decoder(coding)
        out = b"".join(unlimited.feed(encoded[i : i + 65536]) for i in range(0, len(encoded), 65536))
        assert out + unlimited.finish() == data, coding


def test_a_zlib_body_labelled_gzip_is_a_lie_as_a_whole_body_or_as_a_second_member() -> None:
    # zlib's auto-detection (wbits 32) would take either: a gzip label must mean gzip only.
    member = gzip.compress(BODY, mtime=0)
    for encoded, why in (
        (zlib.compress(BODY), "incorrect header check"),
        (member + zlib.compress(BODY), "incorrect header check"),
    ):
        got = read_body(
            answer(encoded, {**JSON, "content-encoding": "gzip"}), Limits(), accept_encoding="gzip"
        )
        lie = Failure(
            "content_encoding",
            "Content-Encoding: gzip but the body is not gzip",
            "a gzip body",
            f"not gzip: Error -3 while decompressing data: {why}; first bytes {encoded[:16]!r}",
            "lies",
        )
        assert (got.failures, got.cut_short) == ((lie,), True)
