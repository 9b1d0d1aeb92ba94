"""The mock's own answer to an exchange: (exchange, behavior, services) -> the reply and the JSON
value behind it. One function, used by the pipeline and by scripts (a script without a body gets
what the mock would send).

The value comes from a named example, the examples (`Prefer: dynamic=false`), the behavior or
the schema; it is then rendered by the media type's kind: JSON, SSE (the behavior's events,
paced), CSV, text, or a binary the behavior makes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from mockserver import media, streaming
from mockserver.behaviors.hooks import GENERIC, Behavior
from mockserver.completion import complete
from mockserver.exceptions import SelectionError
from mockserver.exchange import Exchange, Reply
from mockserver.rendering import JSON_TYPE, documented_headers, dump_json
from mockserver.services import Services
from mockserver.types import JSON


def render(ex: Exchange, behavior: Behavior, services: Services) -> tuple[Reply, JSON]:
    """The reply (not yet content-encoded) and its JSON value (None for a binary or no body)."""
    synthesizer = services.synthesizer
    notes = ex.controls.notes()
    media_type = ex.media_type
    if ex.response is None or media_type is None:
        headers = documented_headers(ex.response, synthesizer, lambda: ex.rng("headers"))
        return Reply(ex.status, tuple(headers), b"", notes=notes), None
    kind = media.kind(media_type)
    value: JSON = None
    stream: AsyncIterator[bytes] | None = None
    body = b""
    if kind in ("json", "sse", "csv", "text"):
        value = _value(ex, behavior, services, media.value_source(ex.response, media_type))
    if kind == "json":
        body = dump_json(value)
    elif kind == "sse":
        stream = streaming.sse(behavior.events(ex, value, services), ex.controls.pace)
    elif kind == "csv":
        body = media.csv_body(value, ex.response)
    elif kind == "text":
        body = media.as_text(value)
    else:
        produced = behavior.binary(ex, services)
        if isinstance(produced, bytes):
            body = produced
        else:
            stream = produced
    given = behavior.headers(ex, value, services)
    headers = [
        ("content-type", media.content_type(media_type)),
        *documented_headers(ex.response, synthesizer, lambda: ex.rng("headers"), given),
    ]
    return Reply(ex.status, tuple(headers), body, stream, media_type, notes), value


def _value(ex: Exchange, behavior: Behavior, services: Services, media_type: str) -> JSON:
    """The JSON value behind a JSON, SSE or CSV answer (from the JSON media type's schema)."""
    assert ex.response is not None
    spec_media = ex.response.content[media_type]
    meaningful = ex.status < 300 and media_type == JSON_TYPE  # behaviors shape successes only
    prefer = ex.controls.prefer
    if prefer.example is not None:
        if prefer.example not in spec_media.examples:
            names = ", ".join(repr(n) for n in spec_media.examples if n) or "none"
            raise SelectionError(
                f"no valid example named {prefer.example!r} for {ex.operation.operation_id} "
                f"{ex.status} {media_type}; named examples: {names}"
            )
        value = spec_media.examples[prefer.example]
    elif prefer.dynamic is False and spec_media.examples:
        value = next(iter(spec_media.examples.values()))
    elif meaningful:
        value = behavior.build(ex, services)  # the behavior (or the schema) makes it
    elif spec_media.schema is None:
        value = None
    else:
        value = services.synthesizer.valid_value(spec_media.schema, ex.rng("body"), examples=True)
    if meaningful:
        value = behavior.refine(ex, value, services)
    if meaningful and behavior is not GENERIC and spec_media.schema is not None:
        # Behaviors know the bundled spec; a later one may ask for more (issue 13).
        value = complete(services.synthesizer, spec_media.schema, value, lambda: ex.rng("completion"))
    return value
