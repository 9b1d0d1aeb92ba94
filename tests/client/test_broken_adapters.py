"""Deliberately broken clients fail the suite, naming the operation and the rule; each failing
case is shrunk, and replays as printed (and passes against the correct client)."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.client.findings import Finding
from contracts.client.suite import ClientOptions, ClientReport, replay, run_client_suite
from tests.client import broken_adapters as broken

QUICK = dict(max_examples=6, slow_first_byte=0.1)

# adapter, operation, phase, the rule it must be caught by, words the evidence must contain
CASES = [
    (broken.WrongTypeAdapter, "createChatCompletion", "requests", "request.schema", "messages: type"),
    (broken.WrongTypeAdapter, "createChatCompletion", "requests", "request.retyped", "body.messages"),
    (
        broken.DropsFieldAdapter,
        "createChatCompletion",
        "requests",
        "request.dropped",
        "body.venice_parameters",
    ),
    (
        broken.CrashesOnNullAdapter,
        "createChatCompletion",
        "responses",
        "response.rejected",
        '"logprobs": null',
    ),
    (
        broken.CutStreamAsSuccessAdapter,
        "createChatCompletion",
        "resilience",
        "resilience.cut-stream",
        "events",
    ),
    (
        broken.IgnoresRetryAfterAdapter,
        "createEmbedding",
        "resilience",
        "resilience.retry-after",
        "answers: 429, 200",
    ),
]

_reports: dict[tuple[Any, str, str], ClientReport] = {}


def _report(adapter: Any, operation: str, phase: str) -> ClientReport:
    key = (adapter, operation, phase)
    if key not in _reports:
        options = ClientOptions(operations=(operation,), phases=(phase,), **QUICK)  # type: ignore[arg-type]
        _reports[key] = run_client_suite(adapter, options)
    return _reports[key]


@pytest.mark.parametrize(("adapter", "operation", "phase", "rule", "evidence"), CASES)
def test_a_broken_client_fails_on_the_right_operation_and_rule(
    adapter: Any, operation: str, phase: str, rule: str, evidence: str
) -> None:
    report = _report(adapter, operation, phase)
    assert not report.passed
    assert report.operation(operation).verdict == "fail"
    found = [f for f in report.failures if f.rule == rule]
    assert found, f"no {rule} among {[f.rule for f in report.failures]}"
    assert {f.operation for f in found} == {operation}
    assert {f.attribution for f in found} == {"client"}
    assert any(evidence in line for f in found for line in (f.title, *f.evidence)), found[0].evidence


@pytest.mark.parametrize(("adapter", "operation", "phase", "rule", "evidence"), CASES[1:])
def test_the_failing_case_replays_and_passes_on_the_correct_client(
    adapter: Any, operation: str, phase: str, rule: str, evidence: str
) -> None:
    finding = next(f for f in _report(adapter, operation, phase).failures if f.rule == rule)
    assert finding.case is not None
    assert rule in {f.rule for f in replay(adapter, finding.case, ClientOptions(slow_first_byte=0.1))}
    assert [f for f in replay("httpx", finding.case, ClientOptions(slow_first_byte=0.1)) if f.failing] == []


def test_a_dropped_field_is_shrunk_to_the_least_that_shows_it() -> None:
    finding = next(f for f in _report(*CASES[2][:3]).failures if f.rule == "request.dropped")
    assert finding.case is not None
    body = finding.case["arguments"]["body"]
    assert body["venice_parameters"] == {}  # shrunk: the emptiest value that still goes missing
    # The rest shrinks to its plainest form. Which optional keys remain (at their plainest values)
    # depends on the path Hypothesis' shrinker takes, which varies with the modules loaded.
    assert body["messages"] == [{"content": "", "role": "user"}]
    assert body["model"] == ""
    kept = ("messages", "model", "venice_parameters", "response_format")  # a format has no empty form
    optional = {k: v for k, v in body.items() if k not in kept}
    assert all(v in (None, False, 0, "", [], {}) for v in optional.values()), optional


def test_the_report_prints_the_shrunk_case_and_a_replay_command() -> None:
    text = _report(*CASES[0][:3]).text()
    assert "failures (client bugs)" in text
    assert "case (shrunk): {" in text
    assert (
        "replay: venice-contracts client --adapter tests.client.broken_adapters:WrongTypeAdapter --replay '{"
        in text
    )
    assert text.rstrip().endswith("client failure(s))")


def test_a_client_that_fails_on_an_unknown_field_the_schema_allows_is_a_client_bug() -> None:
    """listModels' answer does not close its objects: an unknown field is valid there, so a
    client that raises on one is broken, with the passing re-run as the evidence."""
    report = run_client_suite(
        broken.StrictAdapter,
        ClientOptions(operations=("listModels",), phases=("responses",), **QUICK),  # type: ignore[arg-type]
    )
    operation = report.operation("listModels")
    assert operation.verdict == "fail"
    (finding,) = operation.findings
    assert finding.case is not None
    body = finding.case["script"]["body"]
    (extra,) = set(body) - {"data", "object", "type"}
    assert finding == Finding(
        "listModels",
        "responses",
        "response.unknown-field",
        f"the client failed on an unknown field at body.{extra}",
        "client",
        (
            f"ValueError: unexpected fields [{extra!r}]",
            f"the same answer without body.{extra} is accepted; the schema allows additional properties at "
            "body (no additionalProperties: false, OpenAPI's default), so the answer is valid",
        ),
        path="body.*",
    )
    assert [f.rule for f in replay(broken.StrictAdapter, finding.case)] == ["response.unknown-field"]
    assert replay("httpx", finding.case) == []
