"""The official `openai` SDK as a real client of a real server on loopback."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import openai
import pytest

from tests.conftest import LiveServer
from tests.helpers import WEATHER


def test_models_list(sdk: openai.OpenAI) -> None:
    models = sdk.models.list()
    assert models.data
    assert all(m.object == "model" for m in models.data)


def test_chat_completion(sdk: openai.OpenAI) -> None:
    completion = sdk.chat.completions.create(
        model="venice-uncensored", messages=[{"role": "user", "content": "Say hi"}]
    )
    assert completion.object == "chat.completion"
    assert completion.choices
    assert completion.usage is not None


def test_a_missing_key_raises_authentication_error(live_server: LiveServer) -> None:
    # The SDK refuses an empty api_key itself; send the request with an empty Authorization header.
    with (
        openai.OpenAI(
            base_url=live_server.base_url,
            api_key="unused",
            max_retries=0,
            default_headers={"Authorization": ""},
        ) as client,
        pytest.raises(openai.AuthenticationError) as info,
    ):
        client.chat.completions.create(
            model="venice-uncensored", messages=[{"role": "user", "content": "hi"}]
        )
    assert info.value.status_code == 401
    assert str(info.value.body).startswith("Authentication failed: missing credentials")


def test_temperature_out_of_range_raises_bad_request(sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        sdk.chat.completions.create(
            model="venice-uncensored", messages=[{"role": "user", "content": "hi"}], temperature=5
        )
    assert "temperature: 5 is greater than the maximum of 2" in str(info.value.body)


def test_the_sdk_requests_are_recorded_as_valid(sdk: openai.OpenAI, live_server: LiveServer) -> None:
    sdk.chat.completions.create(model="venice-uncensored", messages=[{"role": "user", "content": "hi"}])
    call = live_server.mock.calls.last()
    assert call is not None
    assert (call.operation_id, call.status, call.violations) == ("createChatCompletion", 200, ())


TIME: dict[str, Any] = {
    "type": "function",
    "function": {"name": "get_time", "parameters": {"type": "object"}},
}


@pytest.mark.parametrize(
    ("tool_choice", "name"),
    [("required", "get_weather"), ({"type": "function", "function": {"name": "get_time"}}, "get_time")],
    ids=["required", "named"],
)
def test_tool_calls_through_the_sdk(sdk: openai.OpenAI, tool_choice: Any, name: str) -> None:
    completion = sdk.chat.completions.create(
        model="venice-uncensored",
        messages=[{"role": "user", "content": "What is the weather in Rome?"}],
        tools=[WEATHER, TIME],  # type: ignore[list-item]
        tool_choice=tool_choice,
    )
    (call,) = completion.choices[0].message.tool_calls or []
    assert call.type == "function"
    assert call.function.name == name
    schema = (WEATHER if name == "get_weather" else TIME)["function"]["parameters"]
    jsonschema.validate(json.loads(call.function.arguments), schema)


def test_json_schema_response_through_the_sdk(sdk: openai.OpenAI) -> None:
    person = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    completion = sdk.chat.completions.create(
        model="venice-uncensored",
        messages=[{"role": "user", "content": "Describe a person"}],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "person", "schema": person, "strict": True},
        },
    )
    jsonschema.validate(json.loads(completion.choices[0].message.content or ""), person)
