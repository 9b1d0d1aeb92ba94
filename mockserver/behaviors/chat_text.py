"""What a mock model says: readable, deterministic for (seed, request), and about the prompt.

No language model here: short template sentences around the prompt's own words, so two different
prompts give visibly different answers and the same prompt always the same one.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
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


def _fill(template: str, rng: random.Random, subject: str) -> str:
    # Draw only for the slots the template has: chat answers are on the hot path.
    return template.format(
        t=subject,
        T=subject[:1].upper() + subject[1:],
        w=rng.choice(text.NOUNS) if "{w}" in template else "",
        a=rng.choice(text.ADJECTIVES) if "{a}" in template else "",
        time=rng.choice(_TIMES) if "{time}" in template else "",
    )


def answer(rng: random.Random, prompt: str, speaker: str | None = None) -> str:
    """Three to five sentences about the prompt's topic."""
    subject = topic(prompt)
    middle = list(_ANSWER[1:-2])
    rng.shuffle(middle)
    chosen = [_ANSWER[0], *middle[: rng.randint(1, 3)], rng.choice(_ANSWER[-2:])]
    body = " ".join(_fill(t, rng, subject) for t in chosen)
    return f"{speaker} here. {body}" if speaker else body


def thinking(rng: random.Random, prompt: str) -> str:
    subject = topic(prompt)
    return " ".join(_fill(t, rng, subject) for t in _THINKING[: rng.randint(2, 4)])


def tool_summary(rng: random.Random, result: str) -> str:
    """The answer after a tool ran: it uses the tool's result."""
    shown = result if len(result) <= 200 else result[:197] + "..."
    return f"Based on the tool result ({shown}), here is the answer. " + _fill(_ANSWER[-3], rng, "it")


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
                "content": _fill(rng.choice(_ANSWER[1:-2]), rng, subject),
                "date": formats.synthetic_datetime(rng)[:19],
            }
        )
    return out
