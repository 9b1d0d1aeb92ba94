"""Media types from a client's point of view: what kind of body each is, and how a request asks
for one. On Venice the body decides for chat (`stream`), image generation (`return_binary`,
`format`) and speech (`response_format`); elsewhere `Accept` does.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from contracts.checks.binary import AUDIO_TYPES, IMAGE_TYPES

JSON_TYPE = "application/json"
SSE_TYPE = "text/event-stream"

# media type -> the format word a request asks for it with: the kit's one table (checks/binary.py)
_IMAGE_FORMATS: Mapping[str, str] = IMAGE_TYPES
_SPEECH_FORMATS: Mapping[str, str] = AUDIO_TYPES
# Magic numbers, so that scripted binary answers look like what they claim to be.
MAGIC: Mapping[str, bytes] = {
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
    "image/webp": b"RIFF\x00\x00\x00\x00WEBP",
    "audio/mpeg": b"ID3",
    "audio/opus": b"OggS",
    "audio/aac": b"\xff\xf1",
    "audio/flac": b"fLaC",
    "audio/wav": b"RIFF\x00\x00\x00\x00WAVE",
}


def kind(media_type: str) -> str:
    """ "json", "sse", "csv", "text" or "binary"."""
    if media_type == JSON_TYPE or media_type.endswith("+json"):
        return "json"
    if media_type == SSE_TYPE:
        return "sse"
    if media_type == "text/csv":
        return "csv"
    if media_type.startswith("text/") or media_type in ("application/xml", "application/yaml"):
        return "text"
    return "binary"


def ask_for(operation_id: str, arguments: Mapping[str, Any], media_type: str) -> dict[str, Any]:
    """`arguments` changed so that the request asks for `media_type` (a copy)."""
    out: dict[str, Any] = copy.deepcopy(dict(arguments))
    body = out.get("body")
    if operation_id == "createChatCompletion" and isinstance(body, dict):
        body["stream"] = media_type == SSE_TYPE
        if media_type != SSE_TYPE:
            body.pop("stream_options", None)
        return out
    if operation_id == "generateImage" and isinstance(body, dict):
        body["return_binary"] = media_type in _IMAGE_FORMATS
        if media_type in _IMAGE_FORMATS:
            body["format"] = _IMAGE_FORMATS[media_type]
        return out
    if operation_id == "createSpeech" and isinstance(body, dict) and media_type in _SPEECH_FORMATS:
        body["response_format"] = _SPEECH_FORMATS[media_type]
        body.pop("streaming", None)
        return out
    out["headers"] = {**out.get("headers", {}), "Accept": media_type}
    return out


def implied(operation_id: str, arguments: Mapping[str, Any]) -> str | None:
    """The media type a request asks for by its body (None: Accept or the default decides)."""
    body = arguments.get("body")
    if not isinstance(body, dict):
        return None
    if operation_id == "createChatCompletion":
        return SSE_TYPE if body.get("stream") is True else JSON_TYPE
    if operation_id == "generateImage":
        if body.get("return_binary") is True:
            return f"image/{body.get('format', 'webp')}"
        return JSON_TYPE
    if operation_id == "createSpeech":
        wanted = str(body.get("response_format", "mp3"))
        return next((m for m, f in _SPEECH_FORMATS.items() if f == wanted), None)
    return None
