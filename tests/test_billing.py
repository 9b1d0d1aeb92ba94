"""Billing over HTTP: every successful inference call is billed by the catalog's prices, and
GET /billing/usage pages, filters and sorts the entries, in JSON and in CSV alike."""

from __future__ import annotations

import base64
import csv
import io
import math
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openapi_core import OpenAPI

from mockserver import Mock, Settings, Spec
from mockserver.behaviors.billing import unit_price
from mockserver.media.images import encode_image
from mockserver.state import Inference, UsageEntry
from mockserver.timestamps import rfc3339
from tests.checked_client import CheckedClient

NOW = 1_800_000_000.0
PNG = base64.b64encode(encode_image(8, 8, "png", 1)).decode()


@pytest.fixture(scope="module")
def shared(spec: Spec, reference: OpenAPI) -> CheckedClient:
    """One mock for all examples of a property (each example resets it): hypothesis runs many."""
    return CheckedClient(Mock(Settings(api_keys=("admin",)), spec=spec), reference)


def record(api: CheckedClient, rows: list[tuple[int, str]]) -> None:
    """Usage entries straight into the store: the listing, not the billing, is under test here."""
    api.mock.reset()

    def bill(spent: Mapping[str, float]) -> list[UsageEntry]:
        return [
            UsageEntry(
                NOW + t, f"sku-{i}", i + 1.0, 0.5, -(i + 1.0) / 2, c, inference=Inference(i, i, 1.0, f"r{i}")
            )
            for i, (t, c) in enumerate(rows)
        ]

    api.mock.services.state.charge(bill)


def usage(api: CheckedClient, **query: Any) -> tuple[dict[str, Any], dict[str, str]]:
    response = api.call("GET", "/billing/usage", token="admin", query=query)
    assert response.status_code == 200, response.text
    return response.json(), dict(response.headers)


@given(
    rows=st.lists(st.tuples(st.integers(0, 100), st.sampled_from(["USD", "DIEM", "VCU"])), max_size=30),
    limit=st.integers(1, 500),
)
def test_pages_partition_the_entries(shared: CheckedClient, rows: list[tuple[int, str]], limit: int) -> None:
    record(shared, rows)
    total_pages = math.ceil(len(rows) / limit)
    seen: list[str] = []
    for page in range(1, total_pages + 2):  # one past the end: empty
        body, headers = usage(shared, limit=limit, page=page)
        assert body["pagination"] == {
            "limit": limit,
            "page": page,
            "total": len(rows),
            "totalPages": total_pages,
        }
        assert headers["x-pagination-limit"] == str(limit)
        assert headers["x-pagination-page"] == str(page)
        assert headers["x-pagination-total"] == str(len(rows))
        assert headers["x-pagination-total-pages"] == str(total_pages)
        assert len(body["data"]) == (0 if page > total_pages else min(limit, len(rows) - (page - 1) * limit))
        seen.extend(item["sku"] for item in body["data"])
    assert sorted(seen) == sorted(f"sku-{i}" for i in range(len(rows)))


@given(
    rows=st.lists(st.tuples(st.integers(0, 100), st.sampled_from(["USD", "DIEM", "VCU"])), max_size=30),
    currency=st.sampled_from([None, "USD", "DIEM", "VCU"]),
    start=st.none() | st.integers(-5, 105),
    end=st.none() | st.integers(-5, 105),
    order=st.sampled_from([None, "asc", "desc"]),
)
def test_filters_and_sort_order_hold(
    shared: CheckedClient,
    rows: list[tuple[int, str]],
    currency: str | None,
    start: int | None,
    end: int | None,
    order: str | None,
) -> None:
    record(shared, rows)
    query: dict[str, Any] = {"limit": 500}
    if currency:
        query["currency"] = currency
    if start is not None:
        query["startDate"] = rfc3339(NOW + start).replace(".000Z", "Z")
    if end is not None:
        query["endDate"] = rfc3339(NOW + end)
    if order:
        query["sortOrder"] = order
    body, _ = usage(shared, **query)
    wanted = [
        (t, i)
        for i, (t, c) in enumerate(rows)
        if currency in (None, c) and (start is None or t >= start) and (end is None or t <= end)
    ]
    wanted.sort(reverse=order != "asc")  # default desc; equal times keep insertion order
    assert [item["sku"] for item in body["data"]] == [f"sku-{i}" for _, i in wanted]
    assert all(
        item["timestamp"] == rfc3339(NOW + rows[i][0])
        for item, (_, i) in zip(body["data"], wanted, strict=True)
    )
    assert body["pagination"]["total"] == len(wanted)


CALLS: dict[str, Callable[[str, str], tuple[str, dict[str, Any]]]] = {
    "chat": lambda model, text: (
        "/chat/completions",
        {"model": model, "messages": [{"role": "user", "content": text}]},
    ),
    "embedding": lambda model, text: ("/embeddings", {"model": "text-embedding-bge-m3", "input": text}),
    "speech": lambda model, text: ("/audio/speech", {"input": text}),
    "generate": lambda model, text: (
        "/image/generate",
        {"model": "venice-sd35", "prompt": text, "width": 64, "height": 64},
    ),
    "generations": lambda model, text: ("/images/generations", {"prompt": text, "size": "256x256"}),
    "upscale-2x": lambda model, text: ("/image/upscale", {"image": PNG, "scale": 2}),
    "upscale-4x": lambda model, text: ("/image/upscale", {"image": PNG, "scale": 3}),
    "edit": lambda model, text: ("/image/edit", {"image": PNG, "prompt": text}),
}


def expected_units(
    kind: str, request: dict[str, Any], answer: Any, catalog: Any
) -> list[tuple[str, str, float]]:
    """(model id, price kind, units) the call must be billed as, newest entry first."""
    if kind == "chat":
        model = catalog.model(request["model"], "text").id
        usage = answer["usage"]
        return [
            (model, "output", usage["completion_tokens"] / 1e6),
            (model, "input", usage["prompt_tokens"] / 1e6),
        ]
    if kind == "embedding":
        return [("text-embedding-bge-m3", "embedding", answer["usage"]["prompt_tokens"] / 1e6)]
    if kind == "speech":
        return [("tts-kokoro", "audio", len(request["input"]) / 1e6)]
    if kind == "generate":
        return [("venice-sd35", "generation", float(len(answer["images"])))]
    if kind == "generations":
        return [(catalog.model("default", "image").id, "generation", float(len(answer["data"])))]
    if kind.startswith("upscale"):
        return [("upscaler", kind, 1.0)]
    return [(catalog.model("default", "inpaint").id, "generation", 1.0)]


@given(
    kind=st.sampled_from(sorted(CALLS)),
    model=st.sampled_from(["llama-3.3-70b", "qwen3-4b", "venice-uncensored", "default", "gpt-4o"]),
    text=st.text(st.characters(codec="ascii", categories=["L", "N", "Zs"]), min_size=1, max_size=80).filter(
        str.strip
    ),
    stream=st.booleans(),
)
def test_billed_amount_is_units_times_unit_price(
    shared: CheckedClient, kind: str, model: str, text: str, stream: bool
) -> None:
    api, catalog = shared, shared.mock.services.catalog
    api.mock.reset()
    api.mock.services.clock = lambda: NOW
    path, request = CALLS[kind](model, text)
    response = api.call("POST", path, token="admin", json=request)
    assert response.status_code == 200, response.text
    answer: Any = response.json() if response.headers["content-type"] == "application/json" else None
    if kind == "chat" and stream:
        # A stream carries the same answer as JSON would (same text, same usage): it is billed alike.
        api.mock.reset()
        streamed = api.call("POST", path, token="admin", json={**request, "stream": True})
        assert streamed.headers["content-type"].startswith("text/event-stream")
    got = usage(api, sortOrder="desc", limit=10)[0]["data"]
    wanted = expected_units(kind, request, answer, catalog)
    assert len(got) == len(wanted)
    for item, (model_id, price_kind, units) in zip(got, wanted, strict=True):
        assert item["sku"] == catalog.sku(model_id, price_kind)
        assert item["units"] == pytest.approx(units)
        assert item["pricePerUnitUsd"] == catalog.unit_price_usd(model_id, price_kind)
        found = catalog.model(model_id)
        assert found is not None
        price = unit_price(catalog, found, price_kind, item["currency"])
        assert item["amount"] == pytest.approx(-units * price)
        assert item["timestamp"] == rfc3339(NOW)
        assert item["notes"] == "API Inference"
        if kind == "chat":
            assert item["inferenceDetails"]["requestId"] == answer["id"]
            assert item["inferenceDetails"]["promptTokens"] == answer["usage"]["prompt_tokens"]
        else:
            assert item["inferenceDetails"] is None


def test_csv_rows_are_the_json_items(shared: CheckedClient) -> None:
    record(shared, [(5, "USD"), (3, "DIEM"), (9, "VCU")])
    shared.mock.services.state.charge(
        lambda spent: [UsageEntry(NOW, "venice-sd35-image-unit", 1.0, 0.01, -0.01, "USD")]  # no details
    )
    body, json_headers = usage(shared, limit=3, page=1)
    response = shared.call(
        "GET", "/billing/usage", token="admin", query={"limit": 3}, headers={"Accept": "text/csv"}
    )
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == "attachment; filename=billing_usage.csv"
    assert json_headers["content-disposition"] == "inline"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows == [flatten(item) for item in body["data"]]
    assert len(rows) == 3


def flatten(item: dict[str, Any]) -> dict[str, str]:
    """A JSON item as the CSV export writes it: nested fields as a.b columns, null as empty."""
    out: dict[str, str] = {}
    for key, value in item.items():
        if key == "inferenceDetails":
            for inner in ("completionTokens", "inferenceExecutionTime", "promptTokens", "requestId"):
                found = None if value is None else value[inner]
                out[f"{key}.{inner}"] = "" if found is None else str(found)
        else:
            out[key] = str(value)
    return out
