"""Chat that behaves as frameworks expect of a model (issue 16): `strict` tools accepted, JSON
answers for schemas carried in the prompt, `tool_choice: auto` that calls a related tool, and
plausible argument values. The frameworks themselves are exercised in tests/frameworks/."""

from __future__ import annotations

import copy
import json
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
