"""A string that matches a regular expression, chosen by a seeded RNG (for `pattern` schemas).

Walks the parse tree of Python's own regex parser. Lookarounds and anchors are ignored, which
is fine for the patterns specs use (dates, ids, codes); the caller validates the result anyway.
"""

from __future__ import annotations

import random
import string
import sys
import warnings
from functools import lru_cache
from typing import Any

if sys.version_info >= (3, 11):
    from re import _constants as sre_constants
    from re import _parser as sre_parse
else:  # pragma: no cover - Python 3.10
    import sre_constants
    import sre_parse

_CATEGORY_CHARS = {
    sre_constants.CATEGORY_DIGIT: string.digits,
    sre_constants.CATEGORY_NOT_DIGIT: string.ascii_letters,
    sre_constants.CATEGORY_SPACE: " ",
    sre_constants.CATEGORY_NOT_SPACE: string.ascii_letters + string.digits,
    sre_constants.CATEGORY_WORD: string.ascii_letters + string.digits + "_",
    sre_constants.CATEGORY_NOT_WORD: "-.,;:!",
}
_PRINTABLE = string.ascii_letters + string.digits
_MAX_EXTRA_REPEAT = 3  # `*` and `+` repeat at most this many times beyond their minimum


@lru_cache(maxsize=256)
def _parse(pattern: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FutureWarnings about odd but valid patterns
        return sre_parse.parse(pattern)


def _in_set(items: list[tuple[Any, Any]], rng: random.Random) -> str:
    negate = any(op is sre_constants.NEGATE for op, _ in items)
    allowed: list[str] = []
    for op, value in items:
        if op is sre_constants.LITERAL:
            allowed.append(chr(value))
        elif op is sre_constants.RANGE:
            low, high = value
            allowed.extend(chr(c) for c in range(low, min(high, low + 200) + 1))
        elif op is sre_constants.CATEGORY:
            allowed.extend(_CATEGORY_CHARS.get(value, _PRINTABLE))
    if negate:
        choices = [c for c in _PRINTABLE if c not in allowed]
        return rng.choice(choices) if choices else "~"
    return rng.choice(allowed) if allowed else ""


def _emit(tree: Any, rng: random.Random, groups: dict[int, str]) -> str:
    out: list[str] = []
    for op, value in tree:
        if op is sre_constants.LITERAL:
            out.append(chr(value))
        elif op is sre_constants.NOT_LITERAL:
            out.append(rng.choice([c for c in _PRINTABLE if ord(c) != value]))
        elif op is sre_constants.ANY:
            out.append(rng.choice(_PRINTABLE))
        elif op is sre_constants.IN:
            out.append(_in_set(value, rng))
        elif op in (
            sre_constants.MAX_REPEAT,
            sre_constants.MIN_REPEAT,
            getattr(sre_constants, "POSSESSIVE_REPEAT", None),
        ):
            low, high, sub = value
            high = (
                low + _MAX_EXTRA_REPEAT
                if high is sre_constants.MAXREPEAT
                else min(high, low + _MAX_EXTRA_REPEAT)
            )
            out.extend(_emit(sub, rng, groups) for _ in range(rng.randint(low, high)))
        elif op is sre_constants.SUBPATTERN:
            group, _add, _del, sub = value
            text = _emit(sub, rng, groups)
            if group is not None:
                groups[group] = text
            out.append(text)
        elif op is getattr(sre_constants, "ATOMIC_GROUP", None):
            out.append(_emit(value, rng, groups))
        elif op is sre_constants.BRANCH:
            out.append(_emit(rng.choice(value[1]), rng, groups))
        elif op is sre_constants.GROUPREF:
            out.append(groups.get(value, ""))
        elif op is sre_constants.CATEGORY:
            out.append(rng.choice(_CATEGORY_CHARS.get(value, _PRINTABLE)))
        # AT (anchors), ASSERT, ASSERT_NOT and the rest produce no characters.
    return "".join(out)


def generate(pattern: str, rng: random.Random) -> str | None:
    """A string matching `pattern`, or None if the pattern cannot be parsed."""
    try:
        tree = _parse(pattern)
    except Exception:  # an invalid pattern in a spec; the caller falls back to plain text
        return None
    return _emit(tree, rng, {})
