"""PNG written and checked as a stream, so neither side ever holds a whole decoded frame.

The encoder takes 8-bit RGB rows one at a time, applies the PNG "Up" filter and feeds zlib; memory is a
couple of rows plus the (small) compressed output. The checker walks the chunks, verifies every CRC and
inflates the image data in bounded pieces, counting bytes instead of keeping them: it catches truncation
and corruption without allocating the image, which is what a decompression bomb would need.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Level 6 is zlib's default: on these pictures it is ~4x smaller than level 1 for ~2x the deflate time.
_LEVEL = 6
# Image data is cut into IDAT chunks of this size; 64 KiB is what common encoders use.
_IDAT_SIZE = 1 << 16
# Largest piece of image data inflated at once while checking.
_INFLATE_STEP = 1 << 18

_RGB8 = (8, 2)  # bit depth, colour type
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
# Adam7 passes: first column, first row, column step, row step.
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


class PngError(ValueError):
    """The bytes start like a PNG but are not a valid one; the message says where and why."""


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)))


def encode_png(width: int, height: int, rows: Iterable[bytes]) -> bytes:
    """An 8-bit RGB, non-interlaced PNG from ``height`` rows of ``3 * width`` bytes each."""
    size = 3 * width
    header = struct.pack(">IIBBBBB", width, height, *_RGB8, 0, 0, 0)
    out = [SIGNATURE, _chunk(b"IHDR", header)]
    compressor = zlib.compressobj(_LEVEL)
    pending = bytearray()
    # "Up" stores each byte minus the byte above it (mod 256). The subtraction is done on whole rows as
    # big integers (SWAR: each byte's top bit is pre-set so no borrow crosses a byte boundary, then fixed
    # up with XOR), which keeps it in C. A row equal to the previous one is all zeros and skips the maths.
    high = int.from_bytes(b"\x80" * size, "big")
    low = int.from_bytes(b"\x7f" * size, "big")
    zero_row = b"\x02" + bytes(size)
    previous_row = bytes(size)
    above = 0
    count = 0
    for row in rows:
        if len(row) != size:
            raise ValueError(f"row {count} has {len(row)} bytes, expected {size}")
        if row == previous_row:
            filtered = zero_row
        else:
            current = int.from_bytes(row, "big")
            difference = ((current | high) - (above & low)) ^ ((current ^ above ^ high) & high)
            filtered = b"\x02" + difference.to_bytes(size, "big")
            above, previous_row = current, row
        pending += compressor.compress(filtered)
        while len(pending) >= _IDAT_SIZE:
            out.append(_chunk(b"IDAT", bytes(pending[:_IDAT_SIZE])))
            del pending[:_IDAT_SIZE]
        count += 1
    if count != height:
        raise ValueError(f"got {count} rows, expected {height}")
    pending += compressor.flush()
    for start in range(0, len(pending), _IDAT_SIZE):
        out.append(_chunk(b"IDAT", bytes(pending[start : start + _IDAT_SIZE])))
    out.append(_chunk(b"IEND", b""))
    return b"".join(out)


@dataclass(frozen=True, slots=True)
class PngHeader:
    width: int
    height: int
    bit_depth: int
    color_type: int
    interlaced: bool


def read_header(data: bytes) -> PngHeader:
    """The IHDR fields, checked for consistency; reads only the first 33 bytes."""
    if not data.startswith(SIGNATURE):
        raise PngError("it does not start with the PNG signature")
    if len(data) < 33:
        raise PngError(f"it is truncated: {len(data)} bytes end inside the IHDR header chunk")
    length, kind = struct.unpack_from(">I4s", data, 8)
    if kind != b"IHDR" or length != 13:
        raise PngError(f"the first chunk is {kind!r} of {length} bytes, not the 13-byte IHDR header")
    width, height, depth, color, compression, filtering, interlace = struct.unpack_from(">IIBBBBB", data, 16)
    if zlib.crc32(data[12:29]) != struct.unpack_from(">I", data, 29)[0]:
        raise PngError("the IHDR header chunk fails its CRC check (corrupt data)")
    if not (0 < width < 2**31 and 0 < height < 2**31):
        raise PngError(f"its size {width}x{height} is invalid")
    if depth not in _DEPTHS.get(color, ()):
        raise PngError(f"bit depth {depth} with colour type {color} is not a valid combination")
    if compression != 0 or filtering != 0 or interlace not in (0, 1):
        raise PngError(f"unknown compression/filter/interlace method {compression}/{filtering}/{interlace}")
    return PngHeader(width, height, depth, color, interlace == 1)


def _row_layout(header: PngHeader) -> list[tuple[int, int, int]]:
    """Per pass with pixels: (offset of its first row in the inflated stream, bytes per row, rows)."""
    passes = _ADAM7 if header.interlaced else ((0, 0, 1, 1),)
    bits = _CHANNELS[header.color_type] * header.bit_depth
    layout = []
    offset = 0
    for x0, y0, dx, dy in passes:
        columns = (header.width - x0 + dx - 1) // dx if header.width > x0 else 0
        rows = (header.height - y0 + dy - 1) // dy if header.height > y0 else 0
        if columns and rows:
            stride = 1 + (columns * bits + 7) // 8  # one filter-type byte, then the row
            layout.append((offset, stride, rows))
            offset += stride * rows
    return layout


class _Inflater:
    """Inflates image data in bounded pieces, counting bytes and checking each row's filter type."""

    def __init__(self, header: PngHeader) -> None:
        self.layout = _row_layout(header)
        self.expected = sum(stride * rows for _, stride, rows in self.layout)
        self.seen = 0
        self.inflater = zlib.decompressobj()

    def feed(self, data: memoryview) -> None:
        try:
            piece = self.inflater.decompress(data, _INFLATE_STEP)
            self._count(piece)
            while self.inflater.unconsumed_tail:
                self._count(self.inflater.decompress(self.inflater.unconsumed_tail, _INFLATE_STEP))
        except zlib.error as exc:
            raise PngError(f"its compressed image data is corrupt ({exc})") from None

    def _count(self, piece: bytes) -> None:
        start, end = self.seen, self.seen + len(piece)
        if end > self.expected:
            raise PngError(f"it holds more image data than its size needs ({self.expected} bytes)")
        for first, stride, rows in self.layout:
            last = first + stride * rows
            if last <= start or first >= end:
                continue
            # Filter-type bytes sit at first + k * stride; take those inside this piece in one slice.
            position = first + max(0, -(-(start - first) // stride)) * stride
            types = piece[position - start : min(last, end) - start : stride]
            if types and max(types) > 4:
                raise PngError("a row uses an unknown filter type (corrupt image data)")
        self.seen = end

    def finish(self) -> None:
        if not self.inflater.eof or self.seen != self.expected:
            raise PngError(
                f"its image data is truncated: {self.seen} of {self.expected} bytes after decompression"
            )


def check_png(data: bytes) -> PngHeader:
    """Verify the whole file (chunk CRCs, chunk order, the image data's size); return its header."""
    header = read_header(data)
    view = memoryview(data)
    inflater = _Inflater(header)
    position = len(SIGNATURE)
    previous = b""
    seen_palette = seen_data = data_done = False
    while True:
        if position + 12 > len(data):
            where = f"after the {previous.decode()} chunk" if previous else "in its header"
            raise PngError(f"it is truncated: the data ends {where}, before the IEND chunk")
        length, kind = struct.unpack_from(">I4s", data, position)
        if not kind.isalpha():
            raise PngError(f"it has a chunk with an invalid type {kind!r} at byte {position}")
        name = kind.decode("ascii")
        end = position + 8 + length
        if length >= 2**31 or end + 4 > len(data):
            raise PngError(f"it is truncated: the {name} chunk at byte {position} needs {length} bytes")
        if zlib.crc32(view[position + 4 : end]) != struct.unpack_from(">I", data, end)[0]:
            raise PngError(f"the {name} chunk at byte {position} fails its CRC check (corrupt data)")
        if kind == b"IDAT":
            if data_done:
                raise PngError("its IDAT image-data chunks are not consecutive")
            if header.color_type == 3 and not seen_palette:
                raise PngError("it has a colour palette type but no PLTE chunk before the image data")
            inflater.feed(view[position + 8 : end])
            seen_data = True
        elif seen_data:
            data_done = True
        if kind == b"PLTE":
            seen_palette = True
        if kind == b"IEND":
            break
        previous, position = kind, end + 4
    if not seen_data:
        raise PngError("it has no IDAT image-data chunk")
    inflater.finish()
    return header
