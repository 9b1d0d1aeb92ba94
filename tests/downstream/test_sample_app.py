"""A sample downstream test module: the plugin's fixtures used as a project using the kit would
(the `venice` pytest plugin is installed with the package; nothing to import but the assertion)."""

from __future__ import annotations

from typing import Any

import httpcore2
import httpx2
import openai
import pytest

from contracts.plugin import VeniceMock, assert_client_conforms
from mockserver import CallLog
from tests.downstream.sample_app import Assistant

PARIS = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1739928524,
    "model": "venice-uncensored",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Paris."},
            "finish_reason": "stop",
            "logprobs": None,
        }
    ],
    "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11},
}


def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-2",
        "object": "chat.completion.chunk",
        "created": 1739928524,
        "model": "venice-uncensored",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


STREAM = [
    chunk({"role": "assistant"}),
    chunk({"content": "Pa"}),
    chunk({"content": "ris."}),
    chunk({}, "stop"),
]


def assistant(venice_mock: VeniceMock, **options: Any) -> Assistant:
    return Assistant(
        openai.OpenAI(base_url=venice_mock.base_url, api_key="test-key", max_retries=0), **options
    )


def test_the_assistant_speaks_venice_correctly(venice_mock: VeniceMock, venice_calls: CallLog) -> None:
    answer = assistant(venice_mock).ask("What is the capital of France?")
    assert answer
    assert_client_conforms(venice_calls)
    assert [c.operation_id for c in venice_calls] == ["createChatCompletion"]


def test_a_scripted_answer_reaches_the_caller(venice_mock: VeniceMock) -> None:
    venice_mock.respond("createChatCompletion", body=PARIS)
    assert assistant(venice_mock).ask("Capital of France?") == "Paris."


def test_a_scripted_stream_is_read_to_the_end(venice_mock: VeniceMock, venice_calls: CallLog) -> None:
    venice_mock.respond("createChatCompletion", stream=STREAM)
    assert "".join(assistant(venice_mock).stream("Capital?")) == "Paris."
    assert_client_conforms(venice_calls)


def test_a_cut_stream_is_an_error_for_the_caller(venice_mock: VeniceMock) -> None:
    venice_mock.respond("createChatCompletion", stream=STREAM * 2, scenario="cut-stream")
    # Cut before the first event, the SDK raises APIConnectionError; cut later, while the caller
    # iterates, it lets the transport's RemoteProtocolError through (which one depends on where
    # the cut lands in the bytes read so far). Either way the caller is told, never given a
    # shorter answer as if whole.
    with pytest.raises(
        (openai.APIConnectionError, httpcore2.RemoteProtocolError, httpx2.RemoteProtocolError)
    ):
        "".join(assistant(venice_mock).stream("Capital?"))


def test_model_listing_sends_its_filter(venice_mock: VeniceMock, venice_calls: CallLog) -> None:
    assert assistant(venice_mock).text_models()
    assert_client_conforms(venice_calls)
    assert venice_calls.last().query == "type=text"  # type: ignore[union-attr]


@pytest.mark.venice_mock(mode="inprocess")
def test_in_process_without_a_socket(venice_mock: VeniceMock, venice_calls: CallLog) -> None:
    assert venice_mock.base_url.startswith("http://127.0.0.1:")
    app = Assistant(venice_mock.openai_client(max_retries=0))
    venice_mock.respond("createChatCompletion", body=PARIS)
    assert app.ask("Capital of France?") == "Paris."
    venice_mock.respond("createChatCompletion", stream=STREAM)
    assert "".join(app.stream("Capital?")) == "Paris."
    assert_client_conforms(venice_calls)


@pytest.mark.venice_mock(scenarios=["rate-limit"])
def test_a_rate_limited_run_surfaces_429s(venice_mock: VeniceMock, venice_calls: CallLog) -> None:
    with pytest.raises(openai.RateLimitError):
        assistant(venice_mock).ask("Anyone there?")
    assert venice_calls.last().status == 429  # type: ignore[union-attr]
    assert_client_conforms(venice_calls)  # being refused is not breaking the contract


def test_a_request_that_breaks_the_contract_is_named(venice_mock: VeniceMock, venice_calls: CallLog) -> None:
    with pytest.raises(openai.BadRequestError):
        assistant(venice_mock, temperature=3.5).ask("Too hot?")
    with pytest.raises(AssertionError) as failure:
        assert_client_conforms(venice_calls)
    message = str(failure.value)
    assert "1 of 1 request(s) broke the Venice API contract" in message
    assert "POST /api/v1/chat/completions (createChatCompletion) -> 400" in message
    assert "temperature: maximum (3.5 is greater than the maximum of 2)" in message


def test_a_request_to_nowhere_names_the_nearest_operation(
    venice_mock: VeniceMock, venice_calls: CallLog
) -> None:
    client = openai.OpenAI(base_url=venice_mock.base_url + "/v2", api_key="test-key", max_retries=0)
    with pytest.raises(openai.NotFoundError):
        client.models.list()
    with pytest.raises(AssertionError) as failure:
        venice_mock.assert_conforms()
    assert (
        "GET /api/v1/v2/models -> 404: no documented operation; nearest: GET /api/v1/models (listModels)"
        in str(failure.value)
    )
