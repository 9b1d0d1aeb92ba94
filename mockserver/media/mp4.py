"""MP4 video written by hand: Motion-JPEG frames (made by Pillow) in an ISO base media file.

The container is the smallest one FFmpeg (and players built on it) accepts: `ftyp`, one
`mdat` holding the frames back to back, and a `moov` with a single video track whose sample table
lists every frame (one chunk, one size per frame). The codec is Motion-JPEG (sample entry `jpeg`):
every frame is a plain JPEG, so no video encoder is needed (H.264 would need libx264 or PyAV,
36 MB); the price is that browsers' <video> elements, which decode no Motion-JPEG, cannot play
it. Frames cycle through a few distinct pictures (a seeded picture, a bar moving across it), so
the video moves while the encoding cost stays a few JPEG encodes whatever the duration.
"""

from __future__ import annotations

import functools
import io
import struct
from collections.abc import Sequence

from PIL import Image, ImageDraw

from mockserver.media.picture import picture_rows, seeded_picture

FPS = 8  # frames per second: enough to play as a video, few enough to keep files small
DISTINCT_FRAMES = 4  # pictures encoded per video; the frames cycle through them
MAX_SECONDS = 60.0
MAX_SIDE = 4096
_QUALITY = 60
_TIMESCALE = 1000  # the movie's clock: milliseconds
# The identity transformation matrix of mvhd and tkhd (16.16 and 2.30 fixed point).
_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def _box(kind: bytes, *parts: bytes) -> bytes:
    payload = b"".join(parts)
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full_box(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags), *parts)


def frame_count(seconds: float, fps: int = FPS) -> int:
    return max(1, round(seconds * fps))


def encode_mp4(width: int, height: int, seconds: float, seed: int, fps: int = FPS) -> bytes:
    """A seeded Motion-JPEG MP4 of exactly `width` x `height` pixels lasting `seconds` (rounded to
    whole frames at `fps`); equal arguments give equal bytes."""
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        raise ValueError(f"cannot draw {width}x{height}: sides are 1..{MAX_SIDE}")
    if not 0 < seconds <= MAX_SECONDS or not 1 <= fps <= 60:
        raise ValueError(f"cannot make {seconds} s at {fps} fps: 0 < seconds <= {MAX_SECONDS}, 1..60 fps")
    return _encode(width, height, frame_count(seconds, fps), seed, fps)


@functools.lru_cache(maxsize=8)  # a polling client fetches the finished video more than once
def _encode(width: int, height: int, frames: int, seed: int, fps: int) -> bytes:
    pictures = _pictures(width, height, seed, min(frames, DISTINCT_FRAMES))
    samples = [pictures[index % len(pictures)] for index in range(frames)]
    return mp4_container(width, height, fps, samples)


def _pictures(width: int, height: int, seed: int, count: int) -> list[bytes]:
    base = Image.frombytes(
        "RGB", (width, height), b"".join(picture_rows(seeded_picture(width, height, seed)))
    )
    bar = max(1, width // 12)
    out = []
    for index in range(count):
        frame = base.copy()
        left = (width - bar) * index // max(1, count - 1) if count > 1 else 0
        ImageDraw.Draw(frame).rectangle((left, 0, left + bar - 1, height - 1), fill=(255, 255, 255))
        encoded = io.BytesIO()
        frame.save(encoded, "JPEG", quality=_QUALITY)
        out.append(encoded.getvalue())
    return out


def mp4_container(width: int, height: int, fps: int, samples: Sequence[bytes]) -> bytes:
    """An MP4 file of one Motion-JPEG track: `samples` are JPEG frames shown 1/fps s each."""
    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 0x200), b"isom", b"iso2", b"mp41")
    mdat_header = struct.pack(">I", 8 + sum(len(s) for s in samples)) + b"mdat"
    data_offset = len(ftyp) + len(mdat_header)  # where the first frame starts (stco)
    moov = _moov(width, height, fps, samples, data_offset)
    return b"".join((ftyp, mdat_header, *samples, moov))


def _moov(width: int, height: int, fps: int, samples: Sequence[bytes], data_offset: int) -> bytes:
    count = len(samples)
    duration_ms = round(count * _TIMESCALE / fps)
    mvhd = _full_box(
        b"mvhd",
        0,
        0,
        struct.pack(">IIII", 0, 0, _TIMESCALE, duration_ms),
        struct.pack(">IH10x", 0x10000, 0x0100),  # rate 1.0, volume 1.0, reserved
        _MATRIX,
        bytes(24),  # pre_defined
        struct.pack(">I", 2),  # next track id
    )
    tkhd = _full_box(
        b"tkhd",
        0,
        0x3,  # enabled, in movie
        struct.pack(">IIII4xI", 0, 0, 1, 0, duration_ms),
        struct.pack(">8xHHH2x", 0, 0, 0),  # layer, alternate group, volume (0: a video track)
        _MATRIX,
        struct.pack(">II", width << 16, height << 16),
    )
    mdhd = _full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, fps, count, 0x55C4, 0))  # "und"
    hdlr = _full_box(b"hdlr", 0, 0, struct.pack(">I4s12x", 0, b"vide"), b"VideoHandler\x00")
    vmhd = _full_box(b"vmhd", 0, 1, bytes(8))
    dinf = _box(b"dinf", _full_box(b"dref", 0, 0, struct.pack(">I", 1), _full_box(b"url ", 0, 1)))
    name = b"Motion JPEG"
    entry = _box(
        b"jpeg",
        bytes(6),
        struct.pack(">H", 1),  # data reference index
        bytes(16),  # pre_defined, reserved
        struct.pack(">HHIII", width, height, 0x480000, 0x480000, 0),  # 72 dpi
        struct.pack(">H", 1),  # frames per sample
        bytes([len(name)]) + name + bytes(31 - len(name)),  # compressor name, a Pascal string
        struct.pack(">Hh", 0x18, -1),  # depth 24, no colour table
    )
    stsd = _full_box(b"stsd", 0, 0, struct.pack(">I", 1), entry)
    stts = _full_box(b"stts", 0, 0, struct.pack(">III", 1, count, 1))  # every frame lasts 1/fps
    stsc = _full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, count, 1))  # one chunk of all frames
    stsz = _full_box(
        b"stsz", 0, 0, struct.pack(">II", 0, count), struct.pack(f">{count}I", *map(len, samples))
    )
    stco = _full_box(b"stco", 0, 0, struct.pack(">II", 1, data_offset))
    stbl = _box(b"stbl", stsd, stts, stsc, stsz, stco)
    minf = _box(b"minf", vmhd, dinf, stbl)
    trak = _box(b"trak", tkhd, _box(b"mdia", mdhd, hdlr, minf))
    return _box(b"moov", mvhd, trak)
