"""The chat stream checker's failures compared whole (check, rule, title, expected, received), on
hand-made streams that reach what the rule-name tests leave out: the usage chunk's rules, tool-call
deltas split and interleaved across chunks, n>1 choices interleaved, the joined message, the
meaning checks run on the joined answer, and the judge built from a spec without some parts."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from contracts.checks.chat import ChatRequest
from contracts.checks.schemas import Validator
from contracts.checks.sse import Event
from contracts.checks.streams import StreamChecker, StreamRequest, chat_stream_checker, check_recorded
from contracts.failures import Failure
from mockserver import Spec
from tests.contracts.streams import WEATHER_TOOL, chunk, events, text_stream, tool_stream, usage_chunk

CHECK = "sse_stream"
BODY: dict[str, Any] = {
    "model": "venice-uncensored",
    "messages": [{"role": "user", "content": "hi"}],
    "stream": True,
}
PARAMETERS = WEATHER_TOOL["function"]["parameters"]  # type: ignore[index]
USAGE = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
WITH_USAGE = StreamRequest(include_usage=True)


def judge(checker: StreamChecker, stream: list[Event]) -> list[Failure]:
    failures: list[Failure] = []
    for event in stream:
        failures += checker.feed(event)
    return failures + checker.finish()


def plain(stream: list[Event], request: StreamRequest | None = None) -> list[Failure]:
    """The stream rules alone: no schema, no meaning checks."""
    return judge(StreamChecker(None, request), stream)


def call_delta(index: int, arguments: str | None = None, **first: Any) -> dict[str, Any]:
    function: dict[str, Any] = {} if arguments is None else {"arguments": arguments}
    if "name" in first:
        function["name"] = first.pop("name")
    return {"index": index, **first, "function": function}


# -- [DONE], JSON, the chunk schema --------------------------------------------------------------


def test_an_event_after_done_is_one_whole_failure_and_is_not_judged_further() -> None:
    late = Event(json.dumps(chunk({"content": "x"}, id="other")))
    assert plain([*events(text_stream()), late, late]) == [
        Failure(CHECK, "event after [DONE]", "[DONE] is the last event", late.data, "done_last")
    ]


def test_an_event_that_is_not_json_names_its_number_and_the_parse_error() -> None:
    stream = events(text_stream())
    stream.insert(1, Event("{not json"))
    error = "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
    assert plain(stream) == [
        Failure(CHECK, "event #2 is not JSON", "a JSON chunk", f"{error}: {{not json", "json")
    ]


def test_a_chunk_schema_failure_names_the_event_and_the_first_error() -> None:
    schema = Validator.compile({"properties": {"object": {"enum": ["chat.completion.chunk"]}}})
    stream = text_stream()
    stream[2] = {"object": "chat.completion"}
    assert judge(StreamChecker(schema), events(stream)) == [
        Failure(
            CHECK,
            "event #3 violates the chunk schema",
            'object: "chat.completion" is not one of "chat.completion.chunk"',
            '{"object": "chat.completion"}',
            "chunk_schema",
        )
    ]


def test_chunks_that_are_not_objects_or_carry_no_usable_choice_are_skipped() -> None:
    skipped = [
        "5",
        "[1]",
        {"choices": {"index": 0}},
        {"choices": ["x", {"index": "0", "delta": {"content": "x"}}]},
    ]
    assert plain(events(skipped)) == [
        Failure(CHECK, "no chunk carried a choice", "at least one choice delta", "none", "choices")
    ]


def test_a_boolean_index_is_no_choice_index_nor_a_tool_call_index() -> None:
    # true == 1 in Python: taken as an index, it would be merged into choice 1 (or call 1).
    assert plain(events([{"choices": [{"index": True, "delta": {"role": "assistant"}}]}])) == [
        Failure(CHECK, "no chunk carried a choice", "at least one choice delta", "none", "choices")
    ]
    flag = {"index": True, "id": "c", "type": "function", "function": {"name": "weather"}}
    assert plain(events([chunk({"role": "assistant", "tool_calls": [flag]}), chunk({}, "stop")])) == []


# -- the whole stream ----------------------------------------------------------------------------


def test_an_empty_stream_lacks_only_its_done() -> None:
    assert plain([]) == [
        Failure(CHECK, "stream ended without [DONE]", "data: [DONE] last", "0 events", "done_last")
    ]


def test_a_stream_cut_short_names_its_event_count_and_the_unfinished_choice() -> None:
    assert plain(events(text_stream()[:2], done=False)) == [
        Failure(CHECK, "stream ended without [DONE]", "data: [DONE] last", "2 events", "done_last"),
        Failure(CHECK, "choice 0 never finished", "one finish_reason", "none", "finish_reason"),
    ]


def test_only_done_carries_no_choice() -> None:
    assert plain(events([])) == [
        Failure(CHECK, "no chunk carried a choice", "at least one choice delta", "none", "choices")
    ]


# -- id, model, created --------------------------------------------------------------------------


def test_a_changed_id_names_the_first_value_and_where_it_was_seen() -> None:
    stream = text_stream()
    stream[2] = chunk({"content": " there"}, id="chatcmpl-2")
    assert plain(events(stream)) == [
        Failure(CHECK, "chunk id changed at event #3", "chatcmpl-1 (event #1)", "chatcmpl-2", "same_id")
    ]


def test_a_chunk_without_an_identity_field_is_not_a_change_and_later_fields_are_still_judged() -> None:
    stream = text_stream()
    del stream[0]["id"]  # the id is first seen at event #2
    del stream[1]["model"]
    stream[2] = chunk({"content": " there"}, id="chatcmpl-2", created=7)
    assert plain(events(stream)) == [
        Failure(CHECK, "chunk id changed at event #3", "chatcmpl-1 (event #2)", "chatcmpl-2", "same_id"),
        Failure(CHECK, "chunk created changed at event #3", "1739928524 (event #1)", "7", "same_created"),
    ]


# -- the usage chunk -----------------------------------------------------------------------------


def test_a_usage_chunk_not_asked_for_shows_the_usage() -> None:
    assert plain(events(text_stream(usage=True))) == [
        Failure(
            CHECK,
            "usage chunk that was not asked for",
            "no usage chunk (stream_options.include_usage not set)",
            json.dumps(USAGE),
            "usage",
        )
    ]


def test_a_missing_usage_chunk_when_asked() -> None:
    assert plain(events(text_stream()), WITH_USAGE) == [
        Failure(CHECK, "no usage chunk", "a final usage chunk (include_usage: true)", "none", "usage")
    ]


def test_usage_null_in_every_chunk_is_no_usage_chunk() -> None:
    stream = [{**c, "usage": None} for c in text_stream()]
    assert plain(events(stream)) == []
    assert [f.title for f in plain(events(stream), WITH_USAGE)] == ["no usage chunk"]
    assert plain(events([*stream, usage_chunk()]), WITH_USAGE) == []


def test_a_chunk_after_the_usage_chunk_is_shown() -> None:
    assert plain(events([*text_stream(usage=True), {"choices": []}]), WITH_USAGE) == [
        Failure(
            CHECK,
            "chunk after the usage chunk",
            "the usage chunk is the last chunk",
            '{"choices": []}',
            "usage",
        )
    ]


def test_a_usage_chunk_with_choices_is_shown_and_one_without_the_key_is_fine() -> None:
    assert plain(events([*text_stream(), {"usage": USAGE}]), WITH_USAGE) == []
    with_choices = {"choices": [{"index": 0, "delta": {}}], "usage": USAGE}
    assert plain(events([*text_stream(), with_choices]), WITH_USAGE) == [
        Failure(
            CHECK,
            "usage chunk with choices",
            "choices: [] in the usage chunk",
            json.dumps(with_choices),
            "usage",
        )
    ]


# -- choices: role, finish_reason, n > 1 ---------------------------------------------------------


def test_a_choice_without_its_role_shows_the_first_delta() -> None:
    stream = text_stream()
    stream[0] = chunk({"content": "", "role": "user"})
    assert plain(events(stream)) == [
        Failure(
            CHECK,
            "choice 0 starts without a role",
            "role: assistant",
            'delta {"content": "", "role": "user"}',
            "role_first",
        )
    ]


def test_a_delta_or_function_that_is_not_an_object_carries_nothing() -> None:
    odd = {"choices": [{"index": 0, "delta": None}]}
    assert plain(events([odd, chunk({}, "stop")])) == [
        Failure(CHECK, "choice 0 starts without a role", "role: assistant", "delta {}", "role_first")
    ]
    start = {"index": 0, "id": "c", "type": "function", "function": "weather"}
    assert plain(events([chunk({"role": "assistant", "tool_calls": [start]}), chunk({}, "stop")])) == [
        Failure(
            CHECK,
            "choice 0 tool call 0 starts without id, type or name",
            "id, type: function and function.name in the first delta",
            json.dumps(start),
            "tool_calls",
        )
    ]


def test_a_choice_finished_twice_shows_both_reasons() -> None:
    assert plain(events([*text_stream(), chunk({}, "length")])) == [
        Failure(CHECK, "choice 0 finished twice", "one finish_reason", '["stop", "length"]', "finish_reason")
    ]


@pytest.mark.parametrize(
    "delta",
    [
        {"content": "more"},
        {"reasoning_content": "hm"},
        {"tool_calls": [call_delta(0, "{}", id="c", type="function", name="weather")]},
    ],
)
def test_any_carrying_delta_after_the_finish_reason_is_shown(delta: dict[str, Any]) -> None:
    request = StreamRequest(tools={"weather": None})
    assert plain(events([*text_stream(), chunk(delta)]), request) == [
        Failure(
            CHECK,
            "choice 0 continues after its finish_reason",
            "no delta after finish_reason",
            json.dumps(delta),
            "finish_reason",
        )
    ]


def test_an_empty_delta_after_the_finish_reason_is_fine() -> None:
    assert plain(events([*text_stream(), chunk({"content": ""}), chunk({"role": "assistant"})])) == []


def interleaved(finish_second: bool = True) -> list[dict[str, Any]]:
    return [
        chunk({"role": "assistant", "content": ""}, index=1),
        chunk({"role": "assistant", "content": "A"}, index=0),
        chunk({"content": "b"}, index=1),
        chunk({"content": "a"}, index=0),
        chunk({}, "stop", index=0),
        *([chunk({}, "stop", index=1)] if finish_second else []),
    ]


def test_n_choices_interleaved_are_judged_each_on_its_own(spec: Spec) -> None:
    checker = chat_stream_checker(spec, {**BODY, "n": 2})
    assert judge(checker, events(interleaved())) == []
    assert plain(events(interleaved(finish_second=False))) == [
        Failure(CHECK, "choice 1 never finished", "one finish_reason", "none", "finish_reason")
    ]
    late_role = interleaved()
    late_role[0] = chunk({"content": "b"}, index=1)
    assert plain(events(late_role)) == [
        Failure(
            CHECK, "choice 1 starts without a role", "role: assistant", 'delta {"content": "b"}', "role_first"
        )
    ]


def test_several_unfinished_choices_report_the_lowest_index_once() -> None:
    stream = [chunk({"role": "assistant"}, index=2), chunk({"role": "assistant"}, index=1)]
    assert plain(events(stream)) == [
        Failure(CHECK, "choice 1 never finished", "one finish_reason", "none", "finish_reason")
    ]


# -- the joined message --------------------------------------------------------------------------

ONLY_LENGTH = Validator.compile({"properties": {"finish_reason": {"enum": ["length"]}}})


def test_the_joined_message_is_shown_whole_when_the_choice_schema_refuses_it() -> None:
    stream = [
        chunk({"role": "assistant", "reasoning_content": "h"}),
        chunk({"reasoning_content": "m", "content": "Hi"}),
        chunk({"content": "!"}, "stop"),
    ]
    joined = {
        "index": 0,
        "message": {"role": "assistant", "content": "Hi!", "reasoning_content": "hm"},
        "finish_reason": "stop",
        "logprobs": None,
    }
    assert judge(StreamChecker(None, choice_schema=ONLY_LENGTH), events(stream)) == [
        Failure(
            CHECK,
            "choice 0 joined into a message the non-streaming schema refuses",
            'finish_reason: "stop" is not one of "length"',
            json.dumps(joined),
            "joined_message",
        )
    ]


def test_a_choice_with_no_content_joins_to_null_content() -> None:
    stream = [chunk({"role": "assistant"}), chunk({}, "stop")]
    (failure,) = judge(StreamChecker(None, choice_schema=ONLY_LENGTH), events(stream))
    assert json.loads(failure.received)["message"] == {"role": "assistant", "content": None}


def test_an_unfinished_choice_is_not_joined() -> None:
    stream = [chunk({"role": "assistant", "content": "x"})]
    assert [f.rule for f in judge(StreamChecker(None, choice_schema=ONLY_LENGTH), events(stream))] == [
        "finish_reason"
    ]


# -- tool calls ----------------------------------------------------------------------------------

TWO_CALLS = [
    chunk(
        {"role": "assistant", "tool_calls": [call_delta(0, "", id="call_1", type="function", name="weather")]}
    ),
    chunk({"tool_calls": [call_delta(1, '{"city"', id="call_2", type="function", name="weather")]}),
    chunk({"tool_calls": [call_delta(0, '{"city": '), call_delta(1, ': "Rome"}')]}),
    chunk({"tool_calls": [call_delta(0, None), {"index": 0, "function": {"arguments": None}}]}),
    chunk({"tool_calls": [call_delta(0, '"Paris"}')]}),
    chunk({}, "tool_calls"),
]
TWO_JOINED = {
    "index": 0,
    "message": {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "weather", "arguments": '{"city": "Paris"}'},
            },
            {
                "id": "call_2",
                "type": "function",
                "function": {"name": "weather", "arguments": '{"city": "Rome"}'},
            },
        ],
    },
    "finish_reason": "tool_calls",
    "logprobs": None,
}


def test_tool_calls_interleaved_across_chunks_join_each_by_its_index() -> None:
    request = StreamRequest(tools={"weather": PARAMETERS})
    assert (
        judge(StreamChecker(None, request, Validator.compile({"enum": [TWO_JOINED]})), events(TWO_CALLS))
        == []
    )
    other = {**TWO_JOINED, "finish_reason": "stop"}
    assert [
        f.rule
        for f in judge(StreamChecker(None, request, Validator.compile({"enum": [other]})), events(TWO_CALLS))
    ] == ["joined_message"]


def test_the_second_of_two_interleaved_calls_is_judged_on_its_own_arguments() -> None:
    stream = [*TWO_CALLS]
    stream[2] = chunk({"tool_calls": [call_delta(0, '{"city": '), call_delta(1, ": 3}")]})
    assert plain(events(stream), StreamRequest(tools={"weather": PARAMETERS})) == [
        Failure(
            CHECK,
            "choice 0 tool call 1: arguments violate the parameters of weather",
            'city: 3 is not of type "string"',
            '{"city": 3}',
            "tool_calls",
        )
    ]


@pytest.mark.parametrize(
    "first",
    [
        {"type": "function", "name": "weather"},
        {"id": "call_1", "type": "tool", "name": "weather"},
        {"id": "call_1", "type": "function"},
        {"id": "", "type": "function", "name": "weather"},
    ],
)
def test_a_tool_call_without_id_type_or_name_in_its_first_delta(first: dict[str, Any]) -> None:
    start = call_delta(0, '{"city": "Paris"}', **first)
    stream = [chunk({"role": "assistant", "tool_calls": [start]}), chunk({}, "stop")]
    assert plain(events(stream), StreamRequest(tools={"weather": PARAMETERS})) == [
        Failure(
            CHECK,
            "choice 0 tool call 0 starts without id, type or name",
            "id, type: function and function.name in the first delta",
            json.dumps(start),
            "tool_calls",
        )
    ]


def test_a_tool_call_delta_without_an_integer_index_is_skipped() -> None:
    stray = {"index": "0", "id": "c", "type": "function", "function": {"name": "weather"}}
    stream = [chunk({"role": "assistant", "tool_calls": [stray, "x"]}), chunk({}, "stop")]
    assert plain(events(stream)) == []
    assert plain(events([chunk({"role": "assistant", "tool_calls": {"index": 0}}), chunk({}, "stop")])) == []


@pytest.mark.parametrize(
    ("arguments", "name", "tools", "failure"),
    [
        (
            ('{"city": "Paris"}',),
            "weather",
            None,
            Failure(CHECK, "choice 0 tool call 0 without tools", "no tool calls", "weather", "tool_calls"),
        ),
        (
            ('{"city": "Paris"}',),
            "forecast",
            {"weather": PARAMETERS, "alerts": None},
            Failure(
                CHECK,
                "choice 0 tool call 0 names an unknown function",
                "one of ['alerts', 'weather']",
                "forecast",
                "tool_calls",
            ),
        ),
        (
            ('{"city": ', '"Paris"'),
            "weather",
            {"weather": PARAMETERS},
            Failure(
                CHECK,
                "choice 0 tool call 0: arguments are not JSON",
                "JSON arguments",
                '{"city": "Paris"',
                "tool_calls",
            ),
        ),
        (
            ('{"town": ', '"Paris"}'),
            "weather",
            {"weather": PARAMETERS},
            Failure(
                CHECK,
                "choice 0 tool call 0: arguments violate the parameters of weather",
                '"city" is a required property',
                '{"town": "Paris"}',
                "tool_calls",
            ),
        ),
    ],
)
def test_each_tool_call_fault_is_one_whole_failure(
    arguments: tuple[str, ...], name: str, tools: dict[str, Any] | None, failure: Failure
) -> None:
    assert plain(events(tool_stream(arguments, name)), StreamRequest(tools=tools)) == [failure]


def test_a_tool_without_parameters_takes_any_json_arguments() -> None:
    assert plain(events(tool_stream(("[1]",))), StreamRequest(tools={"weather": None})) == []


# -- the meaning checks on the joined answer ----------------------------------------------------


def test_the_joined_answer_is_judged_for_n_usage_and_max_tokens(spec: Spec) -> None:
    body = {**BODY, "n": 2, "max_tokens": 1, "stream_options": {"include_usage": True}}
    usage = {**usage_chunk(), "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 6}}
    assert judge(chat_stream_checker(spec, body), events([*text_stream(), usage])) == [
        Failure(
            "choices", "1 choice(s) for n=2", "2 choice(s), indexed 0..1", "indexes [0]", "n", field="choices"
        ),
        Failure(
            "usage",
            "total_tokens is not prompt_tokens + completion_tokens",
            "3 + 2 = 5",
            "6",
            "total",
            field="usage.total_tokens",
        ),
    ]


def test_a_forced_tool_and_a_response_format_are_judged_on_the_joined_message(spec: Spec) -> None:
    body = {
        **BODY,
        "tools": [WEATHER_TOOL],
        "tool_choice": "required",
        "response_format": {"type": "json_object"},
    }
    assert judge(chat_stream_checker(spec, body), events(text_stream())) == [
        Failure(
            "tool_calls",
            "choice 0 calls no tool although tool_choice is required",
            "at least one tool call",
            '{"role": "assistant", "content": "Hello there"}',
            "missing",
            field="choices[0].message.tool_calls",
        ),
        Failure(
            "response_format",
            "choice 0: content is not a JSON object",
            "a JSON object",
            "Hello there",
            "json_object",
            field="choices[0].message.content",
        ),
    ]


def test_the_finish_reason_enum_comes_from_the_spec(spec: Spec) -> None:
    checker = chat_stream_checker(spec, BODY)
    assert checker.request.finish_reasons == ("stop", "length")
    stream = text_stream()
    stream[-1] = chunk({}, "end_turn")
    assert [f for f in judge(checker, events(stream)) if f.check != CHECK] == [
        Failure(
            "finish_reason",
            "choice 0: finish_reason 'end_turn' is not in the spec",
            "one of ['stop', 'length']",
            "end_turn",
            "enum",
            field="choices[0].finish_reason",
        )
    ]


def test_a_wrong_forced_name_in_a_stream_is_judged_but_its_arguments_are_left_to_the_stream() -> None:
    body = {
        "tools": [WEATHER_TOOL, {"type": "function", "function": {"name": "alerts"}}],
        "tool_choice": {"type": "function", "function": {"name": "alerts"}},
    }
    request = StreamRequest.from_body(body)
    assert plain(events(tool_stream(('{"town": 1}',))), request) == [
        Failure(
            CHECK,
            "choice 0 tool call 0: arguments violate the parameters of weather",
            '"city" is a required property',
            '{"town": 1}',
            "tool_calls",
        ),
        Failure(
            "tool_calls",
            "choice 0 calls 'weather', not the forced 'alerts'",
            "alerts",
            "weather",
            "not_forced",
            field="choices[0].message.tool_calls[0]",
        ),
    ]


# -- what the request asked, and the judge built from a spec ------------------------------------


def test_the_stream_request_is_read_from_the_body() -> None:
    assert StreamRequest.from_body(None, ("stop",)) == StreamRequest(finish_reasons=("stop",))
    assert StreamRequest.from_body({"stream_options": {"include_usage": "yes"}}) == StreamRequest(
        chat=ChatRequest()
    )
    assert StreamRequest.from_body({"stream_options": [True]}).include_usage is False
    body = {"n": 2, "tools": [WEATHER_TOOL], "stream_options": {"include_usage": True}}
    assert StreamRequest.from_body(body, ("stop",)) == StreamRequest(
        True, {"weather": PARAMETERS}, ChatRequest(n=2, tools={"weather": PARAMETERS}), ("stop",)
    )


def test_the_judge_from_the_spec_reads_the_chunk_choice_and_finish_schemas(spec: Spec) -> None:
    checker = chat_stream_checker(spec, BODY)
    media = spec.operation("createChatCompletion").responses["200"].content["text/event-stream"]
    assert checker.chunk_schema is media.sse_data is not None
    assert checker.choice_schema is not None
    assert checker.request == StreamRequest.from_body(BODY, ("stop", "length"))


def fake_spec(responses: dict[str, Any], openapi: str = "3.0.3") -> Any:
    operation = SimpleNamespace(responses=responses)
    return SimpleNamespace(openapi=openapi, operation=lambda name: operation)


def test_a_judge_from_a_spec_without_the_answer_schemas_judges_the_stream_rules_alone() -> None:
    for responses in ({}, {"200": SimpleNamespace(content={})}):
        checker = chat_stream_checker(fake_spec(responses), BODY)
        assert (checker.chunk_schema, checker.choice_schema, checker.request.finish_reasons) == (
            None,
            None,
            None,
        )
    no_schema = {"200": SimpleNamespace(content={"application/json": SimpleNamespace(schema=None)})}
    assert chat_stream_checker(fake_spec(no_schema), BODY).choice_schema is None


def test_the_choice_schema_is_compiled_for_the_spec_s_draft() -> None:
    # Draft 4 knows no `const` (ignored); 2020-12 holds the index to it.
    item = {"properties": {"index": {"const": 0}}}
    schema = {"properties": {"choices": {"items": item}}}
    responses = {
        "200": SimpleNamespace(
            content={"application/json": SimpleNamespace(schema=SimpleNamespace(schema=schema))}
        )
    }
    one = {"index": 1}
    draft4 = chat_stream_checker(fake_spec(responses, "3.0.3"), BODY).choice_schema
    later = chat_stream_checker(fake_spec(responses, "3.1.0"), BODY).choice_schema
    assert draft4 is not None
    assert later is not None
    assert (draft4.is_valid(one), later.is_valid(one)) == (True, False)


def test_a_recorded_body_cut_inside_an_event_is_a_framing_failure_before_the_stream_rules() -> None:
    body = b'data: {"id": 1, "choices": []}\n\ndata: {"id": 2, "choices": []}\n\ndata: [DO'
    assert check_recorded(StreamChecker(None), body) == [
        Failure(CHECK, "chunk id changed at event #2", "1 (event #1)", "2", "same_id"),
        Failure(CHECK, "stream ended inside an event", "a blank line after each event", "EOF", "framing"),
        Failure(CHECK, "stream ended without [DONE]", "data: [DONE] last", "2 events", "done_last"),
        Failure(CHECK, "no chunk carried a choice", "at least one choice delta", "none", "choices"),
    ]
    whole = b"".join(b"data: " + e.data.encode() + b"\n\n" for e in events(text_stream()))
    assert check_recorded(StreamChecker(None), whole) == []
