"""What a value looks like from its name: "createdAt" a timestamp, "url" a URL, "tokens" a small
count, "price" a small amount. Used by the synthesizer where a schema says only "string"/"number".
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from mockserver import formats, text
from mockserver.types import JSON


def number_range(low: float | None, high: float | None, guess: tuple[int, int]) -> tuple[float, float]:
    """Where to draw a number: the name's plausible range, within the schema's bounds."""
    g_low, g_high = guess
    if low is None and high is None:
        return g_low, g_high
    if low is None:
        assert high is not None
        return min(g_low, high), min(g_high, high)
    if high is None:
        lo = max(g_low, low)
        return lo, lo + (g_high - g_low) if g_high < lo else g_high
    inner = (max(low, g_low), min(high, g_high))
    return inner if inner[0] <= inner[1] else (low, high)


def string_for_name(name: str, rng: random.Random, description: str = "") -> str:
    """A plausible string for a field: by its whole name, then by the words of its name
    ("city_name", "departureDate"), then by the words of its description ("The city to look up")."""
    lower = name.lower()
    for test, make in _NAME_RULES:
        if test(name, lower):
            return make(rng)
    words = [w.lower() for w in _NAME_WORD.findall(name)]
    if description:
        words += [w.lower() for w in _DESCRIPTION_WORD.findall(description[:300])]
    for word in words:
        keyword = _KEYWORDS.get(word) or _KEYWORDS.get(word[:-1] if word.endswith("s") else "")
        if keyword is not None:
            return keyword(rng)
    return " ".join(text.words(rng, rng.randint(1, 3)))


# Kinds of things tool parameters usually ask for, by a word of the field's name or description.
_CITIES = "Paris Rome Venice Tokyo Lisbon Berlin Oslo Madrid Vienna Prague Kyoto Nairobi Lima".split()
_COUNTRIES = "France Italy Japan Portugal Germany Norway Spain Austria Kenya Peru Canada".split()
_LANGUAGES = "English French Italian Japanese Portuguese German Spanish".split()
_CURRENCIES = "EUR USD JPY GBP CHF NOK".split()
_COLORS = "red blue green amber violet teal".split()
_NAME_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_DESCRIPTION_WORD = re.compile(r"[A-Za-z]+")
_KEYWORDS: dict[str, Callable[[random.Random], str]] = {
    "city": lambda r: r.choice(_CITIES),
    "town": lambda r: r.choice(_CITIES),
    "location": lambda r: r.choice(_CITIES),
    "place": lambda r: r.choice(_CITIES),
    "destination": lambda r: r.choice(_CITIES),
    "origin": lambda r: r.choice(_CITIES),
    "country": lambda r: r.choice(_COUNTRIES),
    "nation": lambda r: r.choice(_COUNTRIES),
    "language": lambda r: r.choice(_LANGUAGES),
    "currency": lambda r: r.choice(_CURRENCIES),
    "color": lambda r: r.choice(_COLORS),
    "colour": lambda r: r.choice(_COLORS),
    "date": lambda r: formats.synthetic_datetime(r)[:10],
    "day": lambda r: formats.synthetic_datetime(r)[:10],
    "birthday": lambda r: formats.synthetic_datetime(r)[:10],
    "time": lambda r: formats.synthetic_datetime(r)[11:19],
    "timestamp": formats.synthetic_datetime,
    "datetime": formats.synthetic_datetime,
    "email": lambda r: formats.example_for("email", r) or "",
    "url": lambda r: formats.example_for("uri", r) or "",
    "website": lambda r: formats.example_for("uri", r) or "",
    "phone": lambda r: f"+1-555-01{r.randrange(100):02d}",
    "zip": lambda r: f"{r.randrange(10_000, 99_999)}",
    "postcode": lambda r: f"{r.randrange(10_000, 99_999)}",
    "street": lambda r: f"{r.randrange(1, 200)} {r.choice(text.NOUNS).capitalize()} Street",
    "person": text.person,
    "author": text.person,
    "title": text.title,
    "query": lambda r: " ".join(text.words(r, r.randint(2, 4))),
}


_NAME_RULES: tuple[tuple[Callable[[str, str], bool], Callable[[random.Random], str]], ...] = (
    (
        lambda n, lo: lo in ("id", "uuid", "requestid") or n.endswith(("Id", "_id")),
        lambda r: formats.example_for("uuid", r) or "",
    ),
    (
        lambda n, lo: "url" in lo or lo in ("href", "link", "uri", "modelsource"),
        lambda r: formats.example_for("uri", r) or "",
    ),
    (lambda n, lo: "email" in lo, lambda r: formats.example_for("email", r) or ""),
    (
        lambda n, lo: n.endswith(("At", "_at")) or lo in ("timestamp", "datetime"),
        formats.synthetic_datetime,
    ),
    (lambda n, lo: lo in ("name", "fullname", "author", "username"), text.person),
    (lambda n, lo: lo == "title", text.title),
    (lambda n, lo: lo == "slug" or lo.endswith("slug"), text.slug),
    (
        lambda n, lo: (
            lo
            in (
                "description",
                "content",
                "text",
                "notes",
                "message",
                "prompt",
                "summary",
                "reasoning_content",
            )
        ),
        lambda r: text.sentence(r),
    ),
    (lambda n, lo: lo in ("token", "apikey", "secret", "signature", "key"), lambda r: text.token(r, 32)),
    (lambda n, lo: lo == "address", lambda r: "0x" + text.hex_id(r, 40)),
    (lambda n, lo: lo in ("sku", "model", "modelid", "apimodelid"), text.slug),
    (lambda n, lo: lo in ("tag", "tags", "trait", "traits", "word", "data"), lambda r: text.slug(r)),
)


_NUMERIC = re.compile(
    r"(count|number|num|total|age|year|population|score|price|amount|quantity|size|rating|"
    r"confidence|temperature|percent|level|rank|index|length|width|height|weight)s?$",
    re.IGNORECASE,
)


def value_for_name(name: str, rng: random.Random) -> JSON:
    """A value for a key known only by its name: a number where the name counts or measures."""
    if _NUMERIC.search(name.replace("_", "")):
        low, high = name_range(name, integer=True)
        return rng.randint(low, high)
    if name.lower().startswith(("is_", "has_")) or name.lower() in ("ok", "valid", "success"):
        return rng.random() < 0.5
    return string_for_name(name, rng)


def name_range(name: str, integer: bool) -> tuple[int, int]:
    lower = name.lower()
    if lower in ("created", "updated", "timestamp") or (lower.endswith(("_at", "time")) and integer):
        return formats.EPOCH, formats.EPOCH + 365 * 86_400
    if "token" in lower:
        return 1, 500
    if lower in ("index", "page"):
        return 0 if lower == "index" else 1, 3
    if lower in ("amount", "price", "usd", "diem", "vcu", "balance") or "price" in lower:
        return 0, 100
    return 0, 1000
