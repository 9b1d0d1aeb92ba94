"""The server suite: property-based requests (schemathesis strategies, positive and negative data)
for each selected operation of the contract, then the Venice-aware cases (cases.py), the bounds
(bounds.py), the key state (keystate.py) and a video job's life (videostate.py); every answer
judged by schemathesis' checks and ours.

No failure stops an operation: every distinct failure (operation, rule, field) is reported once,
with the first request that showed it, and exploration goes on within `max_examples` and the
operation's time limit. A request that gets no answer (dropped, timed out) is a failure of its own.
The run stops only when the request budget is spent or the server stops accepting connections.
Without a base URL the mock is served in-process and checked.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, reject, settings
from hypothesis import seed as with_seed
from hypothesis.errors import FailedHealthCheck, Unsatisfiable

from contracts.checks.embeddings import check_agreement
from contracts.checks.reader import is_event_stream
from contracts.checks.streams import StreamChecker, chat_stream_checker
from contracts.failures import Failure, printable
from contracts.safety import Budget, BudgetExhausted, Plan, Redactor, plan
from contracts.server import builtin
from contracts.server.bounds import Past, bound_cases
from contracts.server.cases import Planned, planned_cases
from contracts.server.judging import PROBES, auth_refused, judge, planned_acceptance
from contracts.server.keystate import applies as key_state_applies
from contracts.server.keystate import check_key_state
from contracts.server.local import LocalMock
from contracts.server.progress import Progress, Silent
from contracts.server.resources import Resources
from contracts.server.results import OperationResult, SuiteOptions, SuiteResult
from contracts.server.transport import Call, NoAnswer, Transport
from contracts.server.venice import Catalog, Fixups, Unusable
from contracts.server.videostate import applies as video_state_applies
from contracts.server.videostate import check_video_state
from mockserver import Mock, Operation, Settings, Spec, load_spec

_REFUSED_IN_A_ROW = 3  # connections refused one after another: the server is gone, the run stops


class _Stop(Exception):
    """This operation's exploration ends here (its time limit)."""


class _Gone(Exception):
    """The server stopped accepting connections: every further request would wait for nothing."""


@dataclass
class _State:
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


def run_suite(
    options: SuiteOptions, spec: Spec | None = None, progress: Progress | None = None
) -> SuiteResult:
    """Run the server suite (against the in-process mock when `options.base_url` is None)."""
    spec = spec or load_spec()
    local = options.base_url is None
    chosen = plan(
        spec.operations,
        options.operations,
        local=local,
        allow_mutations=options.allow_mutations,
        allow_costly=options.allow_costly,
    )
    seed = options.seed if options.seed is not None else random.randrange(2**31)
    if not local:
        assert options.base_url is not None
        wait = 60.0 if options.max_wait is None else options.max_wait
        run = _Run(spec, options, seed, options.base_url, options.api_key, wait, chosen, progress)
        run.remote = True
        return run.run()
    key = options.api_key or f"contracts-{secrets.token_hex(8)}"
    mock_settings = replace(options.mock_settings or Settings(), api_keys=(key,))
    wait = 0.0 if options.max_wait is None else options.max_wait  # a mock's 429s are answers to check
    with LocalMock(Mock(mock_settings, spec=spec)) as mock:
        return _Run(spec, options, seed, mock.base_url, key, wait, chosen, progress).run()


class _Run:
    def __init__(
        self,
        spec: Spec,
        options: SuiteOptions,
        seed: int,
        base_url: str,
        api_key: str | None,
        max_wait: float,
        chosen: Plan,
        progress: Progress | None,
    ) -> None:
        self.spec, self.options, self.seed, self.plan = spec, options, seed, chosen
        self.base_url = base_url
        self.progress = progress or Silent()
        self.redact = Redactor([api_key])
        self.auth = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.extra = dict(options.headers)
        self.budget = Budget(options.max_requests)
        self.transport = Transport(base_url, options.limits, self.budget, self.redact, max_wait)
        self.schema = schemathesis.openapi.from_dict(
            spec.document, config=builtin.config({**self.auth, **self.extra})
        )
        self.fixups = Fixups(Catalog(self._fetch), seed)
        self.resources = Resources(self.transport, spec, {**self.auth, **self.extra}, self.redact)
        self.stopped = ""
        self.refused_in_a_row = 0
        self.key_state_done = False
        self.video_state_done = False
        self.remote = False  # a real server: mutations only with allow_mutations
        self.answered = False  # some request got an answer: a later refusal may be one request's doing

    def run(self) -> SuiteResult:
        started = time.monotonic()
        skipped = dict(self.plan.skipped)
        self.progress.start(len(self.plan.run))
        results: list[OperationResult] = []
        try:
            for op in self.spec.operations:
                oid = op.operation_id
                if oid in skipped or self.stopped:
                    reason = skipped.get(oid) or f"not run: {self.stopped}"
                    result = OperationResult(oid, op.label, "skipped", reason)
                else:
                    result = self._operation(op)
                results.append(result)
                self.progress.done(result)
        finally:
            self.progress.finish()
            self.transport.close()
        title = f"{self.spec.title} {self.spec.version}".strip()
        return SuiteResult(
            self.base_url,
            title,
            self.seed,
            tuple(results),
            self.budget.used,
            time.monotonic() - started,
            self.stopped,
        )

    def _fetch(self, operation_id: str, query: Mapping[str, str]) -> Any:
        """A read-only listing for the catalog; None if the server does not answer it with JSON."""
        try:
            call = self.transport.request(
                "GET", self.spec.operation(operation_id).path, {**self.auth, **self.extra}, params=query
            )
            return json.loads(call.body.content) if call.status == 200 else None
        except (ValueError, KeyError, NoAnswer):
            return None

    def _operation(self, op: Operation) -> OperationResult:
        self.progress.operation(op.label)
        state = _State(op, requests_at_start=self.budget.used, started=time.monotonic())
        verdict, reason = "passed", ""
        try:
            st_op = self.schema[op.path][op.method]  # by path: not every operation has an operationId
            for mode in self.options.modes:
                self._explore(state, st_op, mode)
            self._planned(state, st_op)
            self._key_state(state)
            self._video_state(state)
        except BudgetExhausted as exc:
            self.stopped = str(exc)
            reason = self.stopped
        except _Gone as exc:
            verdict, reason = "errored", str(exc)
            self.stopped = reason
        except Exception as exc:  # a bug of the kit's own: this operation has no verdict, the run goes on
            verdict, reason = "errored", self.redact(f"internal error: {type(exc).__name__}: {exc}")
        finally:
            self.resources.clean_up()
        failures = tuple(state.failures.values())
        if failures and verdict != "errored":
            verdict = "failed"
        return OperationResult(
            op.operation_id,
            op.label,
            verdict,
            reason,
            state.cases,
            self.budget.used - state.requests_at_start,
            failures,
            tuple(state.warnings),
            time.monotonic() - state.started,
        )

    def _out_of_time(self, state: _State) -> bool:
        limit = self.options.time_limit
        return limit is not None and time.monotonic() - state.started > limit

    def _explore(self, state: _State, st_op: Any, mode: str) -> None:
        strategy = st_op.as_strategy(generation_mode=schemathesis.GenerationMode(mode))

        @given(case=strategy)
        @settings(
            max_examples=self.options.max_examples,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            print_blob=False,
        )
        @with_seed(self.seed)
        def explore(case: Any) -> None:
            if self._out_of_time(state):
                raise _Stop
            self._case(state, case, mode)

        try:
            explore()
        except _Stop:
            limit = self.options.time_limit
            state.warnings[
                f"{state.op.label}: {mode} exploration stopped at its time limit ({limit:g} s)"
            ] = None
        except (Unsatisfiable, FailedHealthCheck):
            state.warnings[f"no {mode} case could be generated for {state.op.label}"] = None

    def _case(self, state: _State, case: Any, mode: str) -> None:
        op = state.op
        meta = case.meta
        if meta is not None:  # what the case really is: a "negative" case can come out valid
            mode = "positive" if meta.generation.mode.is_positive else "negative"
        if mode == "positive":
            allow_empty = {p.name: p.allow_empty for p in op.parameters if p.location == "query"}
            try:
                self.fixups.apply(op.operation_id, case, allow_empty)
            except Unusable:
                reject()
        call = self._attempt(state, case, mode)
        if call is None:
            return
        if mode == "positive" and 200 <= call.status < 300:
            self.resources.created(op.operation_id, call)
            if not state.probed and op.security.required and self.options.auth_probe and self.auth:
                state.probed = True
                state.add(self._probe(state, case))

    def _attempt(self, state: _State, case: Any, mode: str, planned: bool = False) -> Call | None:
        """Send one case and judge its answer; a request without an answer is a failure of its
        own (with the request that caused it) and exploration goes on."""
        try:
            if mode == "positive":
                self.resources.prepare(state.op.operation_id, case)
            call = self._send(state, case, {})
        except NoAnswer as exc:
            state.cases += 1
            self._no_answer(state, exc)
            return None
        self.refused_in_a_row = 0
        self.answered = True
        state.cases += 1
        failures = self._judge(state, case, call, mode)
        if planned:
            failures += self._planned_acceptance(state, call)
        state.add(failures)
        self.progress.case(self.budget.used)
        return call

    def _no_answer(self, state: _State, exc: NoAnswer) -> None:
        titles = {
            "refused": "the server refused the connection",
            "timeout": f"no answer within {self.options.limits.seconds:g} s",
            "dropped": "the server dropped the connection without an answer",
        }
        failure = Failure("no_answer", titles[exc.rule], "an HTTP answer", self.redact(str(exc)), exc.rule)
        state.add([failure.at(state.op.operation_id, None, exc.curl)])
        if exc.refused:
            self.refused_in_a_row += 1
            if self.refused_in_a_row >= _REFUSED_IN_A_ROW or not self.answered:
                raise _Gone(self.redact(f"cannot reach the server: {exc}"))
        else:
            self.refused_in_a_row = 0

    def _planned_acceptance(self, state: _State, call: Call) -> list[Failure]:
        kept, note = planned_acceptance(state.op, call)
        if note:
            state.warnings[note] = None
        return kept

    def _planned(self, state: _State, st_op: Any) -> None:
        """The Venice-aware cases, then one field past each bound of the first of them."""
        op = state.op
        cases = planned_cases(op, self.fixups.catalog, self.seed) if "positive" in self.options.modes else []
        for planned in cases:
            if self._out_of_time(state):
                return
            call = self._attempt(state, self._make(st_op, planned), "positive", planned=True)
            if call is None or not 200 <= call.status < 300 or call.media_type != "application/json":
                continue
            answer = call.json()
            if planned.key:
                state.answers[planned.key] = answer
            if planned.pair and planned.pair in state.answers:
                found = check_agreement(state.answers[planned.pair], answer)
                state.add([f.at(op.operation_id, call.status, call.curl) for f in found])
        if "negative" not in self.options.modes:
            return
        for planned, past in bound_cases(op, cases[0] if cases else None):
            if self._out_of_time(state):
                return
            self._bound(state, st_op, planned, past)

    def _bound(self, state: _State, st_op: Any, planned: Planned, past: Past) -> None:
        case = self._make(st_op, planned)
        try:
            call = self._send(state, case, {})
        except NoAnswer as exc:
            state.cases += 1
            self._no_answer(state, exc)
            return
        state.cases += 1
        failures = self._judge(state, case, call, "negative")
        if 200 <= call.status < 300:
            title = f"{past.field.lstrip('?')}={past.value} is past its {past.bound} and was accepted"
            received = f"{call.status} {printable(call.body.content, call.content_type)}"
            failure = Failure(
                "bounds", title, "a 4xx refusal in the error shape", received, "accepted", field=past.field
            )
            failures.append(failure.at(state.op.operation_id, call.status, call.curl))
        state.add(failures)
        self.progress.case(self.budget.used)

    def _make(self, st_op: Any, planned: Planned) -> Any:
        from schemathesis.core import NOT_SET

        return st_op.Case(
            body=NOT_SET if planned.body is None else planned.body,
            query=dict(planned.query),
            headers={**self.auth, **self.extra, **planned.headers},  # a made case gets no configured headers
            media_type="application/json" if planned.body is not None else None,
        )

    def _key_state(self, state: _State) -> None:
        """Once per run, with the operation that creates keys (if mutations are allowed)."""
        if state.op.operation_id != "createApiKey" or self.key_state_done or not key_state_applies(self.spec):
            return
        if self.remote and not self.options.allow_mutations:
            return
        self.key_state_done = True
        state.add(check_key_state(self.spec, self.transport, {**self.auth, **self.extra}))

    def _video_state(self, state: _State) -> None:
        """Once per run, with the operation that queues videos (run only where it may be called)."""
        if (
            state.op.operation_id != "queueVideo"
            or self.video_state_done
            or not video_state_applies(self.spec)
        ):
            return
        self.video_state_done = True
        models = self.fixups.catalog.models("video")
        state.add(check_video_state(self.spec, self.transport, {**self.auth, **self.extra}, models))

    def _send(self, state: _State, case: Any, headers: dict[str, str | None]) -> Call:
        prepared = self.transport.prepare(case, {**self.extra, **headers})
        body = case.body if isinstance(case.body, (dict, list)) else None

        def checker_for(status: int, content_type: str) -> StreamChecker | None:
            response = state.op.response(status)
            media = response.content.get("text/event-stream") if response is not None else None
            if is_event_stream(content_type) and media is not None and media.sse_data is not None:
                return chat_stream_checker(self.spec, body, state.op.operation_id)
            return None

        return self.transport.send(prepared, checker_for)

    def _judge(self, state: _State, case: Any, call: Call, mode: str) -> list[Failure]:
        failures, gap = judge(state.op, case, call, mode)
        if gap:
            state.warnings[gap] = None
        return failures

    def _probe(self, state: _State, case: Any) -> list[Failure]:
        """The operation's auth, once: without credentials, then with a key nobody issued."""
        failures: list[Failure] = []
        for scenario, value in PROBES:
            try:
                call = self._send(state, case, {"Authorization": value() if value else None})
            except NoAnswer as exc:
                self._no_answer(state, exc)
                continue
            refused = auth_refused(state.op, scenario, call)
            if refused is not None:
                failures.append(refused)
            else:  # the refusal itself must keep the contract (documented status, error shape)
                failures += [
                    f
                    for f in self._judge(state, case, call, "positive")
                    if f.check != "positive_data_acceptance"
                ]
        return failures
