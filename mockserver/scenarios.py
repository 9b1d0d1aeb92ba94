"""Resilience scenarios: valid but adverse answers a client must survive (429 with Retry-After,
5xx, a slow first byte, a stream cut mid-way, a truncated body), per run, per request, or with
seeded probabilities.
"""

from __future__ import annotations

from collections.abc import Sequence

from mockserver.exchange import Exchange, Reply


def choose(configured: Sequence[str], header: str, exchange: Exchange) -> tuple[str, ...]:
    return ()


def apply(names: Sequence[str], reply: Reply, exchange: Exchange) -> Reply:
    return reply
