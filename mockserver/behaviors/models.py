"""Venice semantics for the model catalog: which models exist, and requests that must name one.

The listing operations (models, traits, compatibility aliases, image styles, characters) answer
with the catalog instead of synthesized values. `require_model` is shared by the chat, image,
speech and embedding behaviors.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mockserver.behaviors.hooks import Behavior
from mockserver.catalog import Catalog, Model
from mockserver.errors import Violation
from mockserver.exchange import Exchange
from mockserver.schemas import Compiled
from mockserver.types import JSON

if TYPE_CHECKING:
    from mockserver.services import Services

# Venice lists text models when GET /models has no `type` (the traits and compatibility
# endpoints document the same default on their parameter).
DEFAULT_TYPE = "text"


def resolve_model(services: Services, name: object, types: Sequence[str]) -> Model | None:
    """The catalog model an id, trait (`default`), alias (`gpt-4o`) or suffixed id names."""
    return resolve_in(services.catalog, name, types)


def resolve_in(catalog: Catalog, name: object, types: Sequence[str]) -> Model | None:
    if not isinstance(name, str):
        return None
    for model_type in types:
        found = catalog.model(name, model_type)
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
    article = "an" if kinds[:1] in "aeiou" else "a"
    message = f"{name!r} is not {article} {kinds} model; valid ids: {', '.join(ids)}"
    if traits:
        message += f" (or a trait: {', '.join(traits)})"
    return [Violation(location, "model", message)]


def _query_type(ex: Exchange) -> str:
    value = ex.request.params.get("query", {}).get("type")
    return value if isinstance(value, str) else DEFAULT_TYPE


def _served(value: Any) -> JSON:
    # The catalog's objects are shared by every request: hand out copies, so nothing downstream
    # (fault injection, a later refinement) can change what the next request is answered with.
    return copy.deepcopy(value)


def _models(ex: Exchange, value: JSON, services: Services) -> JSON:
    model_type = _query_type(ex)
    media = ex.response.content.get("application/json") if ex.response is not None else None
    admitted = listed_types(media.schema if media is not None else None)
    data = [
        _served(m.data) for m in services.catalog.models(model_type) if admitted is None or m.type in admitted
    ]
    return {"data": data, "object": "list", "type": model_type}


def served_models(services: Services) -> tuple[Model, ...]:
    """The catalog models the loaded spec knows of: those GET /models may list (every model when
    the spec has no listModels, or its answer names no type enum). Other answers that name
    models (rate limits) keep to these, so no answer mentions a model its listing would hide."""
    try:
        op = services.spec.operation("listModels")
    except KeyError:
        return services.catalog.all_models
    response = op.responses.get("200")
    media = response.content.get("application/json") if response is not None else None
    admitted = listed_types(media.schema if media is not None else None)
    return tuple(m for m in services.catalog.all_models if admitted is None or m.type in admitted)


# The answer schema's identity -> the model types its items' `type` enum admits (None: any).
_ADMITTED: dict[int, tuple[object, frozenset[str] | None]] = {}
_ADMITTED_KEPT = 64


def listed_types(compiled: Compiled | None) -> frozenset[str] | None:
    """The model types a listing answer's schema lets it carry: the enum of `data[].type` (the
    bundled spec has no video or asr). None: no enum found, so any type may be listed. Read from
    the loaded spec, never assumed: a later spec widens it."""
    if compiled is None:
        return None
    cached = _ADMITTED.get(id(compiled))
    if cached is not None and cached[0] is compiled:
        return cached[1]
    enums = [
        set(node["enum"])
        for items in _subschemas(compiled.schema, ("data", "items"))
        for node in _subschemas(items, ("type",))
        if isinstance(node.get("enum"), list)
    ]
    admitted = frozenset(str(v) for v in set.union(*enums)) if enums else None
    if len(_ADMITTED) >= _ADMITTED_KEPT:  # one entry per loaded spec: bounded, as specs come and go
        _ADMITTED.clear()
    _ADMITTED[id(compiled)] = (compiled, admitted)
    return admitted


def _subschemas(schema: Any, path: Sequence[str]) -> Iterator[dict[str, Any]]:
    """The schemas at a property path (`items` steps into arrays), through allOf/anyOf/oneOf."""
    if not isinstance(schema, dict):
        return
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(key) or ():
            yield from _subschemas(branch, path)
    if not path:
        yield schema
        return
    head, rest = path[0], path[1:]
    child = schema.get("items") if head == "items" else (schema.get("properties") or {}).get(head)
    yield from _subschemas(child, rest)


def _traits(ex: Exchange, value: JSON, services: Services) -> JSON:
    model_type = _query_type(ex)
    return {"data": dict(services.catalog.traits(model_type)), "object": "list", "type": model_type}


def _compatibility(ex: Exchange, value: JSON, services: Services) -> JSON:
    model_type = _query_type(ex)
    return {"data": dict(services.catalog.compatibility(model_type)), "object": "list", "type": model_type}


def _styles(ex: Exchange, value: JSON, services: Services) -> JSON:
    return {"data": list(services.catalog.styles), "object": "list"}


def _characters(ex: Exchange, value: JSON, services: Services) -> JSON:
    return {"data": [_served(c) for c in services.catalog.characters], "object": "list"}


# Each answer is a function of the query and the catalog, both fixed for a request's bytes:
# cacheable, so repeated listings skip synthesis.
BEHAVIORS: Mapping[str, Behavior] = {
    "listModels": Behavior(refine=_models, cacheable=True),
    "listModelTraits": Behavior(refine=_traits, cacheable=True),
    "listModelCompatibilityMapping": Behavior(refine=_compatibility, cacheable=True),
    "getImageStyles": Behavior(refine=_styles, cacheable=True),
    "listCharacters": Behavior(refine=_characters, cacheable=True),
}
