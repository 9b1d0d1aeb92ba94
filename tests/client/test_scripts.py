"""Scripted answers (mockserver/scripts.py) and their admin routes (mockserver/admin_scripts.py)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator

import httpx
import pytest
from starlette.testclient import TestClient

from mockserver import Mock, create_app
from mockserver.exceptions import ScriptError
from mockserver.exchange import Reply
from mockserver.scripts import Scripts
from mockserver.selfcheck import check_reply
from tests.helpers import AUTH, sse_data

MODELS = "/api/v1/models"
CHAT = "/api/v1/chat/completions"
CHAT_BODY = {"model": "venice-uncensored", "messages": [{"role": "user", "content": "hi"}]}
MODEL_LIST = {"data": [], "object": "list", "type": "text"}


@pytest.fixture
def scripted(make_mock: Callable[..., Mock]) -> Mock:
    mock = make_mock()
    mock.scripts.bind(mock.spec)
    return mock


@pytest.fixture
def api(scripted: Mock) -> Iterator[TestClient]:
    with TestClient(create_app(mock=scripted), base_url="http://mock.test") as client:
        yield client


def test_a_scripted_body_is_sent_as_given_then_the_mock_answers_again(
    scripted: Mock, api: TestClient
) -> None:
    scripted.scripts.respond("listModels", body=MODEL_LIST, headers={"X-Trace": "abc"}, times=2)
    first, second, third = (api.get(MODELS, headers=AUTH) for _ in range(3))
    assert first.json() == second.json() == MODEL_LIST
    assert first.headers["x-trace"] == "abc"
    assert third.json() != MODEL_LIST
    assert third.json()["data"]  # the mock's own catalog again
    assert [c.notes for c in scripted.calls][:2] == [("scripted",), ("scripted",)]


def test_times_none_answers_every_call_until_cleared(scripted: Mock, api: TestClient) -> None:
    scripted.scripts.respond("listModels", body=MODEL_LIST, times=None)
    assert all(api.get(MODELS, headers=AUTH).json() == MODEL_LIST for _ in range(4))
    scripted.scripts.clear("listModels")
    assert api.get(MODELS, headers=AUTH).json() != MODEL_LIST


def test_a_script_that_breaks_the_contract_is_refused_when_scripted(scripted: Mock) -> None:
    with pytest.raises(ScriptError) as info:
        scripted.scripts.respond("listModels", body={"data": "none"})
    message = str(info.value)
    assert "violates the spec" in message
    assert "data: expected array, got string" in message
    assert "validate=False" in message
    assert not scripted.scripts.pending()


def test_validate_false_sends_a_broken_script_anyway(scripted: Mock, api: TestClient) -> None:
    scripted.scripts.respond("listModels", status=418, body={"data": "none"}, validate=False)
    response = api.get(MODELS, headers=AUTH)
    assert (response.status_code, response.json()) == (418, {"data": "none"})


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"status": 418}, "status 418 is not documented for listModels"),
        ({"status": 200, "body": b"bytes", "media_type": "image/png"}, "image/png is not documented"),
        ({"stream": [{"id": "x"}]}, "text/event-stream is not documented"),
        ({"times": 0}, "times must be at least 1"),
        ({"delay": 61}, "delay must be between 0 and 60"),
        ({"scenario": "meteor-strike"}, "unknown scenario 'meteor-strike'"),
    ],
)
def test_impossible_scripts_are_refused(scripted: Mock, options: dict[str, object], expected: str) -> None:
    with pytest.raises(ScriptError, match=expected):
        scripted.scripts.respond("listModels", **options)  # type: ignore[arg-type]


def test_an_unknown_operation_is_refused_with_the_known_ones(scripted: Mock) -> None:
    with pytest.raises(ScriptError, match=r"no operation 'listModel'; known: .*listModels"):
        scripted.scripts.respond("listModel", body={})


def test_without_a_body_the_mock_renders_its_own_valid_answer_for_the_status(
    scripted: Mock, api: TestClient
) -> None:
    scripted.scripts.respond("createChatCompletion", status=503)
    response = api.post(CHAT, json=CHAT_BODY, headers={**AUTH, "Accept-Encoding": "identity"})
    assert response.status_code == 503
    assert isinstance(response.json()["error"], str)
    op = scripted.spec.operation("createChatCompletion")
    reply = Reply(503, tuple(response.headers.items()), response.content)
    assert check_reply(op, reply) == []


def test_stream_events_are_framed_and_end_with_done(scripted: Mock, api: TestClient) -> None:
    events = [{"id": "c1", "n": 1}, {"id": "c1", "n": 2}]
    scripted.scripts.respond("createChatCompletion", stream=events, validate=False)
    response = api.post(
        CHAT, json={**CHAT_BODY, "stream": True}, headers={**AUTH, "Accept-Encoding": "identity"}
    )
    assert response.headers["content-type"].startswith("text/event-stream")
    assert [json.loads(p) for p in sse_data(response.text)[:-1]] == events
    assert sse_data(response.text)[-1] == "[DONE]"


def test_raw_chunks_are_sent_byte_for_byte_without_done(scripted: Mock, api: TestClient) -> None:
    chunks = [b'data: {"partial"', b": true}\n\n", ": keep-alive\r\n\r\n"]
    scripted.scripts.respond("createChatCompletion", stream=chunks)
    response = api.post(
        CHAT, json={**CHAT_BODY, "stream": True}, headers={**AUTH, "Accept-Encoding": "identity"}
    )
    assert response.content == b'data: {"partial": true}\n\n: keep-alive\r\n\r\n'


def test_a_stream_event_that_breaks_the_chunk_schema_is_refused(scripted: Mock) -> None:
    with pytest.raises(ScriptError, match=r"event #1: .*required property is missing"):
        scripted.scripts.respond("createChatCompletion", stream=[{"id": "c1"}])


def test_a_delayed_answer_is_streamed_and_unchanged(scripted: Mock, api: TestClient) -> None:
    scripted.scripts.respond("listModels", body=MODEL_LIST, delay=0.01)
    response = api.get(MODELS, headers=AUTH)
    assert response.json() == MODEL_LIST
    assert "content-length" not in response.headers  # the body left as a stream, after the wait


def test_binary_bodies_take_the_documented_binary_media_type(scripted: Mock, api: TestClient) -> None:
    audio = b"ID3" + bytes(range(40))
    scripted.scripts.respond("createSpeech", body=audio)
    response = api.post("/api/v1/audio/speech", json={"input": "hello"}, headers=AUTH)
    assert response.content == audio
    assert response.headers["content-type"] == "audio/aac"  # the first binary type documented


def test_a_script_applies_a_scenario_on_top(scripted: Mock, api: TestClient) -> None:
    scripted.scripts.respond("createChatCompletion", scenario="rate-limit")
    response = api.post(CHAT, json=CHAT_BODY, headers=AUTH)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"
    assert scripted.calls.last().notes == ("scripted", "scenario: rate-limit")  # type: ignore[union-attr]


def test_an_unbound_script_is_checked_when_served(make_mock: Callable[..., Mock]) -> None:
    mock = make_mock()
    mock.scripts = Scripts()  # no spec to check against when scripting
    mock.scripts.respond("listModels", body={"data": "none"})
    with TestClient(create_app(mock=mock), base_url="http://mock.test") as api:
        response = api.get(MODELS, headers=AUTH)
    assert response.status_code == 500
    assert "violates the spec" in response.json()["error"]


def test_requests_that_break_the_contract_do_not_use_up_scripts(scripted: Mock, api: TestClient) -> None:
    scripted.scripts.respond("createChatCompletion", status=402)
    assert api.post(CHAT, json={"model": 5}, headers=AUTH).status_code == 400
    assert api.post(CHAT, json=CHAT_BODY, headers=AUTH).status_code == 402


def test_reset_forgets_scripts(scripted: Mock, api: TestClient) -> None:
    scripted.scripts.respond("listModels", body=MODEL_LIST)
    api.post("/__mock/reset")
    assert api.get(MODELS, headers=AUTH).json() != MODEL_LIST


# -- over HTTP -------------------------------------------------------------------------------


def test_scripts_over_http_round_trip(scripted: Mock, api: TestClient) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
    added = api.post(
        "/__mock/scripts",
        json=[
            {"operation_id": "listModels", "body": MODEL_LIST, "times": 2},
            {"operation_id": "upscaleImage", "body_base64": base64.b64encode(png).decode()},
        ],
    )
    assert added.status_code == 201
    assert [s["operation_id"] for s in added.json()["scripted"]] == ["listModels", "upscaleImage"]
    pending = api.get("/__mock/scripts").json()
    assert [(p["operation_id"], p["remaining"]) for p in pending] == [("listModels", 2), ("upscaleImage", 1)]
    assert api.get(MODELS, headers=AUTH).json() == MODEL_LIST
    assert api.delete("/__mock/scripts", params={"operation_id": "listModels"}).status_code == 204
    assert api.get(MODELS, headers=AUTH).json() != MODEL_LIST
    assert [p["operation_id"] for p in api.get("/__mock/scripts").json()] == ["upscaleImage"]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"operation_id": "listModels", "body": {"data": 1}}, "violates the spec"),
        ({"operation_id": "listModels", "colour": "red"}, "unknown script fields colour"),
        ({"body": {}}, "`operation_id` (a string) is required"),
        ({"operation_id": "listModels", "body_base64": "!!"}, "not base64"),
        ({"operation_id": "listModels", "times": "two"}, "times"),
        ("listModels", "a script is a JSON object"),
    ],
)
def test_bad_scripts_over_http_are_400_with_the_reason(
    api: TestClient, payload: object, expected: str
) -> None:
    response = api.post("/__mock/scripts", json=payload)
    assert response.status_code == 400
    assert expected in response.json()["error"]


def test_a_batch_with_a_bad_script_scripts_nothing(api: TestClient) -> None:
    batch = [
        {"operation_id": "listModels", "body": MODEL_LIST},
        {"operation_id": "listModels", "status": 418},
    ]
    assert api.post("/__mock/scripts", json=batch).status_code == 400
    assert api.get("/__mock/scripts").json() == []


def test_the_scenario_catalog_is_listed(api: TestClient) -> None:
    listed = {s["name"]: s for s in api.get("/__mock/scenarios").json()}
    assert set(listed) == {
        "rate-limit",
        "server-error",
        "unavailable",
        "timeout",
        "slow-first-byte",
        "cut-stream",
        "truncated-json",
    }
    assert listed["rate-limit"]["status"] == 429
    assert "BROKEN ON PURPOSE" in listed["cut-stream"]["description"]
    assert "BROKEN ON PURPOSE" in listed["truncated-json"]["description"]


def test_scripts_reach_an_out_of_process_client(scripted: Mock) -> None:
    from tests.conftest import LiveServer

    with LiveServer(scripted) as server, httpx.Client(base_url=server.origin) as http:
        http.post(
            "/__mock/scripts", json={"operation_id": "listModels", "status": 500, "body": {"error": "down"}}
        )
        response = http.get(MODELS, headers=AUTH)
    assert (response.status_code, response.json()) == (500, {"error": "down"})
