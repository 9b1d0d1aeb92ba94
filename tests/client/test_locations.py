"""Where a finding is pinned: the names the judge and the blame give to locations, as whole values."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from contracts.client.adapters.base import Arguments, Result, Target
from contracts.client.adapters.httpx_client import VeniceClient
from contracts.client.blame import _unknown
from contracts.client.findings import Finding
from contracts.client.judge import _body_path
from contracts.client.suite import ClientOptions, replay
from contracts.failures import excerpt
from mockserver import Spec

CASE: dict[str, Any] = {"arguments": {}, "script": {"status": 200, "body": {}}}


@pytest.mark.parametrize(
    ("location", "pinned"),
    [
        ("query.limit", "query.limit"),
        ("path.model_id", "path.model_id"),
        ("header.Accept", "header.Accept"),
        ("body", "body"),
        ("body.model", "body.model"),
        ("model", "body.model"),  # a validator's bare field is a body field
        ("pathway", "body.pathway"),  # only the whole prefix names a location
    ],
)
def test_a_violation_is_pinned_on_its_location(location: str, pinned: str) -> None:
    assert _body_path(location) == pinned


def _finding(shown: str, evidence: tuple[str, ...]) -> Finding:
    return Finding(
        "createChatCompletion",
        "responses",
        "response.unknown-field",
        f"the client failed on an unknown field at {shown}",
        "client",
        (
            *evidence,
            f"the same answer without {shown} is accepted; the schema allows additional properties "
            "at body (no additionalProperties: false, OpenAPI's default), so the answer is valid",
        ),
        path="body.*",
        case=CASE,
    )


@pytest.mark.parametrize("count", [1, 4, 5, 6])
def test_an_unknown_field_finding_names_at_most_four_fields(spec: Spec, count: int) -> None:
    op = spec.operation("createChatCompletion")
    locations = [f"body.x{i}" for i in range(count)]
    shown = ", ".join(locations[:4]) + (f" (and {count - 4} more)" if count > 4 else "")
    assert _unknown(op, "body", locations, "", CASE) == _finding(shown, ())
    assert _unknown(op, "body", locations, "KeyError: 'x0'", CASE) == _finding(shown, ("KeyError: 'x0'",))
    assert _unknown(op, "body", locations, "", CASE).case is CASE  # the case it is replayed with


def test_the_count_of_fields_not_shown_is_spelled_out(spec: Spec) -> None:
    op = spec.operation("createChatCompletion")
    finding = _unknown(op, "body", ["body.a", "body.b", "body.c", "body.d", "body.e", "body.f"], "", CASE)
    shown = "body.a, body.b, body.c, body.d (and 2 more)"
    assert finding.title == f"the client failed on an unknown field at {shown}"


# -- blame: which unknown field a client fails on --------------------------------------------------

EMBED = "createEmbedding"
EMBEDDING: dict[str, Any] = {
    "data": [{"embedding": [0.5], "index": 0, "object": "embedding"}],
    "model": "m",
    "object": "list",
    "usage": {"prompt_tokens": 1, "total_tokens": 1},
}
# Two unknown fields, in two objects that allow additional properties.
WITH_UNKNOWN = {**EMBEDDING, "x_a": 1, "usage": {**EMBEDDING["usage"], "x_b": 2}}
ONLY_A = {**EMBEDDING, "x_a": 1}
ONLY_B = {**EMBEDDING, "usage": {**EMBEDDING["usage"], "x_b": 2}}
SCRIPT = {"status": 200, "body": WITH_UNKNOWN, "media_type": "application/json"}
RESPONSES_CASE: dict[str, Any] = {
    "phase": "responses",
    "operation": EMBED,
    "arguments": {"body": {"input": "hi", "model": "m"}},
    "script": SCRIPT,
}


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


class Strict:
    """A client that fails on an answer holding all the field names of any one of `fails_on`."""

    fails_on: tuple[frozenset[str], ...] = ()

    def __init__(self, target: Target) -> None:
        self.reference = VeniceClient(target.base_url, target.api_key)

    def call(self, operation_id: str, arguments: Arguments) -> Result:
        result: Result = self.reference.call(operation_id, arguments)
        for names in self.fails_on:
            if names <= _keys(result.value):
                raise KeyError(min(names))
        return result

    def close(self) -> None:
        self.reference.close()


def strict(*fails_on: set[str]) -> type[Strict]:
    return type("Strict", (Strict,), {"fails_on": tuple(frozenset(n) for n in fails_on)})


def _with(body: Any) -> dict[str, Any]:
    return {**RESPONSES_CASE, "script": {**SCRIPT, "body": body}}


def _blamed(shown: str, parent: str, error: str) -> Finding:
    return Finding(
        EMBED,
        "responses",
        "response.unknown-field",
        f"the client failed on an unknown field at {shown}",
        "client",
        (
            error,
            f"the same answer without {shown} is accepted; the schema allows additional properties "
            f"at {parent} (no additionalProperties: false, OpenAPI's default), so the answer is valid",
        ),
        path=f"{parent}.*",
    )


OPTIONS = ClientOptions(slow_first_byte=0.05)


def test_a_client_failing_on_one_unknown_field_is_blamed_on_that_field_with_it_alone() -> None:
    (finding,) = replay(strict({"x_a"}), RESPONSES_CASE, OPTIONS)
    assert finding == _blamed("body.x_a", "body", "KeyError: 'x_a'")
    assert finding.case == _with(ONLY_A)


def test_a_client_failing_on_each_unknown_field_is_blamed_once_per_field() -> None:
    first, second = replay(strict({"x_a"}, {"x_b"}), RESPONSES_CASE, OPTIONS)
    assert (first, second) == (
        _blamed("body.x_a", "body", "KeyError: 'x_a'"),
        _blamed("body.usage.x_b", "body.usage", "KeyError: 'x_a'"),  # the error of the whole answer
    )
    assert (first.case, second.case) == (_with(ONLY_A), _with(ONLY_B))


def test_a_client_failing_only_on_the_unknown_fields_together_is_blamed_on_all_of_them() -> None:
    (finding,) = replay(strict({"x_a", "x_b"}), RESPONSES_CASE, OPTIONS)
    assert finding == _blamed("body.x_a, body.usage.x_b", "body", "KeyError: 'x_a'")
    assert finding.case == RESPONSES_CASE


def test_a_client_failing_without_the_unknown_fields_too_keeps_its_rejection() -> None:
    assert replay(strict({"model"}), RESPONSES_CASE, OPTIONS) == [
        Finding(
            EMBED,
            "responses",
            "response.rejected",
            "the client failed on a valid 200 answer",
            evidence=("KeyError: 'model'", f"answer: {excerpt(WITH_UNKNOWN, 300)}"),
            path="200 application/json",
        )
    ]


class Edits(Strict):
    """A client that accepts any answer and hands back another model name."""

    def call(self, operation_id: str, arguments: Arguments) -> Result:
        result = self.reference.call(operation_id, arguments)
        return Result(value={**result.value, "model": "n"})


def test_a_client_that_accepts_unknown_fields_but_changes_a_value_is_not_blamed_on_them() -> None:
    assert replay(Edits, RESPONSES_CASE, OPTIONS) == [
        Finding(
            EMBED,
            "responses",
            "response.changed",
            "returned another value at body.model than the answer carried",
            evidence=('body.model: changed at character 0 (lengths 1 and 1): given ..."m", got ..."n"',),
            path="body.model",
        )
    ]


class Refuses(Strict):
    """A client that fails on every answer."""

    def call(self, operation_id: str, arguments: Arguments) -> Result:
        self.reference.call(operation_id, arguments)
        raise ValueError("refused")


def test_a_client_failing_on_an_answer_without_a_json_body_keeps_its_rejection() -> None:
    speech = base64.b64encode(b"ID3\x03\x00\x00\x00\x00\x00\x00payload").decode()
    script = {"status": 200, "body_base64": speech, "media_type": "audio/mpeg"}
    arguments = {"body": {"input": "hi", "model": "tts-kokoro", "voice": "af_sky", "response_format": "mp3"}}
    case = {"phase": "responses", "operation": "createSpeech", "arguments": arguments, "script": script}
    assert replay(Refuses, case, OPTIONS) == [
        Finding(
            "createSpeech",
            "responses",
            "response.rejected",
            "the client failed on a valid 200 answer",
            evidence=("ValueError: refused", "answer: null"),  # no body: its JSON excerpt
            path="200 audio/mpeg",
        )
    ]
