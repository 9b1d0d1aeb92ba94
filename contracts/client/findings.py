"""What the client suite found: each finding names the operation, the rule, who is to blame
(the client, or the spec for leaving the point open) and the evidence; failing cases carry the
case itself, shrunk, so it can be replayed.

Rules:
  request.none        the client sent nothing for valid arguments (or never asked for the answer)
  request.count       more than one request for one call (other than retries of 429/5xx)
  request.operation   the request matched no documented operation, or another one
  request.schema      the request broke the contract (each violation: `location: rule`)
  request.dropped / .renamed / .retyped / .changed / .added
                      a given value did not arrive as given (added: not given and not a spec default)
  response.rejected   the client failed on a valid answer
  response.unknown-field
                      the client failed on an unknown field where the schema allows additional
                      properties (OpenAPI's default); the same answer without it passes
  response.changed    the client returned other values than the answer carried
  response.kind       the client returned another kind of result (events, bytes, a value)
  response.error-as-success / response.error-status
                      a documented error answer reported as a success, or with another status
  resilience.retry-after / .error-as-success / .cut-stream / .truncated-json / .slow-first-byte
                      how the client handled an adverse answer
  unsupported         (a note, never a failure) the adapter cannot make this call

One bug is one finding: findings are told apart by `key`, (operation, rule, field path) with
array indices folded (`body.choices[].message`), so a run reports each distinct bug once, with
its own case.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Attribution = Literal["client", "spec", "allowed"]
PHASES = ("requests", "responses", "resilience")


@dataclass(frozen=True, slots=True)
class Finding:
    operation: str
    phase: str  # one of PHASES
    rule: str  # e.g. "request.schema"
    title: str  # one line
    attribution: Attribution = "client"
    evidence: tuple[str, ...] = ()  # lines a reader needs to act on it
    path: str = ""  # the field it is about ("body.venice_parameters"), "" when it is the whole call
    case: Mapping[str, Any] | None = field(default=None, compare=False)  # replayable, see cases.py

    @property
    def failing(self) -> bool:
        return self.attribution == "client"

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes two findings the same bug: operation, rule and field path."""
        return self.operation, self.rule, fold(self.path)

    def with_case(self, case: Mapping[str, Any]) -> Finding:
        return Finding(
            self.operation,
            self.phase,
            self.rule,
            self.title,
            self.attribution,
            self.evidence,
            self.path,
            case,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "phase": self.phase,
            "rule": self.rule,
            "title": self.title,
            "attribution": self.attribution,
            "evidence": list(self.evidence),
            "path": self.path,
            "case": dict(self.case) if self.case is not None else None,
        }


@dataclass(frozen=True, slots=True)
class Observation:
    """What the client did in one resilience scenario (reported whether or not it passed)."""

    operation: str
    scenario: str
    outcome: str  # "retried after 1.01 s and returned the answer", "surfaced RateLimitError (429)"
    passed: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "scenario": self.scenario,
            "outcome": self.outcome,
            "passed": self.passed,
        }


def verdict(findings: list[Finding], supported: bool | None) -> str:
    """pass, fail (a client failure), ambiguous (only the spec is to blame), unsupported, not run."""
    if supported is False:
        return "unsupported"
    if supported is None:
        return "not run"
    if any(f.failing for f in findings):
        return "fail"
    if any(f.attribution == "spec" for f in findings):
        return "ambiguous"
    return "pass"


def fold(path: str) -> str:
    """A field path with its array indices folded: every item of an array is one place."""
    return re.sub(r"\[\d+\]", "[]", path)


def case_text(case: Mapping[str, Any]) -> str:
    return json.dumps(case, ensure_ascii=False, separators=(",", ":"), default=repr)
