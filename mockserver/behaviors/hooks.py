"""The Behavior value: its hooks' types, their defaults, and how several combine (see the
package docstring for what each hook does)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mockserver import media
from mockserver.errors import Violation
from mockserver.exchange import Exchange
from mockserver.media import JSON_TYPE
from mockserver.spec import Operation
from mockserver.types import JSON
from mockserver.validation import RequestData

if TYPE_CHECKING:
    from mockserver.services import Services

Implied = Callable[[Operation, RequestData, "Services"], "str | None"]
Check = Callable[[Operation, RequestData, "Services"], list[Violation]]
Build = Callable[[Exchange, "Services"], JSON]
Refine = Callable[[Exchange, JSON, "Services"], JSON]
Headers = Callable[[Exchange, JSON, "Services"], Mapping[str, JSON]]
Events = Callable[[Exchange, JSON, "Services"], Iterable[JSON]]
Binary = Callable[[Exchange, "Services"], "bytes | AsyncIterator[bytes]"]
Account = Callable[[Exchange, JSON, "Services"], None]


@dataclass(frozen=True, slots=True)
class Refusal:
    """An answer instead of the success (e.g. 429 with Retry-After): a documented status."""

    status: int
    message: str
    headers: Mapping[str, str] = field(default_factory=dict)


class Refused(Exception):
    """Raised by a build hook whose refusal depends on a state change made in the same step (the
    key limit: checked and stored atomically); the pipeline answers it like an admit refusal."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


Admit = Callable[[Exchange, "Services"], "Refusal | None"]
Permit = Callable[[Operation, RequestData, "Services"], "Refusal | None"]


# The defaults: what an operation without Venice semantics does at each step. A behavior sets
# only the hooks it needs; the pipeline calls every hook and never asks whether one is there.


def _no_refusal(op: Operation, request: RequestData, services: Services) -> Refusal | None:
    return None


def _nothing_implied(op: Operation, request: RequestData, services: Services) -> str | None:
    return None


def _no_violations(op: Operation, request: RequestData, services: Services) -> list[Violation]:
    return []


def synthesized(ex: Exchange, services: Services) -> JSON:
    """The answer from the schema alone: a seeded valid value (examples preferred)."""
    assert ex.response is not None
    schema = ex.response.content[JSON_TYPE].schema
    return None if schema is None else services.synthesizer.valid_value(schema, ex.rng("body"), examples=True)


def _unchanged(ex: Exchange, value: JSON, services: Services) -> JSON:
    return value


def _no_headers(ex: Exchange, value: JSON, services: Services) -> Mapping[str, JSON]:
    return {}


def _one_event(ex: Exchange, value: JSON, services: Services) -> Iterable[JSON]:
    return [value]  # the answer's JSON value as a single event


def _media_bytes(ex: Exchange, services: Services) -> bytes | AsyncIterator[bytes]:
    return media.binary(ex)


def _admitted(ex: Exchange, services: Services) -> Refusal | None:
    return None


def _nothing_to_account(ex: Exchange, value: JSON, services: Services) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Behavior:
    permit: Permit = _no_refusal
    implied: Implied = _nothing_implied
    check: Check = _no_violations
    build: Build = synthesized
    refine: Refine = _unchanged
    headers: Headers = _no_headers
    events: Events = _one_event
    binary: Binary = _media_bytes
    admit: Admit = _admitted
    account: Account = _nothing_to_account
    # A behavior is assumed to read state (keys, usage) unless it says its GET answers depend on
    # the request only; GENERIC, which reads nothing, says so.
    cacheable: bool = False
    seed_ignores: tuple[str, ...] = ()


# An operation without Venice semantics (or every operation with --no-behaviors): the answer is a
# function of (spec, seed, request) alone, so a repeated GET may be replayed from memory.
GENERIC = Behavior(cacheable=True)
_DEFAULTS = Behavior()


def _own(part: Behavior, name: str) -> bool:
    """Whether `part` sets the hook `name` itself (not the default)."""
    return getattr(part, name) is not getattr(_DEFAULTS, name)


def combine(parts: Sequence[Behavior]) -> Behavior:
    """One Behavior from several: first answer wins for implied/admit/permit, the first part that
    sets build/events/binary provides it; checks and headers add up; refinements chain; every
    account hook runs. Only the parts that set a hook take part in it, and a hook only one part
    sets is that part's own: a chat call crosses seven of these per request."""
    if len(parts) == 1:
        return parts[0]

    def owners(name: str) -> list[Any]:
        return [getattr(p, name) for p in parts if _own(p, name)]

    def first(name: str) -> Any:
        return chained(name, lambda found: found[0])

    def chained(name: str, join: Callable[[list[Any]], Any]) -> Any:
        found = owners(name)
        if len(found) > 1:
            return join(found)
        return found[0] if found else getattr(_DEFAULTS, name)

    def implied(hooks: list[Implied]) -> Implied:
        def run(op: Operation, request: RequestData, services: Services) -> str | None:
            return next((m for h in hooks if (m := h(op, request, services))), None)

        return run

    def check(hooks: list[Check]) -> Check:
        def run(op: Operation, request: RequestData, services: Services) -> list[Violation]:
            return [v for h in hooks for v in h(op, request, services)]

        return run

    def refine(hooks: list[Refine]) -> Refine:
        def run(ex: Exchange, value: JSON, services: Services) -> JSON:
            for h in hooks:
                value = h(ex, value, services)
            return value

        return run

    def headers(hooks: list[Headers]) -> Headers:
        def run(ex: Exchange, value: JSON, services: Services) -> Mapping[str, JSON]:
            out: dict[str, JSON] = {}
            for h in hooks:
                out.update(h(ex, value, services))
            return out

        return run

    def admit(hooks: list[Admit]) -> Admit:
        def run(ex: Exchange, services: Services) -> Refusal | None:
            return next((r for h in hooks if (r := h(ex, services))), None)

        return run

    def permit(hooks: list[Permit]) -> Permit:
        def run(op: Operation, request: RequestData, services: Services) -> Refusal | None:
            return next((r for h in hooks if (r := h(op, request, services))), None)

        return run

    def account(hooks: list[Account]) -> Account:
        def run(ex: Exchange, value: JSON, services: Services) -> None:
            for h in hooks:
                h(ex, value, services)

        return run

    return Behavior(
        permit=chained("permit", permit),
        implied=chained("implied", implied),
        check=chained("check", check),
        build=first("build"),
        refine=chained("refine", refine),
        headers=chained("headers", headers),
        events=first("events"),
        binary=first("binary"),
        admit=chained("admit", admit),
        account=chained("account", account),
        cacheable=all(p.cacheable for p in parts),
        seed_ignores=tuple(dict.fromkeys(f for p in parts for f in p.seed_ignores)),
    )
