"""The in-process transport: no socket, but streams stream, cuts break and timeouts fire."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import httpx2
import pytest

from contracts.client.live import VeniceMock
from mockserver import Settings, Spec
from tests.helpers import sse_data

CHAT_BODY = {"model": "venice-uncensored", "messages": [{"role": "user", "content": "hi"}]}
HEADERS = {"Authorization": "Bearer k", "Accept-Encoding": "identity"}


@pytest.fixture
def venice(spec: Spec) -> Iterator[VeniceMock]:
    with VeniceMock(Settings(), spec, inprocess=True) as mock:
        yield mock


@pytest.mark.parametrize("flavor", [httpx, httpx2])
def test_a_stream_arrives_event_by_event(venice: VeniceMock, flavor: Any) -> None:
    body = {**CHAT_BODY, "stream": True}
    with (
        venice.http_client(flavor) as http,
        http.stream("POST", "/chat/completions", json=body, headers=HEADERS) as response,
    ):
        chunks = list(response.iter_bytes())
    assert len(chunks) > 3  # one per event, not one buffered body
    payloads = sse_data(b"".join(chunks).decode())
    assert payloads[-1] == "[DONE]"
    assert json.loads(payloads[0])["object"] == "chat.completion.chunk"


@pytest.mark.parametrize("flavor", [httpx, httpx2])
def test_a_cut_stream_breaks_like_a_dropped_connection(venice: VeniceMock, flavor: Any) -> None:
    headers = {**HEADERS, "X-Mock-Scenario": "cut-stream"}
    error = flavor.RemoteProtocolError
    with (
        venice.http_client(flavor) as http,
        pytest.raises(error, match="without sending complete message body"),
    ):
        http.post("/chat/completions", json={**CHAT_BODY, "stream": True}, headers=headers)


def test_a_late_first_byte_meets_the_clients_read_timeout(venice: VeniceMock) -> None:
    venice.respond("listModels", body={"data": [], "object": "list", "type": "text"}, delay=30)
    with venice.http_client(timeout=httpx.Timeout(5.0, read=0.05)) as http, pytest.raises(httpx.ReadTimeout):
        http.get("/models", headers=HEADERS)


def test_the_openai_sdk_runs_in_process(venice: VeniceMock) -> None:
    client = venice.openai_client(max_retries=0)
    assert client.models.list().data
    completion = client.chat.completions.create(
        model="venice-uncensored", messages=[{"role": "user", "content": "hi"}]
    )
    assert completion.choices[0].message.content
    assert [c.operation_id for c in venice.calls] == ["listModels", "createChatCompletion"]
    assert venice.base_url.startswith("http://127.0.0.1:")  # the in-process calls never left the process
    assert venice.base_url.endswith("/api/v1")


def test_an_unwired_client_stays_on_loopback_and_is_told_how_to_wire_it(venice: VeniceMock) -> None:
    before = len(venice.calls)
    answer = httpx.post(venice.base_url + "/chat/completions", json={"model": "x"}, headers=HEADERS)
    assert answer.status_code == 421
    body = answer.json()
    assert "in-process" in body["error"]
    assert "http_client=venice.http_client" in body["details"]["fix"]
    assert len(venice.calls) == before  # it did not reach the mock: nothing pretends it did


def test_a_crash_inside_the_app_is_a_broken_connection_not_a_hang(venice: VeniceMock) -> None:
    async def broken(scope: object, receive: object, send: object) -> None:
        raise RuntimeError("boom")

    from contracts.client.transport import sync_transport

    with (
        httpx.Client(transport=sync_transport(broken), base_url="http://x") as http,
        pytest.raises(httpx.RemoteProtocolError, match="without a response"),
    ):
        http.get("/")
