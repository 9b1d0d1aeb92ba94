"""Did a client's requests follow the contract? A verdict built from the mock's request log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mockserver import Call, Spec


def _nearest(call: Call, spec: Spec | None, base_path: str) -> str:
    if not call.nearest:
        return "none"
    shown: list[str] = []
    for path in call.nearest:
        relative = path.removeprefix(base_path) if base_path else path
        ops = [op for op in spec.operations if op.path == relative] if spec is not None else []
        shown += [f"{op.method} {path} ({op.operation_id})" for op in ops] or [path]
    return ", ".join(shown)


def call_problems(calls: Iterable[Call], spec: Spec | None = None) -> list[str]:
    """One block of lines per request that broke the contract: `METHOD path`, then each
    violation as `location: rule (message)`, or the nearest documented operations."""
    base_path = spec.base_path if spec is not None else ""
    lines: list[str] = []
    for call in calls:
        if call.operation_id is not None and not call.violations:
            continue
        label = f"{call.method} {call.path}" + (f"?{call.query}" if call.query else "")
        if call.operation_id is None:
            if call.status == 405:
                lines.append(f"{label} -> 405: the path is documented, the method is not")
            else:
                nearest = _nearest(call, spec, base_path)
                lines.append(f"{label} -> {call.status}: no documented operation; nearest: {nearest}")
            continue
        lines.append(f"{label} ({call.operation_id}) -> {call.status}")
        lines.extend(f"    {v.location}: {v.rule} ({v.message})" for v in call.violations)
    return lines


def assert_client_conforms(calls: Iterable[Call], spec: Spec | None = None) -> None:
    """Fail (AssertionError) listing every request that broke the contract. `spec` names the
    nearest operations of unmatched requests (default: the bundled spec)."""
    calls = list(calls)
    bad = [c for c in calls if c.operation_id is None or c.violations]
    if bad:
        if spec is None:
            from contracts.strategies import bundled_spec

            spec = bundled_spec()
        message = f"{len(bad)} of {len(calls)} request(s) broke the Venice API contract:\n"
        raise AssertionError(message + "\n".join(f"  {line}" for line in call_problems(bad, spec)))
