"""The Python adapter protocol: one method per operation works as well as one `call` method."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.client.adapters import AdapterLoadError, load
from contracts.client.adapters.base import PerOperation, Result, Target, as_result
from contracts.client.adapters.httpx_client import VeniceClient
from contracts.client.suite import ClientOptions, run_client_suite


class TwoMethods:
    """A client wrapper with one method per operation, in both accepted spellings."""

    def __init__(self, target: Target) -> None:
        self.client = VeniceClient(target.base_url, target.api_key, timeout=target.timeout)

    def list_models(self, arguments: dict[str, Any]) -> Any:
        return self.client.call("listModels", arguments).value  # a plain JSON value

    def createChatCompletion(self, arguments: dict[str, Any]) -> Result:  # named by the operationId
        return self.client.call("createChatCompletion", arguments)

    def close(self) -> None:
        self.client.close()


def test_an_adapter_of_per_operation_methods_passes_where_it_has_methods() -> None:
    report = run_client_suite(TwoMethods, ClientOptions(max_examples=2, slow_first_byte=0.05))
    verdicts = {op.operation: op.verdict for op in report.operations}
    assert report.passed, report.text()
    assert {name for name, v in verdicts.items() if v == "pass"} == {"listModels", "createChatCompletion"}
    assert set(verdicts.values()) == {"pass", "unsupported"}


def test_what_a_python_adapter_returns_becomes_a_result() -> None:
    assert as_result(b"\x89PNG").binary == b"\x89PNG"
    assert as_result({"a": 1}).value == {"a": 1}
    events = Result(events=({"id": 1},))
    assert as_result(events) is events


def test_adapters_are_named_on_the_command_line() -> None:
    target = Target("http://127.0.0.1:9/api/v1")
    assert type(load("httpx", target)).__name__ == "HttpxAdapter"
    assert isinstance(load("tests.client.test_adapters:TwoMethods", target), PerOperation)
    with pytest.raises(AdapterLoadError, match="use openai, httpx, MODULE:FACTORY or exec:COMMAND"):
        load("curl", target)
    with pytest.raises(AdapterLoadError, match="exec: needs a command"):
        load("exec:", target)
