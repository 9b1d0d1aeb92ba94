"""Binary bodies: magic bytes, a real decode, the requested size and format; base64 images in JSON."""

from __future__ import annotations

import base64

import pytest

from contracts.checks import audio
from contracts.checks.binary import ImageRequest, check_binary, check_json_images, json_images, sniff
from contracts.server.venice import upload_result
from mockserver import Spec
from mockserver.media.audio import MEDIA_TYPES as AUDIO_TYPES
from mockserver.media.audio import synthesize_speech
from mockserver.media.images import encode_image

FORMATS = tuple(AUDIO_TYPES)


def speech(fmt: str) -> bytes:
    return synthesize_speech("A short sentence to say.", 1.0, fmt, 1).data  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp"])
def test_a_real_image_of_the_requested_size_and_format_passes(fmt: str) -> None:
    data = encode_image(64, 48, fmt, 0)  # type: ignore[arg-type]
    assert sniff(data) == fmt
    assert check_binary(f"image/{fmt}", data, ImageRequest(64, 48, fmt), None) == []


def test_image_failures_are_named() -> None:
    png = encode_image(64, 48, "png", 0)
    assert [f.name for f in check_binary("image/jpeg", png, ImageRequest(), None)] == ["binary_content.magic"]
    assert [f.name for f in check_binary("image/png", png[:40], ImageRequest(), None)] == [
        "binary_content.decode"
    ]
    wrong_size = check_binary("image/png", png, ImageRequest(64, 64, "png"), None)
    assert [(f.name, f.expected, f.received) for f in wrong_size] == [
        ("binary_content.image_size", "64x64", "64x48")
    ]
    assert [f.name for f in check_binary("image/png", png, ImageRequest(format="webp"), None)] == [
        "binary_content.image_format"
    ]


def test_the_requested_image_comes_from_the_body_or_the_schema_defaults() -> None:
    defaults = {"width": 1024, "height": 1024, "format": "webp"}
    assert ImageRequest.from_body({"width": 512}, defaults) == ImageRequest(512, 1024, "webp")
    assert ImageRequest.from_body({"size": "1024x1536", "output_format": "png"}, {}) == ImageRequest(
        1024, 1536, "png"
    )
    assert ImageRequest.from_body({"size": "auto"}, {}) == ImageRequest()


@pytest.mark.parametrize("fmt", FORMATS)
def test_real_speech_in_every_format_passes(fmt: str) -> None:
    data = speech(fmt)
    assert audio.WALKERS[fmt](data) is None
    assert audio.decode_with_av(data, fmt) is None
    assert check_binary(AUDIO_TYPES[fmt], data, ImageRequest(), fmt) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_garbled_speech_does_not_decode(fmt: str) -> None:
    data = speech(fmt)
    garbled = (
        data[:4] + bytes((i * 37 + 11) % 251 for i in range(len(data) - 4))
        if fmt != "pcm"
        else data + b"\x00"
    )
    failures = check_binary(AUDIO_TYPES[fmt], garbled, ImageRequest(), fmt)
    assert [f.check for f in failures] == ["binary_content"]
    assert failures[0].rule in ("magic", "decode")


@pytest.mark.parametrize("fmt", ["mp3", "opus", "aac", "flac", "wav"])
def test_truncated_speech_is_caught_by_the_frame_walk_or_ffmpeg(fmt: str) -> None:
    data = speech(fmt)
    cut = data[: len(data) // 3]
    assert audio.WALKERS[fmt](cut) is not None or audio.decode_with_av(cut, fmt) is not None


def test_audio_in_another_format_than_requested() -> None:
    failures = check_binary("audio/wav", speech("wav"), ImageRequest(), "mp3")
    assert [f.name for f in failures] == ["binary_content.audio_format"]


def test_base64_images_are_found_where_the_spec_says_so(spec: Spec) -> None:
    png = base64.b64encode(encode_image(32, 32, "png", 0)).decode()
    generate = spec.operation("generateImage").responses["200"].content["application/json"].schema
    simple = spec.operation("simpleGenerateImage").responses["200"].content["application/json"].schema
    assert generate is not None
    assert simple is not None
    answer = {"id": "x", "images": [png, png], "timing": {}}
    assert [path for path, _ in json_images(answer, generate.schema)] == ["images[0]", "images[1]"]
    data_urls = {"created": 1, "data": [{"b64_json": png}, {"url": f"data:image/png;base64,{png}"}]}
    assert [path for path, _ in json_images(data_urls, simple.schema)] == ["data[0].b64_json", "data[1].url"]
    assert check_json_images(answer, generate.schema, ImageRequest(32, 32, "png")) == []
    broken = {**answer, "images": ["@@" + png[2:]]}
    assert [f.name for f in check_json_images(broken, generate.schema, ImageRequest())] == [
        "binary_content.base64"
    ]
    small = check_json_images(answer, generate.schema, ImageRequest(64, 64, None))
    assert [f.name for f in small] == ["binary_content.image_size"]


def test_an_upload_answers_with_the_uploaded_size_or_that_size_scaled() -> None:
    upload = base64.b64encode(encode_image(256, 128, "png", 0)).decode()
    assert upload_result("editImage", {"image": upload}) == ImageRequest(256, 128)
    assert upload_result(
        "upscaleImage", {"image": f"data:image/png;base64,{upload}", "scale": 1.5}
    ) == ImageRequest(384, 192, slack=1)
    assert upload_result("upscaleImage", {"image": upload}, 2.0) == ImageRequest(512, 256, slack=1)
    assert upload_result("upscaleImage", {"image": "not an image"}) is None
    assert upload_result("generateImage", {"image": upload}) is None
    rounded = encode_image(385, 192, "png", 0)
    assert check_binary("image/png", rounded, ImageRequest(384, 192, slack=1), None) == []
    assert check_binary("image/png", rounded, ImageRequest(384, 192), None) != []


def test_a_real_mp4_passes_and_broken_ones_are_named() -> None:
    from mockserver.media.mp4 import encode_mp4

    data = encode_mp4(96, 54, 1.0, seed=2)
    assert sniff(data) == "mp4"
    assert check_binary("video/mp4", data, ImageRequest(), None) == []
    not_mp4 = check_binary("video/mp4", b"\x00" * 64, ImageRequest(), None)
    assert [f.rule for f in not_mp4] == ["magic"]
    cut = check_binary("video/mp4", data[: len(data) // 2], ImageRequest(), None)  # loses the moov box
    assert [(f.check, f.rule) for f in cut] == [("binary_content", "decode")]
    assert "FFmpeg" in cut[0].received
