"""Venice semantics, one module per API area, keyed by operationId.

The generic engine answers any spec with valid synthesized values and real media bytes; a
Behavior makes those answers mean something (echo the model, one embedding per input, images of
the requested size, keys that stay deleted). Behaviors must keep their output valid against the
spec: tests/test_selfcheck.py and each area's tests validate what they produce.

Hooks, each with a default (GENERIC is an operation without semantics), called by mockserver.pipeline:
  implied(op, request, services)  media type the request implies (return_binary -> image/png; a
                                  finished video job -> video/mp4)
  permit(op, request, services)   who may call it (an INFERENCE key on an admin route: 401); runs
                                  before any `Prefer` choice, so Prefer never changes who you are
  check(op, request, services)    semantic violations (unknown model, ...) answered with 400
  build(ex, services)             the whole JSON body of a 2xx (default: `synthesized`, from the schema)
  refine(ex, value, services)     the synthesized (or built) JSON body -> the meaningful one
  headers(ex, value, services)    values for documented (or extra) response headers
  events(ex, value, services)     a streamed answer: the SSE event payloads for the JSON value
  binary(ex, services)            a non-JSON body (image, audio): bytes, or chunks to stream
  admit(ex, services)             before a 2xx: a Refusal (e.g. 429 rate limited) or None
  account(ex, value, services)    after a 2xx: record usage, rate-limit events, key activity
  cacheable                       GET answers depend on the request only: safe to reuse
  seed_ignores                    top-level body fields that must not change the answer's seed
                                  (chat: `stream`, so a stream and a JSON answer carry the same text)

Several modules may contribute to one operation (chat semantics in chat.py, its billing in
billing.py): their hooks are combined in a fixed module order (see `combine`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from mockserver.behaviors.hooks import GENERIC as GENERIC
from mockserver.behaviors.hooks import Behavior as Behavior
from mockserver.behaviors.hooks import Refusal as Refusal
from mockserver.behaviors.hooks import Refused as Refused
from mockserver.behaviors.hooks import combine as combine
from mockserver.behaviors.hooks import synthesized as synthesized


def _collect() -> Mapping[str, Behavior]:
    from mockserver.behaviors import (
        audio,
        billing,
        chat,
        embeddings,
        images,
        keys,
        lookups,
        models,
        ratelimits,
        video,
    )

    found: dict[str, list[Behavior]] = {}
    for module in (chat, models, embeddings, images, audio, video, keys, lookups, ratelimits, billing):
        for operation_id, behavior in module.BEHAVIORS.items():
            found.setdefault(operation_id, []).append(behavior)
    return MappingProxyType({op: combine(parts) for op, parts in found.items()})


_REGISTRY: Mapping[str, Behavior] | None = None


def lookup(operation_id: str) -> Behavior:
    """The operation's Venice semantics; GENERIC for an operation they do not know."""
    global _REGISTRY
    if _REGISTRY is None:  # collected on first use: the modules import the pipeline's value types
        _REGISTRY = _collect()
    return _REGISTRY.get(operation_id, GENERIC)
