"""The meaning checks on hand-made answers: chat (n, usage, max_tokens, finish_reason, forced
tool calls, response_format) and embeddings (count, order, dimensions, encodings, agreement).
Each test compares whole failures."""

from __future__ import annotations

import base64
import json
import struct
from typing import Any

from contracts.checks.chat import ChatRequest, check_completion, finish_enum
from contracts.checks.embeddings import check_agreement, check_embeddings, input_count
from contracts.failures import Failure
from mockserver import Spec

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
FINISH = ("stop", "length")


def chat(*choices: dict[str, Any], usage: dict[str, int] | None = None) -> dict[str, Any]:
    return {
        "choices": list(choices),
        "usage": usage or {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
    }


def choice(
    index: int = 0, content: Any = "hi", finish: str = "stop", calls: list[Any] | None = None
) -> dict[str, Any]:
    return {
        "index": index,
        "message": {"role": "assistant", "content": content, "tool_calls": calls or []},
        "finish_reason": finish,
    }


def call(name: str, arguments: str) -> dict[str, Any]:
    return {"id": "c1", "type": "function", "function": {"name": name, "arguments": arguments}}


def test_finish_enum_is_read_from_the_spec(spec: Spec) -> None:
    response = spec.operation("createChatCompletion").responses["200"].content["application/json"]
    assert response.schema is not None
    assert finish_enum(response.schema.schema) == FINISH
    assert finish_enum({"type": "object"}) is None


def test_a_faithful_answer_passes() -> None:
    body = {"n": 2, "max_tokens": 5, "tools": [WEATHER], "tool_choice": "required"}
    answer = chat(
        choice(0, None, calls=[call("get_weather", '{"city": "Paris"}')]),
        choice(1, None, calls=[call("get_weather", '{"city": "Rome"}')]),
    )
    assert check_completion(body, answer, FINISH) == []


def test_n_choices() -> None:
    assert check_completion({"n": 2}, chat(choice(0)), FINISH) == [
        Failure(
            "choices", "1 choice(s) for n=2", "2 choice(s), indexed 0..1", "indexes [0]", "n", field="choices"
        )
    ]
    assert check_completion({"n": 1000}, chat(choice(0), choice(1)), FINISH) == []  # past 64: a cap


def test_usage_adds_up_and_keeps_max_tokens() -> None:
    usage = {"prompt_tokens": 3, "completion_tokens": 40, "total_tokens": 44}
    assert check_completion({"max_tokens": 16}, chat(choice(), usage=usage), FINISH) == [
        Failure(
            "usage",
            "total_tokens is not prompt_tokens + completion_tokens",
            "3 + 40 = 43",
            "44",
            "total",
            field="usage.total_tokens",
        ),
        Failure(
            "usage",
            "completion_tokens exceed max_tokens=16",
            "at most 16 completion tokens per choice (1 choice(s))",
            "40",
            "max_tokens",
            field="usage.completion_tokens",
        ),
    ]
    assert ChatRequest.from_body({"max_tokens": 9, "max_completion_tokens": 4}).max_tokens == 4


def test_finish_reason_within_the_enum() -> None:
    assert check_completion({}, chat(choice(finish="end_turn")), FINISH) == [
        Failure(
            "finish_reason",
            "choice 0: finish_reason 'end_turn' is not in the spec",
            "one of ['stop', 'length']",
            "end_turn",
            "enum",
            field="choices[0].finish_reason",
        )
    ]
    assert check_completion({}, chat(choice(finish="end_turn")), None) == []


def test_a_forced_tool_must_be_called_by_name_with_valid_arguments() -> None:
    named = {"tools": [WEATHER], "tool_choice": {"type": "function", "function": {"name": "get_weather"}}}
    assert check_completion(named, chat(choice(content="It is sunny.")), FINISH) == [
        Failure(
            "tool_calls",
            "choice 0 calls no tool although tool_choice is function 'get_weather'",
            "at least one tool call",
            '{"role": "assistant", "content": "It is sunny.", "tool_calls": []}',
            "missing",
            field="choices[0].message.tool_calls",
        )
    ]
    wrong = chat(choice(content=None, calls=[call("get_time", "{}"), call("get_weather", '{"town": 1}')]))
    where = "choices[0].message.tool_calls"
    assert check_completion(named, wrong, FINISH) == [
        Failure(
            "tool_calls",
            "choice 0 calls 'get_time', which the request did not offer",
            "one of ['get_weather']",
            "get_time",
            "unknown_name",
            field=f"{where}[0]",
        ),
        Failure(
            "tool_calls",
            "choice 0: the arguments of 'get_weather' violate its parameters",
            '"city" is a required property',
            '{"town": 1}',
            "arguments_schema",
            field=f"{where}[1]",
        ),
    ]
    broken = chat(choice(content=None, calls=[call("get_weather", "{city")]))
    assert [f.rule for f in check_completion(named, broken, FINISH)] == ["arguments_json"]


def test_calls_without_tools_are_unknown_and_auto_may_answer_in_text() -> None:
    stray = chat(choice(content=None, calls=[call("get_weather", "{}")]))
    (failure,) = check_completion({}, stray, FINISH)
    assert (failure.rule, failure.expected) == ("unknown_name", "no tool calls (no tools were sent)")
    assert check_completion({"tools": [WEATHER], "tool_choice": "auto"}, chat(choice()), FINISH) == []


def test_response_format_json_object_and_json_schema() -> None:
    person = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
    venice = {"response_format": {"type": "json_schema", "json_schema": person}}
    openai = {"response_format": {"type": "json_schema", "json_schema": {"name": "p", "schema": person}}}
    for body in (venice, openai):
        assert check_completion(body, chat(choice(content='{"name": "Ada"}')), FINISH) == []
        assert check_completion(body, chat(choice(content='{"age": 3}')), FINISH) == [
            Failure(
                "response_format",
                "choice 0: content violates the requested json_schema",
                '"name" is a required property',
                '{"age": 3}',
                "json_schema",
                field="choices[0].message.content",
            )
        ]
    obj = {"response_format": {"type": "json_object"}}
    assert check_completion(obj, chat(choice(content="[1]")), FINISH) == [
        Failure(
            "response_format",
            "choice 0: content is not a JSON object",
            "a JSON object",
            "[1]",
            "json_object",
            field="choices[0].message.content",
        )
    ]
    cut = chat(
        choice(content='{"na', finish="length"),
        usage={"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    )
    assert check_completion({**obj, "max_tokens": 2}, cut, FINISH) == []  # cut where asked: not whole


def floats_b64(values: list[float], fmt: str = "f") -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}{fmt}", *values)).decode()


def embeddings(*vectors: Any, indexes: list[int] | None = None) -> dict[str, Any]:
    order = indexes or list(range(len(vectors)))
    return {"data": [{"index": i, "embedding": v} for i, v in zip(order, vectors, strict=True)]}


def test_input_counts() -> None:
    assert [input_count(v) for v in ("a", ["a", "b"], [1, 2, 3], [[1], [2]], [], 5)] == [
        1,
        2,
        1,
        2,
        None,
        None,
    ]


def test_one_vector_per_input_in_order_with_the_dimensions_asked() -> None:
    body = {"input": ["a", "b"], "dimensions": 2}
    assert check_embeddings(body, embeddings([0.1, 0.2], [0.3, 0.4])) == []
    assert check_embeddings(body, embeddings([0.1, 0.2], [0.3, 0.4], indexes=[1, 0])) == [
        Failure(
            "embeddings",
            "embeddings are not in index order",
            "indexes 0..1 in order",
            "[1, 0]",
            "order",
            field="data[].index",
        )
    ]
    assert check_embeddings(body, embeddings([0.1, 0.2, 0.3])) == [
        Failure("embeddings", "1 embedding(s) for 2 input(s)", "2 embedding(s)", "1", "count", field="data"),
        Failure(
            "embeddings",
            "data[0].embedding has 3 dimensions, 2 were asked for",
            "2",
            "3",
            "dimensions",
            field="data[0].embedding",
        ),
    ]


def test_values_are_finite_and_not_all_zero() -> None:
    (zero,) = check_embeddings({"input": "a"}, embeddings([0.0, 0.0]))
    assert (zero.rule, zero.title) == ("zero", "data[0].embedding is all zeros")
    (nan,) = check_embeddings(
        {"input": "a", "encoding_format": "base64"}, embeddings(floats_b64([1.0, float("nan")]))
    )
    assert (nan.rule, nan.title) == ("finite", "data[0].embedding holds nan")


def test_vectors_are_paired_by_index_so_an_answer_out_of_order_is_one_finding() -> None:
    first, second = [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]
    floats = embeddings(first, second)
    swapped = embeddings(floats_b64(second), floats_b64(first), indexes=[1, 0])
    assert check_agreement(floats, swapped) == []  # the same vectors, listed in another order
    assert [
        f.rule for f in check_embeddings({"input": ["a", "b"], "encoding_format": "base64"}, swapped)
    ] == ["order"]
    # Without usable indexes the answers are paired by position, and the swap disagrees.
    unindexed = {"data": [{"embedding": floats_b64(second)}, {"embedding": floats_b64(first)}]}
    (disagrees,) = check_agreement(floats, unindexed)
    assert (disagrees.rule, disagrees.field) == ("agreement", "data[0].embedding")
    # A wrong vector at an index is still found, and named where the float answer has it.
    wrong = embeddings(floats_b64(second), floats_b64(second), indexes=[1, 0])
    (moved,) = check_agreement(floats, wrong)
    assert (moved.rule, moved.field) == ("agreement", "data[0].embedding")


def test_base64_is_little_endian_float32_agreeing_with_the_float_answer() -> None:
    values = [0.25, -0.5, 0.125]
    floats = embeddings(values)
    assert check_agreement(floats, embeddings(floats_b64(values))) == []
    assert check_agreement(floats, embeddings(floats_b64(values, "d"))) == [
        Failure(
            "embeddings",
            "data[0].embedding: base64 decodes to 6 float32 values, the float answer has 3",
            "3 little-endian float32 values (12 bytes)",
            "24 bytes",
            "base64",
            field="data[0].embedding",
        )
    ]
    big_endian = base64.b64encode(struct.pack(">3f", *values)).decode()
    (disagrees,) = check_agreement(floats, embeddings(big_endian))
    assert disagrees.rule == "agreement"
    assert (
        json.loads(json.dumps(disagrees.expected))
        == "cosine >= 0.99 between the two encodings of the same input"
    )
    (odd,) = check_embeddings({"input": "a", "encoding_format": "base64"}, embeddings("AAAAAAA="))
    assert (odd.rule, odd.title) == (
        "encoding",
        "data[0].embedding is not a base64 embedding: 5 bytes is not a whole number of float32 values",
    )
