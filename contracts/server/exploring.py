"""An operation explored: schemathesis' strategy for one mode (positive or negative data), drawn by
hypothesis with the run's seed within `max_examples` and the operation's time limit. A positive
case is brought in line with Venice's rules first (venice.py); the first positive case a secured
operation accepts is sent again for the auth probe.

Hypothesis only draws here (the generate phase: nothing is replayed or shrunk), and no finding
ends the exploration: the judges record it and hypothesis draws on.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, reject, settings
from hypothesis import seed as with_seed
from hypothesis.errors import FailedHealthCheck, Unsatisfiable

from contracts.server.session import OperationState, Run, attempt, out_of_time, probe
from contracts.server.venice import Unusable


class _Stop(Exception):
    """This operation's exploration ends here (its time limit)."""


def explore(run: Run, state: OperationState, st_op: Any, mode: str) -> None:
    """Every case hypothesis draws for `mode`, sent and judged; why it stopped early is a warning."""
    strategy = st_op.as_strategy(generation_mode=schemathesis.GenerationMode(mode))

    @given(case=strategy)
    @settings(
        max_examples=run.options.max_examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        print_blob=False,
    )
    @with_seed(run.seed)
    def drawn(case: Any) -> None:
        if out_of_time(run, state):
            raise _Stop
        _case(run, state, case, mode)

    try:
        drawn()
    except _Stop:
        limit = run.options.time_limit
        state.warnings[f"{state.op.label}: {mode} exploration stopped at its time limit ({limit:g} s)"] = None
    except (Unsatisfiable, FailedHealthCheck):
        state.warnings[f"no {mode} case could be generated for {state.op.label}"] = None


def _case(run: Run, state: OperationState, case: Any, mode: str) -> None:
    op = state.op
    meta = case.meta
    if meta is not None:  # what the case really is: a "negative" case can come out valid
        mode = "positive" if meta.generation.mode.is_positive else "negative"
    if mode == "positive":
        allow_empty = {p.name: p.allow_empty for p in op.parameters if p.location == "query"}
        try:
            run.fixups.apply(op.operation_id, case, allow_empty)
        except Unusable:
            reject()
    call = attempt(run, state, case, mode)
    if call is None:
        return
    if mode == "positive" and 200 <= call.status < 300:
        run.resources.created(op.operation_id, call)
        if not state.probed and op.security.required and run.options.auth_probe and run.auth:
            state.probed = True
            state.add(probe(run, state, case))
