"""schemathesis' built-in checks, run on an answer we read ourselves, as our Failures.

The checks that make sense for this API: no server errors, documented statuses, content types
and headers, bodies valid against their schemas (per event for streams), invalid data refused,
valid data accepted. Auth is probed by the runner itself (once per operation), and the stateful
checks have nothing to work with: the spec declares no links.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import schemathesis
from schemathesis.core.failures import FailureGroup

from contracts.failures import Failure, printable
from contracts.server.transport import Call

BUILTIN_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
)
# Statuses that say nothing about whether the data was valid (who pays, how often), on top of
# schemathesis' defaults: Venice answers 402 when the balance is spent.
POSITIVE_EXPECTED = ["2xx", "3xx", "401", "402", "403", "404", "409", "429", "5xx"]
_BODY_CHECKS = {"response_schema_conformance"}


def expand(statuses: Sequence[str]) -> frozenset[int]:
    """ "2xx", "401" ... as the status codes they stand for."""
    out: set[int] = set()
    for status in statuses:
        if status.endswith("xx"):
            first = int(status[0]) * 100
            out.update(range(first, first + 100))
        else:
            out.add(int(status))
    return frozenset(out)


def config(headers: dict[str, str]) -> schemathesis.Config:
    """An explicit configuration: a `schemathesis.toml` lying around must not change the suite."""
    return schemathesis.Config.from_dict(
        {
            "headers": headers,
            "checks": {"positive_data_acceptance": {"expected-statuses": POSITIVE_EXPECTED}},
        }
    )


def as_response(call: Call) -> schemathesis.Response:
    headers: dict[str, list[str]] = {}
    for name, value in call.headers.multi_items():
        headers.setdefault(name.lower(), []).append(value)
    return schemathesis.Response(
        status_code=call.status,
        headers=headers,
        content=call.body.content,
        request=call.request,
        elapsed=call.elapsed,
        verify=True,
        encoding=call.headers.encoding if "charset" in call.content_type.lower() else None,
        stream_cut_short=call.body.cut_short,
    )


def run_builtin(case: Any, call: Call, names: Sequence[str] = BUILTIN_CHECKS) -> list[Failure]:
    """Each named check on the answer; a body read only in part skips the body checks."""
    response = as_response(call)
    failures: list[Failure] = []
    for name in names:
        if (
            call.body.cut_short
            and name in _BODY_CHECKS
            and not response.headers.get("content-type", [""])[0].startswith("text/event-stream")
        ):
            continue
        check = getattr(schemathesis.checks, name)
        try:
            case.validate_response(response, checks=[check], headers=dict(call.request.headers))
        except FailureGroup as group:
            failures.extend(_convert(name, failure, call) for failure in group.exceptions)
    return failures


_ABOUT_STATUS = {
    "not_a_server_error",
    "negative_data_rejection",
    "positive_data_acceptance",
    "status_code_conformance",
}
# How schemathesis heads the parts of its messages: what the contract says, what was received.
_EXPECTED = re.compile(r"^(Expected|Documented|Schema at\b|Schema:|Defined|Allowed)", re.IGNORECASE)
_RECEIVED = re.compile(r"^(Received|Value|Invalid component)\b", re.IGNORECASE)


def _convert(name: str, failure: Any, call: Call) -> Failure:
    """schemathesis writes its evidence as prose; sort its parts into expected and received."""
    message = str(getattr(failure, "message", "") or "").strip()
    if name in _ABOUT_STATUS:
        body = printable(call.body.content, call.content_type)
        message = "\n".join(line for line in message.splitlines() if not line.startswith("Received:"))
        message += f"\nReceived: {call.status} {body}"
    expected: list[str] = []
    received: list[str] = []
    target = received  # the opening prose says what is wrong with what was received
    for line in message.splitlines():
        head = line.strip()
        if _EXPECTED.match(head):
            target = expected
        elif _RECEIVED.match(head):
            target = received
        if head or (target and target[-1].strip()):
            target.append(line)
    evidence = "\n".join(received).strip()
    evidence = evidence[len("Received:") :].strip() if evidence.startswith("Received:") else evidence
    title = str(getattr(failure, "title", name))
    field = ".".join(str(p) for p in getattr(failure, "instance_path", ()) or ())
    headers = getattr(failure, "missing_headers", None)
    if headers:  # a header failure names the header
        field = ", ".join(str(h) for h in headers)
        title = f"{title}: {field}"
    elif name == "response_headers_conformance":
        # schemathesis' error holds the offending value, not the header's name: find it by value.
        instance = str(getattr(failure, "instance", ""))
        names = [k for k, v in call.headers.items() if v.strip() == instance.strip()]
        field = names[0] if names else field
        title = f"{title}: {field or 'a documented header'}"
    elif field:
        title = f"{title} at {field}"
    return Failure(name, title, "\n".join(expected).strip(), evidence, field=field)
