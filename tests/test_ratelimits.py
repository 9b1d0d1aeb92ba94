"""Rate limits over HTTP with the clock under test control: the request past a limit gets 429 with
Retry-After and x-ratelimit-* headers and is logged; the next window admits again. GET
/api_keys/rate_limits reflects the file, the calling key and the balances billing has spent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openapi_core import OpenAPI

from mockserver import Mock, Spec
from mockserver.behaviors.limits import LIMITS_FILE, load_limits, parse_limits
from mockserver.catalogfile import default_fixtures_dir
from mockserver.exceptions import CatalogError
from mockserver.timestamps import rfc3339
from tests.checked_client import CHAT, CheckedClient, fixtures_with_limits
from tests.later_venice import BUNDLED_TYPES

MINUTE = 1_800_057_600.0  # midnight UTC, so also a minute boundary
LOW = "scale: 1\ntypes: {text: {RPM: 3, RPD: 1000, TPM: 5000}, tts: {RPM: 1}}\nmodels: {qwen3-4b: {RPM: 1}}\n"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def limited(
    make_mock: Callable[..., Mock], reference: OpenAPI, tmp_path: Path, text: str
) -> tuple[CheckedClient, Clock]:
    api = CheckedClient(
        make_mock(api_keys=("admin",), fixtures=fixtures_with_limits(tmp_path, text)), reference
    )
    clock = Clock(MINUTE + 10)
    api.mock.services.clock = clock
    return api, clock


def chat(api: CheckedClient, token: str, model: str = "llama-3.3-70b", **headers: str) -> Any:
    return api.call("POST", "/chat/completions", token=token, json={**CHAT, "model": model}, headers=headers)


def test_the_request_past_the_limit_waits_for_the_next_minute(
    make_mock: Callable[..., Mock], reference: OpenAPI, tmp_path: Path
) -> None:
    api, clock = limited(make_mock, reference, tmp_path, LOW)
    key = api.create_key("admin", "INFERENCE")
    assert [chat(api, key["apiKey"]).status_code for _ in range(3)] == [200, 200, 200]
    clock.now = MINUTE + 15
    refused = chat(api, key["apiKey"])
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "45"
    assert refused.headers["x-ratelimit-limit-requests"] == "3"
    assert refused.headers["x-ratelimit-remaining-requests"] == "0"
    assert refused.headers["x-ratelimit-reset-requests"] == str(int(MINUTE + 60))
    assert refused.headers["x-ratelimit-limit-tokens"] == "5000"
    assert "Rate limit exceeded" in refused.json()["error"]

    log = api.call("GET", "/api_keys/rate_limits/log", token="admin").json()["data"]
    assert log == [
        {
            "apiKeyId": key["id"],
            "modelId": "llama-3.3-70b",
            "rateLimitTier": "paid",
            "rateLimitType": "RPM",
            "timestamp": rfc3339(MINUTE + 15),
        }
    ]
    assert chat(api, key["apiKey"], "venice-uncensored").status_code == 200  # per model
    assert chat(api, "admin").status_code == 200  # per key
    assert chat(api, key["apiKey"], **{"Prefer": "code=200"}).status_code == 200  # forced: not limited
    clock.now = MINUTE + 59.9
    assert chat(api, key["apiKey"]).status_code == 429
    clock.now = MINUTE + 60
    assert chat(api, key["apiKey"]).status_code == 200
    assert len(api.call("GET", "/api_keys/rate_limits/log", token="admin").json()["data"]) == 2
    billed = api.call("GET", "/billing/usage", token="admin").json()["pagination"]["total"]
    assert billed == 2 * 7  # the refused requests are not billed: 7 chats got through


def test_per_model_overrides_and_other_operations(
    make_mock: Callable[..., Mock], reference: OpenAPI, tmp_path: Path
) -> None:
    api, _ = limited(make_mock, reference, tmp_path, LOW)
    assert chat(api, "admin", "qwen3-4b").status_code == 200
    assert chat(api, "admin", "qwen3-4b").status_code == 429
    speech = {"input": "hello"}
    assert api.call("POST", "/audio/speech", token="admin", json=speech).status_code == 200
    refused = api.call("POST", "/audio/speech", token="admin", json=speech)
    assert refused.status_code == 429
    log = api.call("GET", "/api_keys/rate_limits/log", token="admin").json()["data"]
    assert [entry["modelId"] for entry in log] == ["tts-kokoro", "qwen3-4b"]  # newest first
    assert log[0]["apiKeyId"] == log[1]["apiKeyId"]  # the same token is the same (account) key


def test_a_day_limit_waits_for_midnight(
    make_mock: Callable[..., Mock], reference: OpenAPI, tmp_path: Path
) -> None:
    api, clock = limited(make_mock, reference, tmp_path, "scale: 1\ntypes: {text: {RPM: 100, RPD: 2}}\n")
    clock.now = MINUTE + 3600
    assert [chat(api, "admin").status_code for _ in range(3)] == [200, 200, 429]
    refused = chat(api, "admin")
    assert refused.headers["retry-after"] == str(86_400 - 3600)
    log = api.call("GET", "/api_keys/rate_limits/log", token="admin").json()["data"]
    assert {entry["rateLimitType"] for entry in log} == {"RPD"}
    clock.now = MINUTE + 86_400
    assert chat(api, "admin").status_code == 200


def test_rate_limits_report_the_file_the_key_and_the_balances(
    make_mock: Callable[..., Mock], reference: OpenAPI, tmp_path: Path
) -> None:
    # What one chat costs: the same request body always gets the same answer (and usage).
    probe = CheckedClient(make_mock(), reference)
    chat(probe, "admin")
    cost = -sum(e["amount"] for e in probe.call("GET", "/billing/usage", token="admin").json()["data"])
    diem = 1.5 * cost  # covers the first chat, not the second
    text = (
        LOW.replace("scale: 1", "scale: 2")
        + f"balances: {{DIEM: {diem!r}, USD: 10}}\ntier: staff\ncharged: false\n"
    )
    api, clock = limited(make_mock, reference, tmp_path, text)
    key = api.create_key(
        "admin", "INFERENCE", expiresAt="2031-01-01", consumptionLimit={"usd": 0.5, "vcu": None}
    )
    data = api.call("GET", "/api_keys/rate_limits", token=key["apiKey"]).json()["data"]
    catalog = api.mock.services.catalog
    # Every model the bundled spec can list (its ModelResponse has no video or asr type).
    served = [m.id for m in catalog.all_models if m.type in BUNDLED_TYPES]
    assert [m["apiModelId"] for m in data["rateLimits"]] == served
    limits = {m["apiModelId"]: {r["type"]: r["amount"] for r in m["rateLimits"]} for m in data["rateLimits"]}
    assert limits["llama-3.3-70b"] == {"RPM": 6, "RPD": 2000, "TPM": 10000}
    assert limits["qwen3-4b"] == {"RPM": 2, "RPD": 2000, "TPM": 10000}
    assert data["apiTier"] == {"id": "staff", "isCharged": False}
    assert data["keyExpiration"] == "2031-01-01T00:00:00.000Z"
    assert data["nextEpochBegins"] == rfc3339(MINUTE + 86_400)
    assert data["balances"] == {"USD": 0.5, "DIEM": diem, "VCU": 0.0}  # USD capped by the key's limit

    for _ in range(2):
        chat(api, key["apiKey"])
    usage = api.call("GET", "/billing/usage", token="admin", query={"sortOrder": "asc"}).json()["data"]
    spent = {c: -sum(e["amount"] for e in usage if e["currency"] == c) for c in ("USD", "DIEM", "VCU")}
    assert usage[0]["currency"] == "DIEM"  # the Diem balance covers the first chat...
    assert usage[-1]["currency"] == "USD"  # ...not the second: it is paid in USD
    after = api.call("GET", "/api_keys/rate_limits", token=key["apiKey"]).json()["data"]["balances"]
    assert spent["DIEM"] == pytest.approx(cost)
    assert after["DIEM"] == pytest.approx(diem - cost)
    assert after["USD"] == pytest.approx(0.5 - spent["USD"])
    account = api.call("GET", "/api_keys/rate_limits", token="admin").json()["data"]
    assert account["balances"]["USD"] == pytest.approx(10 - spent["USD"])
    assert account["keyExpiration"] is None
    clock.now = MINUTE + 86_400  # a new epoch: the key's consumption starts over
    renewed = api.call("GET", "/api_keys/rate_limits", token=key["apiKey"]).json()["data"]["balances"]
    assert renewed["USD"] == 0.5


def test_the_bundled_limits_cover_the_catalog_and_stay_out_of_the_way(
    spec: Spec, make_mock: Callable[..., Mock]
) -> None:
    mock = make_mock()
    limits = load_limits(mock.services)
    assert limits.source == str(default_fixtures_dir() / LIMITS_FILE)
    for model in mock.services.catalog.all_models:
        per = limits.for_model(model.id, model.type)
        assert per["RPM"] >= 100_000, model.id
        assert per["RPD"] >= per["RPM"]


def test_a_fixtures_directory_without_the_file_gets_the_bundled_one(
    make_mock: Callable[..., Mock], tmp_path: Path
) -> None:
    fixtures = fixtures_with_limits(tmp_path, "")
    (Path(fixtures) / LIMITS_FILE).unlink()
    mock = make_mock(fixtures=fixtures)
    assert load_limits(mock.services).source == str(default_fixtures_dir() / LIMITS_FILE)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"limits": {}}, "limits: unknown section"),
        ({"types": {"hologram": {"RPM": 1}}}, "types: expected a mapping keyed by model type"),
        ({"types": {"text": {"RPH": 1}}}, "types.text.RPH: unknown limit"),
        ({"models": {"x": {"RPM": -1}}}, "models.x.RPM: expected a number >= 0"),
        ({"balances": {"EUR": 1}}, "balances: expected a mapping keyed by currency"),
        ({"charge_order": []}, "charge_order: expected a non-empty list"),
        ({"scale": 0}, "scale: must be greater than 0"),
        ([], "top level"),
    ],
)
def test_a_broken_file_names_the_entry(data: Any, message: str) -> None:
    with pytest.raises(CatalogError, match=f"^my.yaml: {message}"):
        parse_limits(data, "my.yaml")
