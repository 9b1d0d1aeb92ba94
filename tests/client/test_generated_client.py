"""The suite on a strict client generated from swagger.yaml by openapi-python-client at test
time (the generated code lives in a temporary directory). What it finds is what a user of that
generator would meet; what it does not find (enum values, unknown fields) it did exercise."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.client.findings import Finding
from contracts.client.suite import ClientOptions, ClientReport, replay, run_client_suite
from tests.client.generated_client import PACKAGE, GeneratedAdapter, generate

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = ClientOptions(max_examples=3, slow_first_byte=0.05)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClientReport]:
    directory = tmp_path_factory.mktemp("generated")
    generate(ROOT / "swagger.yaml", directory)
    sys.path.insert(0, str(directory))
    try:
        yield run_client_suite(GeneratedAdapter, OPTIONS)
    finally:
        sys.path.remove(str(directory))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_what_the_suite_finds_in_the_generated_client(report: ClientReport) -> None:
    assert report.exit_code == 1
    assert {f.attribution for f in report.findings} == {"client"}
    # The overlay's `variants` is not in swagger.yaml, so the generated model drops it; a drop of
    # its default (1) is no bug, so only a drawn value of 2..4 shows it: not every run draws one.
    # Likewise the overlay's `tools[].function.strict` (accepted by the real API): dropped by the
    # generated model whenever a draw sends it.
    variants = ("generateImage", "request.dropped", "body.variants")
    strict = ("createChatCompletion", "request.dropped", "body.tools[].function.strict")
    assert sorted(f.key for f in report.findings if f.key not in (variants, strict)) == sorted(
        [
            # 200 answers are parsed as JSON whatever their media type (images, CSV).
            ("generateImage", "response.rejected", "200 image/jpeg"),
            ("generateImage", "response.rejected", "200 image/png"),
            ("generateImage", "response.rejected", "200 image/webp"),
            ("getBillingUsage", "response.rejected", "200 text/csv"),
            # Multipart bodies: the generated to_multipart() calls isinstance(x, typing.Any).
            ("upscaleImage", "request.none", ""),
            ("editImage", "request.none", ""),
        ]
    )
    (multipart,) = report.operation("upscaleImage").findings
    assert multipart.evidence == (
        "the client returned error TypeError: typing.Any cannot be used with isinstance()",
    )
    (csv,) = report.operation("getBillingUsage").findings
    assert csv.evidence[0] == "JSONDecodeError: Expecting value: line 1 column 1 (char 0)"


def test_each_finding_replays(report: ClientReport) -> None:
    for finding in report.findings:
        assert finding.case is not None
        again = replay(GeneratedAdapter, finding.case, OPTIONS)
        assert finding.key in {f.key for f in again}, finding.as_json()


def test_it_reads_every_enum_value_null_and_unknown_field_of_chat_and_model_answers(
    report: ClientReport,
) -> None:
    """No enum or unknown-field bug: this generator keeps unknown fields (additional_properties)
    and reads `on`/`off` as strings (YAML 1.2), unlike the Ruby gem of the issue."""
    assert report.operation("listModels").verdict == "pass"
    chat = report.operation("createChatCompletion")
    # at most the dropped `strict` on the request side, nothing on the answers
    assert {f.key for f in chat.findings} <= {
        ("createChatCompletion", "request.dropped", "body.tools[].function.strict")
    }
    assert [(n.rule, n.attribution) for n in chat.notes] == [("unsupported", "allowed")]
    assert chat.skipped == [
        "responses 200 text/event-stream: the adapter declares that its client does not stream",
        "resilience cut-stream: the adapter declares that its client does not stream",
    ]
    answers = [
        f
        for f in report.findings
        if f.operation == "createChatCompletion" and f.key[1].startswith("response")
    ]
    assert answers == []
    assert all(isinstance(f, Finding) for f in chat.findings)
