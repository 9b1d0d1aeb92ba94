"""Venice semantics for API keys: created keys authenticate, are listed without their secret, and
once deleted never authenticate again; web3 keys; the last use of every key.

Who is calling: a key created through the API is itself; any other accepted token (an `--api-key`,
or any token when the mock runs without one) stands for the account owner's own key, with a stable
id derived from the token, so rate limits and logs can name it.

Mock control wins over Venice rules that depend on state or on rules outside the schema (a
missing `id`, impossible dates, creation limits): a request that forces its status (`Prefer:
code=...`) is not refused by them, so every documented answer stays reachable. Who may call an
admin-only operation is never mock control: the `permit` hook refuses an INFERENCE key before
any `Prefer` is read, so `Prefer: code=200` cannot make an INFERENCE key create an ADMIN key.
An unknown key id is refused regardless too, by the `check` hook (as for an unknown model).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import math
import secrets
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from mockserver.behaviors.hooks import Behavior, Refusal, Refused
from mockserver.behaviors.limits import WINDOW_SECONDS, load_limits
from mockserver.errors import Violation
from mockserver.exchange import Exchange
from mockserver.spec import Operation
from mockserver.state import ApiKey, RateWindow, secret_hash
from mockserver.timestamps import parse_instant, rfc3339
from mockserver.types import JSON
from mockserver.validation import RequestData

if TYPE_CHECKING:
    from mockserver.services import Services

# Every operation of the Venice spec: any successful call with a created key is a use of it.
ALL_OPERATIONS = (
    "createChatCompletion",
    "generateImage",
    "simpleGenerateImage",
    "getImageStyles",
    "upscaleImage",
    "editImage",
    "listModels",
    "listModelTraits",
    "listModelCompatibilityMapping",
    "getApiKeys",
    "deleteApiKey",
    "createApiKey",
    "getApiKeyRateLimits",
    "getApiKeyRateLimitLogs",
    "getApiKeyGenerateWeb3Key",
    "postApiKeyGenerateWeb3Key",
    "listCharacters",
    "createEmbedding",
    "createSpeech",
    "getBillingUsage",
)
LIMIT_CURRENCIES = ("usd", "diem", "vcu")  # the consumption limit's fields
_SEVEN_DAYS = 7 * 86_400


class Caller(NamedTuple):  # built several times per call: cheaper than a frozen dataclass
    key_id: str
    key: ApiKey | None  # None: not a key created through the API


def caller(request: RequestData, services: Services) -> Caller:
    token = request.credential
    if not token:
        return Caller("anonymous", None)
    key = services.state.key_for(token)
    if key is not None:
        return Caller(key.id, key)
    return Caller(_token_id(token), None)


@functools.lru_cache(maxsize=4096)
def _token_id(token: str) -> str:
    """A stable id for a token that is not a created key (cached: asked on every inference call)."""
    return str(uuid.UUID(bytes=hashlib.blake2b(token.encode(), digest_size=16).digest()))


def forced(ex: Exchange) -> bool:
    """The request chose its status itself (Prefer: code=...)."""
    return ex.controls.prefer.code is not None


def now(services: Services) -> str:
    return rfc3339(services.clock())


def normalised_expiry(value: object) -> str | None:
    """expiresAt as stored and served: None (never) for absent or "", RFC 3339 for a date (its
    midnight UTC, as JavaScript reads a bare date) or a date-time; the text itself if it names no
    real day (only a request that forced its status gets this far with one)."""
    if not isinstance(value, str) or not value:
        return None
    when = parse_instant(value)
    return rfc3339(when) if when is not None else value


def _body(request: RequestData) -> Mapping[str, Any]:
    return request.body if isinstance(request.body, dict) else {}


def _limits_of(body: Mapping[str, Any]) -> dict[str, float | None]:
    given = body.get("consumptionLimit")
    given = given if isinstance(given, dict) else {}
    return {c: given[c] for c in LIMIT_CURRENCIES if c in given}


def permit_admin(op: Operation, request: RequestData, services: Services) -> Refusal | None:
    """Admin operations (key management, billing): an INFERENCE key gets 401, whatever it prefers."""
    key = caller(request, services).key
    if key is None or key.api_key_type == "ADMIN":
        return None
    message = f"Authentication failed: {op.label} needs an ADMIN API key; this is an {key.api_key_type} key"
    return Refusal(401, message)


def _admit_create(ex: Exchange, services: Services) -> Refusal | None:
    if forced(ex):
        return None
    expiry = _body(ex.request).get("expiresAt")
    if isinstance(expiry, str) and expiry and parse_instant(expiry) is None:
        return Refusal(400, f"Invalid request parameters: expiresAt: {expiry!r} is not a real date")
    limits = load_limits(services)
    if len(services.state.api_keys()) >= limits.max_active_keys:  # early, before the rate window
        return _too_many(limits.max_active_keys)
    clock = services.clock()
    window = RateWindow("account|createApiKey|RPM", clock // 60 * 60, limits.key_creation_rpm)
    if services.state.take([window]) is None:
        return None
    retry = max(1, math.ceil(window.start + WINDOW_SECONDS["RPM"] - clock))
    message = f"Rate limit exceeded: at most {window.limit} API keys can be created per minute"
    return Refusal(429, message, {"retry-after": str(retry)})


def _too_many(limit: int) -> Refusal:
    return Refusal(400, f"Invalid request parameters: at most {limit} active API keys")


def _new_key(ex: Exchange, services: Services, body: Mapping[str, Any], description: str) -> JSON:
    secret = secrets.token_urlsafe(30)
    key = ApiKey(
        id=str(uuid.uuid4()),
        secret_hash=secret_hash(secret),
        last6=secret[-6:],
        api_key_type=str(body.get("apiKeyType", "INFERENCE")),
        description=str(body.get("description", description)),
        created_at=now(services),
        expires_at=normalised_expiry(body.get("expiresAt")),
        consumption_limit=_limits_of(body),
    )
    # The limit again, atomically with the insert: the check in admit alone let concurrent
    # creations (several workers on one state file) pass it together.
    limit = None if forced(ex) else load_limits(services).max_active_keys
    if not services.state.add_key(key, limit):
        assert limit is not None
        raise Refused(_too_many(limit))
    data = {
        "apiKey": secret,  # shown this once: the store keeps its hash and last six characters
        "apiKeyType": key.api_key_type,
        "consumptionLimit": dict(key.consumption_limit),
        "description": key.description,
        "expiresAt": key.expires_at,
        "id": key.id,
    }
    return {"data": data, "success": True}


def _create(ex: Exchange, services: Services) -> JSON:
    return _new_key(ex, services, _body(ex.request), "")


def key_item(key: ApiKey, spent: Mapping[str, Mapping[str, float]]) -> dict[str, JSON]:
    """One key as listings show it (no secret), with its spending of the last seven days."""
    used = spent.get(key.id, {})
    return {
        "apiKeyType": key.api_key_type,
        "consumptionLimits": dict(key.consumption_limit),
        "createdAt": key.created_at,
        "description": key.description,
        "expiresAt": key.expires_at,
        "id": key.id,
        "last6Chars": key.last6,
        "lastUsedAt": key.last_used_at,
        "usage": {"trailingSevenDays": {c: f"{used.get(c.upper(), 0.0):.4f}" for c in LIMIT_CURRENCIES}},
    }


def recent_spending(services: Services) -> dict[str, dict[str, float]]:
    return services.state.usage_by_key(services.clock() - _SEVEN_DAYS)


def _list(ex: Exchange, services: Services) -> JSON:
    spent = recent_spending(services)
    items: list[JSON] = [key_item(key, spent) for key in services.state.api_keys()]
    return {"data": items, "object": "list"}


def _id_param(request: RequestData) -> object:
    return request.params.get("query", {}).get("id")


def _check_delete(op: Operation, request: RequestData, services: Services) -> list[Violation]:
    key_id = _id_param(request)
    if isinstance(key_id, str) and services.state.key(key_id) is None:
        return [Violation("id", "unknown", f"no API key with id {key_id!r}")]
    return []


def _admit_delete(ex: Exchange, services: Services) -> Refusal | None:
    if forced(ex):
        return None
    if _id_param(ex.request) is None:
        # The spec marks `id` optional, so this is not a schema violation: it is refused here,
        # where a forced status (the self-check's `Prefer: code=200`) can still get its answer.
        return Refusal(400, "Invalid request parameters: id: required: the id of the API key to delete")
    return None


def _delete(ex: Exchange, services: Services) -> JSON:
    key_id = _id_param(ex.request)
    return {"success": isinstance(key_id, str) and services.state.delete_key(key_id)}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _web3_token(ex: Exchange, services: Services) -> JSON:
    """A JWT-shaped token for the wallet to sign (its signature is not checked: nothing is)."""
    issued = int(services.clock())
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = {"sub": secrets.token_hex(16), "iat": issued, "exp": issued + 300}
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return {"data": {"token": f"{header}.{payload}.{_b64(secrets.token_bytes(32))}"}, "success": True}


def _web3_create(ex: Exchange, services: Services) -> JSON:
    return _new_key(ex, services, _body(ex.request), "Web3 API Key")


def touch(ex: Exchange, value: JSON, services: Services) -> None:
    """Record the calling key's last use (every operation's account hook)."""
    token = ex.request.credential
    key = services.state.key_for(token) if token else None
    if key is not None:
        services.state.touch_key(key.id, now(services))


_OWN: dict[str, Behavior] = {
    "createApiKey": Behavior(permit=permit_admin, admit=_admit_create, build=_create, account=touch),
    "getApiKeys": Behavior(permit=permit_admin, build=_list, account=touch),
    "deleteApiKey": Behavior(
        permit=permit_admin, check=_check_delete, admit=_admit_delete, build=_delete, account=touch
    ),
    "getApiKeyGenerateWeb3Key": Behavior(build=_web3_token, account=touch),
    "postApiKeyGenerateWeb3Key": Behavior(build=_web3_create, account=touch),
}

# Elsewhere only the key's last use is recorded, which changes no answer: cacheable stays as the
# operation's other behaviors say.
BEHAVIORS: Mapping[str, Behavior] = {
    op: _OWN.get(op, Behavior(account=touch, cacheable=True)) for op in ALL_OPERATIONS
}
