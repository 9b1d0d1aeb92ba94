"""The generic engine on a spec that is not Venice's, over HTTP on loopback: API keys in the query,
a cookie or a header, OAuth bearer tokens, readOnly/writeOnly properties and int32 bounds, a text
or binary request body, a server URL with variables, a parameter without a name or described by
JSON `content`; and the message of each schema rule the bundled spec never uses, in the spec's
error shape."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver import Mock, Settings, Spec, load_spec
from tests.conftest import LiveServer

OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
ITEM = {
    "type": "object",
    "required": ["id", "name", "secret"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "readOnly": True},
        "name": {"type": "string"},
        "secret": {"type": "string", "writeOnly": True},
        "count": {"type": "integer", "format": "int32"},
    },
}
RULES = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "below": {"type": "number", "maximum": 10, "exclusiveMaximum": True},
        "step": {"type": "integer", "multipleOf": 5},
        "tags": {"type": "array", "uniqueItems": True},
        "few": {"type": "object", "minProperties": 2},
        "many": {"type": "object", "maxProperties": 1},
        "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "other": {"not": {"type": "string"}},
    },
}


def _body(media_type: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {media_type: {"schema": schema}}}


DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "generic", "version": "1"},
    "servers": [{"url": "https://example.test/{version}", "variables": {"version": {"default": "v2"}}}],
    "security": [{"queryKey": []}],
    "paths": {
        "/items": {
            "post": {
                "operationId": "createItem",
                "requestBody": _body("application/json", {"$ref": "#/components/schemas/Item"}),
                "responses": {
                    "201": {
                        "description": "made",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
                    }
                },
            }
        },
        "/rules": {
            "post": {
                "operationId": "checkRules",
                "requestBody": _body("application/json", RULES),
                "responses": OK,
            }
        },
        "/cookie": {"get": {"operationId": "byCookie", "security": [{"cookieKey": []}], "responses": OK}},
        "/header": {
            "get": {
                "operationId": "byHeader",
                "security": [{"headerKey": [], "queryKey": []}],
                "responses": OK,
            }
        },
        "/oauth": {"get": {"operationId": "byOauth", "security": [{"oauth": []}], "responses": OK}},
        "/notes": {
            "post": {
                "operationId": "postNote",
                "security": [],
                "requestBody": _body("text/plain", {"type": "string", "maxLength": 5}),
                "responses": OK,
            }
        },
        "/blobs": {
            "post": {
                "operationId": "postBlob",
                "security": [],
                "requestBody": _body("application/octet-stream", {"type": "string", "format": "binary"}),
                "responses": OK,
            }
        },
        "/filter": {
            "get": {
                "operationId": "filter",
                "security": [],
                "parameters": [
                    {
                        "name": "where",
                        "in": "query",
                        "required": True,
                        "content": {"application/json": {"schema": {"type": "object", "required": ["a"]}}},
                    }
                ],
                "responses": OK,
            }
        },
        "/unnamed": {
            "get": {
                "operationId": "unnamed",
                "security": [],
                "parameters": [{"in": "query", "schema": {"type": "string"}}],
                "responses": OK,
            }
        },
    },
    "components": {
        "schemas": {"Item": ITEM},
        "securitySchemes": {
            "queryKey": {"type": "apiKey", "in": "query", "name": "key"},
            "cookieKey": {"type": "apiKey", "in": "cookie", "name": "session"},
            "headerKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
            "oauth": {"type": "oauth2", "flows": {}},
        },
    },
}


@pytest.fixture(scope="module")
def generic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Spec]:
    path = tmp_path_factory.mktemp("generic") / "spec.json"
    path.write_text(json.dumps(DOCUMENT), encoding="utf-8")
    return path, load_spec(path, default_overlay=False)


@pytest.fixture
def server(generic: tuple[Path, Spec]) -> Iterator[LiveServer]:
    path, spec = generic
    mock = Mock(Settings(spec=str(path), default_overlay=False, behaviors=False), spec=spec)
    with LiveServer(mock) as live:
        yield live


def _error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) <= {"error", "details"}, body
    return dict(body)


def test_the_server_url_variables_give_the_base_path_and_a_nameless_parameter_is_one_warning(
    generic: tuple[Path, Spec],
) -> None:
    _, spec = generic
    assert spec.base_path == "/v2"
    assert [(w.location, w.message) for w in spec.warnings] == [
        ("paths./unnamed.get.parameters.0.name", "required property is missing"),
        ("paths./unnamed.get.parameters.0", "a parameter without a `name` is ignored"),
    ]
    assert spec.operation("unnamed").parameters == ()


def test_api_keys_are_read_from_the_query_a_cookie_and_a_header(server: LiveServer) -> None:
    url = server.base_url
    assert httpx.get(url + "/cookie", cookies={"session": "s1"}).status_code == 200
    assert httpx.get(url + "/header", headers={"X-Api-Key": "h1"}, params={"key": "q1"}).status_code == 200
    assert _error(httpx.get(url + "/cookie")) == {
        "error": "Authentication failed: missing credentials (session)"
    }
    # Both keys of one alternative are needed: the message names them all.
    only_header = httpx.get(url + "/header", headers={"X-Api-Key": "h1"})
    assert only_header.status_code == 401
    assert _error(only_header) == {"error": "Authentication failed: missing credentials (key, x-api-key)"}
    assert httpx.get(url + "/header", params={"key": ""}, headers={"X-Api-Key": "h1"}).status_code == 401


def test_an_oauth_scheme_takes_a_bearer_token(server: LiveServer) -> None:
    assert httpx.get(server.base_url + "/oauth", headers={"Authorization": "Bearer t"}).status_code == 200
    refused = httpx.get(server.base_url + "/oauth")
    assert refused.status_code == 401
    assert _error(refused) == {
        "error": "Authentication failed: missing credentials: send 'Authorization: Bearer <API key>'"
    }


def test_read_only_is_refused_in_requests_and_write_only_left_out_of_answers(server: LiveServer) -> None:
    url, key = server.base_url + "/items", {"key": "k"}
    made = httpx.post(url, params=key, json={"name": "a", "secret": "s"})
    assert made.status_code == 201
    answer = made.json()
    assert {"id", "name"} <= set(answer) <= {"id", "name", "count"}, "no writeOnly secret in an answer"
    refused = httpx.post(url, params=key, json={"name": "a", "secret": "s", "id": "mine"})
    assert refused.status_code == 400
    assert _error(refused) == {
        "error": "Invalid request parameters: id: is not allowed here",
        "details": {"_errors": [], "id": {"_errors": ["is not allowed here"]}},
    }
    missing = httpx.post(url, params=key, json={"name": "a"})
    assert _error(missing)["details"] == {
        "_errors": [],
        "secret": {"_errors": ["required property is missing"]},
    }


def test_an_int32_past_its_range_is_refused_at_its_field(server: LiveServer) -> None:
    url, key = server.base_url + "/items", {"key": "k"}
    assert (
        httpx.post(url, params=key, json={"name": "a", "secret": "s", "count": 2**31 - 1}).status_code == 201
    )
    refused = httpx.post(url, params=key, json={"name": "a", "secret": "s", "count": 2**31})
    assert refused.status_code == 400
    assert _error(refused)["details"] == {
        "_errors": [],
        "count": {"_errors": ["2147483648 is outside int32: must be from -2147483648 to 2147483647"]},
    }
    below = httpx.post(url, params=key, json={"name": "a", "secret": "s", "count": -(2**31) - 1})
    assert _error(below)["details"]["count"]["_errors"] == [
        "-2147483649 is outside int32: must be from -2147483648 to 2147483647"
    ]
    # Only integers are bounded by the format: a string is refused for its type, as before.
    typed = httpx.post(url, params=key, json={"name": "a", "secret": "s", "count": "many"})
    assert "outside int32" not in str(_error(typed)["details"])


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("below", 10, "10 must be less than 10"),
        ("step", 7, "7 is not a multiple of 5"),
        ("tags", [1, 1], "items are not unique"),
        ("few", {"a": 1}, "has fewer than 2 properties"),
        ("many", {"a": 1, "b": 2}, "has more than 1 property"),
        ("code", "abc", "'abc' does not match the pattern ^[A-Z]{3}$"),
        ("other", "s", "must not match {'type': 'string'}"),
    ],
)
def test_each_schema_rule_names_its_field_and_rule(
    server: LiveServer, field: str, value: Any, message: str
) -> None:
    refused = httpx.post(server.base_url + "/rules", params={"key": "k"}, json={field: value})
    assert refused.status_code == 400
    assert _error(refused) == {
        "error": f"Invalid request parameters: {field}: {message}",
        "details": {"_errors": [], field: {"_errors": [message]}},
    }


def test_a_text_body_is_validated_as_a_string_and_a_binary_one_only_for_presence(server: LiveServer) -> None:
    plain = {"Content-Type": "text/plain"}
    assert httpx.post(server.base_url + "/notes", content="hey", headers=plain).status_code == 200
    long = httpx.post(server.base_url + "/notes", content="hello!", headers=plain)
    assert long.status_code == 400
    assert _error(long) == {
        "error": "Invalid request parameters: body: longer than 5 characters",
        "details": {"_errors": ["longer than 5 characters"]},
    }
    octets = {"Content-Type": "application/octet-stream"}
    assert httpx.post(server.base_url + "/blobs", content=b"\x00\xff", headers=octets).status_code == 200


def test_a_parameter_described_by_json_content_is_read_as_json(server: LiveServer) -> None:
    url = server.base_url + "/filter"
    assert httpx.get(url, params={"where": json.dumps({"a": 1})}).status_code == 200
    off_schema = httpx.get(url, params={"where": json.dumps({"b": 1})})
    assert off_schema.status_code == 400
    assert _error(off_schema) == {
        "error": "Invalid request parameters: query.where.a: required property is missing",
        "details": {
            "_errors": [],
            "query": {
                "_errors": [],
                "where": {"_errors": [], "a": {"_errors": ["required property is missing"]}},
            },
        },
    }
    broken = httpx.get(url, params={"where": "{oops"})
    assert broken.status_code == 400
    assert (
        _error(broken)["error"]
        == "Invalid request parameters: query.where: not valid JSON (application/json)"
    )
