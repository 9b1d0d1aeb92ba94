"""Content-Encoding honesty and the bounded reader, on hand-made answers (httpx.MockTransport)."""

from __future__ import annotations

import gzip
import itertools
import time
import zlib
from collections.abc import Iterator

import brotli
import httpx
import pytest

from contracts.checks.encoding import DecodeError, Decoder, accepted, check_encoding
from contracts.checks.reader import Limits, read_body
from contracts.checks.streams import StreamChecker
from tests.contracts.streams import events, text_stream

JSON = {"content-type": "application/json"}
BODY = b'{"hello": "world", "n": [1, 2, 3]}' * 20


def answer(content: bytes | Iterator[bytes], headers: dict[str, str]) -> httpx.Response:
    """An answer still to be read, as `client.send(..., stream=True)` gives it."""
    chunks = iter([content]) if isinstance(content, bytes) else content

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=headers, stream=_Stream(chunks))

    client = httpx.Client(transport=httpx.MockTransport(handler))
    return client.send(client.build_request("GET", "http://test/"), stream=True)


class _Stream(httpx.SyncByteStream):
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        return self.chunks


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", lambda b: gzip.compress(b)),
        ("br", lambda b: brotli.compress(b)),
        ("deflate", lambda b: zlib.compress(b)),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send it
    ],
)
def test_decoders_read_their_coding_in_any_pieces(coding: str, encode: object) -> None:
    encoded = encode(BODY)  # type: ignore[operator]
    decoder = Decoder(coding)
    out = b"".join(decoder.feed(encoded[i : i + 7]) for i in range(0, len(encoded), 7)) + decoder.finish()
    assert out == BODY


def test_a_body_that_is_not_in_its_coding_fails_to_decode() -> None:
    with pytest.raises(DecodeError):
        Decoder("gzip").feed(BODY)
    truncated = Decoder("gzip")
    truncated.feed(gzip.compress(BODY)[:-10])
    with pytest.raises(DecodeError):
        truncated.finish()


def test_accept_encoding_rules() -> None:
    assert accepted("gzip", "gzip, br")
    assert accepted("br", None)  # no header: any coding is acceptable
    assert not accepted("br", "gzip")
    assert not accepted("gzip", "gzip;q=0, br")
    assert accepted("gzip", "*")
    assert not accepted("gzip", "identity")


def test_an_honest_gzip_answer_passes_and_is_decoded() -> None:
    body = read_body(
        answer(gzip.compress(BODY), {**JSON, "content-encoding": "gzip"}), Limits(), None, "gzip"
    )
    assert body.content == BODY
    assert body.failures == ()


def test_a_lying_content_encoding_is_named() -> None:
    body = read_body(answer(BODY, {**JSON, "content-encoding": "gzip"}), Limits(), None, "gzip, br")
    assert [f.name for f in body.failures] == ["content_encoding.lies"]
    assert body.cut_short


def test_an_encoded_body_without_the_header_is_named() -> None:
    for encoded, coding in ((gzip.compress(BODY), "gzip"), (brotli.compress(BODY), "br")):
        failures = check_encoding(JSON, "gzip, br", encoded, None)
        assert [(f.name, coding in f.title) for f in failures] == [("content_encoding.undeclared", True)]
    assert check_encoding(JSON, None, BODY, None) == []


def test_a_coding_the_request_did_not_accept_is_named() -> None:
    body = read_body(
        answer(brotli.compress(BODY), {**JSON, "content-encoding": "br"}), Limits(), None, "gzip"
    )
    assert [f.name for f in body.failures] == ["content_encoding.not_accepted"]


def test_an_unknown_coding_is_named() -> None:
    failures = read_body(answer(BODY, {**JSON, "content-encoding": "zz"}), Limits(), None, None).failures
    assert [f.name for f in failures] == ["content_encoding.unsupported"]


def test_an_answer_larger_than_the_size_bound_is_cut() -> None:
    body = read_body(answer(BODY, JSON), Limits(max_bytes=100), None, None)
    assert [f.name for f in body.failures] == ["bounded_response.size"]
    assert body.cut_short


def test_a_stream_that_never_ends_fails_within_its_time_bound() -> None:
    def forever() -> Iterator[bytes]:
        for frame in itertools.chain([b'data: {"a": 1}\n\n'], itertools.repeat(b": keep-alive\n\n")):
            time.sleep(0.01)
            yield frame

    headers = {"content-type": "text/event-stream"}
    body = read_body(answer(forever(), headers), Limits(seconds=0.2), StreamChecker(None), None)
    assert [f.name for f in body.failures] == ["bounded_response.time"]
    assert "comments" in body.failures[0].received
    assert body.cut_short


def test_a_recorded_stream_is_judged_event_by_event_then_as_a_whole() -> None:
    raw = b"".join(f"data: {e.data}\n\n".encode() for e in events(text_stream(), done=False))
    checker = StreamChecker(None)
    body = read_body(
        answer(gzip.compress(raw), {"content-type": "text/event-stream", "content-encoding": "gzip"}),
        Limits(),
        checker,
        "gzip",
    )
    assert [f.name for f in body.failures] == ["sse_stream.done_last"]
    assert body.events == len(text_stream())


def test_a_stream_that_stops_inside_an_event_is_named() -> None:
    raw = b'data: {"a": 1}\n\ndata: [DO'
    failures = read_body(
        answer(raw, {"content-type": "text/event-stream"}), Limits(), StreamChecker(None), None
    ).failures
    assert "sse_stream.framing" in [f.name for f in failures]
