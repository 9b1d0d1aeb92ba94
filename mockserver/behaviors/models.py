"""Venice semantics for the model catalog: which models exist, and requests that must name one.

`require_model` is shared by the chat, image, speech and embedding behaviors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from mockserver.behaviors import Behavior
from mockserver.catalog import Model
from mockserver.errors import Violation

if TYPE_CHECKING:
    from mockserver.services import Services


def resolve_model(services: Services, name: object, types: Sequence[str]) -> Model | None:
    """The catalog model an id, trait (`default`), alias (`gpt-4o`) or suffixed id names."""
    if not isinstance(name, str):
        return None
    for model_type in types:
        found = services.catalog.model(name, model_type)
        if found is not None:
            return found
    return None


def require_model(
    services: Services, name: object, types: Sequence[str], location: str = "model"
) -> list[Violation]:
    """A violation unless `name` is a model of one of `types` (absent names are the schema's business)."""
    if name is None or services.settings.any_model or resolve_model(services, name, types) is not None:
        return []
    ids = sorted({m.id for t in types for m in services.catalog.models(t)})
    traits = sorted({trait for t in types for trait in services.catalog.traits(t)})
    kinds = "/".join(types)
    message = f"{name!r} is not a {kinds} model; valid ids: {', '.join(ids)}"
    if traits:
        message += f" (or a trait: {', '.join(traits)})"
    return [Violation(location, "model", message)]


BEHAVIORS: Mapping[str, Behavior] = {}
