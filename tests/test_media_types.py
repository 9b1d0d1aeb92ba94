"""The mock's media table (mockserver/media/types.py) and the kit's (contracts/checks/binary.py)
are written apart on purpose, the kit being the mock's judge; this pins them together, and the
two `kind()` functions with them, so that neither drifts alone."""

from __future__ import annotations

import random

import pytest

from contracts.checks.binary import AUDIO_TYPES, IMAGE_TYPES, VIDEO_TYPES, sniff
from contracts.client import media as client_media
from mockserver import media as mock_media
from mockserver.media.audio import synthesize_speech
from mockserver.media.images import encode_image
from mockserver.media.mp4 import encode_mp4
from mockserver.media.types import BY_MEDIA_TYPE, FORMATS, format_of
from mockserver.selfcheck import binary_problems


def test_both_tables_know_the_same_media_types_as_the_same_formats() -> None:
    kit = {**IMAGE_TYPES, **AUDIO_TYPES, **VIDEO_TYPES}
    assert {t: f.name for t, f in BY_MEDIA_TYPE.items()} == kit
    for family, table in (("image", IMAGE_TYPES), ("audio", AUDIO_TYPES), ("video", VIDEO_TYPES)):
        assert {t for t, f in BY_MEDIA_TYPE.items() if f.family == family} == set(table)


@pytest.mark.parametrize(
    "media_type",
    [
        "application/json", "application/problem+json", "text/event-stream", "text/csv", "text/plain",
        "text/html", "application/xml", "application/yaml", "image/png", "audio/mpeg", "video/mp4",
        "application/octet-stream", "application/pdf",
    ],
)  # fmt: skip
def test_the_mock_and_the_kit_agree_on_what_kind_of_body_a_media_type_is(media_type: str) -> None:
    assert mock_media.kind(media_type) == client_media.kind(media_type)


def _real_file(name: str) -> bytes:
    family = FORMATS[name].family
    if family == "image":
        return encode_image(16, 16, name, 1)  # type: ignore[arg-type]
    if family == "audio":
        return synthesize_speech("Hello there.", 1.0, name, 1).data  # type: ignore[arg-type]
    return encode_mp4(32, 18, 0.5, 1)


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_format_s_real_bytes_pass_both_sides_magic(name: str) -> None:
    data = _real_file(name)
    for media_type, known in BY_MEDIA_TYPE.items():
        if known.name != name:
            continue
        assert binary_problems(media_type, data) == [], media_type  # the proxy's check (mock side)
    if name != "pcm":  # PCM has no header to sniff
        assert sniff(data) is not None


@pytest.mark.parametrize("name", [n for n, f in FORMATS.items() if f.magic is not None])
def test_bytes_of_nothing_fail_the_mock_s_magic(name: str) -> None:
    noise = random.Random(name).randbytes(64).replace(b"\xff", b"\x00")
    assert binary_problems(FORMATS[name].media_type, noise) != []


def test_format_lookup_ignores_parameters_and_case() -> None:
    known = format_of(" Audio/MPEG ; q=1")
    assert known is not None
    assert known.name == "mp3"
    assert format_of("image/gif") is None
