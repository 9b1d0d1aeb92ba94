"""An approximate tokenizer: pieces about as large as an LLM's tokens, deterministic, offline.

Real tokenizers need model files; the mock only needs counts that behave like token counts
(grow with the text, about 4 characters each) and pieces whose concatenation is the text.
"""

from __future__ import annotations

import re

# A word with its leading space, a run of digits (at most 3), or one other character.
_PIECE = re.compile(r" ?[A-Za-z\u00c0-\uffff]{1,8}| ?\d{1,3}|\s+|.", re.DOTALL)


def split(text: str) -> list[str]:
    """Token-sized pieces; "".join(split(t)) == t."""
    return _PIECE.findall(text)


def count(text: str) -> int:
    return len(_PIECE.findall(text))
