"""Speech audio: every format decodes with FFmpeg (PyAV) to the duration it claims, sentence by sentence."""

from __future__ import annotations

import io
import itertools
import math
import struct
from array import array
from collections.abc import Iterator

import av
import av.logging
import pytest

from mockserver.media.audio import (
    MEDIA_TYPES,
    SAMPLE_RATE,
    Speech,
    speech_duration,
    synthesize_speech,
)
from mockserver.media.ogg import encode_silent_opus
from mockserver.media.tone import MAX_SECONDS, plan_speech, split_sentences

FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")
TONAL = ("mp3", "flac", "wav", "pcm")  # aac and opus are valid but silent streams (see audio.py)
TEXT = "Hello, and welcome to Venice Voice. This is a test of the speech system! Does it sound right?"
SENTENCES = 3
# Samples per frame where chunks are cut on frame boundaries: each sentence end is rounded to the nearest
# frame, so a total may differ from speech_duration by at most half a frame.
FRAME = {"mp3": 576, "aac": 1024}


@pytest.fixture(autouse=True)
def _ffmpeg_logs() -> Iterator[None]:
    """Let FFmpeg's warnings and errors reach av.logging.Capture (PyAV keeps them quiet by default)."""
    before = av.logging.get_level()
    av.logging.set_level(av.logging.WARNING)
    yield
    av.logging.set_level(before)


def decode(data: bytes, fmt: str) -> tuple[array[int], int]:
    """Decode with FFmpeg, failing on any warning, error or checksum mismatch: (16-bit samples, rate)."""
    options = {"sample_rate": str(SAMPLE_RATE), "channels": "1"} if fmt == "pcm" else {}
    samples: array[int] = array("h")
    with (
        av.logging.Capture() as logs,
        av.open(io.BytesIO(data), format="s16le" if fmt == "pcm" else None, options=options) as container,
    ):
        stream = container.streams.audio[0]
        stream.codec_context.options = {"err_detect": "crccheck+bitstream+buffer+explode"}
        resampler = av.AudioResampler(format="s16", layout="mono")
        for frame in [*container.decode(stream), None]:  # None flushes the resampler
            for converted in resampler.resample(frame):
                samples.frombytes(bytes(converted.planes[0])[: 2 * converted.samples])
        rate = stream.codec_context.sample_rate
    # Streams without a header (mp3 without a Xing tag, ADTS, raw PCM) make the demuxer guess the length
    # from the bit rate before decoding; that note is about the container, not a fault in the audio.
    complaints = [log for log in logs if "Estimating duration from bitrate" not in log[2]]
    assert complaints == [], f"FFmpeg complained while decoding {fmt}: {complaints}"
    return samples, rate


def reported_seconds(data: bytes, fmt: str) -> float:
    """The duration the demuxer reports before decoding (from headers, or estimated from the bit rate)."""
    options = {"sample_rate": str(SAMPLE_RATE), "channels": "1"} if fmt == "pcm" else {}
    with av.open(io.BytesIO(data), format="s16le" if fmt == "pcm" else None, options=options) as container:
        microseconds: int | None = container.duration
    assert microseconds is not None
    return microseconds / 1_000_000


def decoded_seconds(data: bytes, fmt: str) -> float:
    samples, rate = decode(data, fmt)
    return len(samples) / rate


def dominant_pitch(samples: array[int], rate: int) -> float:
    """Frequency from zero crossings: exact enough for one pure tone."""
    crossings = sum(1 for a, b in itertools.pairwise(samples) if (a < 0) != (b < 0))
    return crossings / 2 / (len(samples) / rate)


# --- every format ---------------------------------------------------------------------------------------


def test_media_types() -> None:
    assert dict(MEDIA_TYPES) == {
        "mp3": "audio/mpeg",
        "opus": "audio/opus",
        "aac": "audio/aac",
        "flac": "audio/flac",
        "wav": "audio/wav",
        "pcm": "audio/pcm",
    }


@pytest.mark.parametrize("speed", [0.7, 1.0, 1.7, 3.1])
@pytest.mark.parametrize("fmt", FORMATS)
def test_decodes_to_the_duration_it_claims(fmt: str, speed: float) -> None:
    speech = synthesize_speech(TEXT, speed, fmt, 1)  # type: ignore[arg-type]
    assert speech.media_type == MEDIA_TYPES[fmt]
    # Speech.duration is derived from the frames written, so it matches to the sample; 1 ms is float slack,
    # well under any frame (mp3 24 ms, aac 43 ms, opus 20 ms), so a frame too many or too few fails.
    assert decoded_seconds(speech.data, fmt) == pytest.approx(speech.duration, abs=0.001)
    # Players show this one. ADTS has no length field, so for aac it is a bit-rate estimate (off by ~2 ms).
    assert reported_seconds(speech.data, fmt) == pytest.approx(speech.duration, abs=0.005)
    slack = FRAME.get(fmt, 0) / 2 / SAMPLE_RATE
    assert abs(speech.duration - speech_duration(TEXT, speed)) <= slack + 1e-9


@pytest.mark.parametrize(
    ("fmt", "magic"),
    [
        ("mp3", b"\xff\xf3"),  # frame sync, MPEG-2 Layer III (24 kHz), no CRC
        ("aac", b"\xff\xf1"),  # ADTS sync, MPEG-4, no CRC
        ("opus", b"OggS"),
        ("flac", b"fLaC"),
        ("wav", b"RIFF"),
    ],
)
def test_magic_bytes(fmt: str, magic: bytes) -> None:
    data = synthesize_speech(TEXT, 1.0, fmt, 1).data  # type: ignore[arg-type]
    assert data.startswith(magic)
    if fmt == "wav":
        assert data[8:16] == b"WAVEfmt "
    if fmt == "opus":
        assert data[28:36] == b"OpusHead"


@pytest.mark.parametrize("fmt", TONAL)
def test_each_sentence_is_an_audible_tone_at_the_planned_pitch(fmt: str) -> None:
    text = "One sentence that is long enough to hold a steady tone for a while."
    samples, rate = decode(synthesize_speech(text, 1.0, fmt, 4).data, fmt)  # type: ignore[arg-type]
    steady = samples[rate // 2 : rate * 3 // 2]  # one second well inside the tone
    assert max(abs(s) for s in steady) > 3000
    pitch = plan_speech(text, 1.0, 4)[0].pitch
    assert dominant_pitch(steady, rate) == pytest.approx(pitch, rel=0.02)


def test_tones_fade_in_and_out_and_pauses_are_silent() -> None:
    samples = array("h", synthesize_speech("A first sentence. And a second one.", 1.0, "pcm", 9).data)
    ms = SAMPLE_RATE // 1000
    starts = [0]
    for sentence in plan_speech("A first sentence. And a second one.", 1.0, 9):
        start, tone_end = starts[-1], starts[-1] + sentence.tone_blocks * SAMPLE_RATE // 10
        end = start + sentence.samples
        loudest = max(abs(s) for s in samples[start:tone_end])
        # 20 ms raised-cosine fades: quiet for the first and last millisecond, loud by the middle of the fade.
        assert max(abs(s) for s in samples[start : start + ms]) < loudest / 50
        assert max(abs(s) for s in samples[start + 10 * ms : start + 20 * ms]) > loudest / 3
        assert max(abs(s) for s in samples[tone_end - ms : tone_end]) < loudest / 50
        assert max(abs(s) for s in samples[tone_end - 20 * ms : tone_end - 10 * ms]) > loudest / 3
        assert not any(samples[tone_end:end])  # the pause after the sentence is digital silence
        starts.append(end)
    assert starts[-1] == len(samples)


@pytest.mark.parametrize("fmt", ["flac", "wav"])
def test_lossless_formats_hold_exactly_the_pcm(fmt: str) -> None:
    text = TEXT * 2  # ~25 s at this speed: over 128 FLAC frames, whose numbers then take two bytes
    pcm = synthesize_speech(text, 0.7, "pcm", 8).data
    assert len(pcm) > 2 * 128 * SAMPLE_RATE // 10
    samples, _ = decode(synthesize_speech(text, 0.7, fmt, 8).data, fmt)  # type: ignore[arg-type]
    assert samples.tobytes() == array("h", pcm).tobytes()
    assert len(pcm) == 2 * len(samples)


def test_flac_checksums_are_checked_by_the_decoder() -> None:
    # Guards the guard: the decoder options above do catch a FLAC frame whose CRC-16 is off.
    data = bytearray(synthesize_speech(TEXT, 1.0, "flac", 1).data)
    data[20_000] ^= 0x01  # a sample inside a verbatim frame
    with pytest.raises((AssertionError, av.error.InvalidDataError)):
        decode(bytes(data), "flac")


def _ogg_crc(page: bytes) -> int:
    """Bit-by-bit Ogg CRC (independent of the table-driven one in ogg.py)."""
    crc = 0
    for byte in page:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
    return crc


def test_opus_end_trimming_gives_exact_lengths() -> None:
    # Only the last chunk may be a partial 20 ms packet; the final granule position trims the rest.
    chunks = encode_silent_opus([4800, 1234], SAMPLE_RATE, serial=7)
    samples, rate = decode(b"".join(chunks), "opus")
    assert (len(samples), rate) == (2 * (4800 + 1234), 48000)
    with pytest.raises(ValueError, match="whole number of 20 ms packets"):
        encode_silent_opus([1234, 4800], SAMPLE_RATE, serial=7)


def test_opus_pages_are_well_formed() -> None:
    speech = synthesize_speech(TEXT, 1.0, "opus", 3)
    data, position = speech.data, 0
    granules: list[int] = []
    flags: list[int] = []
    while position < len(data):
        assert data[position : position + 4] == b"OggS"
        flag, granule, _, sequence, crc, segments = struct.unpack_from("<BqIIIB", data, position + 5)
        body = sum(data[position + 27 : position + 27 + segments])
        end = position + 27 + segments + body
        page = data[position:end]
        assert crc == _ogg_crc(page[:22] + bytes(4) + page[26:])
        assert sequence == len(granules)
        granules.append(granule)
        flags.append(flag)
        position = end
    assert flags[0] == 2
    assert flags[-1] == 4
    assert set(flags[1:-1]) <= {0}
    assert granules == sorted(granules)
    assert granules[-1] == round(speech.duration * 48000)  # granules count 48 kHz samples
    channels, pre_skip, rate = struct.unpack_from("<BHI", data, 37)
    assert (channels, pre_skip, rate) == (1, 0, SAMPLE_RATE)


# --- duration ---------------------------------------------------------------------------------------------


def test_duration_grows_with_the_text() -> None:
    words = "Lorem ipsum dolor sit amet, consectetur adipiscing elit sed do eiusmod tempor. " * 12
    durations = [speech_duration(words[:length], 1.0) for length in (5, 40, 80, 200, 400, 960)]
    assert durations == sorted(durations)
    assert len(set(durations)) == len(durations)
    assert speech_duration(TEXT, 1.0) == pytest.approx(len(TEXT) / 15 + 3 * 0.35, abs=0.3)


def test_duration_shrinks_with_speed() -> None:
    text = TEXT * 3
    durations = [speech_duration(text, speed) for speed in (0.25, 0.5, 1.0, 1.5, 2.0, 4.0)]
    assert durations == sorted(durations, reverse=True)
    assert len(set(durations)) == len(durations)
    assert durations[2] / durations[-1] == pytest.approx(4.0, rel=0.15)


def test_duration_is_capped_and_every_sentence_keeps_its_chunk() -> None:
    longest = "All work and no play makes Jack a dull boy. " * 93  # ~4096 characters, the API's maximum
    assert speech_duration(longest, 0.25) == MAX_SECONDS
    speech = synthesize_speech(longest, 0.25, "wav", 1)
    assert speech.duration == MAX_SECONDS
    assert len(speech.data) == 44 + 2 * SAMPLE_RATE * MAX_SECONDS
    assert len(speech.chunks) == len(split_sentences(longest)) == 93
    # Equal sentences are shortened alike (rounding may give one 100 ms block more or less).
    assert max(map(len, speech.chunks[1:])) - min(map(len, speech.chunks[1:])) <= 2 * SAMPLE_RATE // 10


def test_a_long_sentence_over_the_cap_does_not_swallow_the_next() -> None:
    text = "word " * 150 + "and that is all. Thanks."  # the first sentence alone would take ~3 minutes
    blocks = [sentence.blocks for sentence in plan_speech(text, 0.25, 1)]
    # What each asks for uncapped: ~15 characters a second plus a 0.35 s pause, over the speed, in blocks.
    wanted = [round((len(sentence) / 15 + 0.35) / 0.25 * 10) for sentence in split_sentences(text)]
    assert sum(blocks) == 1200 < sum(wanted)
    # Both shrink alike: the same fraction of what each asks for above the 2-block minimum (+-1 block).
    kept = [(got - 2) / (asked - 2) for got, asked in zip(blocks, wanted, strict=True)]
    assert kept[1] == pytest.approx(kept[0], abs=1 / (wanted[1] - 2))
    assert len(synthesize_speech(text, 0.25, "mp3", 1).chunks) == 2


def test_only_texts_of_over_600_sentences_lose_sentences() -> None:
    text = "Ok. " * 1000
    plan = plan_speech(text, 1.0, 1)
    assert len(plan) == 600
    assert sum(sentence.blocks for sentence in plan) == 1200


@pytest.mark.parametrize("speed", [0.0, 0.2, 4.5, math.nan])
def test_speed_out_of_range_is_refused(speed: float) -> None:
    with pytest.raises(ValueError, match=r"speed must be between 0\.25 and 4"):
        speech_duration(TEXT, speed)


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown audio format 'ogg'"):
        synthesize_speech(TEXT, 1.0, "ogg", 1)  # type: ignore[arg-type]


# --- chunks -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (TEXT, SENTENCES),
        ("Just one sentence, with no full stop", 1),
        ("One. Two! Three? Four\u2026 \u201cFive.\u201d Six", 6),
        ("\u4eca\u5929\u5929\u6c14\u5f88\u597d\u3002\u6211\u4eec\u53bb\u516c\u56ed\u5427\uff01", 2),
        ("Pi is 3.14 exactly.", 1),
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_one_chunk_per_sentence_and_they_make_the_file(fmt: str, text: str, sentences: int) -> None:
    speech = synthesize_speech(text, 1.0, fmt, 2)  # type: ignore[arg-type]
    assert len(speech.chunks) == sentences
    assert all(speech.chunks)
    assert b"".join(speech.chunks) == speech.data


@pytest.mark.parametrize("fmt", ["mp3", "aac", "pcm"])
def test_frame_aligned_chunks_decode_on_their_own(fmt: str) -> None:
    speech = synthesize_speech(TEXT, 0.8, fmt, 6)  # type: ignore[arg-type]
    alone = [decoded_seconds(chunk, fmt) for chunk in speech.chunks]
    assert sum(alone) == pytest.approx(speech.duration, abs=0.001)
    planned = [sentence.samples / SAMPLE_RATE for sentence in plan_speech(TEXT, 0.8, 6)]
    frame = FRAME.get(fmt, 1) / SAMPLE_RATE
    for seconds, sentence in zip(alone, planned, strict=True):
        assert seconds == pytest.approx(sentence, abs=frame)  # a sentence end moves by < 1 frame


@pytest.mark.parametrize("fmt", ["wav", "flac", "opus"])
def test_only_the_first_chunk_carries_the_header(fmt: str) -> None:
    chunks = synthesize_speech(TEXT, 1.0, fmt, 6).chunks  # type: ignore[arg-type]
    magic = {"wav": b"RIFF", "flac": b"fLaC", "opus": b"OggS\x00\x02"}[fmt]
    assert chunks[0].startswith(magic)
    assert not any(chunk.startswith(magic) for chunk in chunks[1:])


# --- determinism ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_arguments_same_bytes(fmt: str) -> None:
    first: Speech = synthesize_speech(TEXT, 1.2, fmt, 5)  # type: ignore[arg-type]
    assert synthesize_speech(TEXT, 1.2, fmt, 5) == first  # type: ignore[arg-type]
    assert synthesize_speech(TEXT, 1.3, fmt, 5).data != first.data  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["mp3", "opus", "flac", "wav", "pcm"])
def test_other_seed_other_bytes(fmt: str) -> None:
    # Tonal formats change pitch with the seed; opus changes its Ogg serial number (aac has neither).
    assert synthesize_speech(TEXT, 1.0, fmt, 1).data != synthesize_speech(TEXT, 1.0, fmt, 2).data  # type: ignore[arg-type]
