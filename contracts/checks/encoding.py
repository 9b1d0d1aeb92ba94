"""Content-Encoding honesty: the header is present if and only if the body is encoded that way,
and only with a coding the request accepted.

Bodies are decoded incrementally (`Decoder`), so a stream is judged as it arrives and a lying
header is caught on its first bytes.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping

import brotli

from contracts.failures import Failure, excerpt

CHECK = "content_encoding"
_GZIP_MAGIC = b"\x1f\x8b"
_TEXTUAL = ("application/json", "text/", "application/xml", "+json")


class DecodeError(Exception):
    """The bytes are not in the declared coding."""


class Decoder:
    """Incremental decoder for one coding: gzip, x-gzip, deflate, br or identity."""

    def __init__(self, coding: str, limit: int | None = None) -> None:
        self.coding = coding
        # At most `limit` decoded bytes in all: a few hundred bytes of br (a few hundred KB of
        # gzip) can decode to gigabytes, which must not be inflated whole before a bound cuts it.
        self._left = limit
        self._zlib: zlib._Decompress | None = None
        self._brotli: brotli.Decompressor | None = None
        self._started = False
        if coding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(31)
        elif coding == "deflate":
            self._zlib = zlib.decompressobj(15)
        elif coding == "br":
            self._brotli = brotli.Decompressor()
        elif coding != "identity":
            raise ValueError(f"unsupported coding {coding!r}")

    def feed(self, chunk: bytes) -> bytes:
        if not chunk or self._left == 0:
            return b""
        first = not self._started
        self._started = True
        try:
            if self._brotli is not None:
                out = self._unbrotli(chunk)
            elif self._zlib is not None:
                out = self._inflate(chunk, first)  # zlib stops at max_length itself
            else:
                out = chunk if self._left is None else chunk[: self._left]
        except (zlib.error, brotli.error) as exc:
            raise DecodeError(f"not {self.coding}: {exc}") from None
        if self._left is not None:
            self._left -= len(out)
        return out

    def _unbrotli(self, chunk: bytes) -> bytes:
        assert self._brotli is not None
        if self._left is None:
            return bytes(self._brotli.process(chunk))
        # The buffer stops growing once it reaches the limit, possibly a little past it.
        return bytes(self._brotli.process(chunk, output_buffer_limit=self._left))[: self._left]

    def _inflate(self, chunk: bytes, first: bool) -> bytes:
        assert self._zlib is not None
        most = self._left or 0  # zlib's max_length: 0 is no limit
        try:
            out = self._zlib.decompress(chunk, most)
        except zlib.error:
            if not (first and self.coding == "deflate"):
                raise
            self._zlib = zlib.decompressobj(-15)  # raw deflate: what some servers call "deflate"
            out = self._zlib.decompress(chunk, most)
        while self._zlib.eof and self._zlib.unused_data and self.coding != "deflate":
            if self._left is not None and len(out) >= self._left:
                break
            rest = self._zlib.unused_data  # a gzip body may have several members
            self._zlib = zlib.decompressobj(31)
            out += self._zlib.decompress(rest, self._left - len(out) if self._left is not None else 0)
        return out

    def finish(self) -> bytes:
        """End of body: raise DecodeError if the encoded stream is incomplete."""
        if not self._started or self._left == 0:
            return b""  # at its limit the body is cut: whether it would have ended is unknown
        if self._brotli is not None and not self._brotli.is_finished():
            raise DecodeError(f"{self.coding} body ends before its end marker")
        if self._zlib is not None:
            out = self._zlib.flush()
            if not self._zlib.eof:
                raise DecodeError(f"{self.coding} body ends before its end marker")
            return out
        return b""


def codings(header: str) -> list[str]:
    """The codings of a Content-Encoding header, in the order they were applied."""
    return [c.strip().lower() for c in header.split(",") if c.strip()]


def decoder_for(header: str, limit: int | None = None) -> tuple[Decoder | None, Failure | None]:
    """A decoder for a Content-Encoding header (None for no coding), or why it cannot be read;
    `limit`: the most decoded bytes it will give (see Decoder)."""
    names = [c for c in codings(header) if c != "identity"]
    if not names:
        return None, None
    if len(names) > 1:
        failure = Failure(CHECK, "stacked codings", "one coding", header, "unsupported")
        return None, failure
    try:
        return Decoder(names[0], limit), None
    except ValueError:
        expected = "gzip, deflate or br"
        return None, Failure(CHECK, f"unknown coding {names[0]!r}", expected, header, "unsupported")


def accepted(coding: str, accept_encoding: str | None) -> bool:
    """Whether a request's Accept-Encoding admits a coding (RFC 9110 12.5.3); no header: any."""
    if accept_encoding is None:
        return True
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        name, *params = (p.strip() for p in item.split(";"))
        q = 1.0
        for param in params:
            if param.lower().startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if name:
            weights[name.lower()] = q
    aliases = {"x-gzip": "gzip"}
    coding = aliases.get(coding, coding)
    return weights.get(coding, weights.get("*", 0.0)) > 0


def check_encoding(
    headers: Mapping[str, str], accept_encoding: str | None, raw: bytes, decode_error: str | None
) -> list[Failure]:
    """Judge a response's Content-Encoding once its body was read.

    `raw`: the body as sent (at least its first bytes); `decode_error`: what decoding said, if
    it failed.
    """
    header = headers.get("content-encoding", "")
    names = [c for c in codings(header) if c != "identity"]
    out: list[Failure] = []
    if decode_error is not None:
        title = f"Content-Encoding: {header} but the body is not {header}"
        out.append(
            Failure(CHECK, title, f"a {header} body", f"{decode_error}; first bytes {raw[:16]!r}", "lies")
        )
    for name in names:
        if not accepted(name, accept_encoding):
            title = f"coding {name} the request did not accept"
            expected = f"a coding admitted by Accept-Encoding: {accept_encoding}"
            out.append(Failure(CHECK, title, expected, excerpt(header), "not_accepted"))
    media_type = headers.get("content-type", "").lower()
    textual = any(t in media_type for t in _TEXTUAL)
    if not names and textual:
        hidden = _hidden_coding(raw)
        if hidden is not None:
            title = f"{hidden} body without Content-Encoding"
            out.append(
                Failure(CHECK, title, f"Content-Encoding: {hidden}", "no Content-Encoding", "undeclared")
            )
    return out


def _hidden_coding(body: bytes) -> str | None:
    """The coding a textual body is really in, when it is not text at all."""
    if body.startswith(_GZIP_MAGIC):
        return "gzip"
    try:
        body.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    try:
        brotli.decompress(body)
        return "br"
    except brotli.error:
        return None
