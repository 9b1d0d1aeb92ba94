"""The cases the kit makes itself rather than hypothesis: the Venice-aware ones (cases.py), each
judged as valid data and, where two are paired, their answers checked for agreement; then one
field just past each bound of the first of them (bounds.py), which must be refused.

A made case carries the key and the configured headers itself: schemathesis adds its configured
headers only to the cases it generates.
"""

from __future__ import annotations

from typing import Any

from contracts.checks.embeddings import check_agreement
from contracts.failures import Failure, printable
from contracts.server.bounds import Past, bound_cases
from contracts.server.cases import Planned, planned_cases
from contracts.server.session import OperationState, Run, attempt, judged, no_answer, out_of_time, send
from contracts.server.transport import NoAnswer


def send_planned(run: Run, state: OperationState, st_op: Any) -> None:
    """The Venice-aware cases, then one field past each bound of the first of them."""
    op = state.op
    cases = planned_cases(op, run.fixups.catalog, run.seed) if "positive" in run.options.modes else []
    for planned in cases:
        if out_of_time(run, state):
            return
        call = attempt(run, state, _make(run, st_op, planned), "positive", planned=True)
        if call is None or not 200 <= call.status < 300 or call.media_type != "application/json":
            continue
        answer = call.json()
        if planned.key:
            state.answers[planned.key] = answer
        if planned.pair and planned.pair in state.answers:
            found = check_agreement(state.answers[planned.pair], answer)
            state.add([f.at(op.operation_id, call.status, call.curl) for f in found])
    if "negative" not in run.options.modes:
        return
    for planned, past in bound_cases(op, cases[0] if cases else None):
        if out_of_time(run, state):
            return
        _bound(run, state, st_op, planned, past)


def _bound(run: Run, state: OperationState, st_op: Any, planned: Planned, past: Past) -> None:
    case = _make(run, st_op, planned)
    try:
        call = send(run, state, case, {})
    except NoAnswer as exc:
        state.cases += 1
        no_answer(run, state, exc)
        return
    state.cases += 1
    failures = judged(state, case, call, "negative")
    if 200 <= call.status < 300:
        title = f"{past.field.lstrip('?')}={past.value} is past its {past.bound} and was accepted"
        received = f"{call.status} {printable(call.body.content, call.content_type)}"
        failure = Failure(
            "bounds", title, "a 4xx refusal in the error shape", received, "accepted", field=past.field
        )
        failures.append(failure.at(state.op.operation_id, call.status, call.curl))
    state.add(failures)
    run.progress.case(run.budget.used)


def _make(run: Run, st_op: Any, planned: Planned) -> Any:
    from schemathesis.core import NOT_SET

    return st_op.Case(
        body=NOT_SET if planned.body is None else planned.body,
        query=dict(planned.query),
        headers={**run.headers, **planned.headers},  # a made case gets no configured headers
        media_type="application/json" if planned.body is not None else None,
    )
