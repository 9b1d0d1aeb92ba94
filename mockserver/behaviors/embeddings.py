"""Venice semantics for POST /embeddings: one deterministic unit vector per input.

A vector depends on the input alone (its text, or its token ids), never on the request seed,
so that the same text embeds identically in any request, batch position or server run; that is
what lets a client's similarity search or cache behave against the mock as it would in
production. `dimensions` keeps a prefix of the same direction (as OpenAI's shortened
embeddings do), renormalized to unit length.
"""

from __future__ import annotations

import base64
import hashlib
import math
import random
import struct
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from mockserver import tokens
from mockserver.behaviors.hooks import Behavior
from mockserver.behaviors.models import require_model, resolve_model
from mockserver.errors import Violation
from mockserver.exchange import Exchange
from mockserver.spec import Operation
from mockserver.types import JSON
from mockserver.validation import RequestData

if TYPE_CHECKING:
    from mockserver.services import Services

# Output size per embedding model when the request gives no `dimensions`: the catalog's
# ModelResponse has no field for it, so it lives here. BGE-M3 (BAAI/bge-m3) produces 1024-dim
# dense vectors.
NATURAL_DIMENSIONS: Mapping[str, int] = {"text-embedding-bge-m3": 1024}

# For an embedding model missing above, or any id accepted under --any-model.
FALLBACK_DIMENSIONS = 1024

Input = str | tuple[int, ...]


def inputs(value: JSON) -> list[Input]:
    """The separate inputs of a request's `input`: a string or one token list is one input; each
    item of a list of strings or of token lists is one."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not value:
        return []
    if all(isinstance(item, int) for item in value):
        return [tuple(value)]
    return [item if isinstance(item, str) else tuple(item) for item in value]


def token_count(item: Input) -> int:
    return tokens.count(item) if isinstance(item, str) else len(item)


def natural_dimensions(model_id: str | None) -> int:
    return NATURAL_DIMENSIONS.get(model_id or "", FALLBACK_DIMENSIONS)


def vector(item: Input, dimensions: int) -> list[float]:
    """The unit-length embedding of one input, its components exactly representable as float32
    (so that the base64 form decodes to exactly the float answer)."""
    # Text and token ids hash in separate namespaces: the mock has no vocabulary to say which
    # text a token list stands for, and must not make "1,2" and [1, 2] collide by accident.
    key = b"text\x00" + item.encode() if isinstance(item, str) else b"tokens\x00" + repr(item).encode()
    rng = random.Random(hashlib.blake2b(key, digest_size=16).digest())
    # Gaussian components: normalized, they point in a uniformly random direction.
    raw = [rng.gauss(0.0, 1.0) for _ in range(dimensions)]
    norm = math.sqrt(math.fsum(x * x for x in raw)) or 1.0
    return _float32([x / norm for x in raw])


def _float32(values: Sequence[float]) -> list[float]:
    return list(struct.unpack(f"<{len(values)}f", struct.pack(f"<{len(values)}f", *values)))


def encode_base64(values: Sequence[float]) -> str:
    """OpenAI's base64 form: the little-endian float32 bytes of the vector, base64-encoded."""
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode("ascii")


def _model_id(services: Services, name: JSON) -> str | None:
    model = resolve_model(services, name, ["embedding"])
    return model.id if model is not None else None


def _check(op: Operation, request: RequestData, services: Services) -> list[Violation]:
    body = request.body if isinstance(request.body, dict) else {}
    problems = require_model(services, body.get("model"), ["embedding"])
    dimensions = body.get("dimensions")
    if not problems and isinstance(dimensions, int):
        # A vector cannot have more components than the model produces (OpenAI answers 400 too);
        # this also bounds the work one request can ask for.
        most = natural_dimensions(_model_id(services, body.get("model")))
        if dimensions > most:
            problems.append(
                Violation(
                    "dimensions", "maximum", f"{dimensions} is greater than the model's {most} dimensions"
                )
            )
    return problems


def _refine(ex: Exchange, value: JSON, services: Services) -> JSON:
    model = ex.field("model")
    items = inputs(ex.field("input"))
    requested = ex.field("dimensions")
    size = requested if isinstance(requested, int) else natural_dimensions(_model_id(services, model))
    as_base64 = ex.field("encoding_format") == "base64"
    data = []
    for index, item in enumerate(items):
        embedding = vector(item, size)
        data.append(
            {
                "embedding": encode_base64(embedding) if as_base64 else embedding,
                "index": index,
                "object": "embedding",
            }
        )
    used = sum(token_count(item) for item in items)
    return {
        "data": data,
        "model": model if isinstance(model, str) else "",
        "object": "list",
        "usage": {"prompt_tokens": used, "total_tokens": used},
    }


BEHAVIORS: Mapping[str, Behavior] = {"createEmbedding": Behavior(check=_check, refine=_refine)}
