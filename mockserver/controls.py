"""The mock's controls: their vocabulary (faults, scenarios) and how one request's are read.

Per request: `Prefer` (code, example, dynamic), `X-Mock-Fault`, `X-Mock-Scenario`, `X-Mock-Seed`
and `X-Mock-Pace`, over the run's `--fault`, `--scenario NAME[:P]` and pacing, which are parsed
once at start (`configure`). Each request's are read once (`read`) into one `Controls` value that
the Exchange carries; nothing later looks at those headers again.

A malformed control is a SelectionError (a 400 naming the header), but it is kept, not raised,
while reading: who you are comes first (401, then the key's type), so the pipeline raises it
where controls take effect (`Controls.check`). What a fault waives is known before that point.
What each fault and scenario does lives with its effect (faults.py, scenarios.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from mockserver.exceptions import SelectionError
from mockserver.selection import Prefer, parse_prefer
from mockserver.settings import Settings
from mockserver.types import Incoming

FAULTS: Mapping[str, str] = {
    "wrong-field-type": "a required field of a JSON answer has another type than the schema says",
    "missing-required-field": "a required field of a JSON answer is left out",
    "extra-field": "a JSON answer carries a field where the schema says additionalProperties: false",
    "undocumented-status": "a success is answered with status 418, documented nowhere",
    "wrong-content-type": "answers are labelled text/plain, a media type the operation does not document",
    "lying-content-encoding": "Content-Encoding names a coding the body is not in",
    "invalid-base64-image": "base64 images in JSON answers are not valid base64",
    "wrong-image-size": "images are half the size the request asked for",
    "undecodable-audio": "audio keeps its magic bytes but the rest is garbage",
    "sse-changing-id": "chat stream chunks change their id after the first chunk",
    "sse-without-done": "chat streams end without data: [DONE]",
    "stream-never-ends": "chat streams never end: keep-alive comments forever instead of [DONE]",
    "auth-not-enforced": "requests without valid credentials are served",
    "invalid-input-accepted": "requests that violate the schema are answered as if they were valid",
    "csv-missing-column": "CSV answers lose their last column",
}
# The two faults that are about what the pipeline refuses, and the statuses they let through.
_WAIVES: Mapping[str, tuple[int, ...]] = {"auth-not-enforced": (401,), "invalid-input-accepted": (400, 415)}
# Faults that weaken security: a request header alone must not turn them on where keys guard
# the mock (the operator chooses them at start: `--fault NAME` or `--allow-fault-headers`).
WEAKENING = frozenset({"auth-not-enforced"})

RETRY_AFTER_SECONDS = 1
SLOW_FIRST_BYTE_SECONDS = 2.0
SCENARIOS: Mapping[str, str] = {
    "rate-limit": f"429 with Retry-After: {RETRY_AFTER_SECONDS} and x-ratelimit-* headers "
    "(only where 429 is documented)",
    "server-error": "500 with an error body (only where 500 is documented)",
    "unavailable": "503 with an error body (only where 503 is documented)",
    "timeout": "504 with an error body (only where 504 is documented)",
    "slow-first-byte": f"the usual answer, but its first body byte waits {SLOW_FIRST_BYTE_SECONDS:g} s",
    "cut-stream": "BROKEN ON PURPOSE, transport level: an SSE stream stops mid-way (possibly inside "
    "an event), without [DONE], and the connection closes without ending the body",
    "truncated-json": "BROKEN ON PURPOSE, transport level: a JSON body cut short (framed as complete, "
    "so the client sees invalid JSON)",
}


@dataclass(frozen=True, slots=True)
class Pacing:
    ttft: float = 0.0  # seconds before the first event (time to first token)
    delay: float = 0.0  # seconds between events


_NO_PREFER = Prefer()
_NO_PACE = Pacing()


@dataclass(frozen=True, slots=True)
class Controls:
    """One request's controls, the run's included."""

    prefer: Prefer = _NO_PREFER
    faults: tuple[str, ...] = ()  # to inject into the answer: the run's, then the header's
    scenarios: tuple[str, ...] = ()  # asked for by X-Mock-Scenario (applied every time)
    seed: int | None = None  # X-Mock-Seed: replaces the run's --seed
    pace: Pacing = _NO_PACE
    waived: frozenset[int] = frozenset()  # statuses a requested fault lets through
    sent: bool = False  # the request carried a control header: its answer is not cached
    problem: SelectionError | None = field(default=None, compare=False)

    def check(self) -> None:
        """Raise the SelectionError of a malformed control (a 400 naming the header)."""
        if self.problem is not None:
            raise self.problem

    def notes(self) -> tuple[str, ...]:
        """What the request log shows of the Prefer header, as it was understood."""
        p = self.prefer
        tokens = [
            *([f"code={p.code}"] if p.code is not None else []),
            *([f"example={p.example}"] if p.example is not None else []),
            *([f"dynamic={str(p.dynamic).lower()}"] if p.dynamic is not None else []),
        ]
        return (f"Prefer: {', '.join(tokens)}",) if tokens else ()


NO_CONTROLS = Controls()  # a request that sends none, in a run that chose none


@dataclass(frozen=True, slots=True)
class RunControls:
    """What the run chose for every request: faults, scenarios with their probabilities, pacing,
    and whether a request header may weaken security (WEAKENING)."""

    faults: tuple[str, ...] = ()
    scenarios: tuple[tuple[str, float], ...] = ()
    pace: Pacing = _NO_PACE
    header_may_weaken: bool = True
    plain: Controls = NO_CONTROLS  # the controls of a request that sends none (most of them)


def configure(settings: Settings, header_may_weaken: bool) -> RunControls:
    """The run's controls; SelectionError naming the entry for an unknown fault or scenario."""
    unknown = [name for name in settings.faults if name not in FAULTS]
    if unknown:
        known = ", ".join(FAULTS)
        raise SelectionError(f"--fault {', '.join(unknown)}: unknown; known: {known}", list(FAULTS))
    try:
        entries = tuple(parse_entry(entry) for entry in settings.scenarios)
    except ValueError as exc:
        raise SelectionError(f"--scenario: {exc}", list(SCENARIOS)) from None
    pace = Pacing(min(settings.stream_ttft_ms / 1000, 60.0), min(settings.stream_delay_ms / 1000, 10.0))
    chosen = tuple(dict.fromkeys(settings.faults))
    plain = Controls(faults=chosen, pace=pace, waived=_waived(chosen))
    return RunControls(chosen, entries, pace, header_may_weaken, plain)


def read(incoming: Incoming, run: RunControls) -> Controls:
    """The request's controls; a malformed one is kept in `problem` (see the module docstring)."""
    headers = incoming.headers
    sent = "prefer" in headers or any(name.startswith("x-mock-") for name in headers)
    if not sent:  # the usual request: nothing to parse
        return run.plain
    fault_header = incoming.header("x-mock-fault")
    waived = _waived(_split(run.faults, fault_header, run.header_may_weaken))
    prefer, injected, seed, pace = _NO_PREFER, run.faults, None, run.pace
    asked: tuple[str, ...] = ()
    problem: SelectionError | None = None
    try:
        injected = requested(run.faults, fault_header, run.header_may_weaken)
        if "prefer" in headers:
            prefer = parse_prefer(incoming.header("prefer"))
        asked = _scenarios(incoming.header("x-mock-scenario"))
        if incoming.header("x-mock-seed"):  # an empty one is no seed
            seed = parse_seed(incoming.header("x-mock-seed"))
        if "x-mock-pace" in headers:
            pace = parse_pace(incoming.header("x-mock-pace"), run.pace)
    except SelectionError as exc:
        problem = exc
    return Controls(prefer, injected, asked, seed, pace, waived, True, problem)


def _split(run_faults: Sequence[str], header: str, weakening: bool = True) -> tuple[str, ...]:
    from_header = (n.strip() for n in header.split(",") if n.strip())
    names = [*run_faults, *(n for n in from_header if weakening or n not in WEAKENING)]
    return tuple(dict.fromkeys(names))


def _waived(names: Sequence[str]) -> frozenset[int]:
    return frozenset(status for name in names for status in _WAIVES.get(name, ()))


def requested(run_faults: Sequence[str], header: str, weakening: bool = True) -> tuple[str, ...]:
    """The faults to inject; SelectionError (a 400 in the spec's error shape) for unknown names,
    and for a security-weakening fault asked for by the header when `weakening` is not allowed."""
    names = _split(run_faults, header)
    unknown = [n for n in names if n not in FAULTS]
    if unknown:
        raise SelectionError(f"unknown fault {', '.join(unknown)}; known: {', '.join(FAULTS)}", list(FAULTS))
    refused = [n for n in names if n in WEAKENING and n not in run_faults and not weakening]
    if refused:
        raise SelectionError(
            f"fault {', '.join(refused)} weakens security and cannot be chosen per request while "
            "--api-key guards the mock: start it with --fault NAME or --allow-fault-headers"
        )
    return names


def waives(run_faults: Sequence[str], header: str, status: int, weakening: bool = True) -> bool:
    """Whether a requested fault lets through a request that would be refused with `status`
    (401: auth-not-enforced; 400/415: invalid-input-accepted). Never raises: unknown names are
    refused by `requested`. Without `weakening`, the header cannot waive security."""
    return status in _waived(_split(run_faults, header, weakening))


def parse_entry(entry: str) -> tuple[str, float]:
    """A scenario `NAME` or `NAME:PROBABILITY` -> (name, probability); ValueError if either is wrong."""
    name, _, given = entry.strip().partition(":")
    name = name.strip()
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}")
    if not given:
        return name, 1.0
    try:
        probability = float(given)
    except ValueError:
        raise ValueError(f"scenario {name}: {given!r} is not a probability") from None
    if not 0.0 <= probability <= 1.0 or math.isnan(probability):
        raise ValueError(f"scenario {name}: probability {given} is not between 0 and 1")
    return name, probability


def _scenarios(header: str) -> tuple[str, ...]:
    try:
        names = [parse_entry(entry)[0] for entry in header.split(",") if entry.strip()]
    except ValueError as exc:
        raise SelectionError(f"X-Mock-Scenario: {exc}", list(SCENARIOS)) from None
    return tuple(dict.fromkeys(names))


_SEED = re.compile(r"-?[0-9]{1,20}")  # ASCII digits only (`isdigit` admits "²"); 64 bits and a sign


def parse_seed(header: str) -> int:
    """The `X-Mock-Seed` value; a SelectionError (a 400 naming the header) if it is not one."""
    if _SEED.fullmatch(header.strip()) is None:
        raise SelectionError(
            f"X-Mock-Seed: {header[:40]!r} is not an integer of at most 20 ASCII digits "
            "(e.g. 'X-Mock-Seed: 42')"
        )
    return int(header)


# ASCII digits, at most 12 before the point: `\d` would admit "٣", and the values are bounded anyway.
_PACE_TOKEN = re.compile(r"(ttft|delay)\s*=\s*([0-9]{1,12}(?:\.[0-9]{1,12})?)\s*(ms|s)?")


def parse_pace(header: str, base: Pacing) -> Pacing:
    """`X-Mock-Pace: ttft=200ms, delay=20ms` over the run's pacing; SelectionError naming a
    malformed token (not silently ignored)."""
    ttft, delay = base.ttft, base.delay
    for token in (t.strip() for t in header.split(",")):
        if not token:
            continue
        matched = _PACE_TOKEN.fullmatch(token)
        if matched is None:
            raise SelectionError(
                f"X-Mock-Pace: {token[:40]!r} is not 'ttft=N[ms|s]' or 'delay=N[ms|s]' "
                "(e.g. 'X-Mock-Pace: ttft=200ms, delay=20ms')"
            )
        name, number, unit = matched.groups()
        seconds = float(number) / (1 if unit == "s" else 1000)
        if name == "ttft":
            ttft = seconds
        else:
            delay = seconds
    return Pacing(min(ttft, 60.0), min(delay, 10.0))  # bounded: a typo must not hang a test run
