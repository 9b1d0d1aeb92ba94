"""What the fake voice "says": one gentle tone per sentence, timed like speech, on a 100 ms grid.

Every length is a whole number of 100 ms blocks and every pitch a multiple of 10 Hz, so each block holds
whole cycles: a steady block is the same bytes wherever it falls. Audio is then a join of a handful of
cached blocks (cheap at any length), and the FLAC writer can reuse frame checksums (see flac.py).
"""

from __future__ import annotations

import math
import random
import re
import struct
from dataclasses import dataclass
from functools import lru_cache

SAMPLE_RATE = 24000  # mono 16-bit, like Kokoro TTS
BLOCK = SAMPLE_RATE // 10  # samples in one 100 ms block
# About 150 words a minute, Kokoro's pace at speed 1, is ~15 characters a second (spaces included).
CHARS_PER_SECOND = 15.0
SENTENCE_PAUSE = 0.35  # seconds of silence after each sentence at speed 1
# Speech is capped at 120 s (5.76 MB of 16-bit PCM, the largest buffer any format needs) so a 4096-character
# input at speed 0.25 (which would "take" ~20 minutes) cannot make the mock allocate or encode much. Over the
# cap every sentence is shortened in proportion, so each still gets its own chunk; only a text of more than
# 600 sentences (MAX_BLOCKS / MIN_SENTENCE_BLOCKS) loses the sentences past the 600th.
MAX_SECONDS = 120.0
MAX_BLOCKS = round(MAX_SECONDS * 10)
MIN_SENTENCE_BLOCKS = 2  # the shortest sentence: one tone block and one pause block

_AMPLITUDE = 0.2 * 32767  # about -14 dBFS: audible, never harsh
_FADE = SAMPLE_RATE // 50  # 20 ms raised-cosine fades so tones start and stop without clicks
_PITCHES = (200, 220, 250, 290, 330, 370, 440)  # Hz, a pentatonic-ish set; all multiples of 10

# A sentence ends at terminal punctuation (optionally followed by a closing quote or bracket) and then
# whitespace; CJK full stops end one even without whitespace. "Mr. Smith" counts as two: fine for a mock.
_SENTENCE_END = re.compile(
    r"(?:(?<=[.!?\u2026])|(?<=[.!?\u2026][\"'\u201d\u2019)\]]))\s+"  # . ! ? or an ellipsis, then space
    r"|(?<=[\u3002\uff01\uff1f])"  # or a CJK full stop, exclamation or question mark
)


@dataclass(frozen=True, slots=True)
class Sentence:
    tone_blocks: int
    pause_blocks: int
    pitch: int  # Hz

    @property
    def blocks(self) -> int:
        return self.tone_blocks + self.pause_blocks

    @property
    def samples(self) -> int:
        return self.blocks * BLOCK


def split_sentences(text: str) -> list[str]:
    """The text's sentences; text without any is one (empty) sentence, so there is always something to say."""
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()] or [""]


def plan_speech(text: str, speed: float, seed: int) -> tuple[Sentence, ...]:
    """How long each sentence's tone and pause last, and its pitch, under the 120 s cap."""
    if not 0.25 <= speed <= 4.0:
        raise ValueError(f"speed must be between 0.25 and 4, got {speed}")
    # Seeding with a string uses Python's documented, version-stable seeding; only ``random()`` is drawn.
    rng = random.Random(f"venice-mockkit/speech/{seed}")
    wanted = []
    for sentence in split_sentences(text):
        seconds = (len(" ".join(sentence.split())) / CHARS_PER_SECOND + SENTENCE_PAUSE) / speed
        wanted.append(max(MIN_SENTENCE_BLOCKS, round(seconds * 10)))
    pause = max(1, round(SENTENCE_PAUSE / speed * 10))
    plan = []
    for blocks in _fit(wanted):
        pitch = _PITCHES[int(rng.random() * len(_PITCHES))]
        sentence_pause = min(pause, blocks - 1)
        plan.append(Sentence(blocks - sentence_pause, sentence_pause, pitch))
    return tuple(plan)


def _fit(wanted: list[int]) -> list[int]:
    """Sentence lengths (in blocks) shrunk to MAX_BLOCKS in all, in proportion to what each has above the
    minimum; blocks lost to rounding down go to the largest remainders (earlier sentences win ties)."""
    if sum(wanted) <= MAX_BLOCKS:
        return wanted
    wanted = wanted[: MAX_BLOCKS // MIN_SENTENCE_BLOCKS]
    extras = [blocks - MIN_SENTENCE_BLOCKS for blocks in wanted]
    room, total = MAX_BLOCKS - MIN_SENTENCE_BLOCKS * len(wanted), sum(extras)
    if total <= room:  # only after dropping sentences past the 600th
        return wanted
    shares = [divmod(extra * room, total) for extra in extras]
    fitted = [share for share, _ in shares]
    by_remainder = sorted(range(len(shares)), key=lambda index: (-shares[index][1], index))
    for index in by_remainder[: room - sum(fitted)]:
        fitted[index] += 1
    return [MIN_SENTENCE_BLOCKS + share for share in fitted]


def sentence_blocks(sentence: Sentence) -> list[bytes]:
    """The sentence as 100 ms blocks of 16-bit little-endian PCM: fade in, steady tone, fade out, silence."""
    if sentence.tone_blocks == 1:
        tone = [_tone_block(sentence.pitch, True, True)]
    else:
        steady = _tone_block(sentence.pitch, False, False)
        middle = [steady] * (sentence.tone_blocks - 2)
        tone = [_tone_block(sentence.pitch, True, False), *middle, _tone_block(sentence.pitch, False, True)]
    return tone + [_SILENCE] * sentence.pause_blocks


_SILENCE = bytes(2 * BLOCK)


@lru_cache(maxsize=64)
def _tone_block(pitch: int, fade_in: bool, fade_out: bool) -> bytes:
    samples = []
    for i in range(BLOCK):
        gain = 1.0
        if fade_in and i < _FADE:
            gain = 0.5 - 0.5 * math.cos(math.pi * i / _FADE)
        if fade_out and i >= BLOCK - _FADE:
            gain *= 0.5 - 0.5 * math.cos(math.pi * (BLOCK - 1 - i) / _FADE)
        samples.append(round(_AMPLITUDE * gain * math.sin(2 * math.pi * pitch * i / SAMPLE_RATE)))
    return struct.pack(f"<{BLOCK}h", *samples)
