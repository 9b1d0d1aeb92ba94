"""The client suite on the official openai SDK: the operations it covers, streaming included."""

from __future__ import annotations

import pytest

from contracts.client.suite import ClientOptions, ClientReport, run_client_suite

COVERED = {"createChatCompletion", "createEmbedding", "simpleGenerateImage", "createSpeech", "listModels"}


@pytest.fixture(scope="module")
def report() -> ClientReport:
    return run_client_suite("openai", ClientOptions(max_examples=4, slow_first_byte=0.1))


def test_the_openai_sdk_passes_on_every_operation_it_covers(report: ClientReport) -> None:
    assert report.passed, report.text()
    verdicts = {op.operation: op.verdict for op in report.operations}
    assert {name for name, v in verdicts.items() if v == "pass"} == COVERED
    assert {v for name, v in verdicts.items() if name not in COVERED} == {"unsupported"}


def test_streams_of_many_shapes_went_through_the_sdk(report: ClientReport) -> None:
    coverage = report.operation("createChatCompletion").coverage
    assert coverage is not None
    assert coverage.media_types == {"application/json", "text/event-stream"}
    assert {"content", "usage", "tool-calls", "multi-choice", "cut"} <= coverage.stream_kinds


def test_the_sdks_base64_embeddings_are_reported_as_declared_not_failed(report: ClientReport) -> None:
    notes = report.operation("createEmbedding").notes
    assert [(n.rule, n.attribution) for n in notes] == [("request.added", "allowed")]
    assert "encoding_format" in notes[0].title


def test_the_sdk_retries_after_retry_after_and_reports_cut_streams(report: ClientReport) -> None:
    chat = {o.scenario: o for o in report.operation("createChatCompletion").observations}
    assert chat["rate-limit"].passed
    assert chat["rate-limit"].outcome.startswith("retried after ")
    assert chat["cut-stream"].passed
    assert "as an error" in chat["cut-stream"].outcome
