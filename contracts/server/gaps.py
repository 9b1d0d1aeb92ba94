"""Spec gaps: answers that only a literal reading of the spec's silences would call wrong.

A correct server must pass the suite, so these are notes in the report, never failures. Each
rule has a name the report shows, and a test that a real server's behaviour is not failed:

- `undocumented-refusal`: invalid input refused with a 4xx the operation does not document
  (GET /models documents only 200 and 500), in the spec's error shape.
- `bodiless-request`: a request without a body, refused with a 4xx in the error shape, where the
  body's schema requires properties; swagger.yaml leaves `requestBody.required` unset, so such a
  request is "valid", yet every real server refuses it.
- `semantic-refusal`: schema-valid data refused with a 4xx in the error shape whose message names
  a field whose valid values the server decides (a model id, a voice, a style, a character, an
  uploaded image): the spec admits any string there, the API only names from its catalog.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from contracts.failures import Failure
from contracts.server.transport import Call
from mockserver import Operation

REFUSALS = (400, 404, 413, 415, 422)  # how a server refuses input it will not serve
SEMANTIC_FIELDS = ("model", "voice", "style_preset", "character_slug", "character", "image")


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    says: str


RULES = (
    Rule("undocumented-refusal", "invalid input refused with an undocumented 4xx in the error shape"),
    Rule("bodiless-request", "a request without a body refused, where the body schema requires properties"),
    Rule("semantic-refusal", "schema-valid data refused for a value only the server's catalog decides"),
)
_SAYS = {rule.name: rule.says for rule in RULES}


def _requires_properties(op: Operation) -> bool:
    body = op.request_body
    if body is None or body.required:
        return False
    for media in body.content.values():
        schema = media.schema.schema if media.schema is not None else {}
        if isinstance(schema, dict) and schema.get("required"):
            return True
    return False


def _error_text(call: Call) -> str:
    try:
        value = json.loads(call.body.content)
    except ValueError:
        return ""
    return json.dumps(value).lower() if isinstance(value, dict) else ""


def _names_semantic_field(text: str) -> bool:
    return any(f'"{name}' in text or f"{name}:" in text or f"{name} " in text for name in SEMANTIC_FIELDS)


def which_gap(
    op: Operation, sent_body: bool, call: Call, mode: str, failures: Sequence[Failure]
) -> str | None:
    """The rule that explains this answer, if one does; failures are what the checks found."""
    if call.status not in REFUSALS or any(f.check == "error_shape" for f in failures):
        return None
    if mode == "negative":
        documented = op.documents(call.status)
        return None if documented else "undocumented-refusal"
    if not sent_body and _requires_properties(op):
        return "bodiless-request"
    if call.status != 413 and _names_semantic_field(_error_text(call)):
        return "semantic-refusal"
    return None


# What each rule forgives: the status and acceptance checks that read the spec literally.
_FORGIVEN = {
    "undocumented-refusal": {"status_code_conformance"},
    "bodiless-request": {"status_code_conformance", "positive_data_acceptance"},
    "semantic-refusal": {"status_code_conformance", "positive_data_acceptance"},
}


def forgive(
    op: Operation, sent_body: bool, call: Call, mode: str, failures: list[Failure]
) -> tuple[list[Failure], str]:
    """The failures minus what a spec-gap rule explains, and the note saying so ("" if none)."""
    rule = which_gap(op, sent_body, call, mode, failures)
    if rule is None:
        return failures, ""
    forgiven = _FORGIVEN[rule]
    kept = [f for f in failures if f.check not in forgiven]
    if len(kept) == len(failures):
        return failures, ""  # nothing literal to forgive: no note either
    status = call.status
    return kept, f"spec gap [{rule}]: {op.label} answered {status}: {_SAYS[rule]}"
