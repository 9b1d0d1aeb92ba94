"""Real audio files for the binary judges' tests, and the few hand tools to take them apart.

The files come from real encoders (LAME through lameenc, FFmpeg through PyAV, the stdlib's wave
module); the tools only cut, join and re-seal them (Ogg page CRCs with the mock's own CRC, not the
judge's), so a test can spoil one field of a file that is otherwise what an encoder wrote.
"""

from __future__ import annotations

import io
import math
import struct
import wave

import av
import lameenc

from mockserver.media.ogg import ogg_crc


def tone(rate: int, seconds: float, channels: int = 1) -> bytes:
    """A soft sine, 16-bit little-endian PCM, interleaved when `channels` is 2."""
    samples = (int(6000 * math.sin(i * 0.07)) for i in range(int(rate * seconds)))
    return b"".join(struct.pack("<h", sample) * channels for sample in samples)


def lame_mp3(rate: int = 44100, kbps: int = 128, seconds: float = 0.3) -> bytes:
    """MP3 as LAME writes it (an Info frame first; MPEG-1 at 32..48 kHz, MPEG-2 below)."""
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(kbps)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_quality(5)
    encoder.silence()
    return bytes(encoder.encode(tone(rate, seconds))) + bytes(encoder.flush())


def ffmpeg_audio(container: str, codec: str, rate: int, seconds: float = 0.2) -> bytes:
    """`seconds` of a mono tone encoded by FFmpeg's `codec` into `container` (flac, ogg, adts)."""
    out_file = io.BytesIO()
    with av.open(out_file, "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        pcm, step, pts = tone(rate, seconds), 1024, 0
        for start in range(0, len(pcm), 2 * step):
            piece = pcm[start : start + 2 * step]
            frame = av.AudioFrame(format="s16", layout="mono", samples=len(piece) // 2)
            frame.planes[0].update(piece)
            frame.sample_rate, frame.pts = rate, pts
            pts += len(piece) // 2
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return out_file.getvalue()


def wave_file(sample_width: int, frames: bytes, channels: int = 1, rate: int = 8000) -> bytes:
    """A WAV file as Python's wave module writes it (RIFF, a 16-byte fmt chunk, data)."""
    out_file = io.BytesIO()
    with wave.open(out_file, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(sample_width)
        out.setframerate(rate)
        out.writeframes(frames)
    return out_file.getvalue()


def riff_chunk(name: bytes, body: bytes, size: int | None = None) -> bytes:
    """One RIFF chunk, padded to an even length; `size` overrides the declared size."""
    declared = len(body) if size is None else size
    return name + struct.pack("<I", declared) + body + b"\0" * (len(body) & 1)


def fmt_body(channels: int = 1, rate: int = 8000, block_align: int = 2, bits: int = 16) -> bytes:
    """A PCM fmt chunk's 16 bytes."""
    return struct.pack("<HHIIHH", 1, channels, rate, rate * block_align, block_align, bits)


def riff_wave(*chunks: bytes) -> bytes:
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def syncsafe(size: int) -> bytes:
    """ID3v2's 28-bit size: four bytes of seven bits each."""
    return bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0))


def id3v2(padding: int, flags: int = 0, footer: bool = False) -> bytes:
    """An ID3v2.4 tag holding one TIT2 (title) frame and `padding` zero bytes; with `footer`, the
    10-byte footer ID3v2.4 allows after the tag (its size is not counted in the header's size)."""
    title = b"\x03A title"
    frames = b"TIT2" + syncsafe(len(title)) + b"\0\0" + title + b"\0" * padding
    flags |= 0x10 if footer else 0
    head = b"ID3\x04\x00" + bytes([flags]) + syncsafe(len(frames))
    return head + frames + (b"3DI" + head[3:] if footer else b"")


def id3v1() -> bytes:
    """The 128-byte ID3v1 trailer."""
    return (b"TAG" + b"A title".ljust(30, b"\0") + b"\0" * 30 * 2 + b"2026" + b"\0" * 30 + b"\xff")[:128]


def ogg_pages(data: bytes) -> list[bytes]:
    """An Ogg stream cut into its pages (the stream must be well formed)."""
    pages, pos = [], 0
    while pos < len(data):
        segments = data[pos + 26]
        size = 27 + segments + sum(data[pos + 27 : pos + 27 + segments])
        pages.append(data[pos : pos + size])
        pos += size
    return pages


def reseal(page: bytes, flags: int | None = None) -> bytes:
    """A page with its header flags replaced (when given) and its CRC computed anew."""
    raw = bytearray(page)
    if flags is not None:
        raw[5] = flags
    raw[22:26] = b"\0\0\0\0"
    raw[22:26] = struct.pack("<I", ogg_crc(bytes(raw)))
    return bytes(raw)


def flac_parts(data: bytes) -> tuple[list[bytes], bytes]:
    """A FLAC file's metadata blocks (4-byte header included) and its frames."""
    blocks, pos = [], 4
    while True:
        header, size = data[pos], int.from_bytes(data[pos + 1 : pos + 4], "big")
        blocks.append(data[pos : pos + 4 + size])
        pos += 4 + size
        if header & 0x80:
            return blocks, data[pos:]


def flac_block(kind: int, body: bytes, last: bool) -> bytes:
    return bytes([kind | (0x80 if last else 0)]) + len(body).to_bytes(3, "big") + body


def flac_join(blocks: list[bytes], frames: bytes) -> bytes:
    """Blocks (re-flagged so that only the last is marked last) and frames, as one FLAC file."""
    marked = [
        bytes([block[0] & 0x7F | (0x80 if i == len(blocks) - 1 else 0)]) + block[1:]
        for i, block in enumerate(blocks)
    ]
    return b"fLaC" + b"".join(marked) + frames


def adts_header(length: int, byte2: int = 0x50) -> bytes:
    """A 7-byte ADTS header (MPEG-4, no CRC, AAC-LC at 44.1 kHz, mono) declaring a `length`-byte
    frame (13 bits: header included)."""
    return bytes(
        [0xFF, 0xF1, byte2, 0x40 | (length >> 11), (length >> 3) & 0xFF, ((length & 7) << 5) | 0x1F, 0xFC]
    )
