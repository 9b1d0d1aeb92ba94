"""Bug-finding power, measured on a Venice-like server with planted faults (tests/contracts/standin.py):
the clean server passes; each fault alone is named by the right check; all faults at once are all
reported. A fault counts as found only when a failure names it: the whole failure is compared
(check, rule, field, title, expected), with patterns only where a value is the server's own
(a key id, a generated number).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from contracts.checks.reader import Limits
from contracts.failures import Failure
from contracts.server.results import SuiteOptions, SuiteResult
from contracts.server.runner import run_suite
from mockserver import Spec, load_spec
from mockserver.bundled import bundled
from tests.conftest import LiveServer
from tests.contracts.standin import ADMIN, StandIn

OPERATIONS = (
    "createChatCompletion",
    "createEmbedding",
    "generateImage",
    "createApiKey",
    "getApiKeys",
    "deleteApiKey",
)


@dataclass(frozen=True)
class Found:
    """What the failure that names a fault must say (title and expected are regular expressions)."""

    name: str
    field: str
    title: str
    expected: str

    def matches(self, failure: Failure) -> bool:
        return (
            failure.name == self.name
            and failure.field == self.field
            and re.fullmatch(self.title, failure.title) is not None
            and re.fullmatch(self.expected, failure.expected, re.DOTALL) is not None
        )


NOT_JSON_SCHEMA = Found(
    "response_format.json_schema",
    "choices[0].message.content",
    r"choice 0: content is not JSON",
    r"JSON valid against the json_schema",
)
FAULTS: dict[str, Found] = {
    "stream-as-json": Found(
        "streaming.not_a_stream",
        "stream",
        r"stream: true was answered with application/json, not a stream",
        r"text/event-stream",
    ),
    "ignores-dimensions": Found(
        "embeddings.dimensions",
        "data[0].embedding",
        r"data\[0\]\.embedding has 1024 dimensions, \d+ were asked for",
        r"\d+",
    ),
    "base64-as-float64": Found(
        "embeddings.base64",
        "data[0].embedding",
        r"data\[0\]\.embedding: base64 decodes to 2048 float32 values, the float answer has 1024",
        r"1024 little-endian float32 values \(4096 bytes\)",
    ),
    "tool-arguments-off-schema": Found(
        "tool_calls.arguments_schema",
        "choices[0].message.tool_calls[0]",
        r"choice 0: the arguments of 'get_weather' violate its parameters",
        r'"city" is a required property',
    ),
    "finish-reason-off-spec": Found(
        "finish_reason.enum",
        "choices[0].finish_reason",
        r"choice 0: finish_reason 'end_turn' is not in the spec",
        r"one of \['stop', 'length'\]",
    ),
    "temperature-clamped": Found(
        "bounds.accepted",
        "temperature",
        r"temperature=2\.02 is past its maximum 2 and was accepted",
        r"a 4xx refusal in the error shape",
    ),
    "keys-not-listed": Found(
        "api_keys.listed",
        "apiKey",
        r"the created key is not listed by GET /api_keys",
        r"GET /api_keys lists [0-9a-f-]{36}",
    ),
    "deleted-keys-honoured": Found(
        "api_keys.still_accepted",
        "apiKey",
        r"the deleted key is still accepted on GET /characters",
        r"401 once the key is deleted",
    ),
    "key-type-ignored": Found(
        "api_keys.type",
        "apiKey",
        r"an INFERENCE key is accepted on GET /api_keys, which needs an ADMIN key",
        r"401 or 403",
    ),
    "n-ignored": Found(
        "choices.n", "choices", r"1 choice\(s\) for n=\d+", r"\d+ choice\(s\), indexed 0\.\.\d+"
    ),
    "usage-does-not-add-up": Found(
        "usage.total",
        "usage.total_tokens",
        r"total_tokens is not prompt_tokens \+ completion_tokens",
        r"\d+ \+ \d+ = \d+",
    ),
    "max-tokens-overrun": Found(
        "usage.max_tokens",
        "usage.completion_tokens",
        r"completion_tokens exceed max_tokens=16",
        r"at most 16 completion tokens per choice \(1 choice\(s\)\)",
    ),
    "response-format-ignored": NOT_JSON_SCHEMA,
    "hangs-on-streamed-n-2": Found("no_answer.timeout", "", r"no answer within 1 s", r"an HTTP answer"),
    "500-on-streamed-auto-tools": Found("not_a_server_error", "", r"Server error", r""),
    "blurred-header-not-boolean": Found(
        "response_headers_conformance",
        "x-venice-is-blurred",
        r"Response header does not conform to the schema: x-venice-is-blurred",
        r"Schema:\s+{\s+\"type\": \"boolean\"\s+}",
    ),
}


def run(
    spec: Spec, faults: set[str], refuse_bodiless: bool = False, operations: tuple[str, ...] = OPERATIONS
) -> SuiteResult:
    app = StandIn(spec, faults, hang=1.5, refuse_bodiless=refuse_bodiless)
    with LiveServer(app.mock, app) as server:
        options = SuiteOptions(
            base_url=server.base_url,
            api_key=ADMIN,
            operations=operations,
            max_examples=5,
            seed=3,
            allow_mutations=True,
            allow_costly=True,
            limits=Limits(seconds=1.0),
        )
        return run_suite(options, spec=spec)


def named(result: SuiteResult, expectation: Found) -> Iterator[Failure]:
    return (f for f in result.failures if expectation.matches(f))


def test_the_catalog_of_planted_faults_is_exercised() -> None:
    assert set(FAULTS) == set(StandIn.FAULTS)


def test_the_clean_server_passes(spec: Spec) -> None:
    result = run(spec, set())
    assert result.failures == ()
    assert result.exit_code == 0
    ran = [op for op in result.operations if op.verdict != "skipped"]
    assert [op.verdict for op in ran] == ["passed"] * len(OPERATIONS)


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_alone_is_named_by_its_check(spec: Spec, fault: str) -> None:
    result = run(spec, {fault})
    found = list(named(result, FAULTS[fault]))
    assert found, f"{fault} not named; the suite said {[(f.name, f.field, f.title) for f in result.failures]}"
    for failure in found:
        assert failure.curl.startswith("curl "), failure
        assert ADMIN not in failure.curl
        # the user's key as the variable that holds it; a key the suite made (and deleted) masked
        assert ("$VENICE_API_KEY" in failure.curl) != ("[REDACTED]" in failure.curl), failure.curl
    assert result.exit_code == 1
    # a fault is not misnamed as another fault's finding (response-format-ignored is one fault
    # that breaks two promises: json_schema and json_object)
    others = {f: e for f, e in FAULTS.items() if e.name != FAULTS[fault].name}
    misnamed = [f for f, e in others.items() if any(named(result, e))]
    assert misnamed == [], f"{fault} also reported as {misnamed}"


def test_all_faults_at_once_are_all_reported(spec: Spec) -> None:
    result = run(spec, set(FAULTS))
    missing = [fault for fault, expectation in FAULTS.items() if not any(named(result, expectation))]
    assert missing == []
    keys = [f.key for f in result.failures]
    assert len(keys) == len(set(keys)), "a finding is reported once"


def test_a_server_that_refuses_bodiless_posts_is_not_failed_for_it(tmp_path: Path) -> None:
    """swagger.yaml leaves requestBody.required unset (the bundled overlay sets it; a contract
    without that line does not); every real server refuses an empty POST all the same."""
    overlay = bundled("fixtures").joinpath("overlay.yaml").read_text(encoding="utf-8")
    assert "requestBody: {required: true}" in overlay
    literal = tmp_path / "overlay.yaml"
    literal.write_text(overlay.replace("requestBody: {required: true}", "requestBody: {required: false}"))
    spec = load_spec(overlays=[literal], default_overlay=False)
    result = run(spec, set(), refuse_bodiless=True, operations=("createChatCompletion", "createApiKey"))
    assert result.failures == ()
    notes = [w for op in result.operations for w in op.warnings]
    assert any(n.startswith("spec gap [bodiless-request]: POST ") for n in notes), notes
