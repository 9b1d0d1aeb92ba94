"""Timestamps as the Venice API writes and reads them.

Stored as epoch seconds; served as RFC 3339 in UTC with milliseconds, as JavaScript's
Date.toISOString writes them (what Venice returns); read from a date or an RFC 3339 date-time.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_INSTANT = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?)?\s*([Zz]|[+-]\d{2}:?\d{2})?"
)


# What datetime can represent (a clock or a date from a request may lie anywhere).
_FIRST = datetime(1, 1, 1, tzinfo=timezone.utc).timestamp()
_LAST = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc).timestamp()


def rfc3339(seconds: float) -> str:
    moment = datetime.fromtimestamp(min(max(seconds, _FIRST), _LAST), timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_instant(text: str) -> float | None:
    """Epoch seconds of a date (midnight UTC) or an RFC 3339 date-time; None when it names no real
    instant ("2023-02-30"). A leap second (:60) counts as the second before it."""
    found = _INSTANT.fullmatch(text.strip())
    if found is None:
        return None
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in found.groups()[:6])
    fraction, offset = found.group(7), found.group(8)
    shift = 0
    if offset and offset not in "Zz":
        digits = offset[1:].replace(":", "")
        shift = (int(digits[:2]) * 60 + int(digits[2:])) * 60 * (1 if offset[0] == "+" else -1)
    try:
        moment = datetime(year, month, day, hour, minute, min(second, 59), tzinfo=timezone.utc)
        moment -= timedelta(seconds=shift)
    except (ValueError, OverflowError):
        return None
    return moment.timestamp() + (float(fraction) if fraction else 0.0)
