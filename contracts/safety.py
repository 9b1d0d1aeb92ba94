"""Safety for real endpoints: what may be called, how often, and what must never be printed.

Operations fall in three classes: read-only (GET/HEAD/OPTIONS), costly (Venice bills them: chat,
images, speech, embeddings, video) and mutating (everything else that writes, e.g. creating or
deleting API keys). Against a real server read-only operations run by default, mutating ones
with `--allow-mutations`, costly ones when named or with `--allow-costly`. The in-process mock
is free and disposable: everything selected runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mockserver import Operation

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
COSTLY_TAGS = frozenset({"chat", "image", "audio", "speech", "embeddings", "video"})


def classify(op: Operation) -> str:
    """ "read-only", "costly" or "mutating"."""
    if op.method in READ_ONLY_METHODS:
        return "read-only"
    if any(tag.lower() in COSTLY_TAGS for tag in op.tags):
        return "costly"
    return "mutating"


@dataclass(frozen=True, slots=True)
class Plan:
    run: tuple[str, ...]  # operation ids, in spec order
    skipped: tuple[tuple[str, str], ...]  # (operation id, why)


class UsageError(ValueError):
    """A command line that cannot be run (exit status 2)."""


def plan(
    operations: Sequence[Operation],
    named: Sequence[str] = (),
    *,
    local: bool,
    allow_mutations: bool = False,
    allow_costly: bool = False,
) -> Plan:
    known = {op.operation_id for op in operations}
    unknown = [name for name in named if name not in known]
    if unknown:
        raise UsageError(f"unknown operation(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    run: list[str] = []
    skipped: list[tuple[str, str]] = []
    for op in operations:
        oid = op.operation_id
        kind = classify(op)
        if named and oid not in named:
            skipped.append((oid, "not named in --operations"))
        elif local or kind == "read-only":
            run.append(oid)
        elif kind == "mutating" and not allow_mutations:
            skipped.append((oid, "mutating: pass --allow-mutations"))
        elif kind == "costly" and not (allow_costly or oid in named):
            skipped.append((oid, "costly: name it in --operations or pass --allow-costly"))
        else:
            run.append(oid)
    return Plan(tuple(run), tuple(skipped))


class BudgetExhausted(Exception):
    """--max-requests reached: the run stops."""


class Budget:
    """At most `limit` requests for the whole run (None: unbounded)."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.used = 0

    def take(self) -> None:
        if self.limit is not None and self.used >= self.limit:
            raise BudgetExhausted(f"--max-requests {self.limit} reached")
        self.used += 1


KEY_ENV = "VENICE_API_KEY"
KEY_REF = f"${KEY_ENV}"  # how printed commands refer to the user's key: the shell fills it in


# Secrets at least this long are hidden wherever they occur; shorter ones only as whole tokens.
_ANYWHERE = 12


class Redactor:
    """Removes secrets from anything printed or written: the user's key becomes `$VENICE_API_KEY`
    (so a printed command runs as is where that variable is set), other secrets (keys the suite
    created) and the value of every other Authorization header become `[REDACTED]`."""

    MASK = "[REDACTED]"
    _AUTH = re.compile(
        r"(?i)(authorization:\s*)(?!\s)(?!(?:bearer\s+)?\$VENICE_API_KEY\b)(bearer\s+|basic\s+)?[^'\"\r\n]+"
    )

    def __init__(self, secrets: Iterable[str | None]) -> None:
        self.secrets = [s for s in secrets if s]
        self.user_key = self.secrets[0] if self.secrets else None

    def add(self, secret: str) -> None:
        """Another secret to hide (keys the suite itself created)."""
        if secret and secret not in self.secrets:
            self.secrets.append(secret)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            mask = KEY_REF if secret == self.user_key else self.MASK
            if len(secret) >= _ANYWHERE:
                text = text.replace(secret, mask)
            else:
                # A short key ("k") also occurs inside words ("/api_keys"): hide it where it
                # stands as a token of its own, which is everywhere a key is sent.
                token = re.compile(rf"(?<![\w-]){re.escape(secret)}(?![\w-])")
                text = token.sub(mask.replace("\\", "\\\\"), text)
        return self._AUTH.sub(lambda m: f"{m.group(1)}{m.group(2) or ''}{self.MASK}", text)
