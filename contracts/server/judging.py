"""One answer judged: schemathesis' checks and ours, the spec-gap rule, the auth probes."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from contracts.failures import Failure
from contracts.server import builtin
from contracts.server.contract import check_answer, request_defaults
from contracts.server.transport import Call
from mockserver import Operation

GAP_STATUSES = (400, 413, 415, 422)  # how a server refuses invalid input
# (what the probe sends, the Authorization value: None removes the header)
PROBES: tuple[tuple[str, Callable[[], str] | None], ...] = (
    ("without credentials", None),
    ("with an invalid key", lambda: f"Bearer invalid-{secrets.token_hex(6)}"),
)


def judge(op: Operation, case: Any, call: Call, mode: str) -> tuple[list[Failure], str]:
    """Every check on one answer, placed (operation, status, curl); and a spec-gap note, if any.

    A negative case refused with a 4xx the operation does not document (GET /models documents
    only 200 and 500) is the right answer to a spec that forgot its 400: a note, not a failure,
    as long as the refusal has the spec's error shape.
    """
    body = case.body if isinstance(case.body, (dict, list)) else None
    failures = [*call.body.failures, *builtin.run_builtin(case, call)]
    failures += check_answer(op, call, body, request_defaults(op))
    note = ""
    if mode == "negative" and call.status in GAP_STATUSES and not op.documents(call.status):
        shaped = not any(f.check == "error_shape" for f in failures)
        if shaped and any(f.check == "status_code_conformance" for f in failures):
            failures = [f for f in failures if f.check != "status_code_conformance"]
            status = call.status
            note = f"spec gap: {op.label} documents no {status}; invalid input was refused with {status}"
    return [f.at(op.operation_id, call.status, call.curl) for f in failures], note


def auth_refused(op: Operation, scenario: str, call: Call) -> Failure | None:
    """An `ignored_auth` failure unless the probe was refused with 401 or 403."""
    if call.status in (401, 403):
        return None
    rule = "no_auth" if scenario == PROBES[0][0] else "bad_key"
    failure = Failure(
        "ignored_auth", f"{op.label} answers {call.status} {scenario}", "401 or 403", str(call.status), rule
    )
    return failure.at(op.operation_id, call.status, call.curl)
