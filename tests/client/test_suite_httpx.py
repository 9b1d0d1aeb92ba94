"""The client suite on the plain httpx client: every operation, every phase, passing."""

from __future__ import annotations

import re

import pytest

from contracts.client.report import WIDTH
from contracts.client.suite import ClientOptions, ClientReport, run_client_suite
from mockserver import Spec

QUICK = ClientOptions(max_examples=4, slow_first_byte=0.1)


@pytest.fixture(scope="module")
def report() -> ClientReport:
    return run_client_suite("httpx", QUICK)


def test_the_httpx_client_passes_on_every_operation(report: ClientReport, spec: Spec) -> None:
    assert report.passed, report.text()
    assert {op.operation: op.verdict for op in report.operations} == {
        op.operation_id: "pass" for op in spec.operations
    }


def test_every_documented_status_and_media_type_was_exercised(report: ClientReport, spec: Spec) -> None:
    for op in spec.operations:
        coverage = report.operation(op.operation_id).coverage
        assert coverage is not None
        documented = {int(s) for s in op.responses if s.isdigit()}
        assert coverage.statuses >= documented, op.operation_id
        assert coverage.media_types == set(coverage.documented_media_types), op.operation_id


def test_the_resilience_observations_say_what_the_client_did(report: ClientReport) -> None:
    chat = {o.scenario: o for o in report.operation("createChatCompletion").observations}
    assert set(chat) == {
        "rate-limit",
        "server-error",
        "unavailable",
        "timeout",
        "slow-first-byte",
        "cut-stream",
        "truncated-json",
    }
    assert all(o.passed for o in chat.values())
    coverage = report.operation("createChatCompletion").coverage
    assert coverage is not None
    assert coverage.scenarios == set(chat)
    assert chat["rate-limit"].outcome.startswith("retried after ")
    assert chat["cut-stream"].outcome.startswith("reported a stream cut mid-way as an error")
    listing = {o.scenario for o in report.operation("listModels").observations}
    assert "rate-limit" not in listing  # GET /models documents no 429
    assert "cut-stream" not in listing  # nor a stream


def test_the_report_has_verdicts_coverage_and_a_result(report: ClientReport) -> None:
    text = report.text()
    assert re.search(r"createChatCompletion +POST /chat/completions +PASS", text)
    assert "coverage" in text
    assert "stream kinds: content, cut, " in text  # the chat stream kinds, the cut one included
    assert text.rstrip().endswith("result: PASS")
    coverage = text[text.index("\ncoverage") :].splitlines()
    assert all(len(line) <= WIDTH for line in coverage), [line for line in coverage if len(line) > WIDTH]
    assert len(coverage) >= len(report.operations)
    data = report.as_json()
    assert data["passed"] is True
    assert {op["verdict"] for op in data["operations"]} == {"pass"}
