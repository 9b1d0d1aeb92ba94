"""Binary bodies are what their Content-Type says: magic bytes, a real decode (Pillow for images,
a frame walk and FFmpeg when installed for audio, FFmpeg when installed for MP4 video), and the
size and format the request asked for. Base64 images inside JSON answers (fields the spec
describes as base64 image data) get the same treatment.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contracts.checks import audio
from contracts.failures import Failure, excerpt

CHECK = "binary_content"

IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpeg", "image/jpg": "jpeg", "image/webp": "webp"}
AUDIO_TYPES = {
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/opus": "opus",
    "audio/ogg": "opus",
    "audio/aac": "aac",
    "audio/flac": "flac",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/pcm": "pcm",
    "audio/l16": "pcm",
}
VIDEO_TYPES = {"video/mp4": "mp4"}
_PIL_FORMATS = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp", "GIF": "gif"}
_DATA_URL = re.compile(r"^data:(image/[\w.+-]+);base64,(.*)$", re.DOTALL)


def sniff(data: bytes) -> str | None:
    """The format the bytes announce: png, jpeg, webp, gif, wav, flac, opus, mp3, aac, mp4 or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[4:8] == b"ftyp":
        return "mp4"  # ISO base media: the first box is the file type
    if data.startswith(b"fLaC"):
        return "flac"
    if data.startswith(b"OggS"):
        return "opus"
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE6 == 0xE2):
        return "mp3"  # MPEG-1/2/2.5 layer III
    if len(data) > 1 and data[0] == 0xFF and data[1] & 0xF6 == 0xF0:
        return "aac"  # ADTS: layer bits 00
    return None


@dataclass(frozen=True, slots=True)
class ImageRequest:
    """The image a request asked for; None where it left the choice to the server."""

    width: int | None = None
    height: int | None = None
    format: str | None = None  # png, jpeg, webp
    slack: int = 0  # pixels either way (a scaled size may round either way)

    @classmethod
    def from_body(cls, body: Any, defaults: Mapping[str, Any]) -> ImageRequest:
        """From a JSON request body and its schema's defaults (Venice's image fields: width and
        height, or size "WxH"; format or output_format)."""
        fields = {**defaults, **(body if isinstance(body, dict) else {})}
        width, height = fields.get("width"), fields.get("height")
        size = fields.get("size")
        if isinstance(size, str) and re.fullmatch(r"\d+x\d+", size):
            width, height = (int(n) for n in size.split("x"))
        fmt = fields.get("format", fields.get("output_format"))
        return cls(
            width if isinstance(width, int) and not isinstance(width, bool) else None,
            height if isinstance(height, int) and not isinstance(height, bool) else None,
            fmt if fmt in ("png", "jpeg", "webp") else None,
        )


def check_image(
    data: bytes, declared: str | None, wanted: ImageRequest, where: str = "body"
) -> list[Failure]:
    """An image's bytes: decodable, of the declared format (if any) and of the requested one."""
    from PIL import Image, UnidentifiedImageError

    magic = sniff(data)
    if declared is not None and magic != declared:
        title = f"{where} is not {declared}"
        return [Failure(CHECK, title, f"{declared} bytes", f"{magic or 'unknown'}: {data[:12]!r}", "magic")]
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            fmt, (width, height) = _PIL_FORMATS.get(image.format or "", image.format), image.size
        if fmt == "png":
            # load() stops once it has the pixels: a PNG cut after its image data (no IEND) or with
            # a broken chunk CRC loads. verify() reads every chunk to IEND (it needs a fresh open).
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        return [
            Failure(CHECK, f"{where} does not decode as an image", "a decodable image", str(exc), "decode")
        ]
    out: list[Failure] = []
    if wanted.format is not None and fmt != wanted.format:
        out.append(Failure(CHECK, f"{where} has the wrong format", wanted.format, str(fmt), "image_format"))
    off = max(abs(width - (wanted.width or width)), abs(height - (wanted.height or height)))
    if (wanted.width, wanted.height) != (None, None) and off > wanted.slack:
        title = f"{where} has the wrong size"
        expected = f"{wanted.width}x{wanted.height}"
        out.append(Failure(CHECK, title, expected, f"{width}x{height}", "image_size"))
    return out


def check_audio(data: bytes, declared: str, wanted: str | None) -> list[Failure]:
    """Audio bytes: of the declared format, of the requested one, and decodable."""
    out: list[Failure] = []
    if wanted is not None and wanted != declared:
        out.append(Failure(CHECK, "audio in another format than requested", wanted, declared, "audio_format"))
    magic = sniff(data)
    if declared != "pcm" and magic != declared:
        title = f"body is not {declared}"
        out.append(
            Failure(CHECK, title, f"{declared} bytes", f"{magic or 'unknown'}: {data[:12]!r}", "magic")
        )
        return out
    problem = audio.WALKERS[declared](data) or audio.decode_with_av(data, declared)
    if problem is not None:
        out.append(
            Failure(
                CHECK,
                f"{declared} audio does not decode",
                f"a decodable {declared} stream",
                problem,
                "decode",
            )
        )
    return out


def check_video(data: bytes) -> list[Failure]:
    """MP4 bytes: the file-type box first, and every video frame decodes (FFmpeg, when installed)."""
    magic = sniff(data)
    if magic != "mp4":
        return [
            Failure(CHECK, "body is not mp4", "mp4 bytes", f"{magic or 'unknown'}: {data[:12]!r}", "magic")
        ]
    try:
        import av
    except ImportError:
        return []
    problem: str | None
    try:
        with av.open(io.BytesIO(data)) as container:
            frames = sum(1 for _ in container.decode(video=0))
    except Exception as exc:  # PyAV raises many kinds (FFmpegError, ValueError, IndexError)
        problem = f"FFmpeg: {type(exc).__name__}: {exc}"
    else:
        problem = None if frames else "FFmpeg decoded no video frame"
    if problem is None:
        return []
    return [Failure(CHECK, "mp4 video does not decode", "a decodable mp4 video", problem, "decode")]


def check_binary(
    media_type: str, data: bytes, image: ImageRequest, audio_format: str | None
) -> list[Failure]:
    """A binary answer of `media_type` (images, audio and MP4 are checked; other types are opaque)."""
    if media_type in IMAGE_TYPES:
        return check_image(data, IMAGE_TYPES[media_type], image)
    if media_type in AUDIO_TYPES:
        return check_audio(data, AUDIO_TYPES[media_type], audio_format)
    if media_type in VIDEO_TYPES:
        return check_video(data)
    return []


def _is_base64_image(schema: Any, inherited: str) -> bool:
    text = f"{inherited} {schema.get('description', '') if isinstance(schema, Mapping) else ''}".lower()
    return "base64" in text and "image" in text


def json_images(value: Any, schema: Any, described: str = "") -> list[tuple[str, str]]:
    """(path, text) of the strings in a JSON answer that hold images: data URLs anywhere, and
    strings whose schema (or the property holding them) the spec describes as base64 images."""
    found: list[tuple[str, str]] = []
    _walk(value, schema if isinstance(schema, Mapping) else {}, described, "", found)
    return found


def _walk(
    value: Any, schema: Mapping[str, Any], described: str, path: str, out: list[tuple[str, str]]
) -> None:
    if isinstance(value, str):
        if _DATA_URL.match(value[:100]) or (_is_base64_image(schema, described) and value):
            out.append((path or "body", value))
        return
    branches = [b for k in ("anyOf", "oneOf", "allOf") for b in schema.get(k, []) if isinstance(b, Mapping)]
    if isinstance(value, dict):
        for key, item in value.items():
            sub = _property(schema, branches, key)
            note = sub.get("description", "") if isinstance(sub, Mapping) else ""
            _walk(item, sub, note, f"{path}.{key}" if path else key, out)
    elif isinstance(value, list):
        items = schema.get("items")
        sub = items if isinstance(items, Mapping) else {}
        for number, item in enumerate(value):
            _walk(item, sub, described, f"{path}[{number}]", out)


def _property(schema: Mapping[str, Any], branches: list[Mapping[str, Any]], key: str) -> Mapping[str, Any]:
    for candidate in (schema, *branches):
        prop = (candidate.get("properties") or {}).get(key)
        if isinstance(prop, Mapping):
            return prop
    return {}


def check_json_images(value: Any, schema: Any, wanted: ImageRequest) -> list[Failure]:
    """Base64 images inside a JSON answer: valid base64, then the image checks. First problem only."""
    for path, text in json_images(value, schema):
        match = _DATA_URL.match(text)
        payload = match.group(2) if match else text
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError) as exc:
            return [
                Failure(
                    CHECK,
                    f"{path} is not valid base64",
                    "base64 image data",
                    f"{exc}: {excerpt(text, 60)}",
                    "base64",
                )
            ]
        declared = IMAGE_TYPES.get(match.group(1)) if match else None
        failures = check_image(data, declared, wanted, path)
        if failures:
            return failures
    return []
