"""The server suite's API key check (contracts/server/keystate.py) against the mock on loopback,
with one answer replaced at a time the way a faulty server would answer it: a created key
refused where an INFERENCE key must work, a delete that is refused or that deletes nothing, a
creation answer without the key, and a server that does not answer."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable
from typing import Any

import pytest

from contracts.checks.reader import Limits
from contracts.failures import Failure
from contracts.safety import Budget, Redactor
from contracts.server.keystate import check_key_state
from contracts.server.transport import Transport
from mockserver import Mock, Settings, Spec, create_app
from tests.conftest import LiveServer

ADMIN = "sk-key-state-admin-0123456789"
HEADERS = {"Authorization": f"Bearer {ADMIN}"}
ASGI = Callable[..., Any]


def _answering(app: ASGI, method: str, path: str, status: int, value: Any) -> ASGI:
    """`app`, except that `method path` is answered with `status` and `value` (and never reaches it)."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != method or not scope["path"].endswith(path):
            await app(scope, receive, send)
            return
        body = json.dumps(value).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return wrapped


@pytest.fixture
def mock(spec: Spec) -> Mock:
    return Mock(Settings(api_keys=(ADMIN,)), spec=spec)


def _check(spec: Spec, mock: Mock, app: ASGI) -> list[Failure]:
    with LiveServer(mock, app) as server:
        transport = Transport(server.base_url, Limits(seconds=2.0), Budget(None), Redactor([ADMIN]), 0.0)
        try:
            return check_key_state(spec, transport, HEADERS)
        finally:
            transport.close()


def _calls(mock: Mock) -> list[tuple[str, int]]:
    return [(f"{c.method} {c.path.removeprefix(mock.base_path)}", c.status) for c in mock.calls]


def test_a_correct_server_passes(spec: Spec, mock: Mock) -> None:
    assert _check(spec, mock, create_app(mock=mock)) == []
    assert _calls(mock) == [
        ("POST /api_keys", 200),
        ("GET /api_keys", 200),
        ("GET /characters", 200),
        ("GET /api_keys", 401),
        ("DELETE /api_keys", 200),
        ("GET /api_keys", 200),
        ("GET /characters", 401),
    ]


def test_a_created_key_refused_where_inference_keys_work_is_named(spec: Spec, mock: Mock) -> None:
    app = _answering(create_app(mock=mock), "GET", "/characters", 401, {"error": "bad key"})
    (failure,) = _check(spec, mock, app)
    assert (failure.name, failure.field, failure.title, failure.expected, failure.received) == (
        "api_keys.authenticates",
        "apiKey",
        "the created INFERENCE key is refused on GET /characters",
        "2xx with the new key",
        '401 {"error": "bad key"}',
    )
    assert (failure.operation, failure.status) == ("createApiKey", 401)
    assert failure.curl.endswith("/characters")
    assert ADMIN not in failure.curl


def test_a_refused_delete_is_left_to_the_delete_operations_own_cases(spec: Spec, mock: Mock) -> None:
    app = _answering(create_app(mock=mock), "DELETE", "/api_keys", 500, {"error": "later"})
    assert _check(spec, mock, app) == []
    assert [call for call, _ in _calls(mock)][-1] == "GET /api_keys", "nothing looked at after the delete"


def test_a_delete_that_deletes_nothing_is_named_twice(spec: Spec, mock: Mock) -> None:
    app = _answering(create_app(mock=mock), "DELETE", "/api_keys", 200, {"success": True})
    failures = _check(spec, mock, app)
    key_id = failures[0].expected.removesuffix(" not listed")
    assert re.fullmatch(r"[0-9a-f-]{36}", key_id), failures[0].expected
    assert [(f.name, f.title, f.expected) for f in failures] == [
        ("api_keys.still_listed", "the deleted key is still listed by GET /api_keys", f"{key_id} not listed"),
        (
            "api_keys.still_accepted",
            "the deleted key is still accepted on GET /characters",
            "401 once the key is deleted",
        ),
    ]
    assert key_id in failures[0].received, "the listing that still holds it"
    assert [f.status for f in failures] == [200, 200]


def test_a_creation_answer_without_the_key_is_left_to_the_schema_check(spec: Spec, mock: Mock) -> None:
    app = _answering(create_app(mock=mock), "POST", "/api_keys", 200, {"data": {"id": 5}})
    assert _check(spec, mock, app) == []
    assert _calls(mock) == [], "nothing else was asked"


def test_a_server_that_does_not_answer_is_no_answer(spec: Spec) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}/api/v1"
    transport = Transport(base_url, Limits(seconds=1.0), Budget(None), Redactor([ADMIN]), 0.0)
    try:
        (failure,) = check_key_state(spec, transport, HEADERS)
    finally:
        transport.close()
    assert (failure.check, failure.title, failure.expected, failure.operation, failure.status) == (
        "no_answer",
        "no answer during the key state check",
        "an HTTP answer",
        "createApiKey",
        None,
    )
    assert failure.curl.endswith("/api_keys")
