"""Resilience scenarios for a client: an adverse answer first, then (for a client that retries)
a valid one. What the client did is reported either way; it fails when it reports a broken
answer as a success, or retries before the Retry-After it was given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contracts.client.cases import baseline, success_script, success_target
from contracts.client.findings import Finding, Observation
from contracts.client.harness import Harness, Outcome
from contracts.client.judge import request_findings, unsupported_note, value_findings
from contracts.client.media import SSE_TYPE, kind
from mockserver import SCENARIO_RETRY_AFTER as RETRY_AFTER_SECONDS
from mockserver import SCENARIO_STATUSES as STATUSES
from mockserver import SCENARIOS as CATALOG
from mockserver import Operation, Spec

# The mock's catalog is the one list: a scenario added there is played here too.
SCENARIOS: tuple[str, ...] = tuple(CATALOG)
# Clock granularity: a client that slept exactly Retry-After must not be failed by rounding.
_SLACK = 0.02


def applicable(op: Operation, scenario: str) -> str | None:
    """The media type the scenario is played with for `op`, or None when it does not apply."""
    status, media_type = success_target(op)
    if scenario in STATUSES:
        return media_type if op.documents(STATUSES[scenario]) else None
    if scenario == "cut-stream":
        response = op.response(status)
        return SSE_TYPE if response is not None and SSE_TYPE in response.content else None
    if scenario == "truncated-json":
        return media_type if media_type is not None and kind(media_type) == "json" else None
    return media_type if scenario == "slow-first-byte" and media_type is not None else None


def scenario_case(spec: Spec, op: Operation, scenario: str, delay: float) -> dict[str, Any] | None:
    media_type = applicable(op, scenario)
    if media_type is None:
        return None
    good = success_script(spec, op, media_type, long=scenario == "cut-stream")
    if scenario in STATUSES:
        adverse: dict[str, Any] = {"status": STATUSES[scenario], "scenario": scenario}
    elif scenario == "slow-first-byte":
        adverse = {**good, "delay": delay}
    else:
        adverse = {**good, "scenario": scenario}
    return {
        "phase": "resilience",
        "operation": op.operation_id,
        "scenario": scenario,
        "arguments": baseline(spec, op, media_type),
        "scripts": [adverse, good],
    }


def judge_scenario(
    h: Harness, op: Operation, case: Mapping[str, Any], outcome: Outcome
) -> tuple[list[Finding], Observation]:
    scenario = case["scenario"]
    good = case["scripts"][1]
    result = outcome.result
    ours = [c for c in outcome.calls if c.operation_id == op.operation_id]
    if result.unsupported:
        note = unsupported_note(op, "resilience", f"the {scenario} scenario")
        return [note], Observation(op.operation_id, scenario, "unsupported by the adapter", True)
    problems = [
        f
        for f in request_findings(h, op, case["arguments"], outcome.calls, result, "resilience")
        if f.rule != "request.count"
    ]
    if problems or not ours:
        return problems, Observation(
            op.operation_id, scenario, "could not be played: the request itself was refused", False
        )
    retried = len(ours) > 1
    gap = ours[1].time - ours[0].time if retried else 0.0
    findings: list[Finding] = []

    def fail(rule: str, title: str, *evidence: str) -> None:
        findings.append(
            Finding(
                op.operation_id, "resilience", f"resilience.{rule}", title, evidence=evidence, path=scenario
            )
        )

    # A broken answer reported as a success is judged below; compare values of real answers only.
    if result.ok and (retried or scenario in STATUSES or scenario == "slow-first-byte"):
        findings += [
            Finding(f.operation, f.phase, f.rule, f"{scenario}: {f.title}", f.attribution, f.evidence, f.path)
            for f in value_findings(op, result, good, "resilience")
        ]
    if scenario in STATUSES:
        status = STATUSES[scenario]
        if retried:
            outcome_text = f"retried after {gap:.2f} s"
            if status == 429 and gap < RETRY_AFTER_SECONDS - _SLACK:
                fail(
                    "retry-after",
                    f"retried {gap:.2f} s after a 429 that said Retry-After: {RETRY_AFTER_SECONDS}",
                    f"answers: {', '.join(str(c.status) for c in ours)}",
                )
        elif result.ok:
            outcome_text = "reported success without retrying"
            fail(
                "error-as-success",
                f"a {status} answer was reported as a success",
                f"the client returned {result.shown}",
            )
        else:
            outcome_text = f"surfaced {result.error}"
    elif scenario == "slow-first-byte":
        delay = float(case["scripts"][0].get("delay", 0))
        outcome_text = (
            f"waited {outcome.seconds:.2f} s for a first byte {delay:g} s late"
            if result.ok
            else f"gave up: {result.error}"
        )
    else:
        what = "a stream cut mid-way" if scenario == "cut-stream" else "a truncated JSON body"
        if result.ok and not retried:
            outcome_text = f"reported {what} as a success ({result.shown})"
            fail(scenario, f"reported {what} as a success", f"the client returned {result.shown}")
        elif result.ok:
            outcome_text = f"retried after {what} and returned the next answer"
        else:
            outcome_text = f"reported {what} as an error: {result.error}"
    if retried and result.ok and "retried" not in outcome_text:
        outcome_text += " (after a retry)"
    changed = [f for f in findings if f.rule.startswith("response.")]
    if changed:  # say why a client that did the right thing still failed here
        outcome_text += f"; but {changed[0].title.removeprefix(f'{scenario}: ')}"
    return findings, Observation(op.operation_id, scenario, outcome_text, not findings)
