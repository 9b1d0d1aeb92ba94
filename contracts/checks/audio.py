"""Audio bodies taken apart frame by frame, in pure Python: a file whose container or frame
chain breaks is not decodable. When PyAV (FFmpeg) is installed the bytes are also decoded for
real (`decode_with_av`); the structural walk alone needs no dependency.

Each `walk_*` returns None when the bytes hold a complete, well-formed stream, else why not.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable

# MPEG audio: bitrates (kbit/s) by [version is MPEG-1][layer 3] and sample rates by version.
_MP3_BITRATES = {
    True: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    False: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def walk_wav(data: bytes) -> str | None:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return "no RIFF/WAVE header"
    pos, fmt, block_align = 12, False, 0
    while pos + 8 <= len(data):
        name, size = data[pos : pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        body = pos + 8
        if name == b"fmt ":
            if size < 16 or body + 16 > len(data):
                return "fmt chunk too short"
            channels, _rate, _byte_rate, block_align = struct.unpack_from("<HIIH", data, body + 2)
            fmt = channels > 0 and block_align > 0
        elif name == b"data":
            if not fmt:
                return "data chunk before a valid fmt chunk"
            available = len(data) - body
            if size > available:
                return f"data chunk declares {size} bytes, {available} present"
            if size % block_align:
                return f"data size {size} is not a multiple of the block size {block_align}"
            return None
        pos = body + size + (size & 1)
    return "no data chunk"


def walk_flac(data: bytes) -> str | None:
    if data[:4] != b"fLaC":
        return "no fLaC marker"
    pos, first = 4, True
    while True:
        if pos + 4 > len(data):
            return "metadata blocks run past the end"
        header = data[pos]
        kind, size = header & 0x7F, int.from_bytes(data[pos + 1 : pos + 4], "big")
        if first and (kind != 0 or size != 34):
            return "first metadata block is not a 34-byte STREAMINFO"
        first = False
        pos += 4 + size
        if header & 0x80:
            break
    if pos + 2 > len(data) or data[pos] != 0xFF or data[pos + 1] & 0xFE != 0xF8:
        return "no audio frame after the metadata"
    return None


def _skip_id3(data: bytes) -> int:
    if data[:3] != b"ID3" or len(data) < 10:
        return 0
    size = 0
    for byte in data[6:10]:
        size = (size << 7) | (byte & 0x7F)
    return 10 + size + (10 if data[5] & 0x10 else 0)


def walk_mp3(data: bytes) -> str | None:
    pos, frames = _skip_id3(data), 0
    end = len(data) - (128 if data[-128:-125] == b"TAG" else 0)
    while pos + 4 <= end:
        b1, b2 = data[pos + 1], data[pos + 2]
        if data[pos] != 0xFF or b1 & 0xE0 != 0xE0:
            return f"no frame sync at byte {pos}"
        version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
        bitrate_index, rate_index = b2 >> 4, (b2 >> 2) & 3
        if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
            return f"invalid MPEG layer III header at byte {pos}"
        mpeg1 = version == 3
        bitrate = _MP3_BITRATES[mpeg1][bitrate_index] * 1000
        rate = _MP3_RATES[version][rate_index]
        length = (144 if mpeg1 else 72) * bitrate // rate + ((b2 >> 1) & 1)
        if pos + length > end:
            return f"frame at byte {pos} runs past the end"
        pos += length
        frames += 1
    if frames == 0:
        return "no MPEG audio frame"
    return None if pos == end else f"{end - pos} stray bytes after the last frame"


def walk_adts(data: bytes) -> str | None:
    pos, frames = 0, 0
    while pos < len(data):
        if pos + 7 > len(data):
            return f"truncated ADTS header at byte {pos}"
        if data[pos] != 0xFF or data[pos + 1] & 0xF6 != 0xF0:
            return f"no ADTS sync at byte {pos}"
        length = ((data[pos + 3] & 0x03) << 11) | (data[pos + 4] << 3) | (data[pos + 5] >> 5)
        if length < 7 or pos + length > len(data):
            return f"ADTS frame at byte {pos} has a bad length {length}"
        pos += length
        frames += 1
    return None if frames else "no ADTS frame"


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
        table.append(crc & 0xFFFFFFFF)
    return tuple(table)


_CRC_TABLE = _crc_table()  # Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, initial 0


def _ogg_crc(page: bytes) -> int:
    crc = 0
    for byte in page:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC_TABLE[(crc >> 24) ^ byte]
    return crc


def walk_ogg_opus(data: bytes) -> str | None:
    pos, pages, first_packet, last_flags = 0, 0, b"", 0
    while pos < len(data):
        if data[pos : pos + 4] != b"OggS" or pos + 27 > len(data):
            return f"no Ogg page at byte {pos}"
        segments = data[pos + 26]
        table = data[pos + 27 : pos + 27 + segments]
        size = 27 + segments + sum(table)
        if len(table) < segments or pos + size > len(data):
            return f"Ogg page at byte {pos} runs past the end"
        page = bytearray(data[pos : pos + size])
        stored = struct.unpack_from("<I", page, 22)[0]
        page[22:26] = b"\0\0\0\0"
        if _ogg_crc(bytes(page)) != stored:
            return f"Ogg page {pages} has a bad checksum"
        if pages == 0:
            first_packet = bytes(page[27 + segments : 27 + segments + 8])
        last_flags = data[pos + 5]
        pos += size
        pages += 1
    if first_packet != b"OpusHead":
        return "the first Ogg packet is not OpusHead"
    return None if last_flags & 0x04 else "the last Ogg page is not marked end-of-stream"


def walk_pcm(data: bytes) -> str | None:
    if not data:
        return "no samples"
    return None if len(data) % 2 == 0 else f"{len(data)} bytes is not a whole number of 16-bit samples"


WALKERS: dict[str, Callable[[bytes], str | None]] = {
    "wav": walk_wav,
    "flac": walk_flac,
    "mp3": walk_mp3,
    "aac": walk_adts,
    "opus": walk_ogg_opus,
    "pcm": walk_pcm,
}
_AV_FORMATS = {"wav": "wav", "flac": "flac", "mp3": "mp3", "aac": "aac", "opus": "ogg"}


def decode_with_av(data: bytes, fmt: str) -> str | None:
    """Decode every frame with FFmpeg (PyAV) when it is installed: None if all decoded (or PyAV is
    absent, or the format is raw PCM, which has nothing to decode), else the decoder's complaint."""
    container_format = _AV_FORMATS.get(fmt)
    if container_format is None:
        return None
    try:
        import av
    except ImportError:
        return None
    try:
        with av.open(io.BytesIO(data), format=container_format) as container:
            frames = sum(1 for _ in container.decode(audio=0))
    except Exception as exc:  # PyAV raises many kinds (FFmpegError, ValueError, IndexError)
        return f"FFmpeg: {type(exc).__name__}: {exc}"
    return None if frames else "FFmpeg decoded no audio frame"
