"""Venice rate limits: requests per minute and per day, per API key and model, on the inference
operations; GET /api_keys/rate_limits (limits, balances, tier, epoch) and its refusal log.

Limits come from rate_limits.yaml (mockserver.behaviors.limits). Counting uses fixed windows on
`services.clock()` (tests replace it to control time): a minute starts on the minute, a day at
00:00 UTC, which is also when Venice's epochs (and so key consumption limits) roll over. A refused
request does not count, and is logged for GET /api_keys/rate_limits/log.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from mockserver.behaviors.hooks import Behavior, Refusal
from mockserver.behaviors.keys import Caller, caller, forced
from mockserver.behaviors.limits import CURRENCIES, WINDOW_SECONDS, Limits, load_limits
from mockserver.behaviors.models import resolve_in, served_models
from mockserver.catalog import Catalog, Model
from mockserver.exchange import Exchange
from mockserver.state import RateLimitEvent, RateWindow
from mockserver.timestamps import rfc3339
from mockserver.types import JSON

if TYPE_CHECKING:
    from mockserver.services import Services

DAY = 86_400

# The model types each inference operation may name, the first being the one it is counted under
# when its model is not in the catalog (--any-model).
OPERATION_TYPES: Mapping[str, tuple[str, ...]] = {
    "createChatCompletion": ("text",),
    "generateImage": ("image", "inpaint"),
    "simpleGenerateImage": ("image",),
    "upscaleImage": ("upscale",),
    "editImage": ("inpaint",),
    "createEmbedding": ("embedding",),
    "createSpeech": ("tts",),
    "queueVideo": ("video",),  # later specs: queueing is the billed, rate-limited video call
}
# What an operation uses when the request names no model: the spec's default for speech, else the
# type's `default` trait (upscale and edit requests have no `model` field at all).
_DEFAULT_NAMES: Mapping[str, str] = {"createSpeech": "tts-kokoro"}


def call_model(ex: Exchange, services: Services) -> tuple[str, str, Model | None]:
    """(model id, model type, catalog model) that a call is counted and billed under."""
    op = ex.operation.operation_id
    name = ex.field("model") if op not in ("upscaleImage", "editImage") else None
    if name is not None and not isinstance(name, str):
        return "unknown", OPERATION_TYPES[op][0], None
    return _call_model(services.catalog, op, name)


@functools.lru_cache(maxsize=1024)
def _call_model(catalog: Catalog, op: str, name: str | None) -> tuple[str, str, Model | None]:
    # Resolution depends only on the (immutable) catalog, the operation and the name: asked twice
    # per inference call (rate limit, billing), so remembered.
    types = OPERATION_TYPES[op]
    model = resolve_in(catalog, name, types) if name is not None else None
    if model is None and name is None:
        model = resolve_in(catalog, _DEFAULT_NAMES.get(op, "default"), types)
        model = model or resolve_in(catalog, "default", types)
        model = model or next((m for t in types for m in catalog.models(t)), None)
    if model is not None:
        return model.id, model.type, model
    return (name if isinstance(name, str) else "unknown"), types[0], None


def windows_for(who: Caller, model_id: str, limits: Mapping[str, int], clock: float) -> list[RateWindow]:
    return [
        RateWindow(f"{who.key_id}|{model_id}|{kind}", clock // seconds * seconds, limits[kind])
        for kind, seconds in WINDOW_SECONDS.items()
        if kind in limits
    ]


def _admit(ex: Exchange, services: Services) -> Refusal | None:
    if forced(ex):
        return None
    model_id, model_type, _ = call_model(ex, services)
    config = load_limits(services)
    per_model = config.for_model(model_id, model_type)
    who = caller(ex.request, services)
    clock = services.clock()
    windows = windows_for(who, model_id, per_model, clock)
    full = services.state.take(windows)
    if full is None:
        return None
    kind = full.bucket.rsplit("|", 1)[1]
    resets = full.start + WINDOW_SECONDS[kind]
    retry = max(1, math.ceil(resets - clock))
    services.state.log_refusal(RateLimitEvent(who.key_id, model_id, config.tier, kind, clock))
    headers = {
        "retry-after": str(retry),
        "x-ratelimit-limit-requests": str(full.limit),
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": str(int(resets)),  # Unix time, as Venice documents it
    }
    if "TPM" in per_model:
        headers["x-ratelimit-limit-tokens"] = str(per_model["TPM"])
    period = "minute" if kind == "RPM" else "day"
    message = f"Rate limit exceeded: {full.limit} requests per {period} for {model_id}; retry in {retry} s"
    return Refusal(429, message, headers)


def balances(services: Services, who: Caller, config: Limits, epoch_start: float) -> dict[str, float]:
    """What is left to spend: the account's balance less all billed usage, and for a key with a
    consumption limit, at most that limit less the key's usage in this epoch."""
    spent = services.state.spent()
    left = {c: config.balances[c] - spent.get(c, 0.0) for c in CURRENCIES}
    if who.key is not None and any(v is not None for v in who.key.consumption_limit.values()):
        used = services.state.usage_by_key(epoch_start).get(who.key.id, {})
        for currency in CURRENCIES:
            cap = who.key.consumption_limit.get(currency.lower())
            if cap is not None:
                left[currency] = min(left[currency], cap - used.get(currency, 0.0))
    return left


def _rate_limits(ex: Exchange, services: Services) -> JSON:
    config = load_limits(services)
    who = caller(ex.request, services)
    epoch_start = services.clock() // DAY * DAY
    models: Sequence[Model] = served_models(services)  # not the video models the bundled spec lacks
    data = {
        "accessPermitted": True,  # a key that may not call inference does not get this far (401)
        "apiTier": {"id": config.tier, "isCharged": config.charged},
        "balances": balances(services, who, config, epoch_start),
        "keyExpiration": who.key.expires_at if who.key is not None else None,
        "nextEpochBegins": rfc3339(epoch_start + DAY),
        "rateLimits": [
            {
                "apiModelId": m.id,
                "rateLimits": [{"amount": n, "type": k} for k, n in config.for_model(m.id, m.type).items()],
            }
            for m in models
        ],
    }
    return {"data": data}


def _log(ex: Exchange, services: Services) -> JSON:
    events = services.state.refusals()
    data = [
        {
            "apiKeyId": e.key_id,
            "modelId": e.model_id,
            "rateLimitTier": e.tier,
            "rateLimitType": e.limit_type,
            "timestamp": rfc3339(e.timestamp),
        }
        for e in events
    ]
    return {"data": data, "object": "list"}


BEHAVIORS: Mapping[str, Behavior] = {
    **{op: Behavior(admit=_admit) for op in OPERATION_TYPES},
    "getApiKeyRateLimits": Behavior(build=_rate_limits),
    "getApiKeyRateLimitLogs": Behavior(build=_log),
}
