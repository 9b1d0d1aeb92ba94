"""The audio frame walks, file layout by file layout: what real encoders write passes, and each
spoiled field gets the walk's own words. Then check_audio's failures, compared whole."""

from __future__ import annotations

import functools
import struct

import pytest

from contracts.checks import audio
from contracts.checks.binary import CHECK, check_audio
from contracts.failures import Failure
from mockserver.media.audio import synthesize_speech
from mockserver.media.images import encode_image
from mockserver.media.ogg import ogg_page
from tests.contracts.media_files import (
    adts_header,
    ffmpeg_audio,
    flac_block,
    flac_join,
    flac_parts,
    fmt_body,
    id3v1,
    id3v2,
    lame_mp3,
    ogg_pages,
    reseal,
    riff_chunk,
    riff_wave,
    tone,
    wave_file,
)


@functools.cache
def ffmpeg_flac() -> bytes:
    return ffmpeg_audio("flac", "flac", 44100)


@functools.cache
def ffmpeg_opus() -> bytes:
    return ffmpeg_audio("ogg", "libopus", 48000)


@functools.cache
def ffmpeg_aac() -> bytes:
    return ffmpeg_audio("adts", "aac", 44100)


@functools.cache
def mpeg1_mp3() -> bytes:
    return lame_mp3(44100, 128)  # MPEG-1, 417- and 418-byte (padded) frames


@functools.cache
def speech_mp3() -> bytes:
    data = synthesize_speech("A short sentence to say.", 1.0, "mp3", 1).data
    assert len(data) % 144 == 0  # MPEG-2 48 kb/s at 24 kHz: every frame is 144 bytes, unpadded
    return data


def both(data: bytes, fmt: str) -> tuple[str | None, str | None]:
    """What the walk and FFmpeg say."""
    return audio.WALKERS[fmt](data), audio.decode_with_av(data, fmt)


# WAV -------------------------------------------------------------------------------------------

PCM = tone(8000, 0.05)
FMT = riff_chunk(b"fmt ", fmt_body())


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(wave_file(1, bytes(range(256))), id="8-bit mono: one-byte blocks"),
        pytest.param(wave_file(2, tone(8000, 0.05, 2), channels=2), id="16-bit stereo"),
        pytest.param(
            riff_wave(riff_chunk(b"LIST", b"INFOx"), FMT, riff_chunk(b"data", PCM)), id="odd chunk, padded"
        ),
        pytest.param(
            riff_wave(FMT, riff_chunk(b"fact", b"\x10\0\0\0\0\0"), riff_chunk(b"data", PCM)),
            id="6-byte chunk",
        ),
        pytest.param(
            riff_wave(riff_chunk(b"fmt ", fmt_body() + b"\0\0"), riff_chunk(b"data", PCM)), id="18-byte fmt"
        ),
    ],
)
def test_wav_layouts_real_writers_use_pass_the_walk_and_ffmpeg(data: bytes) -> None:
    assert both(data, "wav") == (None, None)


def test_wav_sizes_are_unsigned() -> None:
    # A block of 40000 bytes (20000 channels of 16 bits) is odd, but it is no negative number.
    data = riff_wave(riff_chunk(b"fmt ", fmt_body(20000, 8000, 40000)), riff_chunk(b"data", bytes(80000)))
    assert audio.walk_wav(data) is None


WEBP = encode_image(8, 8, "webp", 0)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        pytest.param(WEBP, "no RIFF/WAVE header", id="a WebP is RIFF but not WAVE"),
        pytest.param(b"RIFX" + riff_wave(FMT)[4:], "no RIFF/WAVE header", id="big-endian RIFX"),
        pytest.param(b"RIFF\x03\0\0\0WAV", "no RIFF/WAVE header", id="11 bytes"),
        pytest.param(riff_wave(), "no data chunk", id="the 12-byte header alone"),
        pytest.param(riff_wave(FMT), "no data chunk", id="fmt ends the file"),
        pytest.param(riff_wave(FMT, riff_chunk(b"LIST", b"INFOx")), "no data chunk", id="no data chunk"),
        pytest.param(
            riff_wave(riff_chunk(b"data", PCM), FMT), "data chunk before a valid fmt chunk", id="data first"
        ),
        pytest.param(
            riff_wave(riff_chunk(b"fmt ", fmt_body(channels=0)), riff_chunk(b"data", PCM)),
            "data chunk before a valid fmt chunk",
            id="no channels",
        ),
        pytest.param(
            riff_wave(riff_chunk(b"fmt ", fmt_body(block_align=0)), riff_chunk(b"data", PCM)),
            "data chunk before a valid fmt chunk",
            id="zero block size",
        ),
        pytest.param(
            riff_wave(riff_chunk(b"fmt ", fmt_body()[:12]), riff_chunk(b"data", PCM)),
            "fmt chunk too short",
            id="fmt declares 12 bytes",
        ),
        pytest.param(
            riff_wave(b"fmt " + struct.pack("<I", 16) + fmt_body()[:10]), "fmt chunk too short", id="fmt cut"
        ),
        pytest.param(
            riff_wave(FMT, riff_chunk(b"data", PCM[:10], size=100)),
            "data chunk declares 100 bytes, 10 present",
            id="data cut",
        ),
        pytest.param(
            riff_wave(FMT, riff_chunk(b"data", PCM[:10], size=0xFFFFFFFF)),
            "data chunk declares 4294967295 bytes, 10 present",
            id="streaming size",
        ),
        pytest.param(
            riff_wave(FMT, riff_chunk(b"data", PCM[:3])),
            "data size 3 is not a multiple of the block size 2",
            id="half a sample",
        ),
    ],
)
def test_each_broken_wav_layout_is_named(data: bytes, problem: str) -> None:
    assert audio.walk_wav(data) == problem


# FLAC ------------------------------------------------------------------------------------------


def test_ffmpeg_flac_metadata_blocks_are_walked_in_any_order_and_size() -> None:
    blocks, frames = flac_parts(ffmpeg_flac())
    assert [block[0] & 0x7F for block in blocks] == [0, 4, 1]  # STREAMINFO, VORBIS_COMMENT, PADDING
    padding_first = flac_join([blocks[0], flac_block(1, bytes(16), False), blocks[1]], frames)
    big_padding = flac_join([*blocks[:2], flac_block(1, bytes(70000), True)], frames)  # a 3-byte size
    for data in (ffmpeg_flac(), padding_first, big_padding):
        assert both(data, "flac") == (None, None)


def test_the_flac_walk_reads_the_frame_sync_only() -> None:
    blocks, frames = flac_parts(ffmpeg_flac())
    # 0xFFF9 starts a variable-blocksize frame: a frame too. What follows is FFmpeg's to judge.
    assert audio.walk_flac(flac_join(blocks, b"\xff\xf9" + frames[2:])) is None
    sync_only = flac_join(blocks, b"\xff\xf8")
    assert check_audio(sync_only, "flac", "flac") == [
        Failure(
            CHECK,
            "flac audio does not decode",
            "a decodable flac stream",
            "FFmpeg decoded no audio frame",
            "decode",
        )
    ]


STREAMINFO = flac_parts(ffmpeg_flac())[0][0][4:]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        pytest.param(b"ID3\x04" + bytes(60), "no fLaC marker", id="no marker"),
        pytest.param(
            b"fLaC" + flac_block(1, bytes(8), False) + flac_block(0, STREAMINFO, True) + b"\xff\xf8",
            "first metadata block is not a 34-byte STREAMINFO",
            id="padding first",
        ),
        pytest.param(
            b"fLaC" + flac_block(0, STREAMINFO[:30], True) + b"\xff\xf8",
            "first metadata block is not a 34-byte STREAMINFO",
            id="30-byte STREAMINFO",
        ),
        pytest.param(
            b"fLaC" + flac_block(2, STREAMINFO, True) + b"\xff\xf8",
            "first metadata block is not a 34-byte STREAMINFO",
            id="34-byte APPLICATION first",
        ),
        pytest.param(
            b"fLaC" + flac_block(0, STREAMINFO, False), "metadata blocks run past the end", id="no last"
        ),
        pytest.param(
            b"fLaC" + flac_block(0, STREAMINFO, False) + b"\x81\0\0",
            "metadata blocks run past the end",
            id="3 bytes of a block header",
        ),
        pytest.param(
            b"fLaC" + flac_block(0, STREAMINFO, True), "no audio frame after the metadata", id="no frames"
        ),
        pytest.param(
            b"fLaC" + flac_block(0, STREAMINFO, False) + flac_block(1, b"", True),
            "no audio frame after the metadata",
            id="empty padding ends the file",
        ),
        pytest.param(
            b"fLaC" + flac_block(0, STREAMINFO, True) + b"\xff",
            "no audio frame after the metadata",
            id="1 byte",
        ),
        pytest.param(
            b"fLaC" + flac_block(0, STREAMINFO, True) + b"\xff\x00\x00\x00",
            "no audio frame after the metadata",
            id="0xFF then no sync",
        ),
        pytest.param(
            b"fLaC" + flac_block(0, STREAMINFO, True) + b"\x00\xf8\x00\x00",
            "no audio frame after the metadata",
            id="0xF8 without 0xFF",
        ),
    ],
)
def test_each_broken_flac_layout_is_named(data: bytes, problem: str) -> None:
    assert audio.walk_flac(data) == problem


# MP3 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(mpeg1_mp3(), id="MPEG-1 44.1 kHz, padded frames"),
        pytest.param(lame_mp3(44100, 32), id="MPEG-1 at 32 kb/s: bitrate index 1"),
        pytest.param(lame_mp3(8000, 8), id="MPEG-2.5 8 kHz at 8 kb/s"),
        pytest.param(id3v2(300) + mpeg1_mp3(), id="ID3v2 tag"),
        pytest.param(id3v2(300, footer=True) + mpeg1_mp3(), id="ID3v2.4 tag with its footer"),
        pytest.param(id3v2(300, flags=0x01) + mpeg1_mp3(), id="ID3v2 tag, an undefined flag bit set"),
        pytest.param(id3v2(1 << 21) + mpeg1_mp3(), id="2 MiB ID3v2 tag: all four size bytes"),
        pytest.param(mpeg1_mp3() + id3v1(), id="ID3v1 trailer"),
        pytest.param(id3v2(0, footer=True) + speech_mp3() + id3v1(), id="both tags"),
    ],
)
def test_mp3_files_as_encoders_and_taggers_write_them_pass(data: bytes) -> None:
    assert both(data, "mp3") == (None, None)


def test_one_mpeg_frame_is_a_stream() -> None:
    assert audio.walk_mp3(speech_mp3()[144:288]) is None


def with_header(data: bytes, b1: int, b2: int, at: int = 0) -> bytes:
    return data[: at + 1] + bytes([b1, b2]) + data[at + 3 :]


SPEECH_B1, SPEECH_B2 = 0xF3, 0x64  # MPEG-2 layer III, no CRC; 48 kb/s, 24 kHz, unpadded


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        pytest.param(b"", "no MPEG audio frame", id="empty"),
        pytest.param(b"ID3\x04\0\0\0\0\0\0", "no MPEG audio frame", id="a bare 10-byte ID3 tag"),
        pytest.param(id3v2(30), "no MPEG audio frame", id="an ID3 tag alone"),
        pytest.param(speech_mp3() + b"abc", "3 stray bytes after the last frame", id="3 stray bytes"),
        pytest.param(
            speech_mp3() + speech_mp3()[:4],
            f"frame at byte {len(speech_mp3())} runs past the end",
            id="a lone frame header at the end",
        ),
        pytest.param(speech_mp3()[: 144 * 5 + 50], f"frame at byte {144 * 5} runs past the end", id="cut"),
        pytest.param(b"\x00" + speech_mp3()[1:], "no frame sync at byte 0", id="first byte lost"),
        pytest.param(
            speech_mp3()[:144] + b"\xff\x00" + speech_mp3()[146:],
            "no frame sync at byte 144",
            id="0xFF, no sync",
        ),
        pytest.param(
            with_header(speech_mp3(), 0xF5, SPEECH_B2),
            "invalid MPEG layer III header at byte 0",
            id="layer II",
        ),
        pytest.param(
            with_header(speech_mp3(), 0xEB, SPEECH_B2),
            "invalid MPEG layer III header at byte 0",
            id="version 01",
        ),
        pytest.param(
            with_header(speech_mp3(), SPEECH_B1, 0x04, at=288),
            "invalid MPEG layer III header at byte 288",
            id="free bitrate",
        ),
        pytest.param(
            with_header(speech_mp3(), SPEECH_B1, 0xF4),
            "invalid MPEG layer III header at byte 0",
            id="bitrate 15",
        ),
        pytest.param(
            with_header(speech_mp3(), SPEECH_B1, 0x6C), "invalid MPEG layer III header at byte 0", id="rate 3"
        ),
    ],
)
def test_each_broken_mp3_layout_is_named(data: bytes, problem: str) -> None:
    assert audio.walk_mp3(data) == problem


# ADTS (AAC) ------------------------------------------------------------------------------------


def test_ffmpeg_aac_and_long_frames_pass_the_walk() -> None:
    assert both(ffmpeg_aac(), "aac") == (None, None)
    long_frame = adts_header(2100) + bytes(2093)  # the length's top two bits are in byte 3
    assert audio.walk_adts(long_frame * 2) is None


def test_a_header_only_adts_frame_is_left_to_ffmpeg() -> None:
    data = ffmpeg_aac() + adts_header(7)
    assert audio.walk_adts(data) is None
    [failure] = check_audio(data, "aac", "aac")
    assert failure == Failure(
        CHECK, "aac audio does not decode", "a decodable aac stream", failure.received, "decode"
    )
    assert failure.received.startswith("FFmpeg: InvalidDataError: ")


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        pytest.param(b"", "no ADTS frame", id="empty"),
        pytest.param(
            ffmpeg_aac() + b"\xff\xf1\x50", f"truncated ADTS header at byte {len(ffmpeg_aac())}", id="3 bytes"
        ),
        pytest.param(
            ffmpeg_aac() + adts_header(11),
            f"ADTS frame at byte {len(ffmpeg_aac())} has a bad length 11",
            id="a header, no payload",
        ),
        pytest.param(b"\x00" + ffmpeg_aac()[1:], "no ADTS sync at byte 0", id="first byte lost"),
        pytest.param(b"\xff\xf3" + ffmpeg_aac()[2:], "no ADTS sync at byte 0", id="layer bits 01"),
        pytest.param(adts_header(6) + bytes(20), "ADTS frame at byte 0 has a bad length 6", id="6 bytes"),
    ],
)
def test_each_broken_adts_layout_is_named(data: bytes, problem: str) -> None:
    assert audio.walk_adts(data) == problem


# Ogg Opus --------------------------------------------------------------------------------------


def test_the_crc_table_is_oggs() -> None:
    table = audio._crc_table()

    def crc(data: bytes) -> int:
        value = 0
        for byte in data:
            value = ((value << 8) & 0xFFFFFFFF) ^ table[(value >> 24) ^ byte]
        return value

    assert len(table) == 256
    assert crc(b"123456789") == 0x89A1897F  # CRC-32/OGG's check value
    for page in ogg_pages(ffmpeg_opus()):  # as libogg sealed them
        assert crc(page[:22] + bytes(4) + page[26:]) == struct.unpack_from("<I", page, 22)[0]


def test_ffmpeg_opus_passes_with_or_without_an_empty_last_page() -> None:
    pages = ogg_pages(ffmpeg_opus())
    assert [page[5] for page in pages] == [2, 0, 4]  # first, headers, last
    granule, serial, sequence = struct.unpack_from("<qII", pages[-1], 6)
    empty_end = ogg_page(serial, sequence + 1, granule, [], flags=4)  # 27 bytes: no segments at all
    for data in (ffmpeg_opus(), b"".join(pages[:-1]) + reseal(pages[-1], 0) + empty_end):
        assert both(data, "opus") == (None, None)


def spoil_page(number: int) -> bytes:
    pages = ogg_pages(ffmpeg_opus())
    pages[number] = pages[number][:-1] + bytes([pages[number][-1] ^ 1])
    return b"".join(pages)


OPUS_PAGES = ogg_pages(ffmpeg_opus())
LAST_PAGE_AT = len(ffmpeg_opus()) - len(OPUS_PAGES[-1])


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        pytest.param(b"", "the first Ogg packet is not OpusHead", id="empty"),
        pytest.param(
            ffmpeg_audio("ogg", "flac", 44100), "the first Ogg packet is not OpusHead", id="Ogg FLAC"
        ),
        pytest.param(
            b"".join(OPUS_PAGES[:-1]) + reseal(OPUS_PAGES[-1], 0),
            "the last Ogg page is not marked end-of-stream",
            id="no end-of-stream",
        ),
        pytest.param(
            b"".join(OPUS_PAGES[:-1]) + reseal(OPUS_PAGES[-1], 1),
            "the last Ogg page is not marked end-of-stream",
            id="last page only continued",
        ),
        pytest.param(spoil_page(0), "Ogg page 0 has a bad checksum", id="page 0"),
        pytest.param(spoil_page(2), "Ogg page 2 has a bad checksum", id="page 2"),
        pytest.param(
            ffmpeg_opus() + bytes(40), f"no Ogg page at byte {len(ffmpeg_opus())}", id="zeros after"
        ),
        pytest.param(
            ffmpeg_opus() + b"OggS\0\0", f"no Ogg page at byte {len(ffmpeg_opus())}", id="6 bytes of a page"
        ),
        pytest.param(ffmpeg_opus()[:-10], f"Ogg page at byte {LAST_PAGE_AT} runs past the end", id="cut"),
        pytest.param(
            ffmpeg_opus()[: LAST_PAGE_AT + 28],
            f"Ogg page at byte {LAST_PAGE_AT} runs past the end",
            id="cut lacing",
        ),
    ],
)
def test_each_broken_ogg_layout_is_named(data: bytes, problem: str) -> None:
    assert audio.walk_ogg_opus(data) == problem


# PCM, FFmpeg -----------------------------------------------------------------------------------


def test_raw_pcm_is_whole_16_bit_samples() -> None:
    assert audio.walk_pcm(b"\0\0\0\0") is None
    assert audio.walk_pcm(b"") == "no samples"
    assert audio.walk_pcm(b"\0\0\0") == "3 bytes is not a whole number of 16-bit samples"
    assert audio.decode_with_av(b"\0", "pcm") is None  # nothing to decode


def test_ffmpeg_reads_the_bytes_as_the_declared_format_not_a_guess() -> None:
    wav = wave_file(2, PCM)
    assert audio.decode_with_av(wav, "wav") is None
    assert audio.decode_with_av(wav, "flac") is not None
    assert audio.decode_with_av(wav, "mp3") is not None


# check_audio, whole ----------------------------------------------------------------------------

WAV = wave_file(2, PCM)


def test_audio_failures_are_whole() -> None:
    assert check_audio(WAV, "wav", "wav") == []
    assert check_audio(b"\0\0", "pcm", "pcm") == []  # raw PCM has no magic
    assert check_audio(WAV, "wav", "mp3") == [
        Failure(CHECK, "audio in another format than requested", "mp3", "wav", "audio_format")
    ]
    assert check_audio(WAV, "mp3", "opus") == [
        Failure(CHECK, "audio in another format than requested", "opus", "mp3", "audio_format"),
        Failure(CHECK, "body is not mp3", "mp3 bytes", f"wav: {WAV[:12]!r}", "magic"),
    ]
    assert check_audio(bytes(20), "flac", None) == [
        Failure(CHECK, "body is not flac", "flac bytes", f"unknown: {bytes(12)!r}", "magic")
    ]
    assert check_audio(speech_mp3()[:200], "mp3", None) == [
        Failure(
            CHECK,
            "mp3 audio does not decode",
            "a decodable mp3 stream",
            "frame at byte 144 runs past the end",
            "decode",
        )
    ]
    empty = wave_file(2, b"")
    assert audio.walk_wav(empty) is None  # a data chunk of no bytes is well formed...
    assert check_audio(empty, "wav", "wav") == [  # ... but it holds no sound
        Failure(
            CHECK,
            "wav audio does not decode",
            "a decodable wav stream",
            "FFmpeg decoded no audio frame",
            "decode",
        )
    ]
