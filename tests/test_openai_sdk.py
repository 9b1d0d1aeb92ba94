"""The official `openai` SDK as a real client of a real server on loopback."""

from __future__ import annotations

import openai
import pytest

from tests.conftest import LiveServer


@pytest.fixture
def sdk(live_server: LiveServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=live_server.base_url, api_key="test-key", max_retries=0)


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
    client = openai.OpenAI(
        base_url=live_server.base_url, api_key="unused", max_retries=0, default_headers={"Authorization": ""}
    )
    with pytest.raises(openai.AuthenticationError) as info:
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
