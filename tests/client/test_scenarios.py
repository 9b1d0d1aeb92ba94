"""Resilience scenarios (mockserver/scenarios.py): per run, per request, with seeded probabilities."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable

import httpx
import pytest
from starlette.testclient import TestClient

from contracts.checks.sse import parse_events
from contracts.checks.streams import chat_stream_checker
from mockserver import Mock, Spec, create_app, scenarios
from mockserver.controls import SCENARIOS
from mockserver.exchange import Reply
from mockserver.flags import parser, settings_from
from mockserver.scenarios import STATUSES
from mockserver.selfcheck import check_reply
from tests.conftest import LiveServer
from tests.helpers import AUTH, valid_request

CHAT = "/api/v1/chat/completions"
CHAT_BODY = {"model": "venice-uncensored", "messages": [{"role": "user", "content": "hi"}]}
IDENTITY = {**AUTH, "Accept-Encoding": "identity"}


def _client(mock: Mock) -> TestClient:
    return TestClient(create_app(mock=mock), base_url="http://mock.test")


@pytest.mark.parametrize("scenario", sorted(STATUSES))
def test_status_scenarios_answer_documented_statuses_in_the_error_shape(
    scenario: str, mock: Mock, spec: Spec
) -> None:
    status = STATUSES[scenario]
    applied = skipped = 0
    with _client(mock) as api:
        for op in spec.operations:
            request = valid_request(op, seed=1)
            headers = {**request.headers, "X-Mock-Scenario": scenario, "Accept-Encoding": "identity"}
            response = api.request(
                request.method, request.url(mock.base_path), headers=headers, content=request.body()
            )
            if response.status_code == 400 and status != 400:
                continue  # refused on its meaning (deleteApiKey without an id) before any answer
            if not op.documents(status):
                skipped += 1
                assert response.status_code != status, op.operation_id
                assert f"scenario {scenario} skipped" in mock.calls.last().notes[-1]  # type: ignore[union-attr]
                continue
            applied += 1
            assert response.status_code == status, (op.operation_id, response.text)
            reply = Reply(status, tuple(response.headers.items()), response.content)
            assert check_reply(op, reply) == [], op.operation_id
            assert isinstance(response.json()["error"], str)
            if status == 429:
                assert response.headers["retry-after"] == "1"
                assert response.headers["x-ratelimit-remaining-requests"] == "0"
                assert int(response.headers["x-ratelimit-reset-requests"]) > 1_700_000_000
    assert applied > 0
    assert skipped > 0 or status == 500


def _read_until_broken(http: httpx.Client, headers: dict[str, str]) -> tuple[bytes, Exception | None]:
    """The bytes of a chat stream, and the error that ended it (None: it ended cleanly)."""
    received = b""
    try:
        with http.stream("POST", CHAT, json={**CHAT_BODY, "stream": True}, headers=headers) as response:
            assert response.status_code == 200
            for chunk in response.iter_bytes():
                received += chunk
    except httpx.RemoteProtocolError as exc:
        return received, exc
    return received, None


def test_a_cut_stream_stops_mid_way_without_done_and_breaks_the_connection(mock: Mock, spec: Spec) -> None:
    with LiveServer(mock) as server, httpx.Client(base_url=server.origin) as http:
        received, error = _read_until_broken(http, {**IDENTITY, "X-Mock-Scenario": "cut-stream"})
    assert isinstance(error, httpx.RemoteProtocolError)
    events = parse_events(received)
    assert events, "some events arrive before the cut"
    assert all(e.data != "[DONE]" for e in events)
    checker = chat_stream_checker(spec, {**CHAT_BODY, "stream": True})
    assert [f for e in events for f in checker.feed(e)] == []  # what arrived is valid, just unfinished
    assert "done_last" in [f.rule for f in checker.finish()]


def test_a_cut_compressed_stream_still_decodes_up_to_the_cut(mock: Mock) -> None:
    with LiveServer(mock) as server, httpx.Client(base_url=server.origin) as http:
        received, error = _read_until_broken(
            http, {**AUTH, "Accept-Encoding": "gzip", "X-Mock-Scenario": "cut-stream"}
        )
    assert isinstance(error, httpx.RemoteProtocolError)
    assert parse_events(received), "the events before the cut decode"
    assert b"[DONE]" not in received


def test_without_the_scenario_the_same_stream_ends_cleanly(mock: Mock) -> None:
    with LiveServer(mock) as server, httpx.Client(base_url=server.origin) as http:
        received, error = _read_until_broken(http, IDENTITY)
    assert error is None
    assert received.endswith(b"data: [DONE]\n\n")


def test_a_truncated_json_body_is_a_strict_prefix_that_does_not_parse(mock: Mock) -> None:
    with _client(mock) as api:
        whole = api.post(CHAT, json=CHAT_BODY, headers=IDENTITY).content
        cut = api.post(CHAT, json=CHAT_BODY, headers={**IDENTITY, "X-Mock-Scenario": "truncated-json"})
    assert cut.status_code == 200
    assert whole.startswith(cut.content)
    assert len(cut.content) < len(whole)
    with pytest.raises(ValueError):  # noqa: PT011 - any JSON error
        json.loads(cut.content)


def test_a_truncated_json_body_keeps_its_content_encoding_honest(mock: Mock) -> None:
    with _client(mock) as api:
        cut = api.post(
            CHAT,
            json=CHAT_BODY,
            headers={**AUTH, "Accept-Encoding": "gzip", "X-Mock-Scenario": "truncated-json"},
        )
    assert cut.headers["content-encoding"] == "gzip"
    assert cut.content  # httpx decoded the gzip body: the coding itself is intact
    with pytest.raises(ValueError):  # noqa: PT011
        json.loads(cut.content)
    assert gzip.decompress(gzip.compress(cut.content)) == cut.content


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """A slow first byte that is slow enough to be one, and quick enough for a test run."""
    monkeypatch.setattr(scenarios, "SLOW_FIRST_BYTE_SECONDS", 0.05)


@pytest.mark.usefixtures("quick")
def test_a_slow_first_byte_changes_nothing_but_the_timing(mock: Mock) -> None:
    with _client(mock) as api:
        plain = api.post(CHAT, json=CHAT_BODY, headers=IDENTITY)
        slow = api.post(CHAT, json=CHAT_BODY, headers={**IDENTITY, "X-Mock-Scenario": "slow-first-byte"})
    assert slow.content == plain.content
    assert "content-length" not in slow.headers  # held back as a stream
    assert "scenario: slow-first-byte" in mock.calls.last().notes  # type: ignore[union-attr]


def test_scenarios_that_do_not_fit_the_answer_are_noted_not_applied(mock: Mock) -> None:
    with _client(mock) as api:
        plain = api.post(CHAT, json=CHAT_BODY, headers=IDENTITY)
        response = api.post(CHAT, json=CHAT_BODY, headers={**IDENTITY, "X-Mock-Scenario": "cut-stream"})
    assert response.content == plain.content
    assert "scenario cut-stream skipped: the answer is not an event stream" in mock.calls.last().notes  # type: ignore[union-attr]


def test_an_unknown_scenario_is_a_mock_control_error(mock: Mock) -> None:
    with _client(mock) as api:
        response = api.post(CHAT, json=CHAT_BODY, headers={**AUTH, "X-Mock-Scenario": "rate-limit, gremlins"})
    assert response.status_code == 400
    assert "unknown scenario 'gremlins'" in response.json()["error"]
    assert response.json()["details"]["documented"] == list(SCENARIOS)


def test_run_scenarios_apply_to_every_request(make_mock: Callable[..., Mock]) -> None:
    mock = make_mock(scenarios=("unavailable",))
    with _client(mock) as api:
        statuses = {api.post(CHAT, json=CHAT_BODY, headers=AUTH).status_code for _ in range(3)}
    assert statuses == {503}


def test_probabilities_are_drawn_from_the_seed_so_runs_replay(make_mock: Callable[..., Mock]) -> None:
    def statuses(seed: int) -> list[int]:
        mock = make_mock(scenarios=("server-error:0.5",), seed=seed)
        with _client(mock) as api:
            return [
                api.post(CHAT, json={**CHAT_BODY, "user": f"user-{i}"}, headers=AUTH).status_code
                for i in range(40)
            ]

    first, again, other = statuses(1), statuses(1), statuses(2)
    assert first == again
    assert first != other
    assert 8 <= first.count(500) <= 32  # about half of 40 distinct requests (fixed by the seed)
    assert set(first) == {200, 500}


def test_probability_zero_never_applies(make_mock: Callable[..., Mock]) -> None:
    mock = make_mock(scenarios=("rate-limit:0",))
    with _client(mock) as api:
        assert {api.post(CHAT, json=CHAT_BODY, headers=AUTH).status_code for _ in range(5)} == {200}


@pytest.mark.usefixtures("quick")
def test_scenarios_combine_a_slow_429_is_still_a_429(mock: Mock) -> None:
    with _client(mock) as api:
        response = api.post(
            CHAT, json=CHAT_BODY, headers={**AUTH, "X-Mock-Scenario": "rate-limit, slow-first-byte"}
        )
    assert response.status_code == 429
    assert "content-length" not in response.headers
    notes = mock.calls.last().notes  # type: ignore[union-attr]
    assert "scenario: rate-limit" in notes
    assert "scenario: slow-first-byte" in notes


def test_the_cli_flag_is_repeatable_and_checked(capsys: pytest.CaptureFixture[str]) -> None:
    args = parser().parse_args(["--scenario", "rate-limit:0.25", "--scenario", "cut-stream"])
    assert settings_from(args).scenarios == ("rate-limit:0.25", "cut-stream")
    for bad in ("meteor", "rate-limit:2", "rate-limit:often"):
        with pytest.raises(SystemExit):
            parser().parse_args(["--scenario", bad])
    assert "is not between 0 and 1" in capsys.readouterr().err
