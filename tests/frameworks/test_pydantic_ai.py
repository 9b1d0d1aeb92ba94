"""pydantic-ai against venice-mock: a function tool in an agent loop, tool, native and prompted
output, streamed text and streamed structured output.

Each test runs in its own event loop with an openai client it closes there, so no connection
outlives its loop (pytest turns the ResourceWarning of a leaked socket into an error)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import openai
import pytest
from pydantic_ai import Agent, NativeOutput, PromptedOutput, ToolOutput
from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart, ToolReturnPart
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider

from tests.frameworks.conftest import KEY, MODEL
from tests.frameworks.models import PROMPT, WEATHER_QUESTION, City, Trip, looks_like_a_place, weather

T = TypeVar("T")
Scenario = Callable[[OpenAIChatModel], Awaitable[T]]


@pytest.fixture
def run(base_url: str) -> Callable[[Scenario[Any]], Any]:
    def run_scenario(scenario: Scenario[T]) -> T:
        async def main() -> T:
            async with openai.AsyncOpenAI(base_url=base_url, api_key=KEY, max_retries=0) as client:
                return await scenario(OpenAIChatModel(MODEL, provider=OpenAIProvider(openai_client=client)))

        return asyncio.run(main())

    return run_scenario


def tool_calls(messages: list[ModelMessage]) -> list[ToolCallPart]:
    return [
        part
        for message in messages
        if isinstance(message, ModelResponse)
        for part in message.parts
        if isinstance(part, ToolCallPart)
    ]


def test_a_tool_in_the_agent_loop(run: Callable[[Scenario[Any]], Any]) -> None:
    async def scenario(model: OpenAIChatModel) -> Any:
        return await Agent(model, tools=[weather], retries=0).run(WEATHER_QUESTION)

    result = run(scenario)
    (call,) = tool_calls(result.all_messages())
    assert call.tool_name == "weather"
    args = call.args_as_dict()
    assert looks_like_a_place(args["city"])
    returned = [
        part.content
        for message in result.all_messages()
        for part in getattr(message, "parts", [])
        if isinstance(part, ToolReturnPart)
    ]
    assert returned == [weather(**args)]
    assert returned[0] in result.output  # the answer after the tool uses its result


@pytest.mark.parametrize(
    "output_type",
    [Trip, ToolOutput(Trip), NativeOutput(Trip), PromptedOutput(Trip)],
    ids=["default", "tool", "native", "prompted"],
)
def test_structured_output(run: Callable[[Scenario[Any]], Any], output_type: Any) -> None:
    async def scenario(model: OpenAIChatModel) -> Any:
        return await Agent(model, output_type=output_type, retries=0).run("Plan a trip through Italy")

    output = run(scenario).output
    assert isinstance(output, Trip)
    assert len(output.cities) >= 2


def test_a_tool_and_structured_output_together(run: Callable[[Scenario[Any]], Any]) -> None:
    async def scenario(model: OpenAIChatModel) -> Any:
        return await Agent(model, tools=[weather], output_type=City, retries=0).run(WEATHER_QUESTION)

    result = run(scenario)
    assert next(c.tool_name for c in tool_calls(result.all_messages())) == "weather"
    assert isinstance(result.output, City)


def test_streamed_text(run: Callable[[Scenario[Any]], Any]) -> None:
    async def scenario(model: OpenAIChatModel) -> list[str]:
        async with Agent(model).run_stream(PROMPT) as streamed:
            return [delta async for delta in streamed.stream_text(delta=True, debounce_by=None)]

    deltas = run(scenario)
    assert len(deltas) > 2
    assert "paris" in "".join(deltas).lower()


@pytest.mark.parametrize(
    "output_type", [City, NativeOutput(City), PromptedOutput(City)], ids=["tool", "native", "prompted"]
)
def test_streamed_structured_output(run: Callable[[Scenario[Any]], Any], output_type: Any) -> None:
    async def scenario(model: OpenAIChatModel) -> list[Any]:
        async with Agent(model, output_type=output_type, retries=0).run_stream(PROMPT) as streamed:
            return [output async for output in streamed.stream_output(debounce_by=None)]

    outputs = run(scenario)
    assert len(outputs) > 1  # partial objects while the JSON arrives
    assert isinstance(outputs[-1], City)
