"""Outcome: what the request log keeps of one answer besides the reply itself.

Every step that answers a request returns its Reply with an Outcome, and the pipeline's one exit
(`Mock._exit`) records the two; a forwarded answer's Outcome arrives when the upstream's answer
is complete (relay.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from mockserver.cassettes import Cassette
from mockserver.errors import Violation


@dataclass(frozen=True, slots=True)
class Outcome:
    operation_id: str | None = None  # None: no documented operation (404, 405), or the store failed
    violations: tuple[Violation, ...] = ()  # how the request broke the contract
    nearest: tuple[str, ...] = ()  # for a 404: the documented paths nearest to the one asked
    # Forwarded (--proxy) or replayed (--replay): counts for /__mock/drift, with how the
    # upstream's (or the recorded) answer broke the spec.
    relayed: bool = False
    answer_violations: tuple[Violation, ...] = ()
    cassette: Cassette | None = None  # to write with --record
    # A relayed stream, recorded once it ended: its first bytes (up to the log's body limit) and
    # its size. None: the reply's own body, or a stream the log tees as it is sent.
    sent: tuple[bytes, int] | None = None
