"""MP4 video: FFmpeg (PyAV) decodes every file to the frame count, size and duration asked for;
binary media types without an encoder get the documented placeholder and a spec warning."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import av
import av.logging
import pytest

from mockserver import load_spec, media
from mockserver.media.mp4 import AAC_FRAME, AUDIO_RATE, DISTINCT_FRAMES, FPS, encode_mp4, frame_count


@pytest.fixture(autouse=True)
def _ffmpeg_logs() -> Iterator[None]:
    """Let FFmpeg's warnings reach av.logging.Capture (PyAV keeps them quiet by default)."""
    before = av.logging.get_level()
    av.logging.set_level(av.logging.WARNING)
    yield
    av.logging.set_level(before)


class Luma(NamedTuple):
    width: int
    height: int
    plane: bytes  # rows of the Y plane, padded to the decoder's line size

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height


def decode(data: bytes) -> dict[str, Any]:
    """What FFmpeg reads from the file, failing on any warning or error it logs while decoding."""
    with av.logging.Capture() as logs, av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        stream.codec_context.options = {"err_detect": "explode"}
        # The luma plane of each frame, as decoded: converting to RGB (to_image) would run the
        # scaler, whose one-time notes leak into whichever FFmpeg log capture comes next.
        frames = [
            Luma(frame.width, frame.height, bytes(frame.planes[0])) for frame in container.decode(stream)
        ]
        info = {
            "format": container.format.name,
            "codec": stream.codec_context.name,
            "width": stream.codec_context.width,
            "height": stream.codec_context.height,
            "declared_frames": stream.frames,
            "stream_seconds": float(stream.duration * stream.time_base),
            "container_seconds": container.duration / 1_000_000,
            "rate": float(stream.average_rate),
            "frames": frames,
            "audio_streams": len(container.streams.audio),
        }
    assert not logs, logs
    return info


@pytest.mark.parametrize(
    ("width", "height", "seconds"),
    [(1280, 720, 5.0), (720, 1280, 10.0), (480, 480, 1.0), (101, 57, 0.5), (1, 1, 0.125)],
)
def test_ffmpeg_decodes_the_asked_size_duration_and_frames(width: int, height: int, seconds: float) -> None:
    info = decode(encode_mp4(width, height, seconds, seed=7))
    expected = frame_count(seconds)
    assert "mp4" in info["format"]
    assert info["codec"] == "mjpeg"
    assert (info["width"], info["height"]) == (width, height)
    assert info["declared_frames"] == expected
    assert len(info["frames"]) == expected
    assert all(frame.size == (width, height) for frame in info["frames"])
    assert info["stream_seconds"] == pytest.approx(expected / FPS)
    assert info["container_seconds"] == pytest.approx(expected / FPS, abs=0.001)
    assert info["rate"] == pytest.approx(FPS)
    assert info["audio_streams"] == 0


@pytest.mark.parametrize("seconds", [5.0, 10.0, 0.5])
def test_audio_is_a_silent_aac_track_as_long_as_the_video(seconds: float) -> None:
    data = encode_mp4(64, 36, seconds, seed=1, audio=True)
    with av.logging.Capture() as logs, av.open(io.BytesIO(data)) as container:
        (stream,) = container.streams.audio
        assert stream.codec_context.name == "aac"
        frames = list(container.decode(stream))
    assert not logs, logs
    assert frames[0].sample_rate == AUDIO_RATE
    assert frames[0].layout.name == "mono"
    heard = sum(f.samples for f in frames) / AUDIO_RATE
    assert seconds <= heard < seconds + AAC_FRAME / AUDIO_RATE  # whole AAC frames covering the video
    assert all(not any(bytes(f.planes[0])) for f in frames)  # silence
    video = decode(data)
    assert len(video["frames"]) == frame_count(seconds)
    assert video["stream_seconds"] == pytest.approx(frame_count(seconds) / FPS)
    assert video["audio_streams"] == 1


def test_the_video_moves_and_is_seeded() -> None:
    data = encode_mp4(160, 90, 2.0, seed=3)
    frames = decode(data)["frames"]
    distinct = {frame.plane for frame in frames}
    assert len(distinct) == DISTINCT_FRAMES  # a bar moves across the picture
    assert frames[0].plane != frames[1].plane
    assert encode_mp4(160, 90, 2.0, seed=3) == data
    other = decode(encode_mp4(160, 90, 2.0, seed=4))["frames"][0]
    assert frames[0].plane != other.plane


def test_frames_are_the_picture_not_noise() -> None:
    frame = decode(encode_mp4(320, 180, 1.0, seed=5))["frames"][0]
    # A seeded picture is a gradient with a few shapes and the white bar: few distinct levels
    # of brightness, and neither black nor flat.
    assert 255 >= max(frame.plane) > min(frame.plane)
    assert max(frame.plane) >= 235  # the bar is white
    assert len(set(frame.plane)) < 200


@pytest.mark.parametrize(
    ("width", "height", "seconds"), [(0, 10, 1.0), (10, 5000, 1.0), (10, 10, 0.0), (10, 10, 61.0)]
)
def test_impossible_videos_are_refused(width: int, height: int, seconds: float) -> None:
    with pytest.raises(ValueError, match="cannot"):
        encode_mp4(width, height, seconds, seed=1)


def test_the_media_table_makes_real_mp4_and_says_what_has_no_encoder() -> None:
    assert media.kind("video/mp4") == "binary"
    assert media.encodable("video/mp4")
    assert media.encodable("application/octet-stream")
    assert media.encodable("image/png")
    assert media.encodable("audio/flac")
    assert not media.encodable("application/pdf")
    assert not media.encodable("video/webm")
    text = media.placeholder("video/webm")
    assert text.startswith(b"venice-mock placeholder: no encoder for video/webm")
    assert text.decode("ascii").endswith("\n")
    with pytest.raises(av.error.InvalidDataError):
        av.open(io.BytesIO(text))


def _spec_with(tmp_path: Path, media_types: list[str]) -> Path:
    content = {name: {"schema": {"type": "string", "format": "binary"}} for name in media_types}
    document = {
        "openapi": "3.0.3",
        "info": {"title": "files", "version": "1"},
        "paths": {
            "/file": {
                "get": {
                    "operationId": "getFile",
                    "responses": {"200": {"description": "a file", "content": content}},
                }
            }
        },
    }
    path = tmp_path / "files.json"
    path.write_text(json.dumps(document))
    return path


def test_a_spec_naming_a_type_without_encoder_warns_once_per_place(tmp_path: Path) -> None:
    spec = load_spec(_spec_with(tmp_path, ["video/mp4", "application/octet-stream", "application/pdf"]))
    placeholders = [w for w in spec.warnings if "placeholder" in w.message]
    assert len(placeholders) == 1
    assert "application/pdf" in placeholders[0].message
    assert placeholders[0].location.endswith("content.application/pdf")


def test_served_bodies_are_real_or_the_placeholder(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from mockserver import Mock, Settings, create_app

    path = _spec_with(tmp_path, ["video/mp4", "application/pdf"])
    mock = Mock(Settings(spec=str(path)))
    with TestClient(create_app(mock=mock), base_url="http://mock.test") as client:
        video = client.get("/file", headers={"Accept": "video/mp4"})
        assert video.headers["content-type"] == "video/mp4"
        assert len(decode(video.content)["frames"]) == frame_count(1.0)
        pdf = client.get("/file", headers={"Accept": "application/pdf"})
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content == media.placeholder("application/pdf")
