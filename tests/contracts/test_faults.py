"""Mutation score: the server suite run against the mock with each injectable fault must detect
it and name it correctly; against the clean mock it must find nothing.

Each fault runs on the operations it can break (a few cases each, a fixed seed); `required` are
the checks that must name it, `tolerated` the other checks that rightly notice the same broken
answer (a 418 success also lacks the error shape, ...). Anything else is a misnaming.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from contracts.checks.reader import Limits
from contracts.server.results import SuiteOptions, SuiteResult
from contracts.server.runner import run_suite
from mockserver import Settings, Spec
from mockserver.controls import FAULTS


@dataclass(frozen=True)
class Expectation:
    operations: tuple[str, ...]
    required: frozenset[str]
    tolerated: frozenset[str] = frozenset()


def expect(operations: tuple[str, ...], required: set[str], tolerated: set[str] | None = None) -> Expectation:
    return Expectation(operations, frozenset(required), frozenset(tolerated or ()))


SCHEMA = {"response_schema_conformance"}
EXPECTATIONS = {
    "wrong-field-type": expect(("listModels", "getBillingUsage"), SCHEMA),
    "missing-required-field": expect(("listModels", "createApiKey"), SCHEMA),
    "extra-field": expect(("getApiKeys", "deleteApiKey"), SCHEMA),
    "undocumented-status": expect(
        ("listModels",), {"status_code_conformance"}, {"positive_data_acceptance", "error_shape"}
    ),
    "wrong-content-type": expect(("listModels",), {"content_type_conformance"}),
    "lying-content-encoding": expect(("listModels",), {"content_encoding.lies"}),
    "invalid-base64-image": expect(("generateImage", "simpleGenerateImage"), {"binary_content.base64"}),
    "wrong-image-size": expect(
        ("generateImage", "simpleGenerateImage", "upscaleImage", "editImage"), {"binary_content.image_size"}
    ),
    "undecodable-audio": expect(("createSpeech",), set(), {"binary_content.decode", "binary_content.magic"}),
    "sse-changing-id": expect(("createChatCompletion",), {"sse_stream.same_id"}),
    "sse-without-done": expect(("createChatCompletion",), {"sse_stream.done_last"}),
    "stream-never-ends": expect(("createChatCompletion",), {"bounded_response.time"}),
    "auth-not-enforced": expect(
        ("getApiKeys", "createEmbedding"), {"ignored_auth.no_auth", "ignored_auth.bad_key"}
    ),
    # Answered "as if valid", an invalid request can also get an answer that echoes the invalid
    # value (apiKeyType: "__not_in_enum__"): the schema check rightly notices that too.
    "invalid-input-accepted": expect(
        ("createApiKey", "createEmbedding"),
        {"negative_data_rejection"},
        {"response_schema_conformance", "bounds.accepted"},  # dimensions=0 accepted as well
    ),
    "csv-missing-column": expect(("getBillingUsage",), {"csv_conformance.header"}),
}


def run(
    spec: Spec, operations: tuple[str, ...], faults: tuple[str, ...] = (), examples: int = 15
) -> SuiteResult:
    options = SuiteOptions(
        operations=operations,
        max_examples=examples,
        seed=1,
        mock_settings=Settings(faults=faults),
        limits=Limits(seconds=1.0),  # stream-never-ends waits this long once per operation
    )
    return run_suite(options, spec=spec)


def test_every_fault_of_the_catalog_is_exercised() -> None:
    assert set(EXPECTATIONS) == set(FAULTS)
    assert len(FAULTS) >= 14


@pytest.mark.parametrize("fault", sorted(EXPECTATIONS))
def test_the_suite_detects_the_fault_and_names_it(spec: Spec, fault: str) -> None:
    expectation = EXPECTATIONS[fault]
    result = run(spec, expectation.operations, (fault,))
    found = {failure.name for failure in result.failures}
    assert found, f"{fault} went unnoticed"
    assert expectation.required <= found
    assert found <= expectation.required | expectation.tolerated, f"{fault} misnamed as {found}"
    assert result.exit_code == 1
    for failure in result.failures:
        assert failure.curl.startswith(("curl ", "echo ")), failure
        assert failure.operation in expectation.operations


def test_the_clean_mock_yields_no_failure(spec: Spec) -> None:
    result = run(spec, (), examples=25)
    assert [op.verdict for op in result.operations] == ["passed"] * 20
    assert result.failures == ()
    assert result.exit_code == 0
