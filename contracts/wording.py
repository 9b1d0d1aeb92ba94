"""How the kit's reports count things in English: "1 case", "2 cases", never "1 cases"."""

from __future__ import annotations


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """ "1 case", "3 cases"; `plural` for nouns that do not just take an s."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
