"""Readable deterministic text: words, sentences, names, slugs and tokens drawn from a seeded RNG."""

from __future__ import annotations

import random
import string

# Word lists as whitespace-separated text: easier to read and extend than one quoted word per line.
WORDS = tuple(
    """
    the a of to and in is that for it on with as was by at from this be are or an which light water
    city canal bridge boat island glass mask music market story river stone night morning painting
    palace square bell tower harbor merchant map voyage lantern festival garden window quiet bright
    ancient narrow golden blue warm silent gentle distant careful curious simple clear reflects
    carries connects follows shapes reveals holds crosses explains builds remembers opens people
    travelers artists builders sailors readers friends neighbors visitors historians
    """.split()
)
NOUNS = tuple(
    """
    canal bridge gondola lagoon piazza palazzo campanile regatta lantern harbor mosaic fresco island
    market glass mask sunrise tide marble archive compass atlas violin
    """.split()
)
ADJECTIVES = tuple(
    "quiet golden narrow ancient bright gentle distant silver crimson patient swift calm".split()
)
FIRST_NAMES = tuple(
    "Ada Marco Lucia Grace Alan Elena Paolo Sofia Niklaus Chiara Tomas Irene Dario Bianca".split()
)
LAST_NAMES = tuple(
    "Rossi Lovelace Bianchi Hopper Turing Conti Ricci Moretti Galli Costa Fontana Greco".split()
)


def words(rng: random.Random, n: int) -> list[str]:
    return rng.choices(WORDS, k=n)


def sentence(rng: random.Random, low: int = 6, high: int = 14) -> str:
    body = " ".join(words(rng, rng.randint(low, high)))
    return body[:1].upper() + body[1:] + "."


def title(rng: random.Random) -> str:
    return f"{rng.choice(ADJECTIVES).capitalize()} {rng.choice(NOUNS).capitalize()}"


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def slug(rng: random.Random) -> str:
    return f"{rng.choice(ADJECTIVES)}-{rng.choice(NOUNS)}"


def token(rng: random.Random, n: int = 24, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(rng.choices(alphabet, k=n))


def hex_id(rng: random.Random, n: int = 32) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"
