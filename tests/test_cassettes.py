"""--record and --replay: exchanges relayed from a real upstream (a second mock on loopback)
saved as cassettes, then answered from them byte for byte, without the upstream."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from mockserver import Mock
from mockserver.scrub import PLACEHOLDER
from tests.conftest import LiveServer
from tests.helpers import AUTH
from tests.test_proxy import _EXCHANGES, CHAT, MESSAGES, Raw, _same_answer, relay


def _cassettes(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


@pytest.mark.parametrize(("method", "path", "body", "headers"), _EXCHANGES)
def test_record_then_replay_gives_the_same_bytes(
    make_mock: Callable[..., Mock], tmp_path: Path, method: str, path: str, body: Any, headers: dict[str, str]
) -> None:
    ask = {"json": body, "headers": {**AUTH, **headers}}
    with relay(make_mock, record=str(tmp_path)) as (up, front):
        direct = Raw(method, up.base_url + path, **ask)
        recorded = Raw(method, front.base_url + path, **ask)
    _same_answer(direct, recorded)
    [cassette] = _cassettes(tmp_path)
    [file] = tmp_path.glob("*.json")
    assert file.name == f"{cassette['operation_id']}-{cassette['key']}.json"
    assert cassette["request"]["method"] == method
    with LiveServer(make_mock(replay=str(tmp_path), replay_pace="none")) as offline:
        replayed = Raw(method, offline.base_url + path, **ask)
        [call] = offline.mock.calls
    _same_answer(direct, replayed)
    assert call.notes == (f"replayed {file.name}",)


def test_a_stream_is_recorded_as_timed_chunks(make_mock: Callable[..., Mock], tmp_path: Path) -> None:
    with relay(make_mock, record=str(tmp_path)) as (_, front):
        headers = {**AUTH, "X-Mock-Pace": "ttft=50ms, delay=20ms", "Accept-Encoding": "identity"}
        httpx.post(front.base_url + "/chat/completions", json={**CHAT, "stream": True}, headers=headers)
    [cassette] = _cassettes(tmp_path)
    chunks = cassette["response"]["chunks"]
    assert chunks[-1]["text"].endswith("data: [DONE]\n\n")
    times = [c["at"] for c in chunks]
    assert times == sorted(times)
    assert "body" not in cassette["response"]
    assert all(c["event"]["object"] == "chat.completion.chunk" for c in chunks[:-1])  # readable events


def test_the_same_request_gets_the_same_file_name(make_mock: Callable[..., Mock], tmp_path: Path) -> None:
    with relay(make_mock, record=str(tmp_path)) as (_, front):
        for _ in range(2):
            httpx.get(front.base_url + "/models", headers=AUTH)
        httpx.get(front.base_url + "/models?type=image", headers=AUTH)
    names = sorted(p.name for p in tmp_path.glob("*.json"))
    assert len(names) == 2
    assert all(n.startswith("listModels-") for n in names)
    with relay(make_mock, record=str(tmp_path / "again")) as (_, front):
        httpx.get(front.base_url + "/models?type=image", headers=AUTH)
    [again] = (tmp_path / "again").glob("*.json")
    assert again.name in names


def test_no_secret_reaches_a_cassette(make_mock: Callable[..., Mock], tmp_path: Path) -> None:
    owner = "sk-owner-SECRET-0001"
    with relay(make_mock, {"api_keys": (owner,)}, record=str(tmp_path)) as (_, front):
        headers = {
            "Authorization": f"Bearer {owner}",
            "X-Api-Key": "xkey-SECRET-0002",
            "Cookie": "s=SECRET-3",
        }
        created = httpx.post(
            front.base_url + "/api_keys",
            json={"apiKeyType": "INFERENCE", "description": "ci"},
            headers={**headers, "Accept-Encoding": "gzip"},
        )
        assert created.status_code == 200, created.text
        new_key = created.json()["data"]["apiKey"]
        listed = httpx.get(front.base_url + "/api_keys", headers=headers)
        assert listed.status_code == 200
        chat = httpx.post(
            front.base_url + "/chat/completions", json=CHAT, headers={"Authorization": f"Bearer {new_key}"}
        )
        assert chat.status_code == 200
    text = "\n".join(p.read_text() for p in tmp_path.glob("*.json"))
    assert len(list(tmp_path.glob("*.json"))) == 3
    for secret in (owner, "xkey-SECRET-0002", "SECRET-3", new_key, new_key[-12:]):
        assert secret not in text
    creation = next(c for c in _cassettes(tmp_path) if c["operation_id"] == "createApiKey")
    assert dict(creation["request"]["headers"])["authorization"] == PLACEHOLDER
    with LiveServer(make_mock(replay=str(tmp_path))) as offline:
        replayed = httpx.post(
            offline.base_url + "/api_keys",
            json={"apiKeyType": "INFERENCE", "description": "ci"},
            headers={"Authorization": "Bearer anything", "Accept-Encoding": "gzip"},
        )
    assert replayed.json()["data"]["apiKey"] == PLACEHOLDER  # gzip re-encoded after scrubbing


def test_ignored_fields_do_not_count_when_matching(make_mock: Callable[..., Mock], tmp_path: Path) -> None:
    with relay(make_mock, record=str(tmp_path)) as (_, front):
        recorded = httpx.post(
            front.base_url + "/chat/completions", json={**CHAT, "user": "alice"}, headers=AUTH
        )
    with LiveServer(make_mock(replay=str(tmp_path), replay_strict=True)) as offline:
        url = offline.base_url + "/chat/completions"
        same = httpx.post(url, json={**CHAT, "user": "bob"}, headers=AUTH)
        assert same.content == recorded.content
        other = httpx.post(url, json={**CHAT, "temperature": 0.5}, headers=AUTH)
        assert other.status_code == 404
        error = other.json()
        assert "no cassette" in error["error"]
        assert error["details"]["nearest"].startswith("createChatCompletion-")


def test_an_unmatched_request_is_synthesized_unless_strict(
    make_mock: Callable[..., Mock], tmp_path: Path
) -> None:
    with relay(make_mock, record=str(tmp_path)) as (_, front):
        httpx.get(front.base_url + "/models", headers=AUTH)
    with LiveServer(make_mock(replay=str(tmp_path))) as offline:
        answer = httpx.get(offline.base_url + "/characters", headers=AUTH)
        assert answer.status_code == 200
        assert offline.mock.calls.last().notes == ()  # type: ignore[union-attr]
    with LiveServer(make_mock(replay=str(tmp_path), replay_strict=True)) as offline:
        answer = httpx.get(offline.base_url + "/characters", headers=AUTH)
        assert answer.status_code == 404
        assert "listModels-" in answer.json()["error"]


def test_record_and_replay_records_only_what_is_missing(
    make_mock: Callable[..., Mock], tmp_path: Path
) -> None:
    folder = str(tmp_path)
    with relay(make_mock, record=folder, replay=folder) as (up, front):
        first = httpx.get(front.base_url + "/models", headers=AUTH)
        second = httpx.get(front.base_url + "/models", headers=AUTH)
        assert first.content == second.content
        assert len(up.mock.calls) == 1  # the second came from the cassette
    with relay(make_mock, record=folder, replay=folder) as (up, front):
        httpx.get(front.base_url + "/models", headers=AUTH)
        httpx.get(front.base_url + "/image/styles", headers=AUTH)
        assert [c.operation_id for c in up.mock.calls] == ["getImageStyles"]
    assert len(list(tmp_path.glob("*.json"))) == 2


def test_replayed_drift_is_reported_again(make_mock: Callable[..., Mock], tmp_path: Path) -> None:
    with relay(make_mock, {"faults": ("wrong-field-type",)}, record=str(tmp_path)) as (_, front):
        httpx.get(front.base_url + "/models", headers=AUTH)
    [cassette] = _cassettes(tmp_path)
    assert [v["rule"] for v in cassette["violations"]["response"]] == ["type"]
    with LiveServer(make_mock(replay=str(tmp_path))) as offline:
        httpx.get(offline.base_url + "/models", headers=AUTH)
        drift = httpx.get(offline.origin + "/__mock/drift").json()
    assert [(r["operation_id"], r["rule"]) for r in drift["drift"]] == [("listModels", "type")]


def test_the_openai_sdk_works_against_replayed_cassettes(
    make_mock: Callable[..., Mock], tmp_path: Path
) -> None:
    def session(base_url: str) -> tuple[list[str], str, str]:
        with openai.OpenAI(base_url=base_url, api_key="test-key", max_retries=0) as sdk:
            models = [m.id for m in sdk.models.list()]
            answer = sdk.chat.completions.create(model="venice-uncensored", messages=MESSAGES)
            chunks = sdk.chat.completions.create(model="venice-uncensored", messages=MESSAGES, stream=True)
            streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        return models, answer.choices[0].message.content or "", streamed

    with relay(make_mock, record=str(tmp_path)) as (_, front):
        live = session(front.base_url)
    with LiveServer(make_mock(replay=str(tmp_path), replay_strict=True)) as offline:
        replayed = session(offline.base_url)
        assert all(c.status == 200 for c in offline.mock.calls)
    assert replayed == live
    assert live[2]


def test_the_command_line_records_and_replays(tmp_path: Path) -> None:
    from tests.test_cli import start

    quiet = ("--log-level", "warning")
    upstream, upstream_url = start(*quiet)
    try:
        front, front_url = start("--proxy", upstream_url, "--record", str(tmp_path), *quiet)
        try:
            recorded = httpx.post(front_url + "/chat/completions", json=CHAT, headers=AUTH, timeout=20)
        finally:
            front.terminate()
            front.communicate(timeout=20)
    finally:
        upstream.terminate()
        upstream.communicate(timeout=20)
    assert recorded.status_code == 200
    offline, offline_url = start("--replay", str(tmp_path), "--replay-strict", *quiet)
    try:
        replayed = httpx.post(offline_url + "/chat/completions", json=CHAT, headers=AUTH, timeout=20)
        missing = httpx.get(offline_url + "/models", headers=AUTH, timeout=20)
    finally:
        offline.terminate()
        offline.communicate(timeout=20)
    assert replayed.content == recorded.content
    assert missing.status_code == 404


@pytest.mark.parametrize(
    "argv",
    [
        ["--record", "{tmp}"],  # nothing to record from
        ["--replay", "{tmp}/missing"],
        ["--proxy", "ftp://example.com/api/v1"],
        ["--proxy", "http://127.0.0.1:1/api/v1", "--upstream-api-key", "two\nlines"],
    ],
)
def test_unusable_relay_flags_are_usage_errors(tmp_path: Path, argv: list[str]) -> None:
    from mockserver.cli import main

    with pytest.raises(SystemExit) as info:
        main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    assert info.value.code == 2


def test_a_cassette_that_cannot_be_written_does_not_break_the_answer(
    make_mock: Callable[..., Mock], tmp_path: Path
) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    with relay(make_mock, record=str(blocked)) as (_, front):
        assert httpx.get(front.base_url + "/models", headers=AUTH).status_code == 200


def test_the_match_key_ignores_order_and_the_ignored_fields() -> None:
    from mockserver.cassettes import match_key

    def key(body: dict[str, Any], query: str = "a=1&b=2", coding: str = "") -> str:
        return match_key("op", "POST", "/x", query, json.dumps(body).encode(), coding, ("user",))

    base = key({"model": "m", "n": 1})
    assert key({"n": 1, "model": "m"}) == base
    assert key({"model": "m", "n": 1, "user": "someone"}) == base
    assert key({"model": "m", "n": 1}, "b=2&a=1") == base
    assert key({"model": "m", "n": 2}) != base
    assert key({"model": "m", "n": 1}, coding="gzip") != base


def test_secret_fields_are_scrubbed_at_any_depth_and_token_only_in_key_operations() -> None:
    import gzip as gz

    from mockserver.scrub import scrub_body

    answer = {
        "data": [{"apiKey": "sk-deep-SECRET", "nested": {"password": "pw-SECRET"}}],
        "token": "t-SECRET",
    }
    raw = gz.compress(json.dumps(answer).encode())
    headers = {"content-type": "application/json", "content-encoding": "gzip"}
    scrubbed = gz.decompress(scrub_body(raw, headers, "/api_keys")).decode()
    assert "SECRET" not in scrubbed
    assert scrubbed.count(PLACEHOLDER) == 3
    logprobs = json.dumps({"choices": [{"logprobs": {"content": [{"token": "hello"}]}}]}).encode()
    assert scrub_body(logprobs, {"content-type": "application/json"}, "/chat/completions") == logprobs
