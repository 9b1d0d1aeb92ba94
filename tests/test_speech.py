"""POST /audio/speech: real audio in the six formats (decoded by FFmpeg through PyAV), sentence by
sentence when streamed, and catalog checks of model and voice; the official openai SDK as client."""

from __future__ import annotations

import io
import json
import shutil
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import httpx
import openai
import pytest
import yaml
from starlette.testclient import TestClient

from mockserver import Mock, create_app
from mockserver.catalogfile import default_fixtures_dir
from mockserver.media.audio import speech_duration
from mockserver.media.tone import split_sentences
from tests.conftest import LiveServer
from tests.helpers import AUTH

SPEECH = "/api/v1/audio/speech"
TEXT = "Hello there. This is the mock speaking, sentence by sentence! Is it clear? Goodbye."
# response_format -> (Content-Type, FFmpeg's name for the container or raw format)
FORMATS = {
    "mp3": ("audio/mpeg", "mp3"),
    "opus": ("audio/opus", "ogg"),
    "aac": ("audio/aac", "aac"),
    "flac": ("audio/flac", "flac"),
    "wav": ("audio/wav", "wav"),
    "pcm": ("audio/pcm", "s16le"),
}
# mp3 and aac frames (576 and 1024 samples at 24 kHz) do not divide the 100 ms grid: within one frame.
TOLERANCE = 1024 / 24000


def decoded(data: bytes, response_format: str) -> tuple[str, float]:
    """(FFmpeg's format name, seconds of decoded audio): every frame is decoded, not just probed."""
    # pcm is headerless: 16-bit little-endian mono at 24 kHz, as Kokoro sends it.
    raw = response_format == "pcm"
    container = av.open(
        io.BytesIO(data),
        "r",
        format="s16le" if raw else None,
        options={"sample_rate": "24000", "ch_layout": "mono"} if raw else None,
    )
    with container:
        stream = container.streams.audio[0]
        samples = rate = 0
        for frame in container.decode(stream):
            samples, rate = samples + frame.samples, frame.sample_rate
        assert samples > 0
        return container.format.name, samples / rate


# ---------------------------------------------------------------- the openai SDK, live


@pytest.mark.parametrize("response_format", list(FORMATS))
def test_sdk_speech_decodes_in_every_format(sdk: openai.OpenAI, response_format: Any) -> None:
    speech = sdk.audio.speech.create(
        model="tts-kokoro", voice="af_sky", input=TEXT, response_format=response_format
    )
    media_type, ffmpeg_name = FORMATS[response_format]
    # The SDK sends `Accept: application/octet-stream`; the body's response_format still decides.
    assert speech.response.headers["content-type"] == media_type
    name, seconds = decoded(speech.content, response_format)
    assert name == ffmpeg_name
    assert abs(seconds - speech_duration(TEXT, 1.0)) <= TOLERANCE


def test_sdk_streaming_sends_chunks_that_join_into_the_same_file(sdk: openai.OpenAI) -> None:
    whole = sdk.audio.speech.create(model="tts-kokoro", voice="am_adam", input=TEXT, response_format="mp3")
    with sdk.audio.speech.with_streaming_response.create(
        model="tts-kokoro",
        voice="am_adam",
        input=TEXT,
        response_format="mp3",
        extra_body={"streaming": True},
        # Pacing keeps the sentences apart in time, so the client reads them one by one.
        extra_headers={"X-Mock-Pace": "delay=30ms"},
    ) as response:
        assert response.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in response.headers
        chunks = list(response.iter_bytes())
    joined = b"".join(chunks)
    assert len(chunks) > 1
    assert joined == whole.content
    assert decoded(joined, "mp3")[0] == "mp3"


def test_a_streamed_reply_is_one_http_chunk_per_sentence(live_server: LiveServer) -> None:
    """Read the raw chunked framing off the socket: what the SDK sees merged, HTTP keeps apart."""
    body = json.dumps({"input": TEXT, "response_format": "flac", "streaming": True}).encode()
    head = (
        f"POST {SPEECH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer k\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=30) as connection:
        connection.sendall(head.encode() + body)
        raw = b""
        while piece := connection.recv(65536):
            raw += piece
    headers, _, rest = raw.partition(b"\r\n\r\n")
    assert b"transfer-encoding: chunked" in headers.lower()
    chunks = []
    while True:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        chunks.append(rest[:size])
        assert rest[size : size + 2] == b"\r\n"
        rest = rest[size + 2 :]
    assert len(chunks) == len(split_sentences(TEXT)) == 4
    assert decoded(b"".join(chunks), "flac")[0] == "flac"


# ---------------------------------------------------------------- semantics, in-process


def speak(client: httpx.Client, **fields: Any) -> httpx.Response:
    response = client.post(SPEECH, json={"input": TEXT, **fields}, headers=AUTH)
    assert response.status_code == 200, response.text
    return response


def test_mp3_and_af_sky_are_the_defaults(client: httpx.Client) -> None:
    response = speak(client)
    assert response.headers["content-type"] == "audio/mpeg"
    assert (
        response.content == speak(client, voice="af_sky", model="tts-kokoro", response_format="mp3").content
    )


def test_duration_grows_with_the_input_and_shrinks_with_speed(client: httpx.Client) -> None:
    def seconds(text: str, speed: float) -> float:
        return decoded(speak(client, input=text, speed=speed, response_format="wav").content, "wav")[1]

    short, long = "Hello there.", "Hello there. " * 6
    assert seconds(long, 1.0) > seconds(short, 1.0)
    assert seconds(long, 2.0) < seconds(long, 1.0) < seconds(long, 0.5)
    assert seconds(long, 2.0) == pytest.approx(speech_duration(long, 2.0))


def test_streamed_and_whole_answers_are_the_same_file(client: httpx.Client) -> None:
    for response_format in FORMATS:
        whole = speak(client, response_format=response_format).content
        streamed = speak(client, response_format=response_format, streaming=True).content
        assert streamed == whole


def test_accept_is_lenient_unless_strict_accept(client: httpx.Client, make_mock: Callable[..., Mock]) -> None:
    headers = {**AUTH, "Accept": "application/octet-stream"}
    lenient = client.post(SPEECH, json={"input": "Hi.", "response_format": "opus"}, headers=headers)
    assert lenient.headers["content-type"] == "audio/opus"
    with TestClient(create_app(mock=make_mock(strict_accept=True)), base_url="http://mock.test") as strict:
        refused = strict.post(SPEECH, json={"input": "Hi.", "response_format": "opus"}, headers=headers)
    assert refused.status_code == 406
    assert "audio/opus" in refused.json()["error"]


def test_an_unknown_voice_is_refused_by_the_schema_with_the_valid_ones(client: httpx.Client) -> None:
    response = client.post(SPEECH, json={"input": "Hi.", "voice": "nova"}, headers=AUTH)
    assert response.status_code == 400
    assert "voice: 'nova' is not one of 'af_alloy'" in response.json()["error"]


def custom_catalog(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> str:
    """The bundled fixtures with models.yaml changed by `edit`."""
    source = default_fixtures_dir()
    shutil.copytree(source, tmp_path, dirs_exist_ok=True)
    models = yaml.safe_load((source / "models.yaml").read_text())
    edit(models)
    (tmp_path / "models.yaml").write_text(yaml.safe_dump(models))
    return str(tmp_path)


def tts_model(models: dict[str, Any]) -> dict[str, Any]:
    return next(m for m in models["models"] if m["type"] == "tts")


def test_voices_come_from_the_catalog(make_mock: Callable[..., Mock], tmp_path: Path) -> None:
    # The spec's enum allows every Kokoro voice; a catalog whose model has fewer narrows that.
    fixtures = custom_catalog(
        tmp_path, lambda m: tts_model(m)["model_spec"].update(voices=["am_adam", "bf_emma"])
    )
    with TestClient(create_app(mock=make_mock(fixtures=fixtures)), base_url="http://mock.test") as client:
        response = client.post(SPEECH, json={"input": "Hi.", "voice": "af_sky"}, headers=AUTH)
        assert response.status_code == 400
        assert "voice: 'af_sky' is not a voice of tts-kokoro; valid voices: am_adam, bf_emma" in response.text
        # Without a voice, the model's own first voice is used rather than a default it lacks.
        unnamed = client.post(SPEECH, json={"input": "Hi."}, headers=AUTH)
        named = client.post(SPEECH, json={"input": "Hi.", "voice": "am_adam"}, headers=AUTH)
        assert unnamed.status_code == named.status_code == 200
        assert unnamed.content == named.content


def test_the_model_must_be_a_catalog_tts_model(make_mock: Callable[..., Mock], tmp_path: Path) -> None:
    def rename(models: dict[str, Any]) -> None:
        tts_model(models)["id"] = "tts-other"
        models["traits"]["tts"] = {"default": "tts-other"}
        models["compatibility"]["tts"] = {}

    fixtures = custom_catalog(tmp_path, rename)
    with TestClient(create_app(mock=make_mock(fixtures=fixtures)), base_url="http://mock.test") as client:
        response = client.post(SPEECH, json={"input": "Hi.", "model": "tts-kokoro"}, headers=AUTH)
    assert response.status_code == 400
    assert (
        "model: 'tts-kokoro' is not a tts model; valid ids: tts-other (or a trait: default)" in response.text
    )
