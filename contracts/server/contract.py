"""Our checks on one answer, beyond schemathesis': error bodies, binary bodies, base64 images,
CSV. Streams and Content-Encoding were judged while the body was read (see checks/reader.py)."""

from __future__ import annotations

import json
from typing import Any

from contracts.checks.binary import (
    AUDIO_TYPES,
    IMAGE_TYPES,
    VIDEO_TYPES,
    ImageRequest,
    check_binary,
    check_json_images,
)
from contracts.checks.csvcheck import check_csv
from contracts.checks.errors import check_error_body
from contracts.failures import Failure
from contracts.server.transport import Call
from contracts.server.venice import upload_result
from mockserver import Operation

_AUDIO_FORMATS = {"mp3", "opus", "aac", "flac", "wav", "pcm"}


def request_defaults(op: Operation) -> dict[str, Any]:
    """Default values of the JSON request body's top-level properties."""
    body = op.request_body
    media = body.content.get("application/json") if body is not None else None
    schema = media.schema.schema if media is not None and media.schema is not None else {}
    properties = schema.get("properties") or {}
    return {k: v["default"] for k, v in properties.items() if isinstance(v, dict) and "default" in v}


def check_answer(op: Operation, call: Call, request_body: Any, defaults: dict[str, Any]) -> list[Failure]:
    if call.body.cut_short:
        return []  # what was read is judged already; a partial body proves nothing more
    failures = check_error_body(call.status, call.headers, call.body.content)
    if not 200 <= call.status < 300:
        return failures
    media_type = call.media_type
    if media_type in IMAGE_TYPES or media_type in AUDIO_TYPES or media_type in VIDEO_TYPES:
        upload = upload_result(op.operation_id, request_body, defaults.get("scale", 2.0))
        image = upload or ImageRequest.from_body(request_body, defaults)
        fields = {**defaults, **(request_body if isinstance(request_body, dict) else {})}
        wanted = fields.get("response_format")
        audio = wanted if wanted in _AUDIO_FORMATS else None
        failures += check_binary(media_type, call.body.content, image, audio)
    elif media_type == "text/csv":
        response = op.response(call.status)
        media = response.content.get("application/json") if response is not None else None
        schema = media.schema.schema if media is not None and media.schema is not None else None
        failures += check_csv(call.body.content, schema)
    elif media_type == "application/json":
        response = op.response(call.status)
        media = response.content.get("application/json") if response is not None else None
        if media is not None and media.schema is not None:
            try:
                value = json.loads(call.body.content)
            except ValueError:
                return failures  # schemathesis reports the broken JSON
            image = ImageRequest.from_body(request_body, defaults)
            failures += check_json_images(value, media.schema.schema, image)
    return failures
