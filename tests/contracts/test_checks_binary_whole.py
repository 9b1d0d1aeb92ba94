"""The image, video and JSON-image judges, failure by failure, each compared whole (check, title,
expected, received, rule); and the magic bytes of every format the judges tell apart."""

from __future__ import annotations

import base64
import io
import struct
from typing import Any

import av
import pytest
from PIL import Image

from contracts.checks.binary import CHECK, ImageRequest, check_binary, check_json_images, json_images, sniff
from contracts.failures import Failure, excerpt
from mockserver.media.images import encode_image
from mockserver.media.mp4 import encode_mp4, mp4_container
from tests.contracts.media_files import id3v2, lame_mp3

PNG = encode_image(64, 48, "png", 0)
JPEG = encode_image(64, 48, "jpeg", 0)
B64 = base64.b64encode(PNG).decode()


def pillow(fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    Image.new("P" if fmt == "GIF" else "RGB", (8, 8)).save(out, fmt, **options)
    return out.getvalue()


def png_chunks(data: bytes) -> list[tuple[bytes, int, int]]:
    """(type, offset, data length) of each chunk."""
    out, pos = [], 8
    while pos < len(data):
        length = struct.unpack_from(">I", data, pos)[0]
        out.append((data[pos + 4 : pos + 8], pos, length))
        pos += 12 + length
    return out


# Magic bytes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        pytest.param(pillow("GIF"), "gif", id="GIF87a"),
        pytest.param(pillow("GIF", transparency=0), "gif", id="GIF89a"),
        pytest.param(b"RIFF\x04\0\0\0AVI LIST", None, id="an AVI is RIFF, neither WAVE nor WEBP"),
        pytest.param(id3v2(0) + lame_mp3(), "mp3", id="ID3-tagged mp3"),
        pytest.param(b"\xff\xfb", "mp3", id="an MPEG-1 layer III sync"),
        pytest.param(b"\xff\xf1", "aac", id="an ADTS sync"),
        pytest.param(b"\xff", None, id="one 0xFF byte"),
        pytest.param(b"\x00\xf1", None, id="an ADTS second byte alone"),
        pytest.param(b"\x00\x00", None, id="two zeros"),
        pytest.param(b"", None, id="empty"),
    ],
)
def test_magic_bytes(data: bytes, fmt: str | None) -> None:
    assert sniff(data) == fmt


def test_pillow_writes_both_gif_versions() -> None:
    assert (pillow("GIF")[:6], pillow("GIF", transparency=0)[:6]) == (b"GIF87a", b"GIF89a")


# The requested image ---------------------------------------------------------------------------


def test_only_integer_sizes_and_known_formats_are_requests() -> None:
    defaults = {"width": 256, "height": 128, "format": "png"}
    assert ImageRequest.from_body(["not", "an", "object"], defaults) == ImageRequest(256, 128, "png")
    assert ImageRequest.from_body({"width": "512", "height": True}, {}) == ImageRequest()
    assert ImageRequest.from_body({"width": False, "height": "64"}, {}) == ImageRequest()
    assert ImageRequest.from_body({"format": "gif"}, {}) == ImageRequest()
    assert ImageRequest.from_body({"output_format": "jpeg"}, {}) == ImageRequest(format="jpeg")


# Images ----------------------------------------------------------------------------------------


def decode_failure(received: str, where: str = "body") -> Failure:
    return Failure(CHECK, f"{where} does not decode as an image", "a decodable image", received, "decode")


def test_image_failures_are_whole() -> None:
    assert check_binary("image/jpeg", PNG, ImageRequest(), None) == [
        Failure(CHECK, "body is not jpeg", "jpeg bytes", f"png: {PNG[:12]!r}", "magic")
    ]
    assert check_binary("image/png", bytes(20), ImageRequest(), None) == [
        Failure(CHECK, "body is not png", "png bytes", f"unknown: {bytes(12)!r}", "magic")
    ]
    idat = next(offset for kind, offset, _ in png_chunks(PNG) if kind == b"IDAT")
    assert check_binary("image/png", PNG[: idat + 30], ImageRequest(), None) == [
        decode_failure("image file is truncated")
    ]
    assert check_binary("image/png", PNG, ImageRequest(format="webp"), None) == [
        Failure(CHECK, "body has the wrong format", "webp", "png", "image_format")
    ]
    assert check_binary("image/jpeg", JPEG, ImageRequest(32, 48, "png"), None) == [
        Failure(CHECK, "body has the wrong format", "png", "jpeg", "image_format"),
        Failure(CHECK, "body has the wrong size", "32x48", "64x48", "image_size"),
    ]


def test_a_png_cut_after_its_pixels_or_with_a_broken_crc_does_not_decode() -> None:
    # Pillow's load() has every pixel by then; the file is still not whole.
    assert check_binary("image/png", PNG[:-12], ImageRequest(), None) == [
        decode_failure("truncated PNG file")
    ]
    _, offset, length = next(chunk for chunk in png_chunks(PNG) if chunk[0] == b"IDAT")
    broken = bytearray(PNG)
    broken[offset + 8 + length] ^= 1  # the IDAT chunk's CRC
    assert check_binary("image/png", bytes(broken), ImageRequest(), None) == [
        decode_failure("broken PNG file (bad header checksum in b'IDAT')")
    ]


def test_an_image_format_without_a_short_name_is_named_as_pillow_names_it() -> None:
    bmp = base64.b64encode(pillow("BMP")).decode()
    assert check_json_images({"image": bmp}, SCHEMA, ImageRequest(format="png")) == [
        Failure(CHECK, "image has the wrong format", "png", "BMP", "image_format")
    ]


# Video -----------------------------------------------------------------------------------------


def h264_mp4() -> bytes:
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=8)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for shade in range(4):
            picture = Image.new("RGB", (64, 48), (shade * 60, 100, 200))
            frame = av.VideoFrame.from_image(picture)  # type: ignore[no-untyped-call]
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


def video_failure(received: str) -> Failure:
    return Failure(CHECK, "mp4 video does not decode", "a decodable mp4 video", received, "decode")


def test_video_failures_are_whole() -> None:
    assert check_binary("video/mp4", h264_mp4(), ImageRequest(), None) == []
    assert check_binary("video/mp4", encode_mp4(32, 32, 1.0, seed=1, audio=True), ImageRequest(), None) == []
    assert check_binary("video/mp4", bytes(64), ImageRequest(), None) == [
        Failure(CHECK, "body is not mp4", "mp4 bytes", f"unknown: {bytes(12)!r}", "magic")
    ]
    assert check_binary("video/mp4", PNG, ImageRequest(), None) == [
        Failure(CHECK, "body is not mp4", "mp4 bytes", f"png: {PNG[:12]!r}", "magic")
    ]
    assert check_binary("video/mp4", mp4_container(16, 16, 8, []), ImageRequest(), None) == [
        video_failure("FFmpeg decoded no video frame")  # a track with no samples
    ]
    [broken] = check_binary(
        "video/mp4", mp4_container(16, 16, 8, [b"\xff\xd8 not a JPEG"]), ImageRequest(), None
    )
    assert broken == video_failure(broken.received)
    assert broken.received.startswith("FFmpeg: InvalidDataError: ")


def test_other_media_types_are_opaque() -> None:
    assert check_binary("application/octet-stream", bytes(8), ImageRequest(64, 64, "png"), "mp3") == []


# Base64 images in JSON -------------------------------------------------------------------------

IMAGE = {"type": "string", "description": "The image, base64-encoded."}
SCHEMA: dict[str, Any] = {"type": "object", "properties": {"image": IMAGE}}


def test_where_base64_images_are_found() -> None:
    data_url = f"data:image/png;base64,{B64}"
    assert json_images(B64, IMAGE) == [("body", B64)]
    assert json_images([B64, B64], {"type": "array", "items": IMAGE}) == [("[0]", B64), ("[1]", B64)]
    assert json_images({"a": data_url}, None) == [("a", data_url)]  # a data URL needs no schema
    tuple_items = {"type": "array", "items": [{"type": "object"}]}  # the old tuple form: no one schema
    assert json_images([{"a": data_url}], tuple_items) == [("[0].a", data_url)]
    for combinator in ("oneOf", "allOf", "anyOf"):
        branches = {combinator: [{"type": "object", "properties": {"image": IMAGE}}]}
        assert json_images({"image": B64}, branches) == [("image", B64)], combinator
    for description in ("The image's URL.", "The audio, base64-encoded.", ""):
        schema = {"type": "object", "properties": {"image": {"type": "string", "description": description}}}
        assert json_images({"image": B64}, schema) == [], description
    assert json_images({"image": ""}, SCHEMA) == []  # an empty string holds no image


LIST: dict[str, Any] = {"type": "object", "properties": {"images": {"type": "array", "items": IMAGE}}}


def test_json_image_failures_are_whole_and_the_first_only() -> None:
    data_url = f"data:image/png;base64,{B64}"
    assert check_json_images({"images": [data_url, B64]}, LIST, ImageRequest(64, 48, "png")) == []
    as_jpeg = f"data:image/jpeg;base64,{B64}"
    assert check_json_images({"images": [B64, as_jpeg]}, LIST, ImageRequest()) == [
        Failure(CHECK, "images[1] is not jpeg", "jpeg bytes", f"png: {PNG[:12]!r}", "magic")
    ]
    junk = B64[:8] + "@@@@" + B64[8:]  # whole quads of junk: a lax decoder would skip them
    assert check_json_images({"images": [junk, "@@"]}, LIST, ImageRequest()) == [
        Failure(
            CHECK,
            "images[0] is not valid base64",
            "base64 image data",
            f"Only base64 data is allowed: {excerpt(junk, 60)}",
            "base64",
        )
    ]
    cut = base64.b64encode(PNG[:-12]).decode()
    assert check_json_images({"images": [B64, cut, "@@"]}, LIST, ImageRequest()) == [
        decode_failure("truncated PNG file", "images[1]")
    ]
