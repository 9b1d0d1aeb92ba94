"""Chat completions that mean something (issue 4): model, choices, limits, usage, tools, schemas."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from mockserver import Mock, Spec, create_app, tokens
from tests.helpers import AUTH, WEATHER

CHAT = "/api/v1/chat/completions"
TIME: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}, "required": ["zone"]},
    },
}
PERSON: dict[str, Any] = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
    "required": ["name", "age"],
    "additionalProperties": False,
}


def ask(client: TestClient, prompt: str = "Why is the sky blue?", **fields: Any) -> dict[str, Any]:
    body = {"model": "venice-uncensored", "messages": [{"role": "user", "content": prompt}], **fields}
    response = client.post(CHAT, json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def refused(client: TestClient, **fields: Any) -> str:
    """The error of a request the mock must answer with 400."""
    body = {"model": "venice-uncensored", "messages": [{"role": "user", "content": "x"}], **fields}
    response = client.post(CHAT, json=body, headers=AUTH)
    assert response.status_code == 400, response.text
    return str(response.json()["error"])


def content(completion: dict[str, Any], index: int = 0) -> str:
    return str(completion["choices"][index]["message"]["content"])


class TestBasics:
    @pytest.mark.parametrize(
        "model", ["venice-uncensored", "default", "gpt-4o", "qwen3-4b:strip_thinking_response=true"]
    )
    def test_the_model_is_echoed_as_requested(self, client: TestClient, model: str) -> None:
        assert ask(client, model=model)["model"] == model

    def test_unknown_models_get_400_listing_the_valid_ids(self, client: TestClient) -> None:
        error = refused(client, model="gpt-9")
        assert "model: 'gpt-9' is not a text model; valid ids: " in error
        assert "venice-uncensored" in error

    def test_any_model_accepts_unknown_ids(self, make_mock: Callable[..., Mock]) -> None:
        with TestClient(create_app(mock=make_mock(any_model=True))) as client:
            assert ask(client, model="my-finetune")["model"] == "my-finetune"

    def test_n_choices_with_their_own_text(self, client: TestClient) -> None:
        completion = ask(client, n=3)
        assert [c["index"] for c in completion["choices"]] == [0, 1, 2]
        assert len({content(completion, i) for i in range(3)}) == 3

    def test_text_is_deterministic_readable_and_about_the_prompt(self, client: TestClient) -> None:
        first = ask(client, "Tell me about gondolas in Venice")
        assert first == ask(client, "Tell me about gondolas in Venice")
        assert "gondolas" in content(first)
        other = ask(client, "Explain volcanoes")
        assert "volcanoes" in content(other)
        assert content(other) != content(first)

    def test_usage_adds_up(self, client: TestClient) -> None:
        completion = ask(client, n=2)
        usage = completion["usage"]
        assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
        assert usage["completion_tokens"] == sum(tokens.count(content(completion, i)) for i in range(2))
        longer = ask(client, "Why is the sky blue? " * 10)
        assert longer["usage"]["prompt_tokens"] > usage["prompt_tokens"]


def test_an_answer_is_an_opening_one_to_three_distinct_middles_and_a_closing() -> None:
    import random
    import re

    from mockserver.behaviors import chat_text

    seen_counts, seen_closings, seen_firsts = set(), set(), set()
    for seed in range(300):
        sentences = re.split(r"(?<=\.) ", chat_text.answer(random.Random(seed), "gondolas"))
        assert sentences[0] == "Here is a short answer about gondolas."
        middle, closing = sentences[1:-1], sentences[-1]
        assert 1 <= len(middle) <= 3
        # Each middle sentence begins with its own word: none is said twice.
        assert len({m.split()[0] for m in middle}) == len(middle), sentences
        seen_counts.add(len(middle))
        seen_closings.add(closing.split()[0])
        seen_firsts.add(middle[0].split()[0])
    assert seen_counts == {1, 2, 3}
    assert seen_closings == {"That", "If"}
    assert len(seen_firsts) == 6  # any middle sentence can come first


class TestLimits:
    def test_max_tokens_bounds_the_completion_and_says_length(self, client: TestClient) -> None:
        completion = ask(client, max_tokens=5)
        assert completion["usage"]["completion_tokens"] == 5
        assert completion["choices"][0]["finish_reason"] == "length"
        assert ask(client, max_completion_tokens=3, max_tokens=50)["usage"]["completion_tokens"] == 3

    @pytest.mark.parametrize("limit", [1, 2, 3, 6, 12])
    def test_a_tiny_limit_bounds_a_reasoning_model_too(self, client: TestClient, limit: int) -> None:
        # The thinking is written inside the content: a cut inside "<think>" once counted the
        # whole reasoning again (completion_tokens 36 for max_tokens 1).
        completion = ask(client, model="qwen3-235b", max_tokens=limit)
        message = completion["choices"][0]["message"]
        assert completion["usage"]["completion_tokens"] == tokens.count(message["content"]) <= limit
        assert completion["choices"][0]["finish_reason"] == "length"
        if message["reasoning_content"] is not None:
            assert f"<think>\n{message['reasoning_content']}" in message["content"]

    def test_a_roomy_limit_finishes_with_stop(self, client: TestClient) -> None:
        assert ask(client, max_tokens=1000)["choices"][0]["finish_reason"] == "stop"

    def test_stop_sequences_cut_the_text(self, client: TestClient) -> None:
        full = content(ask(client))
        word = full.split()[3]
        cut = ask(client, stop=[word, "zzz"])
        assert content(cut) == full[: full.find(word)]
        assert cut["choices"][0]["finish_reason"] == "stop"

    def test_logprobs_when_asked(self, client: TestClient) -> None:
        assert ask(client)["choices"][0]["logprobs"] is None
        logprobs = ask(client, logprobs=True, top_logprobs=3)["choices"][0]["logprobs"]
        assert logprobs["logprob"] < 0
        assert len(logprobs["top_logprobs"]) == 3
        assert all(alt["logprob"] < logprobs["logprob"] for alt in logprobs["top_logprobs"])


class TestStructuredOutput:
    def test_venice_form_json_schema(self, client: TestClient) -> None:
        answer = json.loads(
            content(ask(client, response_format={"type": "json_schema", "json_schema": PERSON}))
        )
        jsonschema.validate(answer, PERSON)

    def test_openai_form_json_schema(self, client: TestClient) -> None:
        response_format = {
            "type": "json_schema",
            "json_schema": {"name": "person", "schema": PERSON, "strict": True},
        }
        jsonschema.validate(json.loads(content(ask(client, response_format=response_format))), PERSON)

    def test_json_object(self, client: TestClient) -> None:
        assert isinstance(json.loads(content(ask(client, response_format={"type": "json_object"}))), dict)

    def test_an_invalid_schema_is_a_400(self, client: TestClient) -> None:
        error = refused(client, response_format={"type": "json_schema", "json_schema": {"type": "nonsense"}})
        assert "response_format.json_schema: not a valid JSON Schema" in error


class TestTools:
    def calls(self, completion: dict[str, Any]) -> list[dict[str, Any]]:
        return completion["choices"][0]["message"]["tool_calls"]  # type: ignore[no-any-return]

    def test_required_calls_a_tool_with_valid_arguments(self, client: TestClient) -> None:
        completion = ask(client, "Hello", tools=[WEATHER], tool_choice="required")
        (call,) = self.calls(completion)
        assert call["id"].startswith("call_")
        assert call["function"]["name"] == "get_weather"
        jsonschema.validate(json.loads(call["function"]["arguments"]), WEATHER["function"]["parameters"])
        assert completion["choices"][0]["message"]["content"] is None
        assert completion["choices"][0]["finish_reason"] == "stop"  # the spec's enum has no tool_calls

    def test_a_named_function_is_the_one_called(self, client: TestClient) -> None:
        choice = {"type": "function", "function": {"name": "get_time"}}
        (call,) = self.calls(ask(client, tools=[WEATHER, TIME], tool_choice=choice))
        assert call["function"]["name"] == "get_time"

    def test_auto_calls_when_the_prompt_asks(self, client: TestClient) -> None:
        assert self.calls(ask(client, "What is the weather in Rome? Use get_weather", tools=[WEATHER]))
        assert self.calls(ask(client, "Tell me a story", tools=[WEATHER])) == []

    def test_parallel_tool_calls(self, client: TestClient) -> None:
        prompt = "Call get_weather and get_time for Rome"
        assert len(self.calls(ask(client, prompt, tools=[WEATHER, TIME]))) == 2
        assert len(self.calls(ask(client, prompt, tools=[WEATHER, TIME], parallel_tool_calls=False))) == 1

    def test_the_tool_result_is_answered_in_text(self, client: TestClient) -> None:
        first = ask(client, "Hello", tools=[WEATHER], tool_choice="required")
        (call,) = self.calls(first)
        body = {
            "model": "venice-uncensored",
            "tools": [WEATHER],
            "messages": [
                {"role": "user", "content": "Hello"},
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": call["id"], "content": '{"temperature": 21}'},
            ],
        }
        second = client.post(CHAT, json=body, headers=AUTH).json()
        assert second["choices"][0]["message"]["tool_calls"] == []
        assert '{"temperature": 21}' in content(second)

    def test_an_unknown_named_tool_is_a_400(self, client: TestClient) -> None:
        error = refused(
            client, tools=[WEATHER], tool_choice={"type": "function", "function": {"name": "nope"}}
        )
        assert "tool_choice.function.name: 'nope' is not one of the request's tools ('get_weather')" in error


class TestVeniceParameters:
    def test_reasoning_models_think_unless_told_not_to(self, client: TestClient) -> None:
        thought = ask(client, model="qwen3-235b")["choices"][0]["message"]
        assert thought["content"].startswith("<think>\n")
        assert thought["reasoning_content"] in thought["content"]
        stripped = ask(client, model="qwen3-235b", venice_parameters={"strip_thinking_response": True})
        assert "<think>" not in content(stripped)
        assert stripped["choices"][0]["message"]["reasoning_content"]
        disabled = ask(client, model="qwen3-235b", venice_parameters={"disable_thinking": True})
        assert disabled["choices"][0]["message"]["reasoning_content"] is None
        assert ask(client)["choices"][0]["message"]["reasoning_content"] is None  # not a reasoning model

    def test_parameters_are_reflected_with_defaults(self, client: TestClient) -> None:
        reflected = ask(client, venice_parameters={"enable_web_citations": True})["venice_parameters"]
        assert reflected["enable_web_citations"] is True
        assert reflected["include_venice_system_prompt"] is True
        assert reflected["enable_web_search"] == "off"
        assert "web_search_citations" not in reflected

    def test_web_search_on_yields_citations(self, client: TestClient) -> None:
        citations = ask(client, venice_parameters={"enable_web_search": "on"})["venice_parameters"][
            "web_search_citations"
        ]
        assert citations
        assert all(c["url"].startswith("https://") and c["title"] for c in citations)

    def test_characters_must_exist_and_speak(self, client: TestClient) -> None:
        spoken = ask(client, venice_parameters={"character_slug": "alan-watts"})
        assert content(spoken).startswith("Alan Watts here.")
        assert "'nobody' is not a public character" in refused(
            client, venice_parameters={"character_slug": "nobody"}
        )


def chat_requests() -> st.SearchStrategy[dict[str, Any]]:
    """Valid requests that exercise the rules: any mix of n, limits, stop, logprobs, tools, schemas."""
    text = st.text(st.characters(codec="utf-8"), min_size=1, max_size=60)
    return st.fixed_dictionaries(
        {
            "model": st.sampled_from(["venice-uncensored", "qwen3-235b", "llama-3.2-3b", "mistral-31-24b"]),
            "messages": st.lists(
                st.fixed_dictionaries({"role": st.just("user"), "content": text}), min_size=1, max_size=3
            ),
        },
        optional={
            "n": st.integers(1, 4),
            "max_tokens": st.integers(0, 80),
            "stop": st.lists(st.sampled_from(["the", ".", "is", "zz"]), min_size=1, max_size=4),
            "logprobs": st.booleans(),
            "tools": st.just([WEATHER, TIME]),
            "tool_choice": st.sampled_from(["auto", "required", "none"]),
            "response_format": st.sampled_from(
                [{"type": "json_schema", "json_schema": PERSON}, {"type": "json_object"}]
            ),
        },
    )


@settings(suppress_health_check=list(HealthCheck), deadline=None)
@given(body=chat_requests())
def test_any_valid_request_gets_a_consistent_answer(spec: Spec, body: dict[str, Any]) -> None:
    """usage adds up, n choices, JSON content validates, tool arguments validate, limits hold."""
    with TestClient(create_app(mock=Mock(spec=spec))) as client:
        response = client.post(CHAT, json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    completion = response.json()
    usage = completion["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert [c["index"] for c in completion["choices"]] == list(range(body.get("n", 1)))
    limit = body.get("max_tokens")
    if isinstance(limit, int):  # it bounds everything written: reasoning, text, tool arguments
        assert usage["completion_tokens"] <= limit * body.get("n", 1)
    for choice in completion["choices"]:
        message = choice["message"]
        if choice["finish_reason"] == "length":
            assert isinstance(limit, int), "cut although no max_tokens was given"
            continue  # cut where max_tokens says: a cut document or call is not whole JSON
        for call in message["tool_calls"]:
            jsonschema.validate(
                json.loads(call["function"]["arguments"]),
                {WEATHER["function"]["name"]: WEATHER, "get_time": TIME}[call["function"]["name"]][
                    "function"
                ]["parameters"],
            )
        if message["tool_calls"]:
            continue
        if body.get("response_format", {}).get("type") == "json_schema":
            jsonschema.validate(json.loads(message["content"]), PERSON)
        elif body.get("response_format", {}).get("type") == "json_object":
            assert isinstance(json.loads(message["content"]), dict)
        elif isinstance(limit, int) and not message["reasoning_content"]:
            assert tokens.count(message["content"]) <= limit
