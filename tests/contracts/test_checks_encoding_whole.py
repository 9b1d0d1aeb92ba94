"""The Content-Encoding judge's findings compared whole, and the decoder's edge cases
(several gzip members, raw deflate only at the start, bodies cut before their end marker)."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest

from contracts.checks.encoding import DecodeError, Decoder, accepted, check_encoding, codings, decoder_for
from contracts.failures import Failure

JSON = {"content-type": "application/json"}
TEXT = b'{"a": 1}'


def decode(coding: str, body: bytes, cuts: int = 1) -> bytes:
    decoder = Decoder(coding)
    step = max(1, len(body) // cuts)
    out = b"".join(decoder.feed(body[i : i + step]) for i in range(0, len(body), step))
    return out + decoder.finish()


def test_a_gzip_body_of_several_members_decodes_whole_in_any_pieces() -> None:
    body = gzip.compress(b"first ") + gzip.compress(b"second ") + gzip.compress(b"third")
    for cuts in (1, 2, 3, 7, len(body)):
        assert decode("gzip", body, cuts) == b"first second third"
        assert decode("x-gzip", body, cuts) == b"first second third"


def test_deflate_falls_back_to_raw_only_on_the_first_piece() -> None:
    raw = zlib.compress(TEXT * 50)[2:-4]
    assert decode("deflate", raw) == TEXT * 50
    wrapped = zlib.compress(TEXT * 50)
    assert decode("deflate", wrapped, 5) == TEXT * 50
    decoder = Decoder("deflate")
    assert decoder.feed(b"\x78\x9c") == b""  # a zlib header: wrapped deflate it is
    with pytest.raises(DecodeError, match=r"^not deflate: .*invalid block type"):
        decoder.feed(b"\xff\xff\xff")
    with pytest.raises(DecodeError, match=r"^not gzip: "):
        Decoder("gzip").feed(b"plain text")


@pytest.mark.parametrize(
    ("coding", "body"),
    [
        ("gzip", gzip.compress(TEXT)[:-3]),
        ("deflate", zlib.compress(TEXT)[:-2]),
        ("br", brotli.compress(TEXT * 40)[:-2]),
    ],
)
def test_a_body_cut_before_its_end_marker_is_named_at_finish(coding: str, body: bytes) -> None:
    decoder = Decoder(coding)
    decoder.feed(body)
    with pytest.raises(DecodeError, match=f"^{coding} body ends before its end marker$"):
        decoder.finish()


def test_an_empty_body_and_identity_pass_through() -> None:
    assert Decoder("gzip").finish() == b""
    assert Decoder("gzip").feed(b"") == b""
    identity = Decoder("identity")
    assert identity.feed(b"abc") == b"abc"
    assert identity.finish() == b""
    with pytest.raises(ValueError, match="unsupported coding 'zstd'"):
        Decoder("zstd")


def test_the_header_names_codings_in_order_and_identity_needs_no_decoder() -> None:
    assert codings(" GZIP , br,, ") == ["gzip", "br"]
    assert decoder_for("") == (None, None)
    assert decoder_for("identity") == (None, None)
    decoder, failure = decoder_for("identity, Gzip")
    assert failure is None
    assert decoder is not None
    assert decoder.coding == "gzip"
    assert decoder_for("gzip, br") == (
        None,
        Failure("content_encoding", "stacked codings", "one coding", "gzip, br", "unsupported"),
    )
    assert decoder_for("zstd") == (
        None,
        Failure("content_encoding", "unknown coding 'zstd'", "gzip, deflate or br", "zstd", "unsupported"),
    )


@pytest.mark.parametrize(
    ("coding", "header", "expected"),
    [
        ("gzip", None, True),
        ("gzip", "gzip", True),
        ("gzip", "GZIP;q=0.5", True),
        ("gzip", "gzip;q=0", False),
        ("gzip", "gzip; q=0.0, br", False),
        ("gzip", "gzip;q=bad", False),
        ("gzip", "*", True),
        ("gzip", "*;q=0", False),
        ("gzip", "br, *;q=0", False),
        ("gzip", "gzip;q=1, *;q=0", True),
        ("x-gzip", "gzip", True),
        ("br", "gzip, deflate", False),
        ("br", "", False),
        ("br", "gzip;level=1;q=0.2, br;Q=1", True),
    ],
)
def test_accept_encoding_weights(coding: str, header: str | None, expected: bool) -> None:
    assert accepted(coding, header) is expected


def test_each_dishonest_encoding_is_one_whole_failure() -> None:
    lies = check_encoding({**JSON, "content-encoding": "gzip"}, "gzip", b"plain text body!!", "not gzip: bad")
    assert lies == [
        Failure(
            "content_encoding",
            "Content-Encoding: gzip but the body is not gzip",
            "a gzip body",
            "not gzip: bad; first bytes b'plain text body!'",
            "lies",
        )
    ]
    refused = check_encoding({**JSON, "content-encoding": "br"}, "gzip", brotli.compress(TEXT), None)
    assert refused == [
        Failure(
            "content_encoding",
            "coding br the request did not accept",
            "a coding admitted by Accept-Encoding: gzip",
            "br",
            "not_accepted",
        )
    ]
    hidden_gzip = check_encoding(JSON, "gzip", gzip.compress(TEXT), None)
    assert hidden_gzip == [
        Failure(
            "content_encoding",
            "gzip body without Content-Encoding",
            "Content-Encoding: gzip",
            "no Content-Encoding",
            "undeclared",
        )
    ]
    hidden_br = check_encoding({"content-type": "text/csv"}, None, brotli.compress(TEXT * 9), None)
    assert [f.title for f in hidden_br] == ["br body without Content-Encoding"]
    # Binary answers are not text that was hidden; text that is text passes.
    assert check_encoding({"content-type": "image/png"}, None, gzip.compress(TEXT), None) == []
    assert check_encoding({"content-type": "application/problem+json"}, None, gzip.compress(TEXT), None) != []
    assert check_encoding(JSON, None, TEXT, None) == []
    assert check_encoding({}, None, gzip.compress(TEXT), None) == []  # no Content-Type: not text
    assert check_encoding(JSON, None, b"\xff\xfe not utf-8 nor brotli", None) == []
    assert check_encoding({**JSON, "content-encoding": "identity"}, "gzip", TEXT, None) == []
