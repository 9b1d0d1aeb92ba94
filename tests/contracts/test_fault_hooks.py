"""The mock's fault catalog itself: chosen per request or per run, unknown names refused, answers
broken only where a fault applies (also when compressed)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from contracts.checks.sse import parse_events
from mockserver import Mock, create_app
from mockserver.controls import FAULTS, requested, waives
from mockserver.exceptions import SelectionError
from mockserver.faults import unsecured

AUTH = {"Authorization": "Bearer test-key"}
CHAT = {"model": "venice-uncensored", "messages": [{"role": "user", "content": "Hello"}]}


def fault(name: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**AUTH, "X-Mock-Fault": name, **(extra or {})}


def test_requested_merges_run_and_request_faults_and_refuses_unknown_names() -> None:
    assert requested(("extra-field",), " sse-without-done, extra-field ") == (
        "extra-field",
        "sse-without-done",
    )
    with pytest.raises(SelectionError) as caught:
        requested((), "extra-field, no-such-fault")
    assert "no-such-fault" in str(caught.value)
    assert set(caught.value.documented) == set(FAULTS)


def test_waivers_are_the_two_faults_about_refusals(spec: Any) -> None:
    assert waives((), "auth-not-enforced", 401)
    assert not waives((), "auth-not-enforced", 400)
    assert waives(("invalid-input-accepted",), "", 400)
    assert waives((), "invalid-input-accepted", 415)
    assert not waives((), "wrong-field-type, bogus", 400)
    secured = spec.operation("getApiKeys")
    assert secured.security.required
    assert not unsecured(secured).security.required


def test_an_unknown_fault_in_a_request_is_a_400_in_the_spec_error_shape(client: TestClient) -> None:
    response = client.get("/api/v1/models", headers=fault("no-such-fault"))
    assert response.status_code == 400
    body = response.json()
    assert "no-such-fault" in body["error"]
    assert set(body["details"]["documented"]) == set(FAULTS)


def test_an_unknown_fault_or_scenario_in_the_settings_stops_the_start(make_mock: Callable[..., Mock]) -> None:
    # Parsed once, at start (controls.configure), not found wanting on every request.
    with pytest.raises(SelectionError, match=r"^--fault bogus: unknown; known: wrong-field-type, "):
        make_mock(faults=("bogus",))
    with pytest.raises(SelectionError, match=r"^--scenario: scenario rate-limit: probability 2 is not"):
        make_mock(scenarios=("rate-limit:2",))


def test_a_per_run_fault_applies_to_every_answer(make_mock: Callable[..., Mock]) -> None:
    with TestClient(create_app(mock=make_mock(faults=("undocumented-status",)))) as client:
        assert client.get("/api/v1/models", headers=AUTH).status_code == 418
        assert client.get("/api/v1/image/styles", headers=AUTH).status_code == 418


def test_json_faults_break_the_schema_and_only_json(client: TestClient, spec: Any) -> None:
    schema = spec.operation("listModels").responses["200"].content["application/json"].schema
    clean = client.get("/api/v1/models", headers=AUTH).json()
    assert schema.is_valid(clean)
    for name in ("wrong-field-type", "missing-required-field"):
        broken = client.get("/api/v1/models", headers=fault(name)).json()
        assert not schema.is_valid(broken), name
    speech = client.post(
        "/api/v1/audio/speech",
        headers=fault("wrong-field-type"),
        json={"input": "Hi", "response_format": "wav"},
    )
    assert speech.content[:4] == b"RIFF"  # a binary answer is left alone


def test_faults_see_through_compression(client: TestClient, spec: Any) -> None:
    schema = spec.operation("getApiKeys").responses["200"].content["application/json"].schema
    response = client.get("/api/v1/api_keys", headers=fault("extra-field", {"Accept-Encoding": "gzip"}))
    assert response.headers["content-encoding"] == "gzip"
    assert not schema.is_valid(response.json())  # httpx decoded it: the gzip is real


def test_lying_content_encoding_names_a_coding_the_body_is_not_in(client: TestClient) -> None:
    headers = fault("lying-content-encoding", {"Accept-Encoding": "identity"})
    with client.stream("GET", "/api/v1/models", headers=headers) as response:
        raw = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip"
    assert json.loads(raw)["object"] == "list"  # plain JSON under a gzip label
    with pytest.raises(gzip.BadGzipFile):
        gzip.decompress(raw)


def test_stream_faults(client: TestClient) -> None:
    body = {**CHAT, "stream": True}
    headers = {"Accept-Encoding": "gzip"}
    raw = client.post(
        "/api/v1/chat/completions", headers=fault("sse-changing-id", headers), json=body
    ).content
    chunks = [json.loads(e.data) for e in parse_events(raw) if e.data != "[DONE]"]
    assert len({c["id"] for c in chunks}) == len(chunks) > 1
    without = client.post("/api/v1/chat/completions", headers=fault("sse-without-done"), json=body).content
    assert parse_events(without)[-1].data != "[DONE]"
    assert parse_events(raw)[-1].data == "[DONE]"


def test_auth_not_enforced_serves_requests_without_credentials(client: TestClient) -> None:
    assert client.get("/api/v1/api_keys").status_code == 401
    assert client.get("/api/v1/api_keys", headers={"X-Mock-Fault": "auth-not-enforced"}).status_code == 200


def test_invalid_input_accepted_answers_an_invalid_request_with_200(client: TestClient) -> None:
    invalid = {"apiKeyType": "NOPE", "description": 12}
    assert client.post("/api/v1/api_keys", headers=AUTH, json=invalid).status_code == 400
    assert (
        client.post("/api/v1/api_keys", headers=fault("invalid-input-accepted"), json=invalid).status_code
        == 200
    )


def test_media_faults(client: TestClient) -> None:
    speech = client.post(
        "/api/v1/audio/speech",
        headers=fault("undecodable-audio"),
        json={"input": "Hi", "response_format": "wav"},
    )
    assert speech.content[:4] == b"RIFF"
    assert speech.content[8:12] != b"WAVE"
    image = client.post(
        "/api/v1/image/generate",
        headers=fault("wrong-image-size"),
        json={
            "model": "venice-sd35",
            "prompt": "a cat",
            "width": 64,
            "height": 64,
            "format": "png",
            "return_binary": True,
        },
    )
    from mockserver.media.images import inspect_image

    info = inspect_image(image.content)
    assert (info.width, info.height) == (32, 32)
    csv_answer = client.get(
        "/api/v1/billing/usage", headers=fault("csv-missing-column", {"Accept": "text/csv"})
    )
    assert not csv_answer.text.splitlines()[0].endswith("units")
