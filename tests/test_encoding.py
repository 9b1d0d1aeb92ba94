"""Honest compression and lenient Accept (issue 3): encoded iff labelled, media never re-encoded."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable

import brotli
import httpx
import pytest
from starlette.testclient import TestClient

from mockserver import Mock, create_app
from mockserver.encoding import choose
from tests.conftest import LiveServer
from tests.helpers import AUTH

CHAT = "/api/v1/chat/completions"
BODY = {"model": "venice-uncensored", "messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.parametrize(
    ("header", "coding"),
    [
        ("gzip, deflate", "gzip"),
        ("gzip, br", "br"),
        ("br;q=0, gzip", "gzip"),
        ("identity", None),
        ("*", "br"),
        ("*;q=0", None),
        ("", None),
        ("deflate", None),
    ],
)
def test_choose_honours_accept_encoding(header: str, coding: str | None) -> None:
    assert choose(header) == coding


@pytest.mark.parametrize(("coding", "decode"), [("gzip", gzip.decompress), ("br", brotli.decompress)])
def test_json_is_really_encoded_when_labelled(
    live_server: LiveServer, coding: str, decode: Callable[[bytes], bytes]
) -> None:
    # A raw socket-level read: the body must decode with exactly the labelled coding.
    with httpx.Client() as client:
        response = client.post(
            live_server.base_url + "/chat/completions", json=BODY, headers={**AUTH, "Accept-Encoding": coding}
        )
        raw = response.read()  # httpx decodes; compare with what the wire carried below
        with client.stream(
            "POST",
            live_server.base_url + "/chat/completions",
            json=BODY,
            headers={**AUTH, "Accept-Encoding": coding},
        ) as streamed:
            wire = b"".join(streamed.iter_raw())
    assert response.headers["content-encoding"] == coding
    assert response.headers["vary"] == "accept-encoding"
    assert json.loads(decode(wire)) == json.loads(raw)


def test_no_accept_encoding_means_no_content_encoding(client: TestClient) -> None:
    response = client.post(CHAT, json=BODY, headers={**AUTH, "Accept-Encoding": "identity"})
    assert "content-encoding" not in response.headers
    json.loads(response.content)


def test_csv_is_compressed_too(client: TestClient) -> None:
    response = client.get(
        "/api/v1/billing/usage", headers={**AUTH, "Accept": "text/csv", "Accept-Encoding": "gzip"}
    )
    assert response.headers["content-encoding"] == "gzip"
    assert response.text.splitlines()[0].startswith("amount,currency")


@pytest.mark.parametrize(
    ("path", "body", "media_type"),
    [
        (
            "/image/generate",
            {
                "model": "hidream",
                "prompt": "a boat",
                "return_binary": True,
                "format": "png",
                "width": 64,
                "height": 64,
            },
            "image/png",
        ),
        ("/audio/speech", {"input": "Hello there.", "response_format": "wav"}, "audio/wav"),
    ],
)
def test_images_and_audio_are_never_encoded(
    client: TestClient, path: str, body: dict[str, object], media_type: str
) -> None:
    response = client.post("/api/v1" + path, json=body, headers={**AUTH, "Accept-Encoding": "gzip, br"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media_type
    assert "content-encoding" not in response.headers


def test_accept_is_lenient_by_default_and_strict_on_request(make_mock: Callable[..., Mock]) -> None:
    speech = {"input": "Hello.", "response_format": "mp3"}
    headers = {**AUTH, "Accept": "application/octet-stream"}  # what the openai SDK sends
    with TestClient(create_app(mock=make_mock())) as lenient:
        response = lenient.post("/api/v1/audio/speech", json=speech, headers=headers)
    assert (response.status_code, response.headers["content-type"]) == (200, "audio/mpeg")
    with TestClient(create_app(mock=make_mock(strict_accept=True))) as strict:
        refused = strict.post("/api/v1/audio/speech", json=speech, headers=headers)
    assert refused.status_code == 406
    assert refused.json()["error"] == (
        "Accept 'application/octet-stream' excludes audio/mpeg, the media type this request implies"
    )
