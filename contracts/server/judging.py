"""One answer judged: schemathesis' checks and ours, the meaning checks, the spec-gap rules,
the auth probes."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from contracts.failures import Failure, printable
from contracts.server import builtin
from contracts.server.contract import check_answer, request_defaults
from contracts.server.gaps import forgive
from contracts.server.meaning import check_meaning
from contracts.server.transport import Call
from mockserver import Operation

# (what the probe sends, the Authorization value: None removes the header)
PROBES: tuple[tuple[str, Callable[[], str] | None], ...] = (
    ("without credentials", None),
    ("with an invalid key", lambda: f"Bearer invalid-{secrets.token_hex(6)}"),
)


def sent_body(case: Any) -> bool:
    """Whether the case carries a request body at all (schemathesis' NOT_SET when it does not)."""
    from schemathesis.core import NOT_SET

    return case.body is not NOT_SET and case.body is not None


def judge(op: Operation, case: Any, call: Call, mode: str) -> tuple[list[Failure], str]:
    """Every check on one answer, placed (operation, status, curl); and a spec-gap note, if any
    (contracts/server/gaps.py: what a correct server does where the spec is silent)."""
    body = case.body if isinstance(case.body, (dict, list)) else None
    failures = [*call.body.failures, *builtin.run_builtin(case, call)]
    failures += check_answer(op, call, body, request_defaults(op))
    if mode == "positive":
        failures += check_meaning(op, body, call)
    failures, note = forgive(op, sent_body(case), call, mode, failures)
    return [f.at(op.operation_id, call.status, call.curl) for f in failures], note


def planned_acceptance(op: Operation, call: Call) -> tuple[list[Failure], str]:
    """A Venice case is valid data: refusing it is the same finding as for a generated one
    (schemathesis' own acceptance check needs its generation metadata, which a made case lacks)."""
    if call.status in builtin.expand(builtin.POSITIVE_EXPECTED):
        return [], ""
    received = f"{call.status} {printable(call.body.content, call.content_type)}"
    failure = Failure(
        "positive_data_acceptance",
        f"a valid request was refused with {call.status}",
        f"one of {', '.join(builtin.POSITIVE_EXPECTED)}",
        received,
    )
    kept, note = forgive(op, True, call, "positive", [failure])
    return [f.at(op.operation_id, call.status, call.curl) for f in kept], note


def auth_refused(op: Operation, scenario: str, call: Call) -> Failure | None:
    """An `ignored_auth` failure unless the probe was refused with 401 or 403."""
    if call.status in (401, 403):
        return None
    rule = "no_auth" if scenario == PROBES[0][0] else "bad_key"
    failure = Failure(
        "ignored_auth", f"{op.label} answers {call.status} {scenario}", "401 or 403", str(call.status), rule
    )
    return failure.at(op.operation_id, call.status, call.curl)
