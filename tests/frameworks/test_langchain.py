"""LangChain (langchain-openai) against venice-mock: invoke, stream, tools in a loop, all three
structured-output methods, embeddings."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI, OpenAIEmbeddings

from tests.frameworks.conftest import EMBEDDING_MODEL, KEY, MODEL
from tests.frameworks.models import PROMPT, WEATHER_QUESTION, City, Trip, looks_like_a_place, weather


@pytest.fixture
def llm(base_url: str) -> ChatOpenAI:
    return ChatOpenAI(model=MODEL, base_url=base_url, api_key=KEY, max_retries=0)


def test_invoke(llm: ChatOpenAI) -> None:
    answer = llm.invoke(PROMPT)
    assert isinstance(answer, AIMessage)
    assert "paris" in str(answer.content).lower()  # the mock's text is about the prompt
    assert answer.usage_metadata is not None
    assert answer.usage_metadata["total_tokens"] > 0


def test_stream_joins_to_the_invoked_answer(llm: ChatOpenAI) -> None:
    chunks = list(llm.stream(PROMPT))
    assert len(chunks) > 2
    assert "".join(str(c.content) for c in chunks) == llm.invoke(PROMPT).content


def test_bind_tools_calls_the_related_tool_and_the_loop_ends(llm: ChatOpenAI) -> None:
    get_weather = tool(weather)
    with_tools = llm.bind_tools([get_weather])
    history: list[object] = [HumanMessage(WEATHER_QUESTION)]
    first = with_tools.invoke(history)
    (call,) = first.tool_calls
    assert call["name"] == "weather"
    assert looks_like_a_place(call["args"]["city"])
    result = get_weather.invoke(call["args"])
    history += [first, ToolMessage(result, tool_call_id=call["id"])]
    final = with_tools.invoke(history)
    assert final.tool_calls == []
    assert result in str(final.content)


def test_an_unrelated_question_gets_text(llm: ChatOpenAI) -> None:
    answer = llm.bind_tools([tool(weather)]).invoke("Write a haiku about autumn leaves")
    assert answer.tool_calls == []
    assert answer.content


@pytest.mark.parametrize("method", ["function_calling", "json_schema"])
def test_structured_output(llm: ChatOpenAI, method: str) -> None:
    trip = llm.with_structured_output(Trip, method=method).invoke("Plan a trip through Italy")
    assert isinstance(trip, Trip)
    assert all(isinstance(c, City) for c in trip.cities)


def test_structured_output_json_mode_with_the_schema_in_the_prompt(llm: ChatOpenAI) -> None:
    # json_mode sends only response_format json_object: the prompt says what to answer.
    prompt = f"{PROMPT}. Respond in JSON matching this schema: {json.dumps(City.model_json_schema())}"
    city = llm.with_structured_output(City, method="json_mode").invoke(prompt)
    assert isinstance(city, City)


def test_structured_output_json_mode_with_named_keys(llm: ChatOpenAI) -> None:
    prompt = f"{PROMPT}. Answer in JSON with keys name, country and population."
    city = llm.with_structured_output(City, method="json_mode").invoke(prompt)
    assert isinstance(city, City)
    assert looks_like_a_place(city.country)


def test_embeddings(base_url: str) -> None:
    embeddings = OpenAIEmbeddings(
        model=EMBEDDING_MODEL, base_url=base_url, api_key=KEY, check_embedding_ctx_length=False
    )
    first, second = embeddings.embed_documents(["canals", "bridges"])
    assert len(first) == len(second) > 0
    assert first != second
    assert embeddings.embed_query("canals") == first  # the same text, the same vector
