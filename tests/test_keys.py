"""API keys over HTTP: create, list without secrets, authenticate, delete for good; web3 keys;
expiry; admin-only operations; the last use of a key. Every answer is checked against the spec."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openapi_core import OpenAPI

from mockserver import Mock, Spec
from mockserver.behaviors.keys import ALL_OPERATIONS
from mockserver.timestamps import rfc3339
from tests.checked_client import CHAT, CheckedClient, fixtures_with_limits

LIST_ITEM_FIELDS = {
    "apiKeyType",
    "consumptionLimits",
    "createdAt",
    "description",
    "expiresAt",
    "id",
    "last6Chars",
    "lastUsedAt",
    "usage",
}


@pytest.fixture
def api(make_mock: Callable[..., Mock], reference: OpenAPI) -> CheckedClient:
    return CheckedClient(make_mock(api_keys=("admin",)), reference)


def listing(api: CheckedClient, token: str = "admin") -> list[dict[str, Any]]:
    response = api.call("GET", "/api_keys", token=token)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["data"]
    return items


def test_a_key_lives_from_creation_to_deletion(api: CheckedClient) -> None:
    assert api.call("GET", "/api_keys", token="not-admin").status_code == 401
    created = api.create_key("admin", "ADMIN", description="ci", consumptionLimit={"usd": 50, "diem": None})
    secret, key_id = created["apiKey"], created["id"]
    assert created["consumptionLimit"] == {"usd": 50, "diem": None}

    items = listing(api)
    assert [item["id"] for item in items] == [key_id]
    assert set(items[0]) == LIST_ITEM_FIELDS
    assert items[0]["last6Chars"] == secret[-6:]
    assert items[0]["consumptionLimits"] == {"usd": 50, "diem": None}
    assert items[0]["usage"] == {"trailingSevenDays": {"usd": "0.0000", "vcu": "0.0000", "diem": "0.0000"}}
    assert secret not in api.call("GET", "/api_keys", token="admin").text

    assert [item["id"] for item in listing(api, token=secret)] == [key_id]  # the new key authenticates
    deleted = api.call("DELETE", "/api_keys", token="admin", query={"id": key_id})
    assert (deleted.status_code, deleted.json()) == (200, {"success": True})
    assert api.call("GET", "/api_keys", token=secret).status_code == 401
    assert listing(api) == []

    again = api.call("DELETE", "/api_keys", token="admin", query={"id": key_id})
    assert again.status_code == 400
    assert key_id in again.json()["error"]
    assert key_id in again.json()["details"]["id"]["_errors"][0]


def test_deleting_without_an_id_is_a_400_unless_a_status_is_forced(api: CheckedClient) -> None:
    missing = api.call("DELETE", "/api_keys", token="admin")
    assert missing.status_code == 400
    assert "id" in missing.json()["error"]
    forced = api.call("DELETE", "/api_keys", token="admin", headers={"Prefer": "code=200"})
    assert (forced.status_code, forced.json()) == (200, {"success": False})


def test_deleted_keys_stay_revoked_when_any_token_is_accepted(
    make_mock: Callable[..., Mock], reference: OpenAPI
) -> None:
    api = CheckedClient(make_mock(), reference)  # no --api-key: any non-empty token passes
    assert api.call("POST", "/chat/completions", token="whatever", json=CHAT).status_code == 200
    created = api.create_key("whatever", "INFERENCE")
    assert api.call("POST", "/chat/completions", token=created["apiKey"], json=CHAT).status_code == 200
    api.call("DELETE", "/api_keys", token="whatever", query={"id": created["id"]})
    assert api.call("POST", "/chat/completions", token=created["apiKey"], json=CHAT).status_code == 401
    assert api.call("POST", "/chat/completions", token="another", json=CHAT).status_code == 200


def test_inference_keys_call_inference_only(api: CheckedClient) -> None:
    admin_key = api.create_key("admin", "ADMIN")
    key = api.create_key("admin", "INFERENCE")["apiKey"]
    assert api.call("POST", "/chat/completions", token=key, json=CHAT).status_code == 200
    assert api.call("GET", "/api_keys/rate_limits", token=key).status_code == 200
    refused = [
        api.call("GET", "/api_keys", token=key),
        api.call("POST", "/api_keys", token=key, json={"apiKeyType": "ADMIN", "description": "escalate"}),
        api.call("DELETE", "/api_keys", token=key, query={"id": admin_key["id"]}),
        api.call("GET", "/billing/usage", token=key),
    ]
    assert [r.status_code for r in refused] == [401, 401, 401, 401]
    assert "ADMIN" in refused[0].json()["error"]
    assert len(listing(api)) == 2
    assert len(listing(api, token=admin_key["apiKey"])) == 2


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("", None),
        ("2031-05-06", "2031-05-06T00:00:00.000Z"),
        ("2031-05-06T07:08:09Z", "2031-05-06T07:08:09.000Z"),
        ("2031-05-06T07:08:09.123Z", "2031-05-06T07:08:09.123Z"),
    ],
)
def test_expiry_is_normalised(api: CheckedClient, given: str, stored: str | None) -> None:
    created = api.create_key("admin", expiresAt=given)
    assert created["expiresAt"] == stored
    assert listing(api)[0]["expiresAt"] == stored
    limits = api.call("GET", "/api_keys/rate_limits", token=created["apiKey"]).json()["data"]
    assert limits["keyExpiration"] == stored


def test_a_day_that_does_not_exist_is_refused(api: CheckedClient) -> None:
    refused = api.call(
        "POST",
        "/api_keys",
        token="admin",
        json={"apiKeyType": "ADMIN", "description": "x", "expiresAt": "2031-02-30"},
    )
    assert refused.status_code == 400
    assert "expiresAt" in refused.json()["error"]
    assert listing(api) == []


def test_an_expired_key_no_longer_authenticates(api: CheckedClient) -> None:
    expired = api.create_key("admin", expiresAt="2001-01-01")
    assert api.call("GET", "/api_keys", token=expired["apiKey"]).status_code == 401
    assert [item["id"] for item in listing(api)] == [expired["id"]]  # still listed, as Venice does


def test_last_use_is_recorded(api: CheckedClient) -> None:
    clock = [1_800_000_000.0]
    api.mock.services.clock = lambda: clock[0]
    key = api.create_key("admin", "INFERENCE")
    assert listing(api)[0]["lastUsedAt"] is None
    clock[0] += 90.5
    api.call("POST", "/chat/completions", token=key["apiKey"], json=CHAT)
    assert listing(api)[0]["lastUsedAt"] == rfc3339(clock[0])
    api.call("POST", "/chat/completions", token="admin", json=CHAT)  # not a created key: no change
    assert listing(api)[0]["lastUsedAt"] == rfc3339(clock[0])


def test_every_spec_operation_records_key_use(spec: Spec) -> None:
    assert set(ALL_OPERATIONS) == {op.operation_id for op in spec.operations}


def _claims(token: str) -> dict[str, Any]:
    header, payload, signature = token.split(".")
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["typ"] == "JWT"
    assert signature
    return claims


def test_web3_tokens_and_keys(api: CheckedClient) -> None:
    api.mock.services.clock = lambda: 1_800_000_000.0
    first = api.call("GET", "/api_keys/generate_web3_key").json()["data"]["token"]
    second = api.call("GET", "/api_keys/generate_web3_key").json()["data"]["token"]
    assert first != second
    assert _claims(first)["iat"] == 1_800_000_000
    body = {
        "apiKeyType": "INFERENCE",
        "address": "0x45B73055F3aDcC4577Bb709db10B19d11b5c94eE",
        "signature": "0xbb5f",
        "token": first,
    }
    created = api.call("POST", "/api_keys/generate_web3_key", json=body).json()["data"]
    assert created["description"] == "Web3 API Key"
    assert api.call("POST", "/chat/completions", token=created["apiKey"], json=CHAT).status_code == 200
    assert [item["id"] for item in listing(api)] == [created["id"]]


def test_reset_forgets_keys(api: CheckedClient) -> None:
    key = api.create_key("admin")
    assert api.client.post("/__mock/reset").status_code == 401  # keys configured: admin token needed
    assert len(listing(api)) == 1
    assert api.client.post("/__mock/reset", headers={"Authorization": "Bearer admin"}).status_code == 204
    assert listing(api) == []
    assert api.call("GET", "/api_keys", token=key["apiKey"]).status_code == 401  # unknown, not --api-key


def test_active_keys_are_capped(make_mock: Callable[..., Mock], reference: OpenAPI, tmp_path: Path) -> None:
    fixtures = fixtures_with_limits(tmp_path, "api_keys: {max_active: 2}\n")
    api = CheckedClient(make_mock(api_keys=("admin",), fixtures=fixtures), reference)
    first = api.create_key("admin")
    api.create_key("admin")
    refused = api.call("POST", "/api_keys", token="admin", json={"apiKeyType": "ADMIN", "description": "3rd"})
    assert refused.status_code == 400
    assert "2 active API keys" in refused.json()["error"]
    api.call("DELETE", "/api_keys", token="admin", query={"id": first["id"]})
    api.create_key("admin")


def test_key_creation_is_rate_limited(
    make_mock: Callable[..., Mock], reference: OpenAPI, tmp_path: Path
) -> None:
    fixtures = fixtures_with_limits(tmp_path, "scale: 1\napi_keys: {RPM: 2}\n")
    api = CheckedClient(make_mock(api_keys=("admin",), fixtures=fixtures), reference)
    clock = [1_800_000_030.0]  # half a minute into a minute
    api.mock.services.clock = lambda: clock[0]
    api.create_key("admin")
    api.create_key("admin")
    refused = api.call("POST", "/api_keys", token="admin", json={"apiKeyType": "ADMIN", "description": "3rd"})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "30"
    clock[0] += 30
    api.create_key("admin")
