"""Judging one case: run it through the harness and say what the client got wrong.

Requests: exactly one request, to the right operation, valid, values unchanged. Responses: a
valid answer is accepted and its values returned as they came; a documented error is reported
as an error. Who is to blame for a response failure is decided in blame.py.
"""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Mapping
from typing import Any

from contracts.client.adapters.base import Result
from contracts.client.cases import RETRIED
from contracts.client.compare import Difference, diff, first_difference, request_differences, sent_request
from contracts.client.equivalence import real, request_root, rule_for
from contracts.client.findings import Finding
from contracts.client.harness import Harness, Outcome
from contracts.client.media import JSON_TYPE, SSE_TYPE
from contracts.failures import excerpt
from mockserver import Call, Operation


def _finding(
    op: Operation, phase: str, rule: str, title: str, *evidence: str, path: str = "", **kw: Any
) -> Finding:
    return Finding(op.operation_id, phase, rule, title, evidence=tuple(evidence), path=path, **kw)


def _label(call: Call) -> str:
    return f"{call.method} {call.path}" + (f"?{call.query}" if call.query else "")


def unsupported_note(op: Operation, phase: str, what: str) -> Finding:
    """`unsupported` is the adapter's honest answer, never a client bug: a note."""
    return _finding(
        op, phase, "unsupported", f"the adapter answered unsupported for {what}", attribution="allowed"
    )


def request_findings(
    h: Harness,
    op: Operation,
    arguments: Mapping[str, Any],
    calls: tuple[Call, ...],
    result: Result,
    phase: str = "requests",
) -> list[Finding]:
    """What is wrong with the requests a client sent for one call with `arguments`: one finding
    per rule and field, so that two bugs in one request are two findings."""
    if result.unsupported and not calls:
        return [unsupported_note(op, phase, "these arguments")]
    if not calls:
        return [
            _finding(
                op,
                phase,
                "request.none",
                "the client sent no request for valid arguments",
                f"the client returned {result.shown}",
            )
        ]
    out: list[Finding] = []
    ours = [c for c in calls if c.operation_id == op.operation_id]
    for call in calls:
        if call.operation_id == op.operation_id:
            continue
        where = f"matched {call.operation_id}" if call.operation_id else "matched no documented operation"
        nearest = f"; nearest documented: {', '.join(call.nearest)}" if call.nearest else ""
        out.append(
            _finding(
                op,
                phase,
                "request.operation",
                f"{_label(call)} {where}{nearest}",
                f"expected {op.label}",
                path=f"{call.method} {call.operation_id or 'undocumented'}",
            )
        )
    extra = [c for prev, c in itertools.pairwise(ours) if prev.status not in RETRIED]
    if extra:
        statuses = ", ".join(str(c.status) for c in ours)
        out.append(
            _finding(
                op,
                phase,
                "request.count",
                f"{len(ours)} requests for one call",
                f"answers: {statuses}; only 429/5xx answers may be retried",
            )
        )
    if not ours:
        return out
    first = ours[0]
    for v in first.violations:
        out.append(
            _finding(
                op,
                phase,
                "request.schema",
                f"{_label(first)} breaks the contract at {v.location}",
                f"{v.location}: {v.rule} ({v.message})",
                path=_body_path(v.location),
            )
        )
    out.extend(_differences(h, op, arguments, first, phase))
    return out


def _body_path(location: str) -> str:
    """A violation's location in the suite's terms: body fields start with `body.`."""
    if location.startswith(("query.", "path.", "header.", "body")):
        return location
    return f"body.{location}"


def request_schema(op: Operation) -> Any:
    """One schema for the whole request (body, query and path parameters; see equivalence.py)."""
    body_media = op.request_body.content.get("application/json") if op.request_body is not None else None
    body = body_media.schema.schema if body_media is not None and body_media.schema is not None else {}
    parameters = {
        f"{p.location}.{p.name}": p.schema.schema
        for p in op.parameters
        if p.location in ("query", "path") and p.schema is not None
    }
    return request_root(body, parameters)


def _differences(
    h: Harness, op: Operation, arguments: Mapping[str, Any], call: Call, phase: str
) -> list[Finding]:
    sent = sent_request(call, op, h.mock.base_path)
    schema = request_schema(op)
    allowances = h.allowances(op.operation_id)
    out: list[Finding] = []
    allowed: list[Finding] = []
    for difference in request_differences(arguments, sent):
        field = difference.location.removeprefix("body.").removeprefix("query.")
        if _is_default(op, difference) or rule_for(schema, difference) is not None:
            continue
        rule = f"request.{difference.kind}"
        if field in allowances or difference.location in allowances:
            reason = allowances.get(field) or allowances[difference.location]
            allowed.append(
                _finding(
                    op,
                    phase,
                    rule,
                    str(difference),
                    f"declared by the adapter: {reason}",
                    attribution="allowed",
                    path=difference.location,
                )
            )
            continue
        out.append(
            _finding(
                op,
                phase,
                rule,
                f"{difference.kind} {difference.location}",
                str(difference),
                path=difference.location,
            )
        )
    return out + allowed


def _is_default(op: Operation, difference: Difference) -> bool:
    """A query value the client added is fine when the spec declares it the default there."""
    if difference.kind != "added" or not difference.location.startswith("query."):
        return False
    name = difference.location.removeprefix("query.")
    for param in op.parameters:
        if param.location == "query" and param.name == name and param.schema is not None:
            default = param.schema.schema.get("default")
            text = json.dumps(default) if not isinstance(default, str) else default
            return "default" in param.schema.schema and text == difference.sent
    return False


# -- responses ------------------------------------------------------------------------------------


def returned(result: Result, script: Mapping[str, Any]) -> tuple[str, Any, Any]:
    """(kind, what was scripted, what the client returned) for a successful answer."""
    if "stream" in script:
        return "events", list(script["stream"]), None if result.events is None else list(result.events)
    if "body_base64" in script:
        return "bytes", base64.b64decode(script["body_base64"]), result.binary
    return "value", script.get("body"), result.value


def response_schema(op: Operation, script: Mapping[str, Any]) -> Any:
    """The schema of the scripted answer's body ({} when there is none)."""
    response = op.response(int(script.get("status") or 200))
    media = response.content.get(script.get("media_type") or JSON_TYPE) if response is not None else None
    return media.schema.schema if media is not None and media.schema is not None else {}


MAX_CHANGED = 8  # findings per case: past this many fields, the client returned something else


def value_findings(op: Operation, result: Result, script: Mapping[str, Any], phase: str) -> list[Finding]:
    """A successful answer came back: is it what was scripted? One finding per changed field."""
    kind, given, got = returned(result, script)
    if got is None and not (
        kind == "value" and given is None and result.binary is None and result.events is None
    ):
        return [
            _finding(op, phase, "response.kind", f"expected {kind} back, the client returned {result.shown}")
        ]
    if kind == "bytes":
        if given == got:
            return []
        at = next(
            (i for i, (a, b) in enumerate(zip(given, got, strict=False)) if a != b), min(len(given), len(got))
        )
        shown = [f"0x{v[at]:02x}" if at < len(v) else "end" for v in (given, got)]
        return [
            _finding(
                op,
                phase,
                "response.changed",
                f"binary answer changed: {len(given)} bytes sent, {len(got)} returned",
                f"first difference at byte {at}: sent {shown[0]}, returned {shown[1]}",
                path="body",
            )
        ]
    if kind == "events":
        differences = _event_differences(op, script, given, got)
    else:
        differences = real(response_schema(op, script), diff(given, got, "body"), given)
    return [
        _finding(
            op,
            phase,
            "response.changed",
            f"returned another value at {d.location} than the answer carried",
            first_difference(d),
            path=d.location,
        )
        for d in differences[:MAX_CHANGED]
    ]


def _event_differences(op: Operation, script: Mapping[str, Any], given: Any, got: Any) -> list[Difference]:
    """Stream events compared one by one under the chunk schema, so that the equivalences
    (unknown fields not handed back, null for absent) hold for streams as for bodies."""
    if len(given) != len(got):
        return [Difference("changed", "events", given, got)]
    response = op.response(int(script.get("status") or 200))
    media = response.content.get(SSE_TYPE) if response is not None else None
    schema = media.sse_data.schema if media is not None and media.sse_data is not None else {}
    out: list[Difference] = []
    for i, (event, back) in enumerate(zip(given, got, strict=True)):
        for d in real(schema, diff(event, back, "body"), event):
            where = f"events[{i}]" + d.location.removeprefix("body")
            out.append(Difference(d.kind, where, d.given, d.sent))
    return out


def response_findings(h: Harness, op: Operation, case: Mapping[str, Any], outcome: Outcome) -> list[Finding]:
    script = case["script"]
    status = int(script.get("status") or 200)
    ours = [c for c in outcome.calls if c.operation_id == op.operation_id]
    answered = [c for c in ours if "scripted" in c.notes]
    result = outcome.result
    vary = case.get("vary")
    if result.unsupported:
        return [unsupported_note(op, "responses", f"a {status} {script.get('media_type') or 'answer'}")]
    if not answered:
        found = request_findings(h, op, case["arguments"], outcome.calls, result, "responses")
        return found or [
            _finding(
                op,
                "responses",
                "request.none",
                "the scripted answer was never requested",
                f"the client returned {result.shown}",
            )
        ]
    if status >= 400:
        if result.ok:
            if len(ours) > 1 and status in RETRIED:
                return []
            return [
                _finding(
                    op,
                    "responses",
                    "response.error-as-success",
                    f"a documented {status} answer was reported as a success",
                    f"the client returned {result.shown}",
                    f"answer: {excerpt(script.get('body'), 160)}",
                    path=str(status),
                )
            ]
        if result.error is not None and result.error.status is not None and result.error.status != status:
            return [
                _finding(
                    op,
                    "responses",
                    "response.error-status",
                    f"a {status} answer was reported as status {result.error.status}",
                    str(result.error),
                    path=str(status),
                )
            ]
        return []
    if not result.ok:
        return [
            _finding(
                op,
                "responses",
                "response.rejected",
                f"the client failed on a valid {status} answer"
                + (f" ({vary[0]}: {vary[1]})" if vary else ""),
                str(result.error),
                f"answer: {excerpt(script.get('body', script.get('stream')), 300)}",
                path=str(vary[0]) if vary else f"{status} {script.get('media_type') or 'stream'}",
            )
        ]
    return value_findings(op, result, script, "responses")
