"""A local `$ref` looked up in its root schema: the one lookup the client kit's schema walkers
(equivalence, variations, schemagen) share."""

from __future__ import annotations

from typing import Any


def resolve(ref: str, root: Any) -> Any:
    """The node `ref` ("#/components/schemas/X", "#/$defs/X") names inside `root` (`{}` if none)."""
    node: Any = root
    for token in ref.lstrip("#/").split("/"):
        node = node.get(token, {}) if isinstance(node, dict) else {}
    return node
