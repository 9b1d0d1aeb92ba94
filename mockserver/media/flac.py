"""FLAC for 16-bit mono PCM in pure Python: verbatim and constant subframes, no prediction.

Verbatim frames are larger than a real encoder's (about the size of WAV) but are real FLAC that libFLAC
and FFmpeg decode bit-exactly. The costly part in Python is the CRC-16 over every frame; since a frame's
CRC is linear in its bytes, it is computed from the CRC of the short header and a cached CRC of the body,
so audio made of repeated blocks (tone.py) costs a few checksums in total, however long it is.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from functools import lru_cache

_SAMPLE_RATE_CODES = {
    88200: 1, 176400: 2, 192000: 3, 8000: 4, 16000: 5, 22050: 6,
    24000: 7, 32000: 8, 44100: 9, 48000: 10, 96000: 11,
}  # fmt: skip
_CRC16_POLY = 0x18005  # x^16 + x^15 + x^2 + 1, no reflection, initial value 0
_CRC8_POLY = 0x07


def _crc_table(poly: int, width: int) -> tuple[int, ...]:
    top, mask = 1 << (width - 1), (1 << width) - 1
    table = []
    for byte in range(256):
        crc = byte << (width - 8)
        for _ in range(8):
            crc = ((crc << 1) ^ poly) & mask if crc & top else (crc << 1) & mask
        table.append(crc)
    return tuple(table)


_CRC16_TABLE = _crc_table(_CRC16_POLY & 0xFFFF, 16)
_CRC8_TABLE = _crc_table(_CRC8_POLY, 8)


def crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _CRC16_TABLE[(crc >> 8) ^ byte]
    return crc


def crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = _CRC8_TABLE[crc ^ byte]
    return crc


def _mulmod(a: int, b: int) -> int:
    """a * b in GF(2)[x] modulo the CRC-16 polynomial."""
    product = 0
    while b:
        if b & 1:
            product ^= a
        b >>= 1
        a <<= 1
        if a & 0x10000:
            a ^= _CRC16_POLY
    return product


@lru_cache(maxsize=16)
def _x_power(bits: int) -> int:
    """x**bits modulo the CRC-16 polynomial, by square-and-multiply."""
    result, base = 1, 2
    while bits:
        if bits & 1:
            result = _mulmod(result, base)
        base = _mulmod(base, base)
        bits >>= 1
    return result


def crc16_join(head_crc: int, tail_crc: int, tail_length: int) -> int:
    """CRC-16 of ``head + tail`` from the CRCs of each (this CRC has no initial value or final XOR)."""
    return _mulmod(head_crc, _x_power(8 * tail_length)) ^ tail_crc


def _coded_number(value: int) -> bytes:
    """FLAC's UTF-8-like variable-length coding of a frame number."""
    if value < 0x80:
        return bytes([value])
    extra = 1
    while value >= 1 << (5 * extra + 6):
        extra += 1
    lead = (0xFF00 >> (extra + 1)) & 0xFF  # extra+1 leading one bits
    out = [lead | (value >> (6 * extra))]
    out.extend(0x80 | ((value >> (6 * shift)) & 0x3F) for shift in range(extra - 1, -1, -1))
    return bytes(out)


def _subframe(block: bytes) -> bytes:
    """A CONSTANT subframe when every sample is equal (silence), else VERBATIM; 16-bit big-endian samples."""
    if block == block[:2] * (len(block) // 2):
        return b"\x00" + block[1::-1]
    swapped = bytearray(len(block))
    swapped[0::2], swapped[1::2] = block[1::2], block[0::2]
    return b"\x02" + bytes(swapped)


def encode_flac(chunks: Sequence[Sequence[bytes]], sample_rate: int) -> list[bytes]:
    """FLAC bytes per chunk of blocks (16-bit little-endian mono PCM); the first chunk starts with the header.

    All blocks but the very last must have the same number of samples (a fixed-blocksize stream), at most
    65536 each. Chunk boundaries fall between frames, so the chunks concatenate into one valid file.
    """
    blocks = [block for chunk in chunks for block in chunk]
    block_size = len(blocks[0]) // 2 if blocks else 0
    if not blocks or any(len(block) != 2 * block_size for block in blocks[:-1]):
        raise ValueError("FLAC needs at least one block, all but the last of the same length")
    if not 0 < block_size <= 65536 or not 0 < len(blocks[-1]) <= len(blocks[0]) or len(blocks[-1]) % 2:
        raise ValueError("FLAC blocks must hold 1..65536 16-bit samples")
    # Byte 2: explicit 16-bit block size after the frame number (code 7), then the sample-rate code
    # (0 = "see STREAMINFO" for rates without one); byte 3: mono, 16 bits per sample.
    rate_and_size = bytes([0x70 | _SAMPLE_RATE_CODES.get(sample_rate, 0), 0x08])
    body_crcs: dict[bytes, int] = {}
    md5 = hashlib.md5()
    frame_sizes = []
    out = []
    number = 0
    for chunk in chunks:
        frames = []
        for block in chunk:
            md5.update(block)
            header = b"\xff\xf8" + rate_and_size + _coded_number(number)
            header += struct.pack(">H", len(block) // 2 - 1)
            header += bytes([crc8(header)])
            body = _subframe(block)
            body_crc = body_crcs.get(body)
            if body_crc is None:
                body_crc = body_crcs[body] = crc16(body)
            frame_crc = crc16_join(crc16(header), body_crc, len(body))
            frames.append(header + body + struct.pack(">H", frame_crc))
            frame_sizes.append(len(frames[-1]))
            number += 1
        out.append(b"".join(frames))
    total = sum(len(block) for block in blocks) // 2
    info = struct.pack(">HH", block_size, block_size)
    info += min(frame_sizes).to_bytes(3, "big") + max(frame_sizes).to_bytes(3, "big")
    # 20 bits sample rate, 3 bits channels - 1, 5 bits bits-per-sample - 1, 36 bits total samples.
    info += ((sample_rate << 44) | (0 << 41) | (15 << 36) | total).to_bytes(8, "big") + md5.digest()
    # One metadata block, STREAMINFO, flagged as the last one.
    out[0] = b"fLaC" + bytes([0x80]) + len(info).to_bytes(3, "big") + info + out[0]
    return out
