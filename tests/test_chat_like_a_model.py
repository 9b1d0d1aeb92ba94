"""Chat that behaves as frameworks expect of a model (issue 16): `strict` tools accepted, JSON
answers for schemas carried in the prompt, `tool_choice: auto` that calls a related tool, and
plausible argument values. The frameworks themselves are exercised in tests/frameworks/."""

from __future__ import annotations

import copy
from typing import Any

from starlette.testclient import TestClient

from mockserver import Spec
from tests.helpers import AUTH, WEATHER

CHAT = "/api/v1/chat/completions"


def ask(client: TestClient, messages: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    body = {"model": "venice-uncensored", "messages": messages, **fields}
    response = client.post(CHAT, json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


class TestStrictTools:
    def test_strict_comes_from_the_overlay_as_a_nullable_boolean(self, spec: Spec) -> None:
        body = spec.operation("createChatCompletion").request_body
        assert body is not None
        schema = body.content["application/json"].schema
        assert schema is not None
        function = schema.schema["properties"]["tools"]["items"]["properties"]["function"]
        assert function["properties"]["strict"]["type"] == ["boolean", "null"]
        assert function["additionalProperties"] is False  # everything else is still refused

    def test_a_strict_tool_is_accepted_and_called(self, client: TestClient) -> None:
        tool = copy.deepcopy(WEATHER)
        tool["function"]["strict"] = True
        completion = ask(client, user("Weather in Paris?"), tools=[tool], tool_choice="required")
        assert completion["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "get_weather"

    def test_strict_must_be_a_boolean(self, client: TestClient) -> None:
        tool = copy.deepcopy(WEATHER)
        tool["function"]["strict"] = "yes"
        body = {"model": "venice-uncensored", "messages": user("x"), "tools": [tool]}
        response = client.post(CHAT, json=body, headers=AUTH)
        assert response.status_code == 400, response.text
        assert "strict" in str(response.json())
