"""The server suite: property-based requests (schemathesis strategies, positive and negative data)
for each selected operation of the contract, every answer judged by schemathesis' checks and ours.

An operation stops at its first failing case unless `continue_on_failure`; the run stops when the
request budget is spent. Without a base URL the mock is served in-process and checked.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, reject, settings
from hypothesis import seed as with_seed
from hypothesis.errors import FailedHealthCheck, Unsatisfiable

from contracts.checks.reader import is_event_stream
from contracts.checks.streams import StreamChecker, chat_stream_checker
from contracts.failures import Failure
from contracts.safety import Budget, BudgetExhausted, Plan, Redactor, plan
from contracts.server import builtin
from contracts.server.judging import PROBES, auth_refused, judge
from contracts.server.local import LocalMock
from contracts.server.progress import Progress, Silent
from contracts.server.resources import Resources
from contracts.server.results import OperationResult, SuiteOptions, SuiteResult
from contracts.server.transport import Call, Transport
from contracts.server.venice import Catalog, Fixups, Unusable
from mockserver import Mock, Operation, Settings, Spec, load_spec


class _Stop(Exception):
    """This operation's exploration ends here (its first failing case)."""


@dataclass
class _State:
    op: Operation
    cases: int = 0
    requests_at_start: int = 0
    failures: dict[str, Failure] = field(default_factory=dict)  # by name: the first of each
    warnings: dict[str, None] = field(default_factory=dict)
    probed: bool = False
    stop: bool = False


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
        return _Run(spec, options, seed, options.base_url, options.api_key, wait, chosen, progress).run()
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
        except (ValueError, KeyError, httpx.TransportError):
            return None

    def _operation(self, op: Operation) -> OperationResult:
        self.progress.operation(op.label)
        state = _State(op, requests_at_start=self.budget.used)
        started = time.monotonic()
        verdict, reason = "passed", ""
        try:
            st_op = self.schema[op.path][op.method]  # by path: not every operation has an operationId
            for mode in self.options.modes:
                self._explore(state, st_op, mode)
                if state.stop:
                    break
        except BudgetExhausted as exc:
            self.stopped = str(exc)
            reason = self.stopped
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            verdict, reason = "errored", self.redact(f"cannot reach the server: {type(exc).__name__}: {exc}")
            self.stopped = reason  # every further request would wait for the same refusal
        except httpx.TransportError as exc:
            verdict, reason = "errored", self.redact(f"no answer: {type(exc).__name__}: {exc}")
        except Exception as exc:  # a bug of the kit's own: this operation has no verdict, the run goes on
            verdict, reason = "errored", self.redact(f"internal error: {type(exc).__name__}: {exc}")
        finally:
            self.resources.clean_up()
        failures = tuple(state.failures.values())
        if failures:
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
            time.monotonic() - started,
        )

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
            if state.stop:
                raise _Stop  # also on hypothesis' final replay: never send the failing case twice
            self._case(state, case, mode)

        try:
            explore()
        except _Stop:
            pass
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
            self.resources.prepare(op.operation_id, case)
        call = self._send(state, case, {})
        state.cases += 1
        failures = self._judge(state, case, call, mode)
        if mode == "positive" and 200 <= call.status < 300:
            self.resources.created(op.operation_id, call)
            if not state.probed and op.security.required and self.options.auth_probe and self.auth:
                state.probed = True
                failures += self._probe(state, case)
        self.progress.case(self.budget.used)
        if failures:
            for failure in failures:
                state.failures.setdefault(failure.name, failure)
            if not self.options.continue_on_failure:
                state.stop = True
                raise _Stop

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
            call = self._send(state, case, {"Authorization": value() if value else None})
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
