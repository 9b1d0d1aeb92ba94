"""A server suite run's state and its step: what the run holds across operations (its transport,
budget, catalog, resources, whether the server still answers), what one operation has found so
far, and one case sent and judged (the auth probe is such a step too).

A request that gets no answer is a failure of its own; connections refused one after another
(or before anything answered) mean the server is gone, and `Gone` ends the run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import schemathesis

from contracts.checks.reader import is_event_stream
from contracts.checks.streams import StreamChecker, chat_stream_checker
from contracts.failures import Failure
from contracts.safety import Budget, Plan, Redactor
from contracts.server import builtin
from contracts.server.judging import PROBES, auth_refused, judge, planned_acceptance
from contracts.server.progress import Progress, Silent
from contracts.server.resources import Resources
from contracts.server.results import SuiteOptions
from contracts.server.transport import Call, NoAnswer, Transport
from contracts.server.venice import Catalog, Fetch, Fixups
from mockserver import Operation, Spec

_REFUSED_IN_A_ROW = 3  # connections refused one after another: the server is gone, the run stops


class Gone(Exception):
    """The server stopped accepting connections: every further request would wait for nothing."""


@dataclass(slots=True)
class Run:
    """What the run holds across operations. The last five fields change as it goes."""

    spec: Spec
    options: SuiteOptions
    seed: int
    plan: Plan
    base_url: str
    progress: Progress
    redact: Redactor
    auth: dict[str, str]  # the Authorization header, if there is a key
    extra: dict[str, str]  # the configured headers, added to every request
    budget: Budget
    transport: Transport
    schema: Any  # schemathesis' schema of the spec, its checks configured
    fixups: Fixups
    resources: Resources
    remote: bool  # a real server: mutations only with allow_mutations
    stopped: str = ""  # why the run stopped early; no operation runs after it is set
    refused_in_a_row: int = 0
    answered: bool = False  # some request got an answer: a later refusal may be one request's doing
    key_state_done: bool = False
    video_state_done: bool = False

    @property
    def headers(self) -> dict[str, str]:
        """What a request the kit makes itself carries: the key, then the configured headers."""
        return {**self.auth, **self.extra}


@dataclass
class OperationState:
    """What one operation's run has found so far."""

    op: Operation
    cases: int = 0
    requests_at_start: int = 0
    started: float = 0.0
    failures: dict[tuple[str, str, str], Failure] = field(default_factory=dict)  # by key: the first of each
    warnings: dict[str, None] = field(default_factory=dict)
    probed: bool = False
    answers: dict[str, Any] = field(default_factory=dict)  # planned cases' JSON answers, by key

    def add(self, failures: list[Failure]) -> None:
        for failure in failures:
            self.failures.setdefault(failure.key, failure)


def open_run(
    spec: Spec,
    options: SuiteOptions,
    seed: int,
    base_url: str,
    api_key: str | None,
    max_wait: float,
    chosen: Plan,
    progress: Progress | None,
    remote: bool,
) -> Run:
    """A run against `base_url`, nothing sent yet (the catalog is read when a case first needs it)."""
    redact = Redactor([api_key])
    auth = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    extra = dict(options.headers)
    budget = Budget(options.max_requests)
    transport = Transport(base_url, options.limits, budget, redact, max_wait)
    headers = {**auth, **extra}
    schema = schemathesis.openapi.from_dict(spec.document, config=builtin.config({**headers}))
    return Run(
        spec=spec,
        options=options,
        seed=seed,
        plan=chosen,
        base_url=base_url,
        progress=progress or Silent(),
        redact=redact,
        auth=auth,
        extra=extra,
        budget=budget,
        transport=transport,
        schema=schema,
        fixups=Fixups(Catalog(_listing(spec, transport, headers)), seed),
        resources=Resources(transport, spec, headers, redact),
        remote=remote,
    )


def _listing(spec: Spec, transport: Transport, headers: Mapping[str, str]) -> Fetch:
    def fetch(operation_id: str, query: Mapping[str, str]) -> Any:
        """A read-only listing for the catalog; None if the server does not answer it with JSON."""
        try:
            call = transport.request("GET", spec.operation(operation_id).path, dict(headers), params=query)
            return json.loads(call.body.content) if call.status == 200 else None
        except (ValueError, KeyError, NoAnswer):
            return None

    return fetch


def out_of_time(run: Run, state: OperationState) -> bool:
    limit = run.options.time_limit
    return limit is not None and time.monotonic() - state.started > limit


def send(run: Run, state: OperationState, case: Any, headers: dict[str, str | None]) -> Call:
    prepared = run.transport.prepare(case, {**run.extra, **headers})
    body = case.body if isinstance(case.body, (dict, list)) else None

    def checker_for(status: int, content_type: str) -> StreamChecker | None:
        response = state.op.response(status)
        media = response.content.get("text/event-stream") if response is not None else None
        if is_event_stream(content_type) and media is not None and media.sse_data is not None:
            return chat_stream_checker(run.spec, body, state.op.operation_id)
        return None

    return run.transport.send(prepared, checker_for)


def judged(state: OperationState, case: Any, call: Call, mode: str) -> list[Failure]:
    """Every check on one answer; a spec-gap note becomes the operation's warning."""
    failures, gap = judge(state.op, case, call, mode)
    if gap:
        state.warnings[gap] = None
    return failures


def no_answer(run: Run, state: OperationState, exc: NoAnswer) -> None:
    """The request that got no answer, as a failure; `Gone` once the server is plainly not there."""
    titles = {
        "refused": "the server refused the connection",
        "timeout": f"no answer within {run.options.limits.seconds:g} s",
        "dropped": "the server dropped the connection without an answer",
    }
    failure = Failure("no_answer", titles[exc.rule], "an HTTP answer", run.redact(str(exc)), exc.rule)
    state.add([failure.at(state.op.operation_id, None, exc.curl)])
    if exc.refused:
        run.refused_in_a_row += 1
        if run.refused_in_a_row >= _REFUSED_IN_A_ROW or not run.answered:
            raise Gone(run.redact(f"cannot reach the server: {exc}"))
    else:
        run.refused_in_a_row = 0


def attempt(run: Run, state: OperationState, case: Any, mode: str, planned: bool = False) -> Call | None:
    """Send one case and judge its answer; a request without an answer is a failure of its
    own (with the request that caused it) and exploration goes on."""
    try:
        if mode == "positive":
            run.resources.prepare(state.op.operation_id, case)
        call = send(run, state, case, {})
    except NoAnswer as exc:
        state.cases += 1
        no_answer(run, state, exc)
        return None
    run.refused_in_a_row = 0
    run.answered = True
    state.cases += 1
    failures = judged(state, case, call, mode)
    if planned:
        failures += _planned_acceptance(state, call)
    state.add(failures)
    run.progress.case(run.budget.used)
    return call


def _planned_acceptance(state: OperationState, call: Call) -> list[Failure]:
    kept, note = planned_acceptance(state.op, call)
    if note:
        state.warnings[note] = None
    return kept


def probe(run: Run, state: OperationState, case: Any) -> list[Failure]:
    """The operation's auth, once: without credentials, then with a key nobody issued."""
    failures: list[Failure] = []
    for scenario, value in PROBES:
        try:
            call = send(run, state, case, {"Authorization": value() if value else None})
        except NoAnswer as exc:
            no_answer(run, state, exc)
            continue
        refused = auth_refused(state.op, scenario, call)
        if refused is not None:
            failures.append(refused)
        else:  # the refusal itself must keep the contract (documented status, error shape)
            failures += [
                f for f in judged(state, case, call, "positive") if f.check != "positive_data_acceptance"
            ]
    return failures
