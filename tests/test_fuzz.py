"""schemathesis against our own app, all operations, positive and negative data: it must find nothing.

The mock runs in-process with an explicit API key, so schemathesis' `ignored_auth` check (which
sends bad credentials) applies too.
"""

from __future__ import annotations

import base64
from typing import Any

import schemathesis
from hypothesis import HealthCheck, assume, settings
from schemathesis.generation import GenerationMode

from mockserver import Mock, Settings, create_app, load_spec
from mockserver.behaviors.embeddings import natural_dimensions
from mockserver.media.images import encode_image
from tests.fuzz_keys import name_real_keys_and_days

KEY = "fuzz-key"
_SPEC = load_spec()
_MOCK = Mock(Settings(api_keys=(KEY,)), spec=_SPEC)
_APP = create_app(mock=_MOCK)

schema = schemathesis.openapi.from_dict(_SPEC.document)
schema.app = _APP
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])  # type: ignore[list-item]
schema.config.headers = {"Authorization": f"Bearer {KEY}"}

# Operations that document no 400 (e.g. GET /models/traits: 200, 401, 500): a bad request still
# gets a 400 in the spec's error shape (a spec gap, stated in README), which schemathesis reports
# as an undocumented status. Only that check, only for negative data, only on these operations.
_NO_400 = {op.label for op in _SPEC.operations if "400" not in op.responses and "4XX" not in op.responses}


def _excluded(case: Any) -> list[Any]:
    label = f"{case.operation.method.upper()} {case.operation.path}"
    if label in _NO_400 and case.meta is not None and case.meta.generation.mode is GenerationMode.NEGATIVE:
        from schemathesis.specs.openapi.checks import status_code_conformance

        return [status_code_conformance]
    return []


def _unsendable(case: Any) -> bool:
    """A positive multipart case with a null/empty-container field: multipart has no way to send
    it, so schemathesis drops the part and the request on the wire misses a required field
    (`image`, whose schema `anyOf: [{}, {type: string}]` admits null). Not a valid request."""
    if case.media_type != "multipart/form-data" or not isinstance(case.body, dict):
        return False
    positive = case.meta is not None and case.meta.generation.mode is GenerationMode.POSITIVE
    return positive and any(value is None or value in ({}, []) for value in case.body.values())


def _empty_query_value(case: Any) -> bool:
    """A positive case with `?name=` for a parameter without `allowEmptyValue`: OAS 3.0 forbids the
    empty value by default (openapi-core and the mock refuse it); schemathesis counts it valid."""
    positive = case.meta is not None and case.meta.generation.mode is GenerationMode.POSITIVE
    return positive and any(value == "" for value in (case.query or {}).values())


def _name_a_catalog_embedding_model(case: Any) -> None:
    """POST /embeddings: the schema admits any `model` string and any `dimensions` >= 1, but only
    a catalog embedding model, and at most its natural dimensions, is a request Venice (and the
    mock) accepts; anything else is a semantic 400. A positive case gets the catalog's model and
    `dimensions` capped at that model's size, so that schemathesis exercises the successful
    answer instead of reporting the refusal as "valid data rejected". Negative cases are left as
    generated: a string `model` or an integer `dimensions` is never what makes them invalid."""
    positive = case.meta is not None and case.meta.generation.mode is GenerationMode.POSITIVE
    if not positive or case.operation.label != "POST /embeddings" or not isinstance(case.body, dict):
        return
    catalog = _MOCK.services.catalog
    body = dict(case.body)
    if isinstance(body.get("model"), str) and catalog.model(body["model"], "embedding") is None:
        body["model"] = catalog.ids("embedding")[0]
    model = catalog.model(str(body.get("model")), "embedding")
    most = natural_dimensions(model.id if model is not None else None)
    if isinstance(body.get("dimensions"), int) and body["dimensions"] > most:
        body["dimensions"] = most
    case.body = body


# A small real PNG, base64: what the image upload endpoints need in `image` (see below).
_REAL_IMAGE = base64.b64encode(encode_image(64, 48, "png", 0)).decode()


def _use_catalog_names_and_a_real_image(case: Any) -> None:
    """The image endpoints: their schemas admit any string for `model` and `style_preset`, and
    anything at all for `image`, but Venice (and the mock) answer 400 unless `model` is a catalog
    image model, `style_preset` a catalog style and `image` a real image; and an upscale with
    `scale` 1 needs `enhance` (documented in the spec's text, not its schema). A positive case gets
    catalog values, a real PNG (as base64, which both JSON and multipart accept) and `enhance` for
    scale 1, so that schemathesis exercises the successful answer instead of reporting the
    semantic refusal as "valid data rejected". Negative cases are left as generated: something
    else makes them invalid, and a 400 is the right answer to them whatever these fields hold."""
    positive = case.meta is not None and case.meta.generation.mode is GenerationMode.POSITIVE
    label = case.operation.label
    if not positive or label not in ("POST /image/generate", "POST /image/upscale", "POST /image/edit"):
        return
    # The spec does not mark these request bodies `required`, so schemathesis also sends none; an
    # upscale or edit without an image cannot succeed (the mock's 400 says the image is missing).
    assume(isinstance(case.body, dict) or label == "POST /image/generate")
    if not isinstance(case.body, dict):
        return
    catalog, body = _MOCK.services.catalog, dict(case.body)
    if label == "POST /image/generate":
        if catalog.model(str(body.get("model")), "image") is None:
            body["model"] = catalog.ids("image")[0]
        if "style_preset" in body and body["style_preset"] not in catalog.styles:
            body["style_preset"] = catalog.styles[0]
    elif label in ("POST /image/upscale", "POST /image/edit"):
        body["image"] = _REAL_IMAGE
        if label == "POST /image/upscale" and body.get("scale") == 1:
            body["enhance"] = "true"
    case.body = body


def _make_chat_meaningful(case: Any) -> None:
    """POST /chat/completions: the schema admits any `model`, `character_slug`, any object as a
    JSON Schema and a `tool_choice` naming any function; Venice (and the mock) refuse unknown
    models and characters, invalid schemas and a tool_choice that names none of the request's
    tools. A positive case gets catalog names, and schemas and a tool choice that fit, so that
    schemathesis exercises the answer; every other field stays as generated."""
    positive = case.meta is not None and case.meta.generation.mode is GenerationMode.POSITIVE
    if not positive or case.operation.label != "POST /chat/completions" or not isinstance(case.body, dict):
        return
    catalog, body = _MOCK.services.catalog, dict(case.body)
    if isinstance(body.get("model"), str) and catalog.model(body["model"], "text") is None:
        body["model"] = catalog.ids("text")[0]
    venice = body.get("venice_parameters")
    if isinstance(venice, dict) and isinstance(venice.get("character_slug"), str):
        body["venice_parameters"] = {**venice, "character_slug": catalog.characters[0]["slug"]}
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
        body["response_format"] = {"type": "json_schema", "json_schema": {"type": "object"}}
    tools = body.get("tools")
    if isinstance(tools, list):
        body["tools"] = [
            {**t, "function": {**t["function"], "parameters": {"type": "object"}}}
            if isinstance(t, dict) and isinstance(t.get("function"), dict) and "parameters" in t["function"]
            else t
            for t in tools
        ]
    if isinstance(body.get("tool_choice"), dict):
        body["tool_choice"] = "auto"  # a named choice must name one of the tools: not worth constructing
    case.body = body


@schema.parametrize()
@settings(max_examples=60, suppress_health_check=list(HealthCheck), deadline=None, database=None)
def test_schemathesis_finds_nothing(case: Any) -> None:
    assume(not _unsendable(case) and not _empty_query_value(case))
    _name_a_catalog_embedding_model(case)
    _make_chat_meaningful(case)
    name_real_keys_and_days(case, _MOCK)
    _use_catalog_names_and_a_real_image(case)
    case.call_and_validate(headers={"Authorization": f"Bearer {KEY}"}, excluded_checks=_excluded(case))


def test_the_exclusion_is_exactly_the_spec_gap() -> None:
    """These Venice operations document no 400; everything else is checked in full."""
    assert {
        "GET /image/styles",
        "GET /models",
        "GET /models/traits",
        "GET /models/compatibility_mapping",
        "GET /api_keys",
        "GET /api_keys/rate_limits",
        "GET /api_keys/rate_limits/log",
        "GET /api_keys/generate_web3_key",
        "POST /api_keys/generate_web3_key",
        "GET /characters",
    } == _NO_400
