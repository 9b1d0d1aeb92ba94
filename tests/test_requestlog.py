"""The request log and the /__mock/ admin routes."""

from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from mockserver import CallLog, Mock, create_app
from mockserver.calls import redact
from mockserver.errors import Violation

CHAT = "/api/v1/chat/completions"


def test_every_request_is_recorded_matched_or_not(mock: Mock, client: TestClient) -> None:
    client.post(CHAT, json={"model": "m"}, headers={"Authorization": "Bearer secret-token-1234"})
    client.get("/api/v1/nowhere")
    log = client.get("/__mock/requests").json()
    assert [(c["method"], c["path"], c["status"], c["operation_id"]) for c in log] == [
        ("POST", CHAT, 400, "createChatCompletion"),
        ("GET", "/api/v1/nowhere", 404, None),
    ]
    first = log[0]
    assert first["violations"] == [
        {"location": "messages", "rule": "required", "message": "required property is missing"}
    ]
    assert first["body"] == '{"model":"m"}'
    assert first["headers"]["authorization"] == "Bearer ***1234"
    assert "secret-token" not in str(log)


def test_the_log_can_be_filtered_and_cleared(client: TestClient) -> None:
    client.get("/api/v1/models")
    client.get("/api/v1/image/styles")
    assert [c["operation_id"] for c in client.get("/__mock/requests?operation_id=listModels").json()] == [
        "listModels"
    ]
    assert client.delete("/__mock/requests").status_code == 204
    assert client.get("/__mock/requests").json() == []


def test_the_log_is_a_bounded_ring_buffer(make_mock: Callable[..., Mock]) -> None:
    mock = make_mock(log_size=3, log_body_bytes=4)
    with TestClient(create_app(mock=mock)) as client:
        for i in range(5):
            client.post(CHAT, content=f"body-{i}".encode(), headers={"Content-Type": "application/json"})
    calls = list(mock.calls)
    assert [c.seq for c in calls] == [3, 4, 5]
    assert calls[-1].body == b"body"
    assert calls[-1].as_json()["body_truncated"] is True


def test_redaction_keeps_only_a_hint_of_secrets() -> None:
    headers = dict(redact({"authorization": "Bearer abcdefghijkl", "x-api-key": "short", "accept": "*/*"}))
    assert headers == {"authorization": "Bearer ***ijkl", "x-api-key": "***", "accept": "*/*"}


def test_spec_and_health_routes(client: TestClient) -> None:
    spec = client.get("/__mock/spec").json()
    assert spec["base_path"] == "/api/v1"
    assert len(spec["operations"]) == 20
    assert len(spec["warnings"]) == 4
    assert client.get("/__mock/health").json() == {"status": "ok", "operations": 20}


def test_unknown_admin_routes_answer_in_the_same_error_shape(client: TestClient) -> None:
    response = client.get("/__mock/nothing")
    assert response.status_code == 404
    assert response.json()["error"].startswith("no mock admin route /__mock/nothing")
    assert client.post("/__mock/spec").status_code == 405


def test_call_log_api() -> None:
    log = CallLog(size=2)
    call = log.record(
        time=0.0,
        method="GET",
        path="/x",
        query="",
        operation_id=None,
        status=404,
        violations=(Violation("a", "b", "c"),),
        headers=(),
        body=b"",
        media_type=None,
        duration_ms=0.0,
    )
    assert not call.ok
    assert log.last() == call
    assert len(log) == 1
