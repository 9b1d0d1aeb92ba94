"""MP4 video written by hand: Motion-JPEG frames (made by Pillow) in an ISO base media file.

The container is the smallest one FFmpeg (and players built on it) accepts: `ftyp`, one `mdat`
holding the frames back to back, and a `moov` with a video track whose sample table lists every
frame (one chunk, one size per frame), and optionally a silent AAC-LC audio track (no small AAC
encoder exists; the speech formats make the same silence). The video codec is Motion-JPEG (sample
entry `jpeg`): every frame is a plain JPEG, so no video encoder is needed (H.264 would need libx264
or PyAV, 36 MB); the price is that browsers' <video> elements, which decode no Motion-JPEG, cannot
play it. Frames cycle through a few distinct pictures (a seeded picture, a bar moving across it), so
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
# The audio track (for `audio: true`): AAC-LC silence, as the speech encoder makes it (audio.py),
# as raw frames: the ADTS frame's payload without its 7-byte header. AudioSpecificConfig: object
# type 2 (LC), sampling index 6 (24 kHz), one channel.
AUDIO_RATE = 24_000
AAC_FRAME = 1024  # samples per AAC frame
_AAC_SILENCE = bytes.fromhex("01182007")
_AAC_CONFIG = bytes.fromhex("1308")
# The identity transformation matrix of mvhd and tkhd (16.16 and 2.30 fixed point).
_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def _box(kind: bytes, *parts: bytes) -> bytes:
    payload = b"".join(parts)
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full_box(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags), *parts)


def frame_count(seconds: float, fps: int = FPS) -> int:
    return max(1, round(seconds * fps))


def encode_mp4(
    width: int, height: int, seconds: float, seed: int, fps: int = FPS, audio: bool = False
) -> bytes:
    """A seeded Motion-JPEG MP4 of exactly `width` x `height` pixels lasting `seconds` (rounded to
    whole frames at `fps`), with a silent AAC track as long when `audio`; equal arguments give
    equal bytes."""
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        raise ValueError(f"cannot draw {width}x{height}: sides are 1..{MAX_SIDE}")
    if not 0 < seconds <= MAX_SECONDS or not 1 <= fps <= 60:
        raise ValueError(f"cannot make {seconds} s at {fps} fps: 0 < seconds <= {MAX_SECONDS}, 1..60 fps")
    return _encode(width, height, frame_count(seconds, fps), seed, fps, audio)


@functools.lru_cache(maxsize=8)  # a polling client fetches the finished video more than once
def _encode(width: int, height: int, frames: int, seed: int, fps: int, audio: bool) -> bytes:
    pictures = _pictures(width, height, seed, min(frames, DISTINCT_FRAMES))
    samples = [pictures[index % len(pictures)] for index in range(frames)]
    # As many 1024-sample AAC frames as cover the video (the last one may run a little past it).
    sound = -(-frames * AUDIO_RATE // (fps * AAC_FRAME)) if audio else 0
    return mp4_container(width, height, fps, samples, sound)


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


def mp4_container(
    width: int, height: int, fps: int, samples: Sequence[bytes], audio_frames: int = 0
) -> bytes:
    """An MP4 file of one Motion-JPEG track (`samples` are JPEG frames shown 1/fps s each) and,
    with `audio_frames`, a silent AAC-LC track of that many frames (24 kHz mono)."""
    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 0x200), b"isom", b"iso2", b"mp41")
    sound = _AAC_SILENCE * audio_frames
    mdat_header = struct.pack(">I", 8 + sum(len(s) for s in samples) + len(sound)) + b"mdat"
    video_offset = len(ftyp) + len(mdat_header)  # where the first frame starts (stco)
    audio_offset = video_offset + sum(len(s) for s in samples)
    video_ms = round(len(samples) * _TIMESCALE / fps)
    audio_ms = round(audio_frames * AAC_FRAME * _TIMESCALE / AUDIO_RATE)
    tracks = [_video_track(width, height, fps, samples, video_offset, video_ms)]
    if audio_frames:
        tracks.append(_audio_track(audio_frames, audio_offset, audio_ms))
    moov = _box(b"moov", _mvhd(max(video_ms, audio_ms), len(tracks) + 1), *tracks)
    return b"".join((ftyp, mdat_header, *samples, sound, moov))


def _mvhd(duration_ms: int, next_track: int) -> bytes:
    return _full_box(
        b"mvhd",
        0,
        0,
        struct.pack(">IIII", 0, 0, _TIMESCALE, duration_ms),
        struct.pack(">IH10x", 0x10000, 0x0100),  # rate 1.0, volume 1.0, reserved
        _MATRIX,
        bytes(24),  # pre_defined
        struct.pack(">I", next_track),
    )


def _tkhd(track: int, duration_ms: int, volume: int, width: int = 0, height: int = 0) -> bytes:
    return _full_box(
        b"tkhd",
        0,
        0x3,  # enabled, in movie
        struct.pack(">IIII4xI", 0, 0, track, 0, duration_ms),
        struct.pack(">8xHHH2x", 0, 0, volume),  # layer, alternate group, volume (0 for video)
        _MATRIX,
        struct.pack(">II", width << 16, height << 16),
    )


def _table(entry: bytes, count: int, ticks: int, sizes: bytes, sample_size: int, offset: int) -> bytes:
    """The sample table of one track stored as one chunk: every sample lasts `ticks`."""
    stsd = _full_box(b"stsd", 0, 0, struct.pack(">I", 1), entry)
    stts = _full_box(b"stts", 0, 0, struct.pack(">III", 1, count, ticks))
    stsc = _full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, count, 1))  # one chunk of all samples
    stsz = _full_box(b"stsz", 0, 0, struct.pack(">II", sample_size, count), sizes)
    stco = _full_box(b"stco", 0, 0, struct.pack(">II", 1, offset))
    return _box(b"stbl", stsd, stts, stsc, stsz, stco)


_DINF = _box(b"dinf", _full_box(b"dref", 0, 0, struct.pack(">I", 1), _full_box(b"url ", 0, 1)))


def _media(kind: bytes, name: bytes, timescale: int, duration: int, header: bytes, table: bytes) -> bytes:
    mdhd = _full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, timescale, duration, 0x55C4, 0))  # "und"
    hdlr = _full_box(b"hdlr", 0, 0, struct.pack(">I4s12x", 0, kind), name + b"\x00")
    return _box(b"mdia", mdhd, hdlr, _box(b"minf", header, _DINF, table))


def _video_track(
    width: int, height: int, fps: int, samples: Sequence[bytes], offset: int, duration_ms: int
) -> bytes:
    count = len(samples)
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
    sizes = struct.pack(f">{count}I", *map(len, samples))
    table = _table(entry, count, 1, sizes, 0, offset)  # the media clock ticks once per frame
    vmhd = _full_box(b"vmhd", 0, 1, bytes(8))
    media = _media(b"vide", b"VideoHandler", fps, count, vmhd, table)
    return _box(b"trak", _tkhd(1, duration_ms, 0, width, height), media)


def _descriptor(tag: int, *parts: bytes) -> bytes:
    payload = b"".join(parts)
    return bytes([tag, len(payload)]) + payload  # every payload here is shorter than 128 bytes


def _audio_track(frames: int, offset: int, duration_ms: int) -> bytes:
    decoder = _descriptor(
        0x04,  # DecoderConfigDescriptor
        bytes([0x40, 0x15]),  # MPEG-4 audio; an audio stream
        struct.pack(">III", 0, 0, 0)[1:],  # buffer size (24 bits), max and average bit rate
        _descriptor(0x05, _AAC_CONFIG),
    )
    es = _descriptor(0x03, struct.pack(">HB", 2, 0), decoder, _descriptor(0x06, b"\x02"))
    entry = _box(
        b"mp4a",
        bytes(6),
        struct.pack(">H", 1),  # data reference index
        bytes(8),  # version, revision, vendor
        struct.pack(">HHHHI", 1, 16, 0, 0, AUDIO_RATE << 16),  # mono, 16 bit, rate in 16.16
        _full_box(b"esds", 0, 0, es),
    )
    table = _table(entry, frames, AAC_FRAME, b"", len(_AAC_SILENCE), offset)
    smhd = _full_box(b"smhd", 0, 0, bytes(4))  # balance, reserved
    media = _media(b"soun", b"SoundHandler", AUDIO_RATE, frames * AAC_FRAME, smhd, table)
    return _box(b"trak", _tkhd(2, duration_ms, 0x0100), media)
