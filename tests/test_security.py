"""No way past the keys (issue 12): faults that weaken security need the operator's consent,
Prefer never changes who you are, the admin routes need the admin token, credentials are
redacted in the log, the state file is private and keeps no secret, scripts cannot inject headers."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from mockserver import Mock, ScriptError, create_app
from mockserver.cli import exposure_warning
from tests.conftest import LiveServer

ADMIN = {"Authorization": "Bearer admin-key"}
KEY_BODY = {"apiKeyType": "ADMIN", "description": "minted"}
CHAT = {"model": "venice-uncensored", "messages": [{"role": "user", "content": "Hi"}]}


@pytest.fixture
def guarded(make_mock: Callable[..., Mock]) -> Iterator[TestClient]:
    with TestClient(create_app(mock=make_mock(api_keys=("admin-key",))), base_url="http://mock.test") as c:
        yield c


def _keys(client: TestClient) -> list[str]:
    return [k["id"] for k in client.get("/api/v1/api_keys", headers=ADMIN).json()["data"]]


def test_a_fault_header_alone_cannot_switch_off_auth_where_keys_guard_the_mock(guarded: TestClient) -> None:
    fault = {"X-Mock-Fault": "auth-not-enforced"}
    assert guarded.get("/api/v1/api_keys", headers=fault).status_code == 401
    minted = guarded.post("/api/v1/api_keys", headers=fault, json=KEY_BODY)
    assert minted.status_code == 401
    assert _keys(guarded) == []  # no ADMIN key was minted
    # A client with a valid key is told why the header is refused.
    refused = guarded.get("/api/v1/models", headers={**ADMIN, **fault})
    assert refused.status_code == 400
    assert "--allow-fault-headers" in refused.json()["error"]


def test_the_operator_may_allow_weakening_faults_at_start(make_mock: Callable[..., Mock]) -> None:
    fault = {"X-Mock-Fault": "auth-not-enforced"}
    for settings in ({"allow_fault_headers": True}, {"faults": ("auth-not-enforced",)}):
        mock = make_mock(api_keys=("admin-key",), **settings)
        with TestClient(create_app(mock=mock)) as client:
            headers = fault if "allow_fault_headers" in settings else {}
            assert client.get("/api/v1/api_keys", headers=headers).status_code == 200, settings


def test_prefer_never_changes_who_you_are(guarded: TestClient) -> None:
    inference = guarded.post(
        "/api/v1/api_keys", headers=ADMIN, json={"apiKeyType": "INFERENCE", "description": "i"}
    ).json()["data"]
    as_inference = {"Authorization": f"Bearer {inference['apiKey']}"}
    before = _keys(guarded)
    for code in ("200", "400", "500"):
        prefer = {**as_inference, "Prefer": f"code={code}"}
        created = guarded.post("/api/v1/api_keys", headers=prefer, json=KEY_BODY)
        assert created.status_code == 401, (code, created.text)
        assert "needs an ADMIN API key" in created.json()["error"]
        assert guarded.get("/api/v1/api_keys", headers=prefer).status_code == 401
        assert guarded.get("/api/v1/billing/usage", headers=prefer).status_code == 401
        deleted = guarded.delete(f"/api/v1/api_keys?id={inference['id']}", headers=prefer)
        assert deleted.status_code == 401
    assert _keys(guarded) == before
    # The same key still does what an INFERENCE key may.
    assert guarded.post("/api/v1/chat/completions", headers=as_inference, json=CHAT).status_code == 200


@pytest.fixture
def live_guarded(make_mock: Callable[..., Mock]) -> Iterator[LiveServer]:
    with LiveServer(make_mock(api_keys=("admin-key", "other-key"))) as server:
        yield server


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/__mock/requests"),
        ("DELETE", "/__mock/requests"),
        ("GET", "/__mock/spec"),
        ("GET", "/__mock/health"),
        ("POST", "/__mock/reset"),
        ("GET", "/__mock/scripts"),
        ("DELETE", "/__mock/scripts"),
        ("GET", "/__mock/scenarios"),
    ],
)
def test_admin_routes_need_the_admin_token_when_keys_are_configured(
    live_guarded: LiveServer, method: str, path: str
) -> None:
    url = live_guarded.origin + path
    with httpx.Client(timeout=10) as client:
        for headers in ({}, {"Authorization": "Bearer other-key"}, {"Authorization": "Bearer wrong"}):
            refused = client.request(method, url, headers=headers)
            assert refused.status_code == 401, headers
            assert "admin token" in refused.json()["error"]
        assert client.request(method, url, headers=ADMIN).status_code in (200, 204)


def test_a_reset_without_the_token_keeps_the_state(live_guarded: LiveServer) -> None:
    with httpx.Client(timeout=10) as client:
        client.post(live_guarded.base_url + "/api_keys", headers=ADMIN, json=KEY_BODY)
        assert client.post(live_guarded.origin + "/__mock/reset").status_code == 401
        listing = client.get(live_guarded.base_url + "/api_keys", headers=ADMIN).json()["data"]
    assert len(listing) == 1


def test_the_token_in_a_query_string_sets_a_cookie_for_a_browser(live_guarded: LiveServer) -> None:
    with httpx.Client(timeout=10) as browser:
        first = browser.get(live_guarded.origin + "/__mock/health?token=admin-key")
        assert first.status_code == 200
        assert "HttpOnly" in first.headers["set-cookie"]
        assert browser.get(live_guarded.origin + "/__mock/health").status_code == 200  # the cookie
    with httpx.Client(timeout=10) as stranger:
        assert stranger.get(live_guarded.origin + "/__mock/health").status_code == 401


def test_an_admin_token_of_its_own_replaces_the_first_key(make_mock: Callable[..., Mock]) -> None:
    with TestClient(create_app(mock=make_mock(api_keys=("admin-key",), admin_token="ops"))) as client:
        assert client.get("/__mock/health", headers=ADMIN).status_code == 401
        assert client.get("/__mock/health", headers={"Authorization": "Bearer ops"}).status_code == 200


def test_without_keys_the_admin_routes_stay_open(client: TestClient) -> None:
    assert client.get("/__mock/health").status_code == 200


def test_credentials_in_query_strings_and_token_headers_are_redacted(guarded: TestClient) -> None:
    guarded.get(
        "/api/v1/models?key=query-secret-0001&api_key=query-secret-0002&limit=3",
        headers={**ADMIN, "X-Auth-Token": "header-secret-0003", "X-Session-Id": "header-secret-0004"},
    )
    log = guarded.get("/__mock/requests", headers=ADMIN).text
    for n in range(1, 5):
        assert f"secret-000{n}" not in log
    call = guarded.get("/__mock/requests", headers=ADMIN).json()[0]
    assert call["query"] == "key=***0001&api_key=***0002&limit=3"
    assert call["headers"]["x-auth-token"] == "***0003"


def test_the_state_file_is_private_and_keeps_no_secret(
    make_mock: Callable[..., Mock], tmp_path: Path
) -> None:
    path = tmp_path / "state.db"
    with TestClient(create_app(mock=make_mock(api_keys=("admin-key",), state_file=str(path)))) as client:
        secret = client.post("/api/v1/api_keys", headers=ADMIN, json=KEY_BODY).json()["data"]["apiKey"]
        listed = client.get("/api/v1/api_keys", headers=ADMIN).json()["data"][0]
        assert client.get("/api/v1/models", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert listed["last6Chars"] == secret[-6:]
    with sqlite3.connect(path) as db:
        dump = "\n".join(db.iterdump())
    assert secret not in dump
    assert secret[-6:] in dump  # what listings show, and nothing more
    for leftover in tmp_path.iterdir():  # -wal, -shm
        assert secret.encode() not in leftover.read_bytes(), leftover


@pytest.mark.parametrize(
    "headers",
    [{"x-injected": "a\r\nSet-Cookie: evil=1"}, {"x-ok": "line\nbreak"}, {"bad name": "v"}, {"x": "\x00"}],
)
def test_scripted_headers_that_would_split_the_answer_are_refused(
    mock: Mock, headers: dict[str, str]
) -> None:
    with pytest.raises(ScriptError, match="cannot be sent"):
        mock.scripts.respond("listModels", 200, headers=headers)
    assert not mock.scripts.active()


def test_scripted_headers_with_a_tab_still_work(client: TestClient, mock: Mock) -> None:
    mock.scripts.respond("listModels", headers={"x-note": "a\tb"})
    assert client.get("/api/v1/models", headers=ADMIN).headers["x-note"] == "a\tb"


def test_binding_beyond_loopback_is_warned_about() -> None:
    assert exposure_warning("127.0.0.1", ()) is None
    assert exposure_warning("::1", ()) is None
    assert exposure_warning("localhost", ()) is None
    open_warning = exposure_warning("0.0.0.0", ())
    assert open_warning is not None
    assert "no --api-key" in open_warning
    guarded_warning = exposure_warning("192.0.2.7", ("k",))
    assert guarded_warning is not None
    assert "--api-key guards" in guarded_warning
