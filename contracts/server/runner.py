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

import random
import secrets
import time
from dataclasses import replace

from contracts.safety import BudgetExhausted, plan
from contracts.server.exploring import explore
from contracts.server.keystate import applies as key_state_applies
from contracts.server.keystate import check_key_state
from contracts.server.local import LocalMock
from contracts.server.planned import send_planned
from contracts.server.progress import Progress
from contracts.server.results import OperationResult, SuiteOptions, SuiteResult
from contracts.server.session import Gone, OperationState, Run, open_run
from contracts.server.videostate import applies as video_state_applies
from contracts.server.videostate import check_video_state
from mockserver import Mock, Operation, Settings, Spec, load_spec


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
        run = open_run(
            spec, options, seed, options.base_url, options.api_key, wait, chosen, progress, remote=True
        )
        return _run(run)
    key = options.api_key or f"contracts-{secrets.token_hex(8)}"
    mock_settings = replace(options.mock_settings or Settings(), api_keys=(key,))
    wait = 0.0 if options.max_wait is None else options.max_wait  # a mock's 429s are answers to check
    with LocalMock(Mock(mock_settings, spec=spec)) as mock:
        return _run(open_run(spec, options, seed, mock.base_url, key, wait, chosen, progress, remote=False))


def _run(run: Run) -> SuiteResult:
    started = time.monotonic()
    skipped = dict(run.plan.skipped)
    run.progress.start(len(run.plan.run))
    results: list[OperationResult] = []
    try:
        for op in run.spec.operations:
            oid = op.operation_id
            if oid in skipped or run.stopped:
                reason = skipped.get(oid) or f"not run: {run.stopped}"
                result = OperationResult(oid, op.label, "skipped", reason)
            else:
                result = _operation(run, op)
            results.append(result)
            run.progress.done(result)
    finally:
        run.progress.finish()
        run.transport.close()
    title = f"{run.spec.title} {run.spec.version}".strip()
    return SuiteResult(
        run.base_url,
        title,
        run.seed,
        tuple(results),
        run.budget.used,
        time.monotonic() - started,
        run.stopped,
    )


def _operation(run: Run, op: Operation) -> OperationResult:
    run.progress.operation(op.label)
    state = OperationState(op, requests_at_start=run.budget.used, started=time.monotonic())
    verdict, reason = "passed", ""
    try:
        st_op = run.schema[op.path][op.method]  # by path: not every operation has an operationId
        for mode in run.options.modes:
            explore(run, state, st_op, mode)
        send_planned(run, state, st_op)
        _key_state(run, state)
        _video_state(run, state)
    except BudgetExhausted as exc:
        run.stopped = str(exc)
        reason = run.stopped
    except Gone as exc:
        verdict, reason = "errored", str(exc)
        run.stopped = reason
    except Exception as exc:  # a bug of the kit's own: this operation has no verdict, the run goes on
        verdict, reason = "errored", run.redact(f"internal error: {type(exc).__name__}: {exc}")
    finally:
        run.resources.clean_up()
    failures = tuple(state.failures.values())
    if failures and verdict != "errored":
        verdict = "failed"
    return OperationResult(
        op.operation_id,
        op.label,
        verdict,
        reason,
        state.cases,
        run.budget.used - state.requests_at_start,
        failures,
        tuple(state.warnings),
        time.monotonic() - state.started,
    )


def _key_state(run: Run, state: OperationState) -> None:
    """Once per run, with the operation that creates keys (if mutations are allowed)."""
    if state.op.operation_id != "createApiKey" or run.key_state_done or not key_state_applies(run.spec):
        return
    if run.remote and not run.options.allow_mutations:
        return
    run.key_state_done = True
    state.add(check_key_state(run.spec, run.transport, run.headers))


def _video_state(run: Run, state: OperationState) -> None:
    """Once per run, with the operation that queues videos (run only where it may be called)."""
    if state.op.operation_id != "queueVideo" or run.video_state_done or not video_state_applies(run.spec):
        return
    run.video_state_done = True
    models = run.fixups.catalog.models("video")
    state.add(check_video_state(run.spec, run.transport, run.headers, models))
