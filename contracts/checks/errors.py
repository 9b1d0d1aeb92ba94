"""Error bodies: every 4xx/5xx answer carries the spec's error shape, `{"error": "...", ...}`
(with `details` an object when present), whether or not the status is documented."""

from __future__ import annotations

import json
from collections.abc import Mapping

from contracts.failures import Failure, excerpt, printable

CHECK = "error_shape"
EXPECTED = 'application/json {"error": "<message>", "details": {...}?}'


def check_error_body(status: int, headers: Mapping[str, str], body: bytes) -> list[Failure]:
    if status < 400:
        return []
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        return [
            Failure(CHECK, f"{status} answer is not JSON", EXPECTED, f"Content-Type: {media_type or 'none'}")
        ]
    try:
        value = json.loads(body)
    except ValueError:
        return [Failure(CHECK, f"{status} body is not valid JSON", EXPECTED, printable(body, media_type))]
    if not isinstance(value, dict) or not isinstance(value.get("error"), str):
        return [Failure(CHECK, f"{status} body lacks a string `error`", EXPECTED, excerpt(value))]
    if "details" in value and not isinstance(value["details"], dict):
        return [Failure(CHECK, f"{status} body has non-object `details`", EXPECTED, excerpt(value))]
    return []
