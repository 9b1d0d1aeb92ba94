"""Speech the mock serves: real, decodable audio in the six /audio/speech formats, sentence by sentence.

Each sentence is one gentle tone and a pause (tone.py). How each format is made, and why:

- pcm, wav: the 16-bit samples themselves (a WAV header for the full length comes first).
- mp3: LAME through ``lameenc`` (a ~190 KB wheel), one encoder per sentence, so every chunk is a complete
  MP3 stream: no frame borrows bits (the bit reservoir) from a frame in an earlier chunk.
- flac: pure Python (flac.py), verbatim frames; the tone is bit-exact.
- aac: ADTS frames of AAC-LC silence; no small AAC encoder exists, so the stream is silent but valid.
- opus: Ogg Opus of silence frames in pure Python (ogg.py), for the same reason.

``Speech.duration`` is what a decoder reports for the file. mp3 and aac frames (576 and 1024 samples) do not
divide the 100 ms grid, so their chunk boundaries are rounded to whole frames; the totals stay within half
a frame of ``speech_duration``.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import lameenc

from mockserver.media.flac import encode_flac
from mockserver.media.ogg import OPUS_RATE, encode_silent_opus
from mockserver.media.tone import SAMPLE_RATE as SAMPLE_RATE  # 24000 Hz mono 16-bit, like Kokoro TTS
from mockserver.media.tone import Sentence, plan_speech, sentence_blocks
from mockserver.media.types import media_types

AudioFormat = Literal["mp3", "opus", "aac", "flac", "wav", "pcm"]

MEDIA_TYPES: Mapping[str, str] = media_types("audio")  # format -> media type (media/types.py)

# MPEG-2 Layer III at 24 kHz: 576 samples per frame. At 48 kb/s a frame is exactly 144 bytes (never padded),
# plenty for a mono tone, and it lets durations be read off the byte count.
_MP3_FRAME = 576
_MP3_KBPS = 48
_MP3_FRAME_BYTES = 72 * _MP3_KBPS * 1000 // SAMPLE_RATE
# LAME (3.100, inside lameenc 1.9) emits ceil(n / 576) + 2 frames for n samples: its encoder delay and the
# flush. Feeding each sentence that many frames' worth fewer samples (cut from its pause) keeps the decoded
# length on the plan.
_MP3_EXTRA_FRAMES = 2
# LAME quality 2..7 (2 best, 7 fastest): 5 encodes ~2.5x faster than 2; a pure tone needs no better.
_MP3_QUALITY = 5

# One ADTS frame of AAC-LC silence, 24 kHz mono, 1024 samples: no CRC, a single channel element holding
# global gain only, then END.
_AAC_SILENT_FRAME = bytes.fromhex("fff15840017ffc01182007")
_AAC_FRAME = 1024


@dataclass(frozen=True, slots=True)
class Speech:
    data: bytes  # the whole file
    chunks: tuple[bytes, ...]  # sentence by sentence; b"".join(chunks) == data
    duration: float  # seconds of audio, as a decoder reports it
    media_type: str


def speech_duration(text: str, speed: float) -> float:
    """Seconds of speech for ``text`` at ``speed`` (0.25..4): ~15 characters a second at speed 1 plus a
    pause per sentence, on a 100 ms grid, at most 120 s (tone.MAX_SECONDS bounds memory and CPU)."""
    return sum(sentence.samples for sentence in plan_speech(text, speed, 0)) / SAMPLE_RATE


def synthesize_speech(text: str, speed: float, fmt: AudioFormat, seed: int) -> Speech:
    """``text`` "spoken" as ``fmt`` audio: one chunk per sentence; the same arguments give the same bytes."""
    encoder = _ENCODERS.get(fmt)
    if encoder is None:
        raise ValueError(f"unknown audio format {fmt!r}; expected one of {', '.join(MEDIA_TYPES)}")
    plan = plan_speech(text, speed, seed)
    chunks, duration = encoder(plan, seed)
    return Speech(b"".join(chunks), tuple(chunks), duration, MEDIA_TYPES[fmt])


_Encoded = tuple[list[bytes], float]


def _pcm(plan: Sequence[Sentence], seed: int) -> _Encoded:
    chunks = [b"".join(sentence_blocks(sentence)) for sentence in plan]
    return chunks, sum(sentence.samples for sentence in plan) / SAMPLE_RATE


def _wav(plan: Sequence[Sentence], seed: int) -> _Encoded:
    chunks, duration = _pcm(plan, seed)
    size = sum(len(chunk) for chunk in chunks)
    # RIFF header for the full length up front, so the streamed chunks need no seeking back.
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF", 36 + size, b"WAVE",
        b"fmt ", 16, 1, 1, SAMPLE_RATE, 2 * SAMPLE_RATE, 2, 16,
        b"data", size,
    )  # fmt: skip
    chunks[0] = header + chunks[0]
    return chunks, duration


def _flac(plan: Sequence[Sentence], seed: int) -> _Encoded:
    chunks = encode_flac([sentence_blocks(sentence) for sentence in plan], SAMPLE_RATE)
    return chunks, sum(sentence.samples for sentence in plan) / SAMPLE_RATE


def _opus(plan: Sequence[Sentence], seed: int) -> _Encoded:
    # The Ogg serial number is meant to be random; derive it from the seed so output stays deterministic.
    serial = zlib.crc32(f"venice-mockkit/opus/{seed}".encode())
    chunks = encode_silent_opus([sentence.samples for sentence in plan], SAMPLE_RATE, serial)
    samples = sum(sentence.samples for sentence in plan) * OPUS_RATE // SAMPLE_RATE
    return chunks, samples / OPUS_RATE


def _frame_counts(plan: Sequence[Sentence], frame: int) -> list[int]:
    """Frames per sentence, rounding each sentence end to the nearest frame boundary (errors never add up)."""
    counts, ends, done = [], 0, 0
    for sentence in plan:
        ends += sentence.samples
        boundary = (ends + frame // 2) // frame
        counts.append(boundary - done)
        done = boundary
    return counts


def _aac(plan: Sequence[Sentence], seed: int) -> _Encoded:
    counts = _frame_counts(plan, _AAC_FRAME)
    return [_AAC_SILENT_FRAME * count for count in counts], sum(counts) * _AAC_FRAME / SAMPLE_RATE


def _mp3(plan: Sequence[Sentence], seed: int) -> _Encoded:
    chunks = []
    for sentence, frames in zip(plan, _frame_counts(plan, _MP3_FRAME), strict=True):
        encoder = lameenc.Encoder()
        encoder.set_bit_rate(_MP3_KBPS)
        encoder.set_in_sample_rate(SAMPLE_RATE)
        encoder.set_channels(1)
        encoder.set_quality(_MP3_QUALITY)
        encoder.silence()
        # Every sentence ends in >= 100 ms of pause and the cut is under 3 frames (72 ms): only silence goes.
        samples = max(1, frames - _MP3_EXTRA_FRAMES) * _MP3_FRAME
        pcm = b"".join(sentence_blocks(sentence))[: 2 * samples]
        chunk = bytes(encoder.encode(pcm)) + bytes(encoder.flush())
        if len(chunk) % _MP3_FRAME_BYTES:
            raise RuntimeError(f"lameenc wrote {len(chunk)} bytes, not whole {_MP3_FRAME_BYTES}-byte frames")
        chunks.append(chunk)
    frames = sum(len(chunk) for chunk in chunks) // _MP3_FRAME_BYTES
    return chunks, frames * _MP3_FRAME / SAMPLE_RATE


_ENCODERS: dict[str, Callable[[Sequence[Sentence], int], _Encoded]] = {
    "mp3": _mp3,
    "opus": _opus,
    "aac": _aac,
    "flac": _flac,
    "wav": _wav,
    "pcm": _pcm,
}
