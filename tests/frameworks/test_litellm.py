"""litellm against venice-mock (as an OpenAI-compatible provider): completion, streaming, tools,
embeddings. conftest sets LITELLM_LOCAL_MODEL_COST_MAP before litellm is imported: no network."""

from __future__ import annotations

import asyncio
import json
import warnings
from collections.abc import Iterator
from typing import Any

import litellm
import openai
import pytest

from tests.frameworks.conftest import EMBEDDING_MODEL, KEY, MODEL
from tests.frameworks.models import PROMPT, WEATHER_QUESTION, looks_like_a_place, weather

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "weather",
        "description": weather.__doc__,
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"enum": ["celsius", "fahrenheit"]}},
            "required": ["city", "unit"],
        },
    },
}


@pytest.fixture
def provider(base_url: str) -> Iterator[dict[str, Any]]:
    """litellm's arguments for the mock, with an openai client the test closes (litellm would
    otherwise keep its own pooled connections open past the test)."""
    with openai.OpenAI(base_url=base_url, api_key=KEY, max_retries=0) as client:
        yield {"api_base": base_url, "api_key": KEY, "client": client}


@pytest.fixture(autouse=True, scope="module")
def _close_litellm_event_loop() -> Iterator[None]:
    """litellm's service logger asks for the main thread's event loop from blocking calls, which
    creates one that nobody closes; closed here, its ResourceWarning is not blamed on a later test."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # get_event_loop() without a running loop
        policy = asyncio.get_event_loop_policy()
        try:
            loop = policy.get_event_loop()
        except RuntimeError:
            return
    if not loop.is_running():
        loop.close()
        policy.set_event_loop(None)


def test_completion(provider: dict[str, Any]) -> None:
    response = litellm.completion(
        model=f"openai/{MODEL}", messages=[{"role": "user", "content": PROMPT}], **provider
    )
    assert "paris" in response.choices[0].message.content.lower()
    assert response.usage.total_tokens == response.usage.prompt_tokens + response.usage.completion_tokens


def test_streaming_joins_to_the_completion(provider: dict[str, Any]) -> None:
    messages = [{"role": "user", "content": PROMPT}]
    chunks = list(litellm.completion(model=f"openai/{MODEL}", messages=messages, stream=True, **provider))
    assert len(chunks) > 2
    joined = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    whole = litellm.completion(model=f"openai/{MODEL}", messages=messages, **provider)
    assert joined == whole.choices[0].message.content


def test_tools_call_then_answer(provider: dict[str, Any]) -> None:
    messages: list[dict[str, Any]] = [{"role": "user", "content": WEATHER_QUESTION}]
    first = litellm.completion(model=f"openai/{MODEL}", messages=messages, tools=[WEATHER_TOOL], **provider)
    (call,) = first.choices[0].message.tool_calls
    args = json.loads(call.function.arguments)
    assert call.function.name == "weather"
    assert looks_like_a_place(args["city"])
    assert args["unit"] in ("celsius", "fahrenheit")
    result = weather(**args)
    messages += [
        {
            # The spec requires `content` on assistant messages, and litellm drops a null one
            # before sending; "" keeps it (see README, "Works with").
            "role": "assistant",
            "content": "",
            "tool_calls": [{"id": call.id, "type": "function", "function": call.function.model_dump()}],
        },
        {"role": "tool", "tool_call_id": call.id, "content": result},
    ]
    final = litellm.completion(model=f"openai/{MODEL}", messages=messages, tools=[WEATHER_TOOL], **provider)
    assert not final.choices[0].message.tool_calls
    assert result in final.choices[0].message.content


def test_embeddings(provider: dict[str, Any]) -> None:
    response = litellm.embedding(model=f"openai/{EMBEDDING_MODEL}", input=["canals", "bridges"], **provider)
    first, second = (item["embedding"] for item in response.data)
    assert len(first) == len(second) > 0
    assert first != second
    assert response.usage.prompt_tokens > 0
