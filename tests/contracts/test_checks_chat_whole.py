"""The chat meaning checks compared whole, on the cases test_checks_meaning.py leaves out: what is
read from odd request bodies, n at and past its promise, choices out of shape, tool calls whose
arguments are not a JSON string, the stream form (`arguments=False`), response_format on content
that is not JSON, token limits per choice, and the finish_reason enum behind the converter's wrapper."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.checks.chat import ChatRequest, check_choices, check_completion, check_usage, finish_enum
from contracts.failures import Failure

PARAMETERS = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": PARAMETERS}}
PLAIN = {"type": "function", "function": {"name": "plain"}}
FINISH = ("stop", "length")
PERSON = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
CALLS = "choices[0].message.tool_calls"
CONTENT = "choices[0].message.content"


def choice(index: Any = 0, content: Any = "hi", finish: Any = "stop", calls: Any = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls is not None:
        message["tool_calls"] = calls
    return {"index": index, "message": message, "finish_reason": finish}


def call(name: Any, arguments: Any) -> dict[str, Any]:
    return {"id": "c1", "type": "function", "function": {"name": name, "arguments": arguments}}


def n_failure(count: int, n: int, wanted: int, indexes: list[Any]) -> Failure:
    return Failure(
        "choices",
        f"{count} choice(s) for n={n}",
        f"{wanted} choice(s), indexed 0..{wanted - 1}",
        f"indexes {indexes}",
        "n",
        field="choices",
    )


# -- what the request asked ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "request_"),
    [
        ([], ChatRequest()),
        ({"n": True, "max_tokens": True}, ChatRequest()),
        ({"n": 0, "max_tokens": 0, "max_completion_tokens": -1}, ChatRequest()),
        ({"n": "2", "max_tokens": "9"}, ChatRequest()),
        ({"n": 1, "max_tokens": 1}, ChatRequest(1, 1)),
        ({"n": 3, "max_completion_tokens": 7}, ChatRequest(3, 7)),
        ({"max_tokens": 9, "max_completion_tokens": 12}, ChatRequest(max_tokens=9)),
        ({"tool_choice": "required"}, ChatRequest()),
        ({"tools": [], "tool_choice": "required"}, ChatRequest(tools={})),
        ({"tools": "x", "tool_choice": "required"}, ChatRequest()),
        (
            {
                "tools": [WEATHER, "x", {"function": "f"}, {"function": {"name": 5}}, PLAIN],
                "tool_choice": "required",
            },
            ChatRequest(tools={"get_weather": PARAMETERS, "plain": None}, forced=""),
        ),
        (
            {"tools": [WEATHER], "tool_choice": {"type": "function", "function": {"name": "get_weather"}}},
            ChatRequest(tools={"get_weather": PARAMETERS}, forced="get_weather"),
        ),
        (
            {"tools": [WEATHER], "tool_choice": {"function": {"name": 3}}},
            ChatRequest(tools={"get_weather": PARAMETERS}),
        ),
        (
            {"tools": [WEATHER], "tool_choice": {"function": "get_weather"}},
            ChatRequest(tools={"get_weather": PARAMETERS}),
        ),
        ({"tools": [WEATHER], "tool_choice": "auto"}, ChatRequest(tools={"get_weather": PARAMETERS})),
        ({"response_format": "json_object"}, ChatRequest()),
        ({"response_format": {"type": "text"}}, ChatRequest()),
        ({"response_format": {"type": "json_object"}}, ChatRequest(response_format="json_object")),
        ({"response_format": {"type": "json_schema"}}, ChatRequest()),
        ({"response_format": {"type": "json_schema", "json_schema": "x"}}, ChatRequest()),
        (
            {"response_format": {"type": "json_schema", "json_schema": PERSON}},
            ChatRequest(response_format="json_schema", response_schema=PERSON),
        ),
        (
            {"response_format": {"type": "json_schema", "json_schema": {"name": "p", "schema": PERSON}}},
            ChatRequest(response_format="json_schema", response_schema=PERSON),
        ),
        (
            {"response_format": {"type": "json_schema", "json_schema": {"strict": True, "schema": PERSON}}},
            ChatRequest(response_format="json_schema", response_schema=PERSON),
        ),
        (  # neither name nor strict: Venice's form, whose schema has a property named "schema"
            {"response_format": {"type": "json_schema", "json_schema": {"schema": PERSON}}},
            ChatRequest(response_format="json_schema", response_schema={"schema": PERSON}),
        ),
        (
            {"response_format": {"type": "json_schema", "json_schema": {"name": "p", "schema": True}}},
            ChatRequest(response_format="json_schema", response_schema={"name": "p", "schema": True}),
        ),
    ],
)
def test_what_a_chat_request_asked_is_read_from_its_body(body: Any, request_: ChatRequest) -> None:
    assert ChatRequest.from_body(body) == request_


# -- n choices -----------------------------------------------------------------------------------


def test_n_is_a_promise_up_to_64_and_a_cap_past_it() -> None:
    assert check_choices(ChatRequest(n=2), [choice(0), choice(2)], FINISH) == [n_failure(2, 2, 2, [0, 2])]
    assert check_choices(ChatRequest(n=64), [choice(0)], FINISH) == [n_failure(1, 64, 64, [0])]
    assert check_choices(ChatRequest(n=65), [], FINISH) == [n_failure(0, 65, 1, [])]
    assert check_choices(ChatRequest(n=65), [choice(i) for i in (0, 1, 5)], FINISH) == [
        n_failure(3, 65, 3, [0, 1, 5])
    ]
    assert check_choices(ChatRequest(n=65), [choice(i) for i in (2, 0, 1)], FINISH) == []
    assert check_choices(ChatRequest(n=2), [choice(1), choice(0)], FINISH) == []


def test_choices_out_of_shape_have_no_index_and_the_rest_are_still_judged() -> None:
    stray = ["x", choice(True, finish="end_turn"), choice(0, finish="end_turn")]
    assert check_choices(ChatRequest(n=3), stray, FINISH) == [
        n_failure(3, 3, 3, [0]),
        Failure(
            "finish_reason",
            "choice True: finish_reason 'end_turn' is not in the spec",
            "one of ['stop', 'length']",
            "end_turn",
            "enum",
            field="choices[True].finish_reason",
        ),
        Failure(
            "finish_reason",
            "choice 0: finish_reason 'end_turn' is not in the spec",
            "one of ['stop', 'length']",
            "end_turn",
            "enum",
            field="choices[0].finish_reason",
        ),
    ]


def test_the_same_rule_broken_twice_at_one_place_is_one_failure() -> None:
    twice = [choice(0, finish="end_turn"), choice(0, finish="end_turn")]
    assert [f.field for f in check_choices(ChatRequest(n=2), twice, FINISH)] == [
        "choices",
        "choices[0].finish_reason",
    ]


def test_a_null_finish_reason_is_not_judged_against_the_enum() -> None:
    assert check_choices(ChatRequest(), [choice(finish=None)], FINISH) == []


def test_a_choice_cut_at_the_limit_is_still_held_to_the_enum_but_not_to_its_tool_call() -> None:
    request = ChatRequest(tools={"get_weather": PARAMETERS}, forced="")
    assert check_choices(request, [choice(finish="length")], ("stop",)) == [
        Failure(
            "finish_reason",
            "choice 0: finish_reason 'length' is not in the spec",
            "one of ['stop']",
            "length",
            "enum",
            field="choices[0].finish_reason",
        )
    ]


def test_the_choices_after_one_cut_at_the_limit_are_still_judged() -> None:
    cut_then_not_json = [choice(0, content='{"a', finish="length"), choice(1, content="x")]
    assert check_choices(ChatRequest(n=2, response_format="json_object"), cut_then_not_json, FINISH) == [
        Failure(
            "response_format",
            "choice 1: content is not a JSON object",
            "a JSON object",
            "x",
            "json_object",
            field="choices[1].message.content",
        )
    ]


# -- tool calls ----------------------------------------------------------------------------------

FORCED = ChatRequest(tools={"get_weather": PARAMETERS, "plain": None}, forced="get_weather")


def test_a_message_that_is_not_an_object_calls_no_tool() -> None:
    odd = {"index": 0, "message": "x", "finish_reason": "stop"}
    assert check_choices(ChatRequest(tools={}, forced=""), [odd], FINISH) == [
        Failure(
            "tool_calls",
            "choice 0 calls no tool although tool_choice is required",
            "at least one tool call",
            "{}",
            "missing",
            field=CALLS,
        )
    ]


@pytest.mark.parametrize(
    ("calls", "failures"),
    [
        ("x", [("missing", CALLS)]),
        (["x"], [("missing", CALLS)]),
        (["x", call("get_weather", '{"city": "Rome"}')], []),
        ([call("plain", "[1]")], [("not_forced", f"{CALLS}[0]")]),
        (
            [call("plain", "{}"), call("get_weather", "{}")],
            [("not_forced", f"{CALLS}[0]"), ("arguments_schema", f"{CALLS}[1]")],
        ),
        (
            [call("get_weather", "{"), call("get_weather", "{}")],
            [("arguments_json", f"{CALLS}[0]"), ("arguments_schema", f"{CALLS}[1]")],
        ),
    ],
)
def test_forced_calls_are_counted_and_each_is_judged(calls: Any, failures: list[tuple[str, str]]) -> None:
    found = check_choices(FORCED, [choice(content=None, calls=calls)], FINISH)
    assert [(f.rule, f.field) for f in found] == failures


def test_a_call_to_another_offered_tool_than_the_forced_one() -> None:
    assert check_choices(FORCED, [choice(content=None, calls=[call("plain", "{}")])], FINISH) == [
        Failure(
            "tool_calls",
            "choice 0 calls 'plain', not the forced 'get_weather'",
            "get_weather",
            "plain",
            "not_forced",
            field=f"{CALLS}[0]",
        )
    ]


def test_a_call_without_a_function_object_names_none() -> None:
    request = ChatRequest(tools={"b": None, "a": None})
    bare = {"id": "c1", "type": "function", "function": "get_weather"}
    assert check_choices(request, [choice(content=None, calls=[bare])], FINISH) == [
        Failure(
            "tool_calls",
            "choice 0 calls None, which the request did not offer",
            "one of ['a', 'b']",
            "null",
            "unknown_name",
            field=f"{CALLS}[0]",
        )
    ]


@pytest.mark.parametrize(
    ("arguments", "received"),
    [({"city": "Paris"}, '{"city": "Paris"}'), (None, "null"), ("nul", "nul"), ("", "")],
)
def test_arguments_that_are_not_a_json_string(arguments: Any, received: str) -> None:
    request = ChatRequest(tools={"get_weather": PARAMETERS})
    assert check_choices(request, [choice(content=None, calls=[call("get_weather", arguments)])], FINISH) == [
        Failure(
            "tool_calls",
            "choice 0: the arguments of 'get_weather' are not JSON",
            "a JSON string",
            received,
            "arguments_json",
            field=f"{CALLS}[0]",
        )
    ]


@pytest.mark.parametrize("arguments", ["null", " null "])
def test_null_arguments_are_json_and_are_held_to_the_parameters(arguments: str) -> None:
    request = ChatRequest(tools={"get_weather": PARAMETERS})
    assert check_choices(request, [choice(content=None, calls=[call("get_weather", arguments)])], FINISH) == [
        Failure(
            "tool_calls",
            "choice 0: the arguments of 'get_weather' violate its parameters",
            'null is not of type "object"',
            arguments,
            "arguments_schema",
            field=f"{CALLS}[0]",
        )
    ]


def test_a_tool_without_parameters_takes_any_json() -> None:
    request = ChatRequest(tools={"plain": None})
    assert check_choices(request, [choice(content=None, calls=[call("plain", "[1]")])], FINISH) == []


def test_the_stream_form_leaves_names_and_arguments_to_the_stream_checker() -> None:
    stray = [call("get_time", "{"), call("get_weather", "{")]
    unforced = ChatRequest(tools={"get_weather": PARAMETERS})
    assert check_choices(unforced, [choice(content=None, calls=stray)], FINISH, arguments=False) == []
    required = ChatRequest(tools={"get_weather": PARAMETERS}, forced="")
    assert check_choices(required, [choice(content=None, calls=stray)], FINISH, arguments=False) == []
    wrong = [call("get_time", "{"), call("plain", "{"), call("plain", "{")]
    assert check_choices(FORCED, [choice(content=None, calls=wrong)], FINISH, arguments=False) == [
        Failure(
            "tool_calls",
            "choice 0 calls 'plain', not the forced 'get_weather'",
            "get_weather",
            "plain",
            "not_forced",
            field=f"{CALLS}[{number}]",
        )
        for number in (1, 2)
    ]


# -- response_format -----------------------------------------------------------------------------

OBJECT = ChatRequest(response_format="json_object")
SCHEMA = ChatRequest(response_format="json_schema", response_schema=PERSON)


@pytest.mark.parametrize(
    ("request_", "content", "title", "expected", "received"),
    [
        (OBJECT, None, "content is not a JSON object", "a JSON object", "null"),
        (OBJECT, "{bad", "content is not a JSON object", "a JSON object", "{bad"),
        (OBJECT, "null", "content is not a JSON object", "a JSON object", "null"),
        (SCHEMA, "not json", "content is not JSON", "JSON valid against the json_schema", "not json"),
        (SCHEMA, 5, "content is not JSON", "JSON valid against the json_schema", "5"),
        (
            SCHEMA,
            "null",
            "content violates the requested json_schema",
            'null is not of type "object"',
            "null",
        ),
    ],
)
def test_each_response_format_fault_is_one_whole_failure(
    request_: ChatRequest, content: Any, title: str, expected: str, received: str
) -> None:
    assert check_choices(request_, [choice(content=content)], FINISH) == [
        Failure(
            "response_format",
            f"choice 0: {title}",
            expected,
            received,
            request_.response_format or "",
            field=CONTENT,
        )
    ]


def test_response_format_passes_good_content_and_leaves_tool_calls_alone() -> None:
    assert check_choices(OBJECT, [choice(content='{"a": 1}')], FINISH) == []
    assert check_choices(SCHEMA, [choice(content='{"name": "Ada"}')], FINISH) == []
    assert check_choices(OBJECT, [choice(content="x", calls=[call("f", "{}")])], FINISH) == [
        Failure(
            "tool_calls",
            "choice 0 calls 'f', which the request did not offer",
            "no tool calls (no tools were sent)",
            "f",
            "unknown_name",
            field=f"{CALLS}[0]",
        )
    ]
    uncompiled = ChatRequest(response_format="json_schema", response_schema={"type": 5})
    assert check_choices(uncompiled, [choice(content="[1]")], FINISH) == []
    array = ChatRequest(response_format="json_schema", response_schema={"type": "array"})
    assert check_choices(array, [choice(content="[1]")], FINISH) == []


# -- usage ---------------------------------------------------------------------------------------


def test_max_tokens_is_per_choice_and_counts_only_integers() -> None:
    request = ChatRequest(n=2, max_tokens=5)
    assert check_usage(request, {"prompt_tokens": 1, "completion_tokens": 10, "total_tokens": 11}) == []
    assert check_usage(request, {"prompt_tokens": 1, "completion_tokens": 11, "total_tokens": 12}) == [
        Failure(
            "usage",
            "completion_tokens exceed max_tokens=5",
            "at most 5 completion tokens per choice (2 choice(s))",
            "11",
            "max_tokens",
            field="usage.completion_tokens",
        )
    ]
    assert check_usage(request, {"prompt_tokens": True, "completion_tokens": 1, "total_tokens": 5}) == []
    assert check_usage(request, {"prompt_tokens": 1, "completion_tokens": True, "total_tokens": 1}) == []
    assert check_usage(request, {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": True}) == []
    assert (
        check_usage(ChatRequest(), {"prompt_tokens": 1, "completion_tokens": 900, "total_tokens": 901}) == []
    )
    assert check_usage(request, [1]) == []


def test_an_answer_that_is_not_an_object_or_lacks_choices() -> None:
    assert check_completion({}, [1], FINISH) == []
    usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 3}
    assert [f.rule for f in check_completion({}, {"choices": "x", "usage": usage}, FINISH)] == ["total"]


# -- the finish_reason enum ----------------------------------------------------------------------


def answer_schema(finish: Any, wrap: str = "") -> dict[str, Any]:
    item: dict[str, Any] = {"properties": {"finish_reason": finish}}
    choices: dict[str, Any] = {"items": {"allOf": [item]} if wrap == "items" else item}
    root: dict[str, Any] = {"properties": {"choices": choices}}
    return {"allOf": [root]} if wrap == "root" else root


@pytest.mark.parametrize(
    ("schema", "enum"),
    [
        (answer_schema({"enum": ["stop", 1, "length"]}), ("stop", "length")),
        (answer_schema({"enum": ["stop"]}, "root"), ("stop",)),
        (answer_schema({"enum": ["stop"]}, "items"), ("stop",)),
        ({"allOf": [answer_schema({"enum": ["stop"]}), {}]}, None),
        ({**answer_schema({"enum": ["stop"]}), "allOf": [{}]}, ("stop",)),
        (answer_schema({"enum": "stop"}), None),
        (answer_schema({"type": "string"}), None),
        (answer_schema("stop"), None),
        ({"properties": {"choices": []}}, None),
        ({"properties": {"choices": {"items": {"allOf": [{}]}}}}, None),
        ({"allOf": [5]}, None),
        ([], None),
    ],
)
def test_finish_enum_reads_through_one_allof_wrapper(schema: Any, enum: tuple[str, ...] | None) -> None:
    assert finish_enum(schema) == enum
