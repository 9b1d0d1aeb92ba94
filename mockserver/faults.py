"""Injectable contract violations, to prove that a contract suite catches real faults.

Chosen per run (`venice-mock --fault NAME`) or per request (`X-Mock-Fault: NAME[, NAME]`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mockserver.exchange import Exchange, Reply

# name -> what it breaks (filled by the fault catalog)
FAULTS: Mapping[str, str] = {}


def requested(settings_faults: Sequence[str], header: str) -> tuple[str, ...]:
    names = [*settings_faults, *(n.strip() for n in header.split(",") if n.strip())]
    return tuple(dict.fromkeys(names))


def apply(names: Sequence[str], reply: Reply, exchange: Exchange) -> Reply:
    """The reply with the named faults injected (unknown names are refused earlier)."""
    return reply
