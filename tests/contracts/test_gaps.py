"""The spec-gap rules: what a correct server does where swagger.yaml is silent is a note naming
the rule, never a failure; and a rule forgives nothing beyond what it names."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
import requests

from contracts.checks.reader import Body
from contracts.failures import Failure
from contracts.server.gaps import RULES, forgive, which_gap
from contracts.server.transport import Call
from mockserver import Operation, Spec

ACCEPTANCE = Failure("positive_data_acceptance", "Rejected positive data", "2xx", "400")
STATUS = Failure("status_code_conformance", "Undocumented HTTP status code", "200, 500", "400")


def answer(status: int, content: bytes, content_type: str = "application/json") -> Call:
    request = requests.Request("POST", "http://127.0.0.1:1/api/v1/chat/completions").prepare()
    body = Body(content, len(content), 0, False, 0.0, ())
    headers = httpx.Headers({"content-type": content_type})
    return Call(request, status, headers, body, 0.0, "curl -X POST http://127.0.0.1:1/", 0.0)


def test_the_rules_are_listed_with_what_they_say() -> None:
    assert [rule.name for rule in RULES] == ["undocumented-refusal", "bodiless-request", "semantic-refusal"]
    assert all(rule.says for rule in RULES)


def unrequired(op: Operation) -> Operation:
    """The operation as swagger.yaml alone states it: `requestBody.required` unset (the bundled
    overlay says `required: true`; a newer or another spec may not)."""
    assert op.request_body is not None
    return dataclasses.replace(op, request_body=dataclasses.replace(op.request_body, required=False))


def test_a_bodiless_post_refused_in_the_error_shape_is_a_note(spec: Spec) -> None:
    chat = unrequired(spec.operation("createChatCompletion"))
    call = answer(400, b'{"error": "body required", "details": {}}')
    kept, note = forgive(chat, False, call, "positive", [ACCEPTANCE])
    assert kept == []
    assert note == (
        "spec gap [bodiless-request]: POST /chat/completions answered 400: a request without a body "
        "refused, where the body schema requires properties"
    )


def test_a_bodiless_refusal_without_the_error_shape_stays_a_failure(spec: Spec) -> None:
    chat = unrequired(spec.operation("createChatCompletion"))
    shape = Failure("error_shape", "400 body is not valid JSON", "{...}", "oops")
    call = answer(400, b"oops", "text/plain")
    assert forgive(chat, False, call, "positive", [ACCEPTANCE, shape]) == ([ACCEPTANCE, shape], "")


def test_a_refused_body_that_was_sent_is_no_bodiless_gap(spec: Spec) -> None:
    chat = unrequired(spec.operation("createChatCompletion"))
    call = answer(400, b'{"error": "messages: too short"}')
    assert which_gap(chat, True, call, "positive", []) is None
    required = spec.operation("createChatCompletion")  # the overlay's contract: a body is required
    assert which_gap(required, False, call, "positive", []) is None


def test_an_unknown_model_refused_is_a_semantic_note(spec: Spec) -> None:
    chat = spec.operation("createChatCompletion")
    call = answer(400, b'{"error": "Invalid request parameters: model: unknown model \\"x\\""}')
    kept, note = forgive(chat, True, call, "positive", [ACCEPTANCE])
    assert kept == []
    assert note.startswith("spec gap [semantic-refusal]: POST /chat/completions answered 400")


@pytest.mark.parametrize("status", [200, 500])
def test_only_refusals_are_forgiven(spec: Spec, status: int) -> None:
    chat = spec.operation("createChatCompletion")
    call = answer(status, b'{"error": "model unavailable"}')
    assert which_gap(chat, True, call, "positive", []) is None


def test_an_undocumented_400_for_invalid_input_is_a_note_but_only_for_negative_cases(spec: Spec) -> None:
    models = spec.operation("listModels")
    call = answer(400, b'{"error": "type: not one of ..."}')
    kept, note = forgive(models, True, call, "negative", [STATUS])
    assert (kept, note) == (
        [],
        "spec gap [undocumented-refusal]: GET /models answered 400: invalid input refused with an "
        "undocumented 4xx in the error shape",
    )
    assert which_gap(models, True, call, "positive", [STATUS]) is None  # valid data refused: a finding


def test_a_rule_forgives_only_the_literal_checks(spec: Spec) -> None:
    chat = spec.operation("createChatCompletion")
    other = Failure("response_schema_conformance", "Response violates schema", "x", "y")
    call = answer(400, b'{"error": "model: unknown"}')
    kept, _ = forgive(chat, True, call, "positive", [ACCEPTANCE, other])
    assert kept == [other]
