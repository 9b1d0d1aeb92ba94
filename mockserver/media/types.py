"""The binary media types the mock knows, in one table: the encoder format behind each, its
family, the media type the mock names it by, and what its bytes begin with.

Everything else derives from here: which answers get real bytes (media/__init__.py), the audio
and image encoders' format names (media/audio.py, media/images.py), and the proxy's check of an
upstream's binary answers (selfcheck.py). The contract kit keeps its own table, as an oracle
must; tests/test_media_types.py pins the two together.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

Family = Literal["image", "audio", "video"]


@dataclass(frozen=True, slots=True)
class Format:
    name: str  # the encoder's name for it, and the request's word (`format`, `response_format`)
    family: Family
    media_type: str  # the name the mock answers with
    magic: re.Pattern[bytes] | None  # what a file of it begins with; None: headerless (PCM)


def _format(name: str, family: Family, media_type: str, magic: bytes | None) -> Format:
    return Format(name, family, media_type, None if magic is None else re.compile(magic, re.DOTALL))


FORMATS: Mapping[str, Format] = MappingProxyType(
    {
        f.name: f
        for f in (
            _format("png", "image", "image/png", rb"\x89PNG\r\n\x1a\n"),
            _format("jpeg", "image", "image/jpeg", rb"\xff\xd8\xff"),
            _format("webp", "image", "image/webp", rb"RIFF....WEBP"),
            _format("mp3", "audio", "audio/mpeg", rb"ID3|\xff[\xe0-\xff]"),
            _format("opus", "audio", "audio/opus", rb"OggS"),
            _format("aac", "audio", "audio/aac", rb"\xff[\xf0-\xff]|ADIF"),
            _format("flac", "audio", "audio/flac", rb"fLaC"),
            _format("wav", "audio", "audio/wav", rb"RIFF....WAVE"),
            _format("pcm", "audio", "audio/pcm", None),
            _format("mp4", "video", "video/mp4", rb"....ftyp"),
        )
    }
)

# Other names clients and specs use for the same formats.
ALIASES: Mapping[str, str] = MappingProxyType(
    {"image/jpg": "jpeg", "audio/mp3": "mp3", "audio/ogg": "opus", "audio/x-wav": "wav", "audio/l16": "pcm"}
)

BY_MEDIA_TYPE: Mapping[str, Format] = MappingProxyType(
    {**{f.media_type: f for f in FORMATS.values()}, **{t: FORMATS[n] for t, n in ALIASES.items()}}
)

# Opaque binary: any bytes are a valid body (the mock serves seeded random ones).
OPAQUE_TYPES = ("application/octet-stream",)


def format_of(media_type: str) -> Format | None:
    """The format behind a media type (parameters and case ignored), or None if the mock has no
    encoder for it."""
    return BY_MEDIA_TYPE.get(media_type.split(";")[0].strip().lower())


def media_types(family: Family) -> Mapping[str, str]:
    """format name -> the mock's media type, for one family, in table order."""
    return MappingProxyType({f.name: f.media_type for f in FORMATS.values() if f.family == family})
