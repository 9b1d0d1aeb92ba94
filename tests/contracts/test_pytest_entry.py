"""The suite inside another project's pytest run: one test per operation, failing with the drift."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from contracts.pytest_entry import contract_test
from mockserver import Mock, Spec
from tests.conftest import LiveServer

KEY = "sk-entry-secret"


def test_one_test_per_allowed_operation(spec: Spec) -> None:
    test = contract_test("http://127.0.0.1:9/api/v1", spec=spec, api_key=KEY)
    (mark,) = [m for m in getattr(test, "pytestmark", []) if m.name == "parametrize"]
    assert mark.args[0] == "operation_id"
    assert "listModels" in mark.args[1]
    assert "createChatCompletion" not in mark.args[1]


def test_a_conforming_server_passes(make_mock: Callable[..., Mock], spec: Spec) -> None:
    mock = make_mock(api_keys=(KEY,))
    with LiveServer(mock) as server:
        test = contract_test(server.base_url, spec=spec, api_key=KEY, max_examples=5)
        test("listModels")  # a failing verdict would raise pytest.fail.Exception here
    judged = [c for c in mock.calls if c.operation_id == "listModels"]
    assert len(judged) >= 5  # the cases really went to this server ...
    assert {c.status for c in judged} <= {200, 400}  # ... and its answers were the ones judged


def test_a_drifting_server_fails_with_the_evidence(make_mock: Callable[..., Mock], spec: Spec) -> None:
    with LiveServer(make_mock(api_keys=(KEY,), faults=("missing-required-field",))) as server:
        test = contract_test(server.base_url, spec=spec, api_key=KEY, max_examples=5)
        with pytest.raises(pytest.fail.Exception) as caught:
            test("listModels")
    message = str(caught.value)
    assert "response_schema_conformance" in message
    assert "curl" in message
    assert KEY not in message
