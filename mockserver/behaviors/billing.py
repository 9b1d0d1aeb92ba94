"""Venice billing: every successful inference call adds usage entries, and GET /billing/usage
pages, filters and sorts them (as JSON, or as CSV with the same fields).

An entry per price kind of the call (a chat call: prompt and completion tokens), priced by the
catalog: SKU, USD unit price, units (per million tokens or characters, per image), and the amount
charged, negative, in the account's currency for the call: the first of rate_limits.yaml's
`charge_order` whose balance covers the call (see mockserver.behaviors.limits).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mockserver.behaviors.hooks import Behavior
from mockserver.behaviors.keys import caller, permit_admin
from mockserver.behaviors.limits import load_limits
from mockserver.behaviors.ratelimits import OPERATION_TYPES, call_model
from mockserver.behaviors.video import billed_seconds
from mockserver.catalog import KINDS_BY_TYPE, PRICE_KINDS, Catalog, Model
from mockserver.exchange import Exchange
from mockserver.state import Inference, UsageEntry, UsageQuery
from mockserver.timestamps import parse_instant, rfc3339
from mockserver.types import JSON

if TYPE_CHECKING:
    from mockserver.services import Services

MILLION = 1_000_000
NOTES = "API Inference"
# The catalog's convention when a model's pricing lacks a currency: 1 Diem buys $1 of inference,
# one (deprecated) VCU was $0.10.
_PER_USD = {"USD": 1.0, "DIEM": 1.0, "VCU": 10.0}


def unit_price(catalog: Catalog, model: Model, kind: str, currency: str) -> float:
    """The price of one unit of `kind` in `currency`, from the model's pricing."""
    return _unit_price(catalog, model.id, kind, currency)


# Catalogs are immutable and hash by identity, so prices and SKUs can be remembered: they are
# looked up for every billed call.
@functools.lru_cache(maxsize=1024)
def _sku(catalog: Catalog, model_id: str, kind: str) -> str:
    return catalog.sku(model_id, kind)


@functools.lru_cache(maxsize=1024)
def _unit_price(catalog: Catalog, model_id: str, kind: str, currency: str) -> float:
    usd = catalog.unit_price_usd(model_id, kind)
    model = catalog.model(model_id)
    if currency == "USD" or model is None:
        return usd
    node: Any = model.pricing
    for key in (*PRICE_KINDS[kind][0], currency.lower()):
        node = node.get(key) if isinstance(node, Mapping) else None
    if isinstance(node, (int, float)) and not isinstance(node, bool):
        return float(node)
    return usd * _PER_USD[currency]


@functools.lru_cache(maxsize=1024)
def _prices(
    catalog: Catalog, model_id: str, kinds: tuple[str, ...], charge_order: tuple[str, ...]
) -> Mapping[tuple[str, str], float]:
    """(kind, currency) -> unit price for a call's kinds, in USD and every currency it may be
    charged in: one lookup per billed call instead of one per kind and currency."""
    return {(k, c): _unit_price(catalog, model_id, k, c) for k in kinds for c in {*charge_order, "USD"}}


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _usage_of(value: JSON) -> Mapping[str, Any]:
    usage = value.get("usage") if isinstance(value, dict) else None
    return usage if isinstance(usage, dict) else {}


def _number(value: object, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return default
    try:
        return float(value)
    except ValueError:
        return default


def _images(value: JSON, key: str) -> int:
    listed = value.get(key) if isinstance(value, dict) else None
    return len(listed) if isinstance(listed, list) else 1  # a binary answer is one image


def units(ex: Exchange, value: JSON, services: Services) -> tuple[list[tuple[str, float]], Inference | None]:
    """(price kind, units) of a successful call, and the LLM details for chat."""
    op = ex.operation.operation_id
    if op == "createChatCompletion":
        usage = _usage_of(value)
        prompt, completion = _count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens"))
        # The time the mock simulates for the answer: its stream pacing (0 when none is configured).
        pace = ex.controls.pace
        execution = round((pace.ttft + pace.delay * completion) * 1000, 3)
        request_id = value.get("id") if isinstance(value, dict) else None
        details = Inference(
            prompt, completion, execution, request_id if isinstance(request_id, str) else None
        )
        return [("input", prompt / MILLION), ("output", completion / MILLION)], details
    if op == "createEmbedding":
        return [("embedding", _count(_usage_of(value).get("prompt_tokens")) / MILLION)], None
    if op == "createSpeech":
        text = ex.field("input")
        return [("audio", len(text) / MILLION if isinstance(text, str) else 0.0)], None
    if op == "upscaleImage":
        scale = ex.field("scale", 2)  # 1..4 by the schema; up to 2 is billed as 2x, above as 4x
        return [("upscale-4x" if _number(scale, 2.0) > 2 else "upscale-2x", 1.0)], None
    if op == "generateImage":
        return [("generation", float(_images(value, "images")))], None
    if op == "simpleGenerateImage":
        return [("generation", float(_images(value, "data")))], None
    if op == "queueVideo":  # seconds of 720p-equivalent video: the quote divided by the unit price
        return [("video-second", billed_seconds(ex.request.body))], None
    return [("generation", 1.0)], None  # editImage: one edited image


def _account(ex: Exchange, value: JSON, services: Services) -> None:
    model = call_model(ex, services)[2]
    if model is None:
        return  # a model outside the catalog (--any-model) has no price to bill by
    parts, details = units(ex, value, services)
    parts = [(kind, n) for kind, n in parts if n > 0 and kind in KINDS_BY_TYPE[model.type]]
    if not parts:
        return
    catalog, config = services.catalog, load_limits(services)
    key_id = caller(ex.request, services).key_id
    timestamp = services.clock()
    price = _prices(catalog, model.id, tuple(kind for kind, _ in parts), config.charge_order)

    def bill(spent: Mapping[str, float]) -> Sequence[UsageEntry]:
        def affordable(currency: str) -> bool:
            cost = sum(n * price[kind, currency] for kind, n in parts)
            return config.balances[currency] - spent.get(currency, 0.0) >= cost

        currency = next((c for c in config.charge_order if affordable(c)), config.charge_order[-1])
        return [
            UsageEntry(
                timestamp=timestamp,
                sku=_sku(catalog, model.id, kind),
                units=n,
                price_usd=price[kind, "USD"],
                amount=-(n * price[kind, currency]),
                currency=currency,
                notes=NOTES,
                key_id=key_id,
                inference=details,
            )
            for kind, n in parts
        ]

    services.state.charge(bill)


def item(entry: UsageEntry) -> JSON:
    details = entry.inference
    return {
        "amount": entry.amount,
        "currency": entry.currency,
        "inferenceDetails": None
        if details is None
        else {
            "completionTokens": details.completion_tokens,
            "inferenceExecutionTime": details.execution_ms,
            "promptTokens": details.prompt_tokens,
            "requestId": details.request_id,
        },
        "notes": entry.notes,
        "pricePerUnitUsd": entry.price_usd,
        "sku": entry.sku,
        "timestamp": rfc3339(entry.timestamp),
        "units": entry.units,
    }


def _instant(value: object) -> float | None:
    return parse_instant(value) if isinstance(value, str) else None


def _listing(ex: Exchange, services: Services) -> JSON:
    query = ex.request.params.get("query", {})
    limit, page = int(query.get("limit", 200)), int(query.get("page", 1))
    currency = query.get("currency")
    rows, total = services.state.usage(
        UsageQuery(
            currency=currency if isinstance(currency, str) else None,
            start=_instant(query.get("startDate")),
            end=_instant(query.get("endDate")),
            descending=query.get("sortOrder", "desc") != "asc",
            limit=limit,
            offset=(page - 1) * limit,
        )
    )
    pagination = {"limit": limit, "page": page, "total": total, "totalPages": math.ceil(total / limit)}
    return {"data": [item(e) for e in rows], "pagination": pagination}


def _headers(ex: Exchange, value: JSON, services: Services) -> Mapping[str, JSON]:
    page = value.get("pagination") if isinstance(value, dict) else None
    page = page if isinstance(page, dict) else {}
    csv = ex.media_type == "text/csv"
    return {
        "content-disposition": "attachment; filename=billing_usage.csv" if csv else "inline",
        "x-pagination-limit": page.get("limit"),
        "x-pagination-page": page.get("page"),
        "x-pagination-total": page.get("total"),
        "x-pagination-total-pages": page.get("totalPages"),
    }


BEHAVIORS: Mapping[str, Behavior] = {
    **{op: Behavior(account=_account) for op in OPERATION_TYPES},
    "getBillingUsage": Behavior(permit=permit_admin, build=_listing, headers=_headers),
}
