"""Ogg Opus (RFC 7845) holding digital silence, written in pure Python.

No Opus encoder small enough to ship exists on PyPI (opuslib and PyOgg load a system libopus; soundfile
needs numpy; PyAV is ~36 MB), and CELT is too big to write here, so every packet is the 3-byte CELT
"silence" frame. The stream is otherwise complete: headers, page CRCs, granule positions, end trimming;
decoders report its duration to the sample.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

OPUS_RATE = 48000  # Opus granule positions always count 48 kHz samples
_FRAME = OPUS_RATE // 50  # 20 ms per packet
# TOC byte 0xF8: CELT-only, fullband, 20 ms, mono, one frame; then a range-coded "silence" flag.
_SILENT_PACKET = b"\xf8\xff\xfe"
_MAX_SEGMENTS = 255  # lacing values per page
_VENDOR = b"venice-mockkit"


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
        table.append(crc)
    return tuple(table)


_CRC_TABLE = _crc_table()


def ogg_crc(data: bytes) -> int:
    """Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, initial value 0, no final XOR (unlike zlib's)."""
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC_TABLE[(crc >> 24) ^ byte]
    return crc


def ogg_page(serial: int, sequence: int, granule: int, packets: Sequence[bytes], flags: int = 0) -> bytes:
    """One page holding whole packets (flags: 2 = first page of the stream, 4 = last)."""
    lacing = bytearray()
    for packet in packets:
        lacing += b"\xff" * (len(packet) // 255) + bytes([len(packet) % 255])
    if len(lacing) > _MAX_SEGMENTS:
        raise ValueError(f"{len(packets)} packets need {len(lacing)} lacing values; a page holds 255")
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, serial, sequence, 0, len(lacing))
    page = header + bytes(lacing) + b"".join(packets)
    return page[:22] + struct.pack("<I", ogg_crc(page)) + page[26:]


def encode_silent_opus(chunk_samples: Sequence[int], sample_rate: int, serial: int) -> list[bytes]:
    """Ogg Opus bytes per chunk, each chunk ``chunk_samples[i]`` samples (at ``sample_rate``) of silence.

    Every chunk but the last must be a whole number of 20 ms packets; the last is rounded up to one and the
    surplus trimmed by the final granule position. The first chunk carries the two header pages, the last
    page is flagged end-of-stream, so the chunks concatenate into one valid file.
    """
    if not chunk_samples or min(chunk_samples) <= 0:
        raise ValueError("Opus needs at least one chunk, each of at least one sample")
    per_packet = sample_rate * _FRAME  # input samples per packet, times OPUS_RATE
    packet_counts = [-(-samples * OPUS_RATE // per_packet) for samples in chunk_samples]
    if any(samples * OPUS_RATE % per_packet for samples in chunk_samples[:-1]):
        raise ValueError("every Opus chunk but the last must be a whole number of 20 ms packets")
    # Pre-skip 0: there is no encoder look-ahead to hide in silence frames.
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 0, sample_rate, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", len(_VENDOR)) + _VENDOR + struct.pack("<I", 0)
    chunks = [[ogg_page(serial, 0, 0, [head], flags=2), ogg_page(serial, 1, 0, [tags])]]
    chunks += [[] for _ in chunk_samples[1:]]
    total = sum(chunk_samples) * OPUS_RATE // sample_rate
    sequence, granule = 2, 0
    for index, remaining in enumerate(packet_counts):
        while remaining:
            count = min(remaining, _MAX_SEGMENTS)
            remaining -= count
            granule += count * _FRAME
            final = index == len(packet_counts) - 1 and not remaining
            # A granule position below the samples decoded so far trims the last packet's padding.
            packets = [_SILENT_PACKET] * count
            chunks[index].append(
                ogg_page(serial, sequence, total if final else granule, packets, 4 if final else 0)
            )
            sequence += 1
    return [b"".join(pages) for pages in chunks]
