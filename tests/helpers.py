"""Test helpers: valid requests made from the spec, and openapi-core as the reference validator."""

from __future__ import annotations

import base64
import copy
import json
import random
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from mockserver import Spec
from mockserver.media.audio import MEDIA_TYPES as AUDIO_TYPES
from mockserver.media.images import encode_image
from mockserver.spec import Operation
from mockserver.synthesis import Synthesizer

AUTH = {"Authorization": "Bearer test-key"}
# A tool with required, constrained arguments: the answer's arguments must satisfy them.
WEATHER: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "minLength": 1}, "unit": {"enum": ["c", "f"]}},
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}


def reference_for(spec: Spec) -> OpenAPI:
    """openapi-core over the same document; servers made relative so any host matches."""
    document = copy.deepcopy(spec.document)
    document["servers"] = [{"url": spec.base_path or "/"}]
    return OpenAPI.from_dict(document)


@dataclass
class Request:
    method: str
    path: str  # relative to the base path
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    has_body: bool = False

    def url(self, base_path: str) -> str:
        return base_path + self.path + (f"?{urlencode(self.query, doseq=True)}" if self.query else "")

    def body(self) -> bytes:
        return json.dumps(self.json).encode() if self.has_body else b""


def valid_request(
    op: Operation, seed: int = 0, synthesizer: Synthesizer | None = None, media_type: str | None = None
) -> Request:
    """A request that satisfies the operation's contract, drawn from its own schemas; with
    `media_type`, one that asks for that answer (`stream`, `return_binary`, `response_format`)."""
    synthesizer = synthesizer or Synthesizer()
    rng = random.Random(seed)
    request = Request(op.method, op.path, headers=dict(AUTH))
    for param in op.parameters:
        if param.location == "path" and param.schema is not None:
            value = synthesizer.valid_value(param.schema, rng)
            request.path = request.path.replace("{" + param.name + "}", str(value))
        elif param.required and param.location == "query" and param.schema is not None:
            request.query[param.name] = synthesizer.valid_value(param.schema, rng)
    if op.request_body is not None and "application/json" in op.request_body.content:
        media = op.request_body.content["application/json"]
        if media.schema is not None:
            body = synthesizer.valid_value(media.schema, rng)
            request.json = meaningful(op.operation_id, body, rng, media_type)
            request.has_body = True
            request.headers["Content-Type"] = "application/json"
    return request


# A real 256x256 PNG: upload endpoints check that their input is an image of a usable size.
PNG_256 = base64.b64encode(encode_image(256, 256, "png", 1)).decode()


VIDEO_MODEL = "wan-2.5-preview-text-to-video"
_SPEECH_FORMATS = {media_type: fmt for fmt, media_type in AUDIO_TYPES.items()}


def meaningful(operation_id: str, body: Any, rng: random.Random, media_type: str | None = None) -> Any:
    """A schema-valid body made semantically valid too: names from the catalog, a real image.

    The schema allows any string for `model`; the Venice semantics do not (unknown models get a
    400 listing the valid ones), so requests that must succeed name real ones.
    """
    if not isinstance(body, dict):
        return body
    fixes: dict[str, Any] = {
        "createChatCompletion": {"model": rng.choice(["venice-uncensored", "llama-3.3-70b", "qwen3-235b"])},
        "generateImage": {"model": "hidream"},
        "simpleGenerateImage": {"model": "default"},
        "createEmbedding": {"model": "text-embedding-bge-m3"},
        "createSpeech": {"model": "tts-kokoro"},
        "upscaleImage": {"image": PNG_256},
        "editImage": {"image": PNG_256},
        # Later Venice specs (tests/later_venice.py): a video model, and an aspect ratio it offers
        # (the schema admits any string); every duration and resolution enum value is offered.
        "quoteVideo": {"model": VIDEO_MODEL, "aspect_ratio": "16:9"},
        "queueVideo": {"model": VIDEO_MODEL, "aspect_ratio": "16:9"},
        "retrieveVideo": {"model": VIDEO_MODEL},
        "completeVideo": {"model": VIDEO_MODEL},
    }.get(operation_id, {})
    fixed = {**body, **fixes}
    if operation_id == "createChatCompletion":
        # tools, schemas and characters are exercised by tests/test_chat.py with meaningful values
        for name in ("tools", "tool_choice", "response_format"):
            fixed.pop(name, None)
        venice = dict(fixed.get("venice_parameters") or {})
        venice.pop("character_slug", None)
        fixed["venice_parameters"] = venice
    if operation_id == "generateImage":
        fixed.pop("style_preset", None)
    if media_type is not None:
        if operation_id == "createChatCompletion":
            fixed["stream"] = media_type == "text/event-stream"
        elif operation_id == "generateImage":
            fixed["return_binary"] = media_type.startswith("image/")
            if media_type.startswith("image/"):
                fixed["format"] = media_type.split("/")[1]
        elif operation_id == "createSpeech" and media_type in _SPEECH_FORMATS:
            fixed["response_format"] = _SPEECH_FORMATS[media_type]
    return fixed


def reference_check_response(
    reference: OpenAPI, base_path: str, request: Request, status: int, headers: dict[str, str], body: bytes
) -> None:
    """Raise if openapi-core finds the response invalid for the request."""
    args = {k: v if len(v) > 1 else v[0] for k, v in parse_qs(urlencode(request.query, doseq=True)).items()}
    mock_request = MockRequest(
        "http://localhost",
        request.method.lower(),
        base_path + request.path,
        args=args,
        headers=request.headers,
        data=request.body() or None,
    )
    content_type = headers.get("content-type", "")
    # openapi-core hands undecoded bytes of text media types to the schema, which then is not a
    # string; give it text, as a client would read it.
    data: Any = body.decode() if content_type.startswith("text/") else body
    mock_response = MockResponse(
        data, status_code=status, headers=headers, content_type=content_type.split(";")[0].strip()
    )
    reference.validate_response(mock_request, mock_response)


def sse_data(raw: str) -> list[str]:
    """The `data:` payloads of a text/event-stream body, in order (multi-line data joined)."""
    payloads = []
    for block in raw.replace("\r\n", "\n").split("\n\n"):
        lines = [line[5:].lstrip(" ") for line in block.split("\n") if line.startswith("data:")]
        if lines:
            payloads.append("\n".join(lines))
    return payloads


def chunk_validator(spec: Spec) -> Any:
    """openapi-core's own schema validator over the overlay's chunk schema (an independent oracle)."""
    from openapi_schema_validator import OAS30Validator

    return OAS30Validator(spec.document["components"]["schemas"]["ChatCompletionChunk"])


def join_stream(chunks: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Per choice index: the message the deltas add up to, and the choice's finish_reason."""
    joined: dict[int, dict[str, Any]] = {}
    for chunk in chunks:
        for choice in chunk["choices"]:
            slot = joined.setdefault(
                choice["index"], {"message": {"content": None, "tool_calls": []}, "finish_reason": None}
            )
            message = slot["message"]
            for key, value in choice["delta"].items():
                if key == "tool_calls":
                    for part in value:
                        while len(message["tool_calls"]) <= part["index"]:
                            message["tool_calls"].append({"function": {"arguments": ""}})
                        call = message["tool_calls"][part["index"]]
                        call.update({k: v for k, v in part.items() if k not in ("function", "index")})
                        function = part.get("function", {})
                        if "name" in function:
                            call["function"]["name"] = function["name"]
                        call["function"]["arguments"] += function.get("arguments", "")
                elif isinstance(value, str) and key != "role":
                    message[key] = (message.get(key) or "") + value
                else:
                    message[key] = value
            if choice["finish_reason"] is not None:
                slot["finish_reason"] = choice["finish_reason"]
    return joined
