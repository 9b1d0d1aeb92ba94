"""Venice semantics for looking one thing up by its id, operations later Venice specs added:
`GET /api_keys/{id}` (one key from the state store) and `GET /characters/{slug}` (one character
from the catalog). An unknown id or slug is a 404 in the spec's error shape.

As for the key operations (keys.py), mock control wins over state: a request that forces its
status (`Prefer: code=200`) for an unknown id gets a synthesized answer instead of the 404, so
every documented answer stays reachable. Who may call is not mock control: reading a key needs
an ADMIN key, as every key-management operation does.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING

from mockserver.behaviors.hooks import Behavior, Refusal
from mockserver.behaviors.keys import forced, key_item, permit_admin, recent_spending, touch
from mockserver.exchange import Exchange
from mockserver.types import JSON

if TYPE_CHECKING:
    from mockserver.services import Services


def _path_value(ex: Exchange, name: str) -> str | None:
    value = ex.request.params.get("path", {}).get(name)
    return value if isinstance(value, str) else None


def _admit_key(ex: Exchange, services: Services) -> Refusal | None:
    key_id = _path_value(ex, "id")
    if forced(ex) or key_id is None or services.state.key(key_id) is not None:
        return None
    return Refusal(404, f"API key not found: no API key with id {key_id!r}")


def _key(ex: Exchange, services: Services) -> JSON:
    key_id = _path_value(ex, "id")
    key = services.state.key(key_id) if key_id is not None else None
    if key is None:  # a forced 200 for an unknown id: the schema's completion fills `data` in
        return {}
    return {"data": key_item(key, recent_spending(services))}


def _admit_character(ex: Exchange, services: Services) -> Refusal | None:
    slug = _path_value(ex, "slug")
    if forced(ex) or slug is None or services.catalog.character(slug) is not None:
        return None
    known = ", ".join(str(c["slug"]) for c in services.catalog.characters)
    return Refusal(404, f"Character not found: no character with slug {slug!r}; known slugs: {known}")


def _character(ex: Exchange, services: Services) -> JSON:
    slug = _path_value(ex, "slug")
    found = services.catalog.character(slug) if slug is not None else None
    # A copy: the catalog's objects are shared by every request (see models._served).
    return {"data": copy.deepcopy(dict(found))} if found is not None else {}


BEHAVIORS: Mapping[str, Behavior] = {
    # Keys change (created, used, deleted): never replayed. Characters are the catalog: cacheable.
    "getApiKeyById": Behavior(permit=permit_admin, admit=_admit_key, build=_key, account=touch),
    "getCharacterBySlug": Behavior(admit=_admit_character, build=_character, account=touch, cacheable=True),
}
