"""What a mock model says: readable, deterministic for (seed, request), and about the prompt.

No language model here: short template sentences around the prompt's own words, so two different
prompts give visibly different answers and the same prompt always the same one.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from typing import Any

from mockserver import formats, text

_WORD = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f'-]{2,}")
_STOP = frozenset(
    "this that with what when where which while there their them they then than have has had your "
    "yours about into from does should would could will shall please tell explain give make some "
    "just like more most very also been being were was are the and for why how who not can you "
    "but its all any our out use".split()
)

_ANSWER = (
    "Here is a short answer about {t}.",
    "{T} comes down to a few simple ideas.",
    "The first is that {t} connects to the {w} in a {a} way.",
    "A second idea is that {t} changes with context, much like the {w} at {time}.",
    "People often describe {t} through the {a} {w}, and that picture helps.",
    "In practice, {t} is easier to understand with one concrete example.",
    "Think of a {a} {w}: it shows how {t} works step by step.",
    "That is the core of it, and the details follow from there.",
    "If you want, I can go deeper into any part of {t}.",
)
_THINKING = (
    "The user asks about {t}.",
    "I should explain it clearly and keep it short.",
    "An example with a {w} may help.",
    "Let me check the main points before answering.",
)
_TIMES = ("dawn", "noon", "dusk", "night")


def message_text(message: Any) -> str:
    """The text of one chat message (a string, or the text parts of a content list)."""
    if not isinstance(message, dict):
        return ""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def last_user_text(messages: Sequence[Any]) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return message_text(message)
    return ""


def content_words(phrase: str) -> list[str]:
    """The words of a phrase that carry meaning (no stop words), as written."""
    return [w for w in _WORD.findall(phrase) if w.lower() not in _STOP]


def topic(prompt: str) -> str:
    """Up to three content words of the prompt, or a neutral phrase."""
    words: list[str] = []
    for word in _WORD.findall(prompt):
        lower = word.lower()
        if lower not in _STOP and lower not in words:
            words.append(lower)
        if len(words) == 3:
            break
    return " ".join(words) if words else "your question"


Pick = Callable[[Sequence[str]], str]


class _Draws:
    """An answer's choices taken from one random number: a single call into the RNG instead of
    one per choice (an answer makes about fifteen, each a few Python calls deep in `random`)."""

    __slots__ = ("_n",)

    def __init__(self, rng: random.Random) -> None:
        self._n = rng.getrandbits(320)  # ~15 choices of at most a few hundred items each

    def below(self, k: int) -> int:
        n = self._n
        self._n = n // k
        return n % k

    def choice(self, items: Sequence[str]) -> str:
        return items[self.below(len(items))]


def _fill(template: str, pick: Pick, subject: str) -> str:
    # Draw only for the slots the template has: chat answers are on the hot path.
    return template.format(
        t=subject,
        T=subject[:1].upper() + subject[1:],
        w=pick(text.NOUNS) if "{w}" in template else "",
        a=pick(text.ADJECTIVES) if "{a}" in template else "",
        time=pick(_TIMES) if "{time}" in template else "",
    )


def answer(rng: random.Random, prompt: str, speaker: str | None = None) -> str:
    """Three to five sentences about the prompt's topic: the opening, one to three of the middle
    sentences in a drawn order, one of the two closings."""
    subject = topic(prompt)
    draws = _Draws(rng)
    middle = list(_ANSWER[1:-2])
    count = 1 + draws.below(3)
    chosen = [_ANSWER[0], *(middle.pop(draws.below(len(middle))) for _ in range(count))]
    chosen.append(_ANSWER[-2 + draws.below(2)])
    body = " ".join(_fill(t, draws.choice, subject) for t in chosen)
    return f"{speaker} here. {body}" if speaker else body


def thinking(rng: random.Random, prompt: str) -> str:
    subject = topic(prompt)
    return " ".join(_fill(t, rng.choice, subject) for t in _THINKING[: rng.randint(2, 4)])


def tool_summary(rng: random.Random, result: str) -> str:
    """The answer after a tool ran: it uses the tool's result."""
    shown = result if len(result) <= 200 else result[:197] + "..."
    return f"Based on the tool result ({shown}), here is the answer. " + _fill(_ANSWER[-3], rng.choice, "it")


def citations(rng: random.Random, prompt: str) -> list[dict[str, str]]:
    """Web search results for `enable_web_search`: title, url, content, date."""
    subject = topic(prompt)
    out = []
    for _ in range(rng.randint(2, 3)):
        title = f"{subject.title()}: {text.title(rng)}"
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        out.append(
            {
                "title": title,
                "url": f"https://example.com/{slug}",
                "content": _fill(rng.choice(_ANSWER[1:-2]), rng.choice, subject),
                "date": formats.synthetic_datetime(rng)[:19],
            }
        )
    return out
