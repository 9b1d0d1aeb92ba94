"""The chat stream checker on hand-made streams: each rule passes a good stream and names its fault."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.checks.schemas import Validator
from contracts.checks.sse import Event
from contracts.checks.streams import StreamChecker, chat_stream_checker, check_recorded
from contracts.failures import Failure
from mockserver import Spec
from tests.contracts.streams import WEATHER_TOOL, chunk, events, text_stream, tool_stream, usage_chunk

BODY: dict[str, Any] = {
    "model": "venice-uncensored",
    "messages": [{"role": "user", "content": "hi"}],
    "stream": True,
}


def judge(checker: StreamChecker, stream: list[Event]) -> list[Failure]:
    failures: list[Failure] = []
    for event in stream:
        failures += checker.feed(event)
    return failures + checker.finish()


def rules(spec: Spec, stream: list[Event], body: dict[str, Any] | None = None) -> list[str]:
    return [f.rule for f in judge(chat_stream_checker(spec, body or BODY), stream)]


def test_a_good_text_stream_passes(spec: Spec) -> None:
    assert rules(spec, events(text_stream())) == []


def test_a_good_stream_with_usage_passes_when_usage_was_asked_for(spec: Spec) -> None:
    body = {**BODY, "stream_options": {"include_usage": True}}
    assert rules(spec, events(text_stream(usage=True)), body) == []


def test_a_good_tool_call_stream_passes(spec: Spec) -> None:
    assert rules(spec, events(tool_stream()), {**BODY, "tools": [WEATHER_TOOL]}) == []


def test_failures_are_named_for_the_sse_stream_check_with_evidence(spec: Spec) -> None:
    stream = text_stream()
    stream[2] = chunk({"content": " there"}, id="chatcmpl-2")
    failures = judge(chat_stream_checker(spec, BODY), events(stream))
    assert [(f.check, f.rule) for f in failures] == [("sse_stream", "same_id")]
    assert "chatcmpl-1" in failures[0].expected
    assert "chatcmpl-2" in failures[0].received


@pytest.mark.parametrize("field", ["model", "created"])
def test_model_and_created_stay_the_same(spec: Spec, field: str) -> None:
    stream = text_stream()
    changed: dict[str, Any] = {field: "other" if field == "model" else 1}
    stream[1] = chunk({"content": "Hello"}, **changed)
    assert rules(spec, events(stream)) == [f"same_{field}"]


def test_each_rule_reports_once_per_stream(spec: Spec) -> None:
    stream = [
        chunk({"role": "assistant"}),
        *(chunk({"content": "x"}, id=f"other-{n}") for n in range(5)),
        chunk({}, "stop"),
    ]
    assert rules(spec, events(stream)) == ["same_id"]


def test_the_first_delta_must_carry_the_role(spec: Spec) -> None:
    stream = text_stream()
    stream[0] = chunk({"content": ""})
    assert rules(spec, events(stream)) == ["role_first"]


def test_a_chunk_that_violates_the_chunk_schema(spec: Spec) -> None:
    stream = text_stream()
    stream[1] = {**chunk({"content": "Hello"}), "object": "chat.completion"}
    assert rules(spec, events(stream)) == ["chunk_schema"]


def test_an_event_that_is_not_json(spec: Spec) -> None:
    stream: list[Any] = [*text_stream()]
    stream.insert(1, "{not json")
    assert rules(spec, events(stream)) == ["json"]


def test_done_must_come_last_and_must_come(spec: Spec) -> None:
    assert rules(spec, events(text_stream(), done=False)) == ["done_last"]
    late = [*events(text_stream()), Event('{"late": true}')]
    assert rules(spec, late) == ["done_last"]


def test_exactly_one_finish_reason_per_choice(spec: Spec) -> None:
    assert rules(spec, events(text_stream()[:-1])) == ["finish_reason"]
    twice = [*text_stream(), chunk({}, "length")]
    assert rules(spec, events(twice)) == ["finish_reason"]
    after = [*text_stream(), chunk({"content": "more"})]
    assert rules(spec, events(after)) == ["finish_reason"]


def test_a_stream_without_any_choice(spec: Spec) -> None:
    assert rules(spec, events([])) == ["choices"]  # only [DONE]: no answer at all
    assert "choices" in rules(spec, events([{**chunk({}), "choices": []}]))


def test_usage_if_and_only_if_include_usage(spec: Spec) -> None:
    assert rules(spec, events(text_stream(usage=True))) == ["usage"]
    assert rules(spec, events(text_stream()), {**BODY, "stream_options": {"include_usage": True}}) == [
        "usage"
    ]


def test_the_usage_chunk_is_the_last_chunk_and_has_no_choices(spec: Spec) -> None:
    body = {**BODY, "stream_options": {"include_usage": True}}
    early = text_stream()
    early.insert(2, usage_chunk())
    assert rules(spec, events(early), body) == ["usage"]
    with_choices = {**usage_chunk(), "choices": chunk({}, "stop")["choices"]}
    assert "usage" in rules(spec, events([*text_stream(), with_choices]), body)


@pytest.mark.parametrize(
    ("arguments", "name", "tools"),
    [
        (('{"city": ', '"Paris"'), "weather", [WEATHER_TOOL]),  # the joined text is not JSON
        (('{"town": "Paris"}',), "weather", [WEATHER_TOOL]),  # JSON, but not valid for the parameters
        (('{"city": "Paris"}',), "forecast", [WEATHER_TOOL]),  # a function the request did not offer
        (('{"city": "Paris"}',), "weather", None),  # tool calls without tools
    ],
)
def test_tool_call_arguments_join_into_valid_json_for_a_known_tool(
    spec: Spec, arguments: tuple[str, ...], name: str, tools: Any
) -> None:
    body = {**BODY, "tools": tools} if tools is not None else BODY
    assert rules(spec, events(tool_stream(arguments, name)), body) == ["tool_calls"]


def test_a_tool_call_must_start_with_its_id_type_and_name(spec: Spec) -> None:
    stream = tool_stream()
    stream[0] = chunk({"role": "assistant", "tool_calls": [{"index": 0, "function": {"arguments": ""}}]})
    assert "tool_calls" in rules(spec, events(stream), {**BODY, "tools": [WEATHER_TOOL]})


def test_the_joined_message_is_judged_by_the_non_streaming_choice_schema(spec: Spec) -> None:
    checker = chat_stream_checker(spec, BODY)
    assert checker.choice_schema is not None
    bad = {
        "index": 0,
        "message": {"role": "assistant", "content": "x"},
        "finish_reason": "tool_calls",
        "logprobs": None,
    }
    assert not checker.choice_schema.is_valid(bad)  # the JSON answer knows no tool_calls reason
    # Valid chunks always join into a valid message under today's spec; a stricter choice schema
    # shows the rule at work: the content is joined across chunks before it is judged.
    strict = Validator.compile(
        {"properties": {"message": {"properties": {"content": {"type": "string", "minLength": 12}}}}}
    )
    assert [f.rule for f in judge(StreamChecker(None, choice_schema=strict), events(text_stream()))] == [
        "joined_message"
    ]
    longer = [*text_stream()[:3], chunk({"content": ", friend"}), chunk({}, "stop")]
    assert judge(StreamChecker(None, choice_schema=strict), events(longer)) == []


def test_the_checker_without_schemas_still_judges_the_stream_rules() -> None:
    checker = StreamChecker(None)
    assert [f.rule for f in judge(checker, events(text_stream(), done=False))] == ["done_last"]


def test_a_recorded_body_from_the_mock_is_judged_whole(client: Any, spec: Spec) -> None:
    body = {**BODY, "stream_options": {"include_usage": True}}
    raw = client.post("/api/v1/chat/completions", headers={"Authorization": "Bearer k"}, json=body).content
    assert check_recorded(chat_stream_checker(spec, body), raw) == []
    spoiled = raw.replace(b"data: [DONE]\n\n", b"")
    assert [f.name for f in check_recorded(chat_stream_checker(spec, body), spoiled)] == [
        "sse_stream.done_last"
    ]
    cut = raw[: raw.rindex(b"data: [DONE]") + 5]
    assert "sse_stream.framing" in [f.name for f in check_recorded(chat_stream_checker(spec, body), cut)]
