"""Chat that behaves as frameworks expect of a model (issue 16): `strict` tools accepted, JSON
answers for schemas carried in the prompt, `tool_choice: auto` that calls a related tool, and
plausible argument values. The frameworks themselves are exercised in tests/frameworks/."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import jsonschema
import pytest
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


CITY: dict[str, Any] = {
    "title": "City",
    "type": "object",
    "properties": {
        "name": {"title": "Name", "type": "string"},
        "country": {"title": "Country", "type": "string"},
        "population": {"title": "Population", "type": "integer", "minimum": 0},
    },
    "required": ["name", "country", "population"],
}
NESTED: dict[str, Any] = {
    "$defs": {"City": CITY},
    "type": "object",
    "properties": {"cities": {"type": "array", "items": {"$ref": "#/$defs/City"}, "minItems": 2}},
    "required": ["cities"],
    "additionalProperties": False,
}


def message(completion: dict[str, Any]) -> str:
    return str(completion["choices"][0]["message"]["content"])


def system(text: str, question: str = "Tell me about Paris") -> list[dict[str, Any]]:
    return [{"role": "system", "content": text}, {"role": "user", "content": question}]


def unfenced(answer: str) -> Any:
    """The JSON inside a ```json fence, which the answer must be."""
    assert answer.startswith("```json\n"), answer
    assert answer.endswith("\n```"), answer
    return json.loads(answer[len("```json\n") : -len("\n```")])


class TestPromptedSchemas:
    """Schemas placed as instructor, pydantic-ai and LangChain place them."""

    def test_instructor_json_mode(self, client: TestClient) -> None:
        prompt = (
            "As a genius expert, your task is to understand the content and provide the parsed "
            f"objects in json that match the following json_schema:\n\n{json.dumps(CITY, indent=2)}\n\n"
            "Make sure to return an instance of the JSON, not the schema itself"
        )
        answer = message(ask(client, system(prompt), response_format={"type": "json_object"}))
        jsonschema.validate(json.loads(answer), CITY)

    def test_instructor_md_json_mode_is_fenced(self, client: TestClient) -> None:
        prompt = (
            f"Provide the parsed objects in json that match the following json_schema:\n{json.dumps(CITY)}"
        )
        question = "Tell me about Paris\n\nReturn the correct JSON response within a ```json codeblock."
        jsonschema.validate(unfenced(message(ask(client, system(prompt, question)))), CITY)

    def test_pydantic_ai_prompted_output(self, client: TestClient) -> None:
        prompt = (
            "\nAlways respond with a JSON object that's compatible with this schema:\n\n"
            f"{json.dumps(NESTED)}\n\nDon't include any text or Markdown fencing before or after.\n"
        )
        answer = json.loads(message(ask(client, system(prompt), response_format={"type": "json_object"})))
        jsonschema.validate(answer, NESTED)
        assert len(answer["cities"]) >= 2

    def test_a_fenced_schema_wins_over_an_example_before_it(self, client: TestClient) -> None:
        # LangChain's PydanticOutputParser: an example schema inline, then the real one fenced.
        example = {"properties": {"foo": {"type": "array", "items": {"type": "string"}}}, "required": ["foo"]}
        question = (
            "Tell me about Paris. The output should be formatted as a JSON instance that conforms to "
            f"the JSON schema below.\n\nAs an example, for the schema {json.dumps(example)} the object "
            '{"foo": ["bar", "baz"]} is a well-formatted instance of the schema. The object '
            '{"properties": {"foo": ["bar", "baz"]}} is not well-formatted.\n\n'
            f"Here is the output schema:\n```\n{json.dumps(CITY)}\n```"
        )
        answer = json.loads(message(ask(client, user(question))))
        jsonschema.validate(answer, CITY)

    def test_the_schema_stays_when_the_last_message_is_a_retry(self, client: TestClient) -> None:
        prompt = (
            f"Always respond with a JSON object that's compatible with this schema:\n\n{json.dumps(CITY)}"
        )
        messages = [
            *system(prompt),
            {"role": "assistant", "content": '{"answer": "nope"}'},
            {"role": "user", "content": "3 validation errors: name missing. Fix the errors and try again."},
        ]
        answer = message(ask(client, messages, response_format={"type": "json_object"}))
        jsonschema.validate(json.loads(answer), CITY)

    def test_a_schema_without_a_request_for_json_gets_prose(self, client: TestClient) -> None:
        answer = message(ask(client, user(f"What does this describe? {json.dumps(CITY)}")))
        with pytest.raises(ValueError, match="Expecting value"):
            json.loads(answer)

    def test_native_json_schema_wins_over_the_prompt(self, client: TestClient) -> None:
        prompt = f"Answer in JSON matching this schema: {json.dumps(CITY)}"
        native = {"type": "json_schema", "json_schema": {"name": "nested", "schema": NESTED}}
        jsonschema.validate(json.loads(message(ask(client, user(prompt), response_format=native))), NESTED)

    def test_the_stream_joins_to_the_same_instance(self, client: TestClient) -> None:
        messages = user(f"Reply in JSON matching this schema: {json.dumps(CITY)}")
        whole = message(ask(client, messages))
        body = {"model": "venice-uncensored", "messages": messages, "stream": True}
        with client.stream("POST", CHAT, json=body, headers=AUTH) as response:
            lines = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
        chunks = [json.loads(line) for line in lines if line != "[DONE]"]
        joined = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
        assert joined == whole
        jsonschema.validate(json.loads(joined), CITY)

    @pytest.mark.parametrize(
        "hostile",
        ['{"a":[' * 20_000, "{" * 100_000, '{"a": "' * 10_000, "[" * 5_000 + json.dumps(CITY)],
        ids=["deep-nesting", "braces", "open-strings", "deep-array-then-schema"],
    )
    def test_hostile_prompts_get_an_answer(self, client: TestClient, hostile: str) -> None:
        answer = message(
            ask(client, user(f"JSON please: {hostile}"), response_format={"type": "json_object"})
        )
        assert isinstance(json.loads(answer), dict)


class TestJsonObjectWithoutSchema:
    def test_the_keys_the_prompt_names(self, client: TestClient) -> None:
        prompt = "Describe Paris as JSON with keys name, country and population."
        answer = json.loads(message(ask(client, user(prompt), response_format={"type": "json_object"})))
        assert list(answer) == ["name", "country", "population"]
        assert isinstance(answer["population"], int)
        assert isinstance(answer["name"], str)

    def test_an_example_object_gives_keys_and_types(self, client: TestClient) -> None:
        prompt = 'Answer in JSON like {"city": "Rome", "score": 3, "sunny": true, "tags": ["a"]}'
        answer = json.loads(message(ask(client, user(prompt), response_format={"type": "json_object"})))
        assert {k: type(v) for k, v in answer.items()} == {
            "city": str,
            "score": int,
            "sunny": bool,
            "tags": list,
        }

    def test_nothing_named_still_gives_an_object(self, client: TestClient) -> None:
        answer = json.loads(message(ask(client, user("Hi"), response_format={"type": "json_object"})))
        assert isinstance(answer, dict)
        assert answer


FLIGHTS: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "search",
        "description": "Find flights between two airports",
        "parameters": {
            "type": "object",
            "properties": {
                "destination": {"type": "string"},
                "departureDate": {"type": "string"},
                "q": {"type": "string", "description": "The name of the city to fly from"},
                "cabin": {"type": "string", "examples": ["economy", "business"]},
                "day": {"type": "string", "format": "date"},
            },
            "required": ["destination", "departureDate", "q", "cabin", "day"],
        },
    },
}


def calls(completion: dict[str, Any]) -> list[dict[str, Any]]:
    return completion["choices"][0]["message"]["tool_calls"]  # type: ignore[no-any-return]


def arguments(call: dict[str, Any]) -> dict[str, Any]:
    return json.loads(call["function"]["arguments"])  # type: ignore[no-any-return]


def looks_like_a_place(value: str) -> bool:
    return value.isalpha() and value[:1].isupper()


ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"


class TestAutoToolChoice:
    def test_a_related_question_calls_the_tool(self, client: TestClient) -> None:
        (call,) = calls(ask(client, user("Weather in Paris?"), tools=[WEATHER]))
        assert call["function"]["name"] == "get_weather"
        jsonschema.validate(arguments(call), WEATHER["function"]["parameters"])

    def test_an_unrelated_question_gets_text(self, client: TestClient) -> None:
        completion = ask(client, user("Tell me a joke about penguins"), tools=[WEATHER, FLIGHTS])
        assert calls(completion) == []
        assert message(completion)

    def test_the_description_relates_too_and_only_that_tool_is_called(self, client: TestClient) -> None:
        (call,) = calls(ask(client, user("Any flights to Rome tomorrow?"), tools=[WEATHER, FLIGHTS]))
        assert call["function"]["name"] == "search"

    def test_parameter_names_relate(self, client: TestClient) -> None:
        (call,) = calls(ask(client, user("Which cabin is cheapest?"), tools=[WEATHER, FLIGHTS]))
        assert call["function"]["name"] == "search"

    def test_after_a_tool_result_auto_answers_in_text(self, client: TestClient) -> None:
        (call,) = calls(ask(client, user("Weather in Paris?"), tools=[WEATHER]))
        messages = [
            *user("Weather in Paris?"),
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": call["id"], "content": "sunny, 21 C"},
        ]
        completion = ask(client, messages, tools=[WEATHER])
        assert calls(completion) == []
        assert "sunny, 21 C" in message(completion)

    def test_after_a_tool_result_required_calls_a_tool_not_called_yet(self, client: TestClient) -> None:
        # pydantic-ai's loop: its output tool is still to be called after the function tool.
        (call,) = calls(
            ask(client, user("Weather in Paris?"), tools=[WEATHER, FLIGHTS], tool_choice="required")
        )
        assert call["function"]["name"] == "get_weather"
        messages = [
            *user("Weather in Paris?"),
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": call["id"], "content": "sunny"},
        ]
        (second,) = calls(ask(client, messages, tools=[WEATHER, FLIGHTS], tool_choice="required"))
        assert second["function"]["name"] == "search"


class TestPlausibleValues:
    def test_names_descriptions_formats_enums_and_examples(self, client: TestClient) -> None:
        for seed in range(5):
            completion = client.post(
                CHAT,
                json={"model": "venice-uncensored", "messages": user("Flights to Rome?"), "tools": [FLIGHTS]},
                headers={**AUTH, "X-Mock-Seed": str(seed)},
            ).json()
            (call,) = calls(completion)
            args = arguments(call)
            assert looks_like_a_place(args["destination"]), args
            assert looks_like_a_place(args["q"]), args  # from its description: "the city"
            assert re.match(ISO_DATE, args["departureDate"]), args
            assert re.match(ISO_DATE, args["day"]), args
            assert args["cabin"] in ("economy", "business")

    def test_a_city_and_an_enum_unit(self, client: TestClient) -> None:
        args = arguments(calls(ask(client, user("Weather in Paris?"), tools=[WEATHER]))[0])
        assert looks_like_a_place(args["city"])
        assert args["unit"] in ("c", "f")

    def test_values_are_seeded(self, client: TestClient) -> None:
        def args(seed: str) -> str:
            body = {"model": "venice-uncensored", "messages": user("Flights?"), "tools": [FLIGHTS]}
            completion = client.post(CHAT, json=body, headers={**AUTH, "X-Mock-Seed": seed}).json()
            return str(calls(completion)[0]["function"]["arguments"])

        assert args("1") == args("1")
        assert len({args(str(seed)) for seed in range(6)}) > 1
