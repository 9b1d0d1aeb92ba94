"""Venice semantics for this API area (see mockserver.behaviors for the hooks)."""

from __future__ import annotations

from collections.abc import Mapping

from mockserver.behaviors import Behavior

BEHAVIORS: Mapping[str, Behavior] = {}
