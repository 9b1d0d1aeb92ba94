"""What an embeddings answer must mean: one vector per input in `index` order, `dimensions`
honoured exactly, finite values that are not all zero, and `encoding_format: base64` as
little-endian float32 that agrees with the float answer for the same input (a paired request).
"""

from __future__ import annotations

import base64
import binascii
import math
import struct
from collections.abc import Sequence
from typing import Any

from contracts.failures import Failure, excerpt

CHECK = "embeddings"
AGREEMENT = 0.99  # cosine between the float and the base64 answer of the same input


def input_count(value: Any) -> int | None:
    """How many vectors an `input` asks for: a string or one token list is one, a list of
    strings or of token lists one each; None when the input is not of a known form."""
    if isinstance(value, str):
        return 1
    if not isinstance(value, list) or not value:
        return None
    if all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return 1
    if all(isinstance(v, (str, list)) for v in value):
        return len(value)
    return None


def vectors(answer: Any) -> list[tuple[Any, Any]]:
    """(index, embedding) of each item of `data`, as answered."""
    data = answer.get("data") if isinstance(answer, dict) else None
    items = data if isinstance(data, list) else []
    return [(i.get("index"), i.get("embedding")) for i in items if isinstance(i, dict)]


def decode_base64(text: str) -> list[float] | str:
    """The float32 values of a base64 embedding, or why it cannot be one."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        return f"not base64: {exc}"
    if len(raw) % 4:
        return f"{len(raw)} bytes is not a whole number of float32 values"
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))


def as_floats(embedding: Any, encoding: str) -> list[float] | str:
    """The values of one embedding in the requested encoding, or what is wrong with it."""
    if encoding == "base64":
        return decode_base64(embedding) if isinstance(embedding, str) else "not a base64 string"
    if isinstance(embedding, list) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in embedding
    ):
        return [float(v) for v in embedding]
    return "not a list of numbers"


def check_embeddings(body: Any, answer: Any) -> list[Failure]:
    """One answer against the request body that asked for it."""
    if not isinstance(body, dict):
        return []
    out: list[Failure] = []
    items = vectors(answer)
    wanted = input_count(body.get("input"))
    if wanted is not None and len(items) != wanted:
        title = f"{len(items)} embedding(s) for {wanted} input(s)"
        out.append(Failure(CHECK, title, f"{wanted} embedding(s)", str(len(items)), "count", field="data"))
    indexes = [index for index, _ in items]
    if indexes != list(range(len(items))):
        title = "embeddings are not in index order"
        expected = f"indexes 0..{len(items) - 1} in order"
        out.append(Failure(CHECK, title, expected, excerpt(indexes), "order", field="data[].index"))
    encoding = body.get("encoding_format", "float")
    dimensions = body.get("dimensions")
    for number, (_, embedding) in enumerate(items):
        where = f"data[{number}].embedding"
        values = as_floats(embedding, str(encoding))
        if isinstance(values, str):
            title = f"{where} is not a {encoding} embedding: {values}"
            out.append(
                Failure(
                    CHECK, title, f"{encoding} embedding", excerpt(embedding, 80), "encoding", field=where
                )
            )
            continue
        if isinstance(dimensions, int) and not isinstance(dimensions, bool) and len(values) != dimensions:
            title = f"{where} has {len(values)} dimensions, {dimensions} were asked for"
            out.append(Failure(CHECK, title, str(dimensions), str(len(values)), "dimensions", field=where))
        if not all(math.isfinite(v) for v in values):
            bad = next(v for v in values if not math.isfinite(v))
            out.append(
                Failure(CHECK, f"{where} holds {bad}", "finite values", str(bad), "finite", field=where)
            )
        elif values and not any(values):
            title = f"{where} is all zeros"
            out.append(Failure(CHECK, title, "a vector that is not all zero", "0.0 ...", "zero", field=where))
    return _first_per_rule(out)


def check_agreement(float_answer: Any, base64_answer: Any) -> list[Failure]:
    """The base64 answer decodes to (nearly) the float answer of the same request. Vectors are
    paired by their `index` when both answers give every item a distinct integer one (an answer
    out of order is check_embeddings' "order" finding, not also a disagreement here), else by
    position."""
    for where, a, b in _pairs(vectors(float_answer), vectors(base64_answer)):
        a, b = as_floats(a, "float"), as_floats(b, "base64")
        if isinstance(a, str) or isinstance(b, str):
            continue  # check_embeddings said what is wrong with either
        if len(a) != len(b):
            title = f"{where}: base64 decodes to {len(b)} float32 values, the float answer has {len(a)}"
            expected = f"{len(a)} little-endian float32 values ({4 * len(a)} bytes)"
            return [Failure(CHECK, title, expected, f"{4 * len(b)} bytes", "base64", field=where)]
        similarity = cosine(a, b)
        if similarity < AGREEMENT:
            shown = _below_bound(similarity, 3)
            title = f"{where}: the base64 answer disagrees with the float answer (cosine {shown})"
            expected = f"cosine >= {AGREEMENT} between the two encodings of the same input"
            return [Failure(CHECK, title, expected, _below_bound(similarity, 4), "agreement", field=where)]
    return []


def _pairs(first: list[tuple[Any, Any]], second: list[tuple[Any, Any]]) -> list[tuple[str, Any, Any]]:
    """(where, embedding of the first answer, embedding of the second) for the same input."""

    def by_index(items: list[tuple[Any, Any]]) -> dict[int, Any] | None:
        indexes = [i for i, _ in items]
        plain = all(isinstance(i, int) and not isinstance(i, bool) for i in indexes)
        return dict(items) if plain and len(set(indexes)) == len(indexes) else None

    left, right = by_index(first), by_index(second)
    if left is None or right is None:
        return [
            (f"data[{n}].embedding", a, b)
            for n, ((_, a), (_, b)) in enumerate(zip(first, second, strict=False))
        ]
    position = {index: n for n, (index, _) in enumerate(first)}
    return [(f"data[{position[i]}].embedding", left[i], right[i]) for i in sorted(left) if i in right]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    if norm == 0 or not math.isfinite(norm):
        return 0.0
    return sum(x * y for x, y in zip(a, b, strict=True)) / norm


def _below_bound(similarity: float, decimals: int) -> str:
    """A failing cosine to `decimals` places, or to as many as it takes not to round up to the
    bound: 0.98994 must not read "0.990" next to "cosine >= 0.99"."""
    text = f"{similarity:.{decimals}f}"
    while float(text) >= AGREEMENT and decimals < 17:
        decimals += 1
        text = f"{similarity:.{decimals}f}"
    return text


def _first_per_rule(failures: list[Failure]) -> list[Failure]:
    seen: set[str] = set()
    out = []
    for failure in failures:
        if failure.name not in seen:
            seen.add(failure.name)
            out.append(failure)
    return out
