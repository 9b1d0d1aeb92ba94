"""Non-JSON bodies: real images, audio, CSV. Each renderer returns the bytes for one exchange."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockserver.exchange import Exchange
from mockserver.spec import MediaType
from mockserver.types import JSON

Renderer = Callable[[Exchange, MediaType, Any], bytes]

_RENDERERS: dict[str, Renderer] = {}


def renderer(media_type: str) -> Renderer | None:
    return _RENDERERS.get(media_type) or _RENDERERS.get(media_type.split("/", 1)[0] + "/*")


def render(exchange: Exchange, media: MediaType, services: Any) -> bytes:
    found = renderer(media.name)
    assert found is not None
    return found(exchange, media, services)


def content_type(media_type: str) -> str:
    """The Content-Type header for a documented media type (text gets an explicit charset)."""
    if media_type.startswith("text/") and "charset" not in media_type:
        return f"{media_type}; charset=utf-8"
    return media_type


def as_text(value: JSON) -> bytes:
    """A synthesized value for a text-like media type without a dedicated renderer."""
    if isinstance(value, str):
        return value.encode()
    from mockserver.rendering import dump_json

    return dump_json(value)
