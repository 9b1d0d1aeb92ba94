"""Request validation over HTTP: precise messages, the spec's error shape, the right status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import Mock, Spec, create_app
from mockserver.errors import Violation
from tests.helpers import AUTH

CHAT = "/api/v1/chat/completions"


def chat_body(**fields: Any) -> dict[str, Any]:
    return {"model": "venice-uncensored", "messages": [{"role": "user", "content": "hi"}], **fields}


def error_of(response: Any) -> str:  # httpx or httpx2 (TestClient uses httpx2 when installed)
    body = response.json()
    assert set(body) <= {"error", "details"}, body
    return str(body["error"])


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        pytest.param(
            chat_body(messages=[{"role": "user", "content": [{"type": "text", "text": ""}]}]),
            400,
            "messages[0].content[0].text: shorter than 1 character",
            id="empty text part",
        ),
        pytest.param(
            chat_body(temperature=5), 400, "temperature: 5 is greater than the maximum of 2", id="max"
        ),
        pytest.param(chat_body(seed=0), 400, "seed: 0 must be greater than 0", id="exclusive minimum"),
        pytest.param(
            {"messages": [{"role": "user", "content": "x"}]},
            400,
            "model: required property is missing",
            id="required",
        ),
        pytest.param(chat_body(n="2"), 400, "n: expected integer, got string", id="type"),
        pytest.param(
            chat_body(temprature=1),
            400,
            "temprature: unknown property (additionalProperties is false); did you mean 'temperature'?",
            id="typo",
        ),
        pytest.param(chat_body(messages=[]), 400, "messages: has fewer than 1 item", id="min items"),
        pytest.param(
            chat_body(messages=[{"role": "wizard", "content": "x"}]),
            400,
            "messages[0].role: 'wizard' is not one of 'user', 'assistant', 'tool', 'system'",
            id="discriminator",
        ),
        pytest.param(
            chat_body(messages=[{"role": "tool", "content": "x"}]),
            400,
            "messages[0].tool_call_id: required property is missing (read as 'Tool Message')",
            id="union branch",
        ),
        pytest.param(
            chat_body(response_format={"type": "json_schema"}),
            400,
            "response_format.json_schema: required property is missing",
            id="oneOf branch",
        ),
        pytest.param(
            chat_body(venice_parameters={"enable_web_search": "maybe"}),
            400,
            "venice_parameters.enable_web_search: 'maybe' is not one of 'auto', 'off', 'on'",
            id="on/off enum",
        ),
    ],
)
def test_invalid_bodies_name_the_field_and_the_rule(
    client: TestClient, body: Any, status: int, message: str
) -> None:
    response = client.post(CHAT, json=body, headers=AUTH)
    assert response.status_code == status
    assert message in error_of(response)


def test_every_violation_is_reported_with_zod_shaped_details(client: TestClient) -> None:
    response = client.post(CHAT, json={"messages": [], "temperature": 3}, headers=AUTH)
    assert response.status_code == 400
    details = response.json()["details"]
    assert details["model"]["_errors"] == ["required property is missing"]
    assert details["messages"]["_errors"] == ["has fewer than 1 item"]
    assert details["temperature"]["_errors"] == ["3 is greater than the maximum of 2"]
    assert details["_errors"] == []


def test_valid_on_and_off_values_are_accepted(client: TestClient) -> None:
    for value in ("auto", "off", "on"):
        response = client.post(
            CHAT, json=chat_body(venice_parameters={"enable_web_search": value}), headers=AUTH
        )
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("content", "content_type", "status", "message"),
    [
        (b'{"model": ', "application/json", 400, "Invalid request body: not valid JSON: Expecting value"),
        (b"\xff\xfe{}", "application/json", 400, "not valid UTF-8: byte 0xff at position 0"),
        (b'{"n": NaN}', "application/json", 400, "NaN is not a JSON value"),
        (b"[" * 100_000, "application/json", 400, "not valid JSON"),
        (b"hello", "text/plain", 415, "unsupported Content-Type 'text/plain'; documented: application/json"),
        (b"{}", "", 415, "missing Content-Type"),
    ],
)
def test_unreadable_bodies_get_a_4xx_never_a_500(
    client: TestClient, content: bytes, content_type: str, status: int, message: str
) -> None:
    headers = {**AUTH, "Content-Type": content_type} if content_type else dict(AUTH)
    response = client.post(CHAT, content=content, headers=headers)  # raw bytes: httpx adds no Content-Type
    assert response.status_code == status
    assert message in error_of(response)


def test_an_empty_body_is_absent_and_absent_is_fine_unless_required(client: TestClient) -> None:
    response = client.post("/api/v1/embeddings", headers=AUTH)  # requestBody.required: true
    assert response.status_code == 400
    assert "body: request body is required" in error_of(response)


@pytest.mark.parametrize(
    ("path", "fields"),
    [("/api/v1/chat/completions", "messages, model"), ("/api/v1/image/generate", "model, prompt")],
)
@pytest.mark.parametrize("content_type", ["", "application/json"])
def test_an_empty_body_is_refused_when_its_schema_requires_fields(
    client: TestClient, path: str, fields: str, content_type: str
) -> None:
    # The spec leaves requestBody.required unset here (a documented gap); the real API refuses.
    headers = {**AUTH, "Content-Type": content_type} if content_type else dict(AUTH)
    response = client.post(path, headers=headers)
    assert response.status_code == 400
    assert response.json() == {
        "error": f"Invalid request parameters: body: request body is required: its schema requires {fields}",
        "details": {"_errors": [f"request body is required: its schema requires {fields}"]},
    }


def test_an_absent_body_passes_when_neither_the_spec_nor_its_schema_requires_one(spec: Spec) -> None:
    from dataclasses import replace

    from mockserver.validation import _missing_body

    body = spec.operation("createChatCompletion").request_body
    assert body is not None
    unmarked = replace(body, required=False)  # as swagger.yaml has it, without the bundled overlay
    refused = [Violation("body", "required", "request body is required: its schema requires messages, model")]
    assert _missing_body(unmarked) == refused
    loose = {name: replace(media, schema=None) for name, media in body.content.items()}
    assert _missing_body(replace(unmarked, content=loose)) == []
    assert _missing_body(replace(unmarked, content=loose, required=True)) == [
        Violation("body", "required", "request body is required")
    ]


def test_bodies_over_the_limit_get_413_without_being_read(make_mock: Callable[..., Mock]) -> None:
    mock = make_mock(max_body_bytes=1024)
    with TestClient(create_app(mock=mock)) as client:
        response = client.post(
            CHAT, content=b"x" * 2048, headers={**AUTH, "Content-Type": "application/json"}
        )
    assert response.status_code == 413
    assert error_of(response) == "request body of 2048 bytes exceeds the limit of 1024 bytes"
    last = mock.calls.last()
    assert last is not None
    assert (last.status, last.operation_id, last.violations[0].rule) == (413, "createChatCompletion", "size")


class TestAuth:
    def test_missing_credentials_get_401_with_the_spec_shape(self, client: TestClient) -> None:
        response = client.post(CHAT, json=chat_body())
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert (
            error_of(response)
            == "Authentication failed: missing credentials: send 'Authorization: Bearer <API key>'"
        )

    def test_another_scheme_is_refused(self, client: TestClient) -> None:
        response = client.post(CHAT, json=chat_body(), headers={"Authorization": "Basic dTpw"})
        assert response.status_code == 401
        assert "must use the Bearer scheme" in error_of(response)

    def test_an_empty_token_is_refused(self, client: TestClient) -> None:
        assert client.post(CHAT, json=chat_body(), headers={"Authorization": "Bearer "}).status_code == 401

    def test_any_non_empty_token_is_accepted_without_api_keys(self, client: TestClient) -> None:
        assert (
            client.post(CHAT, json=chat_body(), headers={"Authorization": "Bearer whatever"}).status_code
            == 200
        )

    def test_with_api_keys_only_those_are_accepted(self, make_mock: Callable[..., Mock]) -> None:
        with TestClient(create_app(mock=make_mock(api_keys=("k1", "k2")))) as client:
            assert (
                client.post(CHAT, json=chat_body(), headers={"Authorization": "Bearer k2"}).status_code == 200
            )
            refused = client.post(CHAT, json=chat_body(), headers={"Authorization": "Bearer k3"})
        assert refused.status_code == 401
        assert error_of(refused) == "Authentication failed: invalid API key"

    def test_optional_auth_operations_answer_anonymous_callers(self, client: TestClient) -> None:
        assert client.get("/api/v1/models").status_code == 200  # security: [{}, BearerAuth]
        assert client.get("/api/v1/api_keys/generate_web3_key").status_code == 200  # security: []

    def test_auth_is_checked_before_the_body(self, client: TestClient) -> None:
        response = client.post(CHAT, content=b"not json", headers={"Content-Type": "application/json"})
        assert response.status_code == 401


class TestParameters:
    def test_query_values_are_typed_by_their_schema(self, client: TestClient) -> None:
        ok = client.get(
            "/api/v1/billing/usage", params={"limit": "20", "page": "2", "sortOrder": "asc"}, headers=AUTH
        )
        assert ok.status_code == 200, ok.text

    def test_query_violations_name_the_parameter(self, client: TestClient) -> None:
        response = client.get("/api/v1/billing/usage?limit=0&page=x&startDate=yesterday", headers=AUTH)
        assert response.status_code == 400
        message = error_of(response)
        assert "query.limit: 0 must be greater than 0" in message
        assert "query.page: expected integer, got string" in message
        assert "query.startDate: 'yesterday' is not a valid date-time" in message

    def test_an_empty_query_value_needs_allow_empty_value(self, client: TestClient) -> None:
        response = client.delete("/api/v1/api_keys?id=", headers=AUTH)
        assert response.status_code == 400
        assert "query.id: empty value is not allowed (allowEmptyValue is false)" in error_of(response)

    def test_an_operation_without_a_documented_400_still_answers_400(self, client: TestClient) -> None:
        response = client.get("/api/v1/models?type=bogus")
        assert response.status_code == 400
        assert "query.type: 'bogus' is not one of" in error_of(response)


class TestMultipart:
    PNG = bytes.fromhex("89504e470d0a1a0a")  # only the signature; content checks belong to the media layer

    def test_form_fields_are_coerced_by_schema_before_validation(self, client: TestClient) -> None:
        response = client.post(
            "/api/v1/image/upscale",
            headers=AUTH,
            files={"image": ("in.png", self.PNG, "image/png")},
            data={"scale": "9", "enhance": "true"},
        )
        assert response.status_code == 400
        assert error_of(response) == "Invalid request parameters: scale: 9 is greater than the maximum of 4"

    def test_unknown_form_fields_are_reported(self, client: TestClient) -> None:
        response = client.post(
            "/api/v1/image/upscale",
            headers=AUTH,
            files={"image": ("in.png", self.PNG, "image/png")},
            data={"sclae": "2"},
        )
        assert response.status_code == 400
        assert "sclae: unknown property" in error_of(response)

    def test_missing_file_part_is_a_required_field(self, client: TestClient) -> None:
        response = client.post(
            "/api/v1/image/edit",
            headers=AUTH,
            data={"prompt": "x"},
            files={"unused": ("a.txt", b"a", "text/plain")},
        )
        assert response.status_code == 400
        assert "image: required property is missing" in error_of(response)

    def test_broken_multipart_framing_is_a_400(self, client: TestClient) -> None:
        response = client.post(
            "/api/v1/image/edit", content=b"garbage", headers={**AUTH, "Content-Type": "multipart/form-data"}
        )
        assert response.status_code == 400
        assert "without a boundary" in error_of(response)
