"""Images the mock serves (seeded pictures in PNG, JPEG or WebP) and checks of the images clients upload."""

from __future__ import annotations

import base64
import binascii
import io
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from PIL import Image, UnidentifiedImageError

from mockserver.media.picture import picture_rows, seeded_picture
from mockserver.media.png import SIGNATURE as PNG_SIGNATURE
from mockserver.media.png import PngError, check_png, encode_png, read_header
from mockserver.media.types import media_types

ImageFormat = Literal["png", "jpeg", "webp"]

MEDIA_TYPES: Mapping[str, str] = media_types("image")  # format -> media type (media/types.py)

# Uploads above this are refused before any pixel is decoded (a 50 MP PNG, 150 MB of pixels, can be a
# 150 KB file). It is also the most the mock will draw; the API's own ceiling (16,777,216 px after
# upscaling) is well below.
MAX_PIXELS = 50_000_000
# WebP's format limit; the API never asks for more than 5120 on a side.
MAX_SIDE = 16383
# JPEG and WebP pictures are handed to Pillow this many rows at a time.
_STRIP_ROWS = 256
# Formats accepted from clients besides PNG (checked by png.py): decoded by Pillow, all in its wheels.
# A fixed list keeps Pillow away from formats that need external programs (EPS runs Ghostscript).
_UPLOAD_FORMATS = ("JPEG", "MPO", "WEBP", "GIF", "BMP", "TIFF", "AVIF")


class ImageError(ValueError):
    """An uploaded image is unusable; the message says what is wrong with it."""


@dataclass(frozen=True, slots=True)
class ImageInfo:
    format: str  # lower-case: "png", "jpeg", "webp", "gif", ...
    width: int
    height: int


def encode_image(width: int, height: int, fmt: ImageFormat, seed: int) -> bytes:
    """A seeded picture of exactly ``width`` x ``height`` in ``fmt``; equal arguments give equal bytes."""
    if fmt not in MEDIA_TYPES:
        raise ValueError(f"unknown image format {fmt!r}; expected one of {', '.join(MEDIA_TYPES)}")
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE) or width * height > MAX_PIXELS:
        raise ValueError(
            f"cannot draw {width}x{height}: sides are 1..{MAX_SIDE}, at most {MAX_PIXELS} pixels"
        )
    rows = picture_rows(seeded_picture(width, height, seed))
    if fmt == "png":
        return encode_png(width, height, rows)
    # Pillow needs the whole frame for JPEG and WebP; filling it strip by strip avoids a second full copy
    # as one big bytes object. These formats are only asked for at generation sizes (<= 1792x1024).
    image = Image.new("RGB", (width, height))
    for top in range(0, height, _STRIP_ROWS):
        count = min(_STRIP_ROWS, height - top)
        strip = b"".join(itertools.islice(rows, count))
        image.paste(Image.frombytes("RGB", (width, count), strip), (0, top))
    out = io.BytesIO()
    if fmt == "jpeg":
        image.save(out, "JPEG", quality=90)
    else:
        # method 2 is 2-3x faster than the default 4 for a file a few percent larger.
        image.save(out, "WEBP", quality=80, method=2)
    return out.getvalue()


def inspect_image(data: bytes) -> ImageInfo:
    """Identify and fully verify an uploaded image; raise ImageError saying what is wrong if it is not."""
    if not data:
        raise ImageError("the upload is not an image: it is empty (0 bytes)")
    if data.startswith(PNG_SIGNATURE):
        return _inspect_png(data)
    try:
        image = Image.open(io.BytesIO(data), formats=_registered_formats())
    except UnidentifiedImageError:
        known = _sniff(data)
        if known is not None:
            raise ImageError(f"the {known} file is truncated or corrupt: its header cannot be read") from None
        raise ImageError(f"the upload is not an image: {_describe(data)}") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow refuses (or, where warnings are errors, warns about) sizes far above ours by itself.
        found = re.search(r"\((\d+) pixels\)", str(exc))
        size = _megapixels(int(found.group(1))) if found else "far too many pixels"
        raise ImageError(
            f"the image is too large: {size}, at most {_megapixels(MAX_PIXELS)} are accepted"
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError(f"the {_sniff(data) or 'image'} file is truncated or corrupt: {exc}") from None
    fmt = "jpeg" if image.format in ("JPEG", "MPO") else (image.format or "unknown").lower()
    width, height = image.size
    with image:
        _check_size(fmt, width, height)
        if fmt == "jpeg":
            # Decoding at 1/8 scale still reads every entropy-coded byte, so truncation is caught, but
            # needs 1/64 of the memory.
            image.draft(None, ((width + 7) // 8, (height + 7) // 8))
        try:
            image.load()
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ImageError(f"the {fmt.upper()} image is truncated or corrupt: {exc}") from None
    return ImageInfo(fmt, width, height)


def _inspect_png(data: bytes) -> ImageInfo:
    try:
        header = read_header(data)
        _check_size("png", header.width, header.height)
        check_png(data)
    except PngError as exc:
        raise ImageError(f"the PNG image is unusable: {exc}") from None
    return ImageInfo("png", header.width, header.height)


def _check_size(fmt: str, width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise ImageError(
            f"the {fmt.upper()} image is too large: {width}x{height} is {_megapixels(width * height)}, "
            f"at most {_megapixels(MAX_PIXELS)} are accepted"
        )


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1e6:.1f} megapixels"


@lru_cache(maxsize=1)
def _registered_formats() -> tuple[str, ...]:
    # Naming a format Pillow has not registered makes Image.open raise KeyError, so ask it first.
    Image.init()
    return tuple(name for name in _UPLOAD_FORMATS if name in Image.OPEN)


def _describe(data: bytes) -> str:
    """Why some bytes are not an image, in words that help whoever sent them."""
    head = data[:64]
    text = head.decode("utf-8", "ignore")
    # A cut multi-byte character at the end of ``head`` may drop up to 3 bytes; binary drops many more.
    if len(text.encode()) >= len(head) - 3 and all(c.isprintable() or c.isspace() for c in text):
        if _BASE64_IMAGE.match(text):
            return "it is base64 text of an image; decode it first, or send it in a base64 field"
        return f"it looks like text ({text[:32]!r}), not a PNG, JPEG, WebP, GIF, BMP or TIFF file"
    return f"its first bytes ({head[:8].hex(' ')}) match no known format (PNG, JPEG, WebP, GIF, BMP, TIFF)"


def _sniff(data: bytes) -> str | None:
    """The format some bytes start like, judged by their first bytes only."""
    if data.startswith(b"RIFF") and (len(data) < 12 or data[8:12] == b"WEBP"):
        return "WebP"
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    return None


_MAGIC = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)
# A data URL, or base64 of the PNG signature, of a JPEG start-of-image marker, of "RIFF" (WebP), of "GIF8".
_BASE64_IMAGE = re.compile(r"\s*(data:image/|iVBORw0KGgo|/9j/|UklGR|R0lGO)")
_DATA_URL = re.compile(r"data:(?P<params>[^,]*),", re.IGNORECASE)
_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/=\s_-]")  # whitespace: line wrapping; - and _: the URL-safe alphabet


def decode_base64_image(text: str) -> bytes:
    """The bytes of an image sent as raw base64 or as a data URL (``data:image/png;base64,...``).

    Only the encoding is checked here; pass the result to :func:`inspect_image` to check the image.
    """
    payload = text.strip()
    where = "the image"
    if not payload:
        raise ImageError("the image is empty: expected base64 data or a data URL")
    url = _DATA_URL.match(payload)
    if url is not None:
        media_type, *params = (part.strip().lower() for part in url.group("params").split(";"))
        if "base64" not in params:
            raise ImageError("the data URL is not base64-encoded: ';base64' is missing before the comma")
        if media_type and not media_type.startswith("image/"):
            raise ImageError(f"the data URL holds {media_type!r}, not an image")
        payload, where = payload[url.end() :], "the data URL's data"
    elif payload[:5].lower() == "data:":
        raise ImageError("the data URL has no comma between its header and its data")
    elif re.match(r"(?i)https?://", payload):
        raise ImageError("image URLs are not fetched: send the image itself as base64 or a data URL")
    # Wrapped base64 (MIME line breaks) and the URL-safe alphabet are common; accept both.
    bad = _NOT_BASE64.search(payload)
    if bad is not None:
        raise ImageError(f"{where} is not valid base64: character {bad.group()!r} at position {bad.start()}")
    compact = "".join(payload.split()).replace("-", "+").replace("_", "/")
    body = compact.rstrip("=")
    if len(body) % 4 == 1:
        raise ImageError(f"{where} is not valid base64: its length is impossible (truncated?)")
    try:
        data = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except binascii.Error as exc:
        raise ImageError(f"{where} is not valid base64: {exc}") from None
    if not data:
        raise ImageError(f"{where} is empty")
    return data
