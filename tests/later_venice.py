"""A later Venice spec for tests: the bundled swagger.yaml plus what Venice added since (issue 13).

Built from the bundled document (never edited) and written to a temporary file, so tests serve it
exactly as a user would with `--spec`. The additions follow Venice's published API reference:

- `GET /api_keys/{id}` (getApiKeyById): one key, `{data: <the getApiKeys item>}`; 404 unknown.
- `GET /characters/{slug}` (getCharacterBySlug): one character, `{data: <the listCharacters item>}`; 404.
- The asynchronous video API, all POST with JSON bodies: `/video/quote` -> `{quote}` (USD),
  `/video/queue` -> `{model, queue_id}`, `/video/retrieve` -> while running 200 JSON
  `{status: PROCESSING, average_execution_time, execution_duration}` (milliseconds), when done
  200 `video/mp4`; 404 for an unknown queue id; `/video/complete` -> `{success}`.
- `listModels`' `type` (and the traits and compatibility listings') gain `video` and `asr`, and
  ModelResponse gains video constraints (aspect ratios, durations, resolutions) and pricing.

Errors use the bundled spec's shape: `{error: string, details?: object}`.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from mockserver.catalog import MODEL_TYPES
from mockserver.specfile import read_document
from mockserver.specload import default_spec_path

NEW_TYPES = ("video", "asr")
# The catalog's model types the bundled spec's ModelResponse admits (read from it, in catalog order).
BUNDLED_TYPES = tuple(
    t
    for t in MODEL_TYPES
    if t
    in read_document(default_spec_path())[0]["components"]["schemas"]["ModelResponse"]["properties"]["type"][
        "enum"
    ]
)
NEW_OPERATIONS = (
    "getApiKeyById",
    "getCharacterBySlug",
    "quoteVideo",
    "queueVideo",
    "retrieveVideo",
    "completeVideo",
)
DURATIONS = ("5s", "10s")
RESOLUTIONS = ("480p", "720p", "1080p")


def _error(description: str, details: bool = False) -> dict[str, Any]:
    properties: dict[str, Any] = {"error": {"type": "string", "description": "A description of the error"}}
    if details:
        properties["details"] = {
            "type": "object",
            "properties": {},
            "description": "Details about the incorrect input",
        }
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": properties, "required": ["error"]}
            }
        },
    }


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: str) -> dict[str, Any]:
    known = {
        "400": _error("Invalid request parameters", details=True),
        "401": _error("Authentication failed"),
        "402": _error("Insufficient USD or Diem balance to complete request"),
        "404": _error("Not found"),
        "500": _error("An unknown error occurred"),
    }
    return {status: known[status] for status in statuses}


def _body(ref: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": ref}}}}


_STRING = {"type": "string"}


def _video_request(required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "model": {
                "type": "string",
                "description": "The video model",
                "example": "wan-2.5-preview-text-to-video",
            },
            "prompt": {
                "type": "string",
                "minLength": 1,
                "maxLength": 2500,
                "description": "What the video shows",
            },
            "negative_prompt": {"type": "string", "maxLength": 2500},
            "duration": {"type": "string", "enum": list(DURATIONS), "description": "Length of the video"},
            "aspect_ratio": {"type": "string", "description": "Width:height, e.g. 16:9", "example": "16:9"},
            "resolution": {"type": "string", "enum": list(RESOLUTIONS), "default": "720p"},
            "audio": {"type": "boolean", "default": True, "description": "Generate an audio track"},
            "image_url": {
                "type": "string",
                "description": "Image-to-video models: the first frame, an http(s) or data: URL",
            },
        },
        "required": required,
    }


_JOB: dict[str, Any] = {
    "type": "object",
    "properties": {
        "model": {"type": "string", "description": "The model the job was queued with"},
        "queue_id": {"type": "string", "description": "The id /video/queue returned"},
    },
    "required": ["model", "queue_id"],
}


def later_venice_document() -> dict[str, Any]:
    """The bundled document with the later operations and enum values (a fresh copy each call)."""
    document: dict[str, Any] = copy.deepcopy(read_document(default_spec_path())[0])
    document["info"]["version"] = "20251203.000000"
    schemas = document["components"]["schemas"]
    paths = document["paths"]

    model = schemas["ModelResponse"]
    model["properties"]["type"]["enum"] = [*model["properties"]["type"]["enum"], *NEW_TYPES]
    spec_props = model["properties"]["model_spec"]["properties"]
    spec_props["constraints"]["anyOf"].append(
        {
            "type": "object",
            "title": "Video Model Constraints",
            "properties": {
                "model_type": {"type": "string", "enum": ["text-to-video", "image-to-video"]},
                "aspect_ratios": {"type": "array", "items": _STRING},
                "durations": {"type": "array", "items": _STRING},
                "resolutions": {"type": "array", "items": _STRING},
                "audio": {"type": "boolean"},
                "audio_configurable": {"type": "boolean"},
            },
            "required": ["model_type", "aspect_ratios", "durations", "resolutions"],
        }
    )
    price = {
        "type": "object",
        "properties": {"usd": {"type": "number"}, "vcu": {"type": "number"}, "diem": {"type": "number"}},
        "required": ["usd", "vcu", "diem"],
    }
    spec_props["pricing"]["anyOf"].append(
        {
            "type": "object",
            "title": "Video Model Pricing",
            "properties": {"per_second": price},
            "required": ["per_second"],
        }
    )
    # Every enum of the six bundled types, in the listings' parameters and answers, gains the new
    # ones (the `type` a listing echoes has the parameter's enum).
    for path in ("/models", "/models/traits", "/models/compatibility_mapping"):
        _widen_type_enums(paths[path]["get"], set(model["properties"]["type"]["enum"]) - set(NEW_TYPES))

    key_item = copy.deepcopy(
        paths["/api_keys"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["properties"][
            "data"
        ]["items"]
    )
    paths["/api_keys/{id}"] = {
        "get": {
            "operationId": "getApiKeyById",
            "summary": "/api/v1/api_keys/{id}",
            "description": "Return details about one API key.",
            "tags": ["API Keys"],
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": _STRING, "description": "The key id"}
            ],
            "responses": {
                "200": _json(
                    "OK",
                    {
                        "type": "object",
                        "properties": {"data": key_item},
                        "required": ["data"],
                        "additionalProperties": False,
                    },
                ),
                **_errors("401", "404", "500"),
            },
        }
    }
    character = copy.deepcopy(
        paths["/characters"]["get"]["responses"]["200"]["content"]["application/json"]["schema"][
            "properties"
        ]["data"]["items"]
    )
    paths["/characters/{slug}"] = {
        "get": {
            "operationId": "getCharacterBySlug",
            "summary": "/api/v1/characters/{slug}",
            "description": "This is a preview API and may change. Returns one character by its slug.",
            "tags": ["Characters", "Preview"],
            "parameters": [
                {"name": "slug", "in": "path", "required": True, "schema": _STRING, "description": "Its slug"}
            ],
            "responses": {
                "200": _json(
                    "OK", {"type": "object", "properties": {"data": character}, "required": ["data"]}
                ),
                **_errors("401", "404", "500"),
            },
        }
    }

    schemas["QuoteVideoRequest"] = _video_request(["model", "duration"])
    schemas["QueueVideoRequest"] = _video_request(["model", "prompt", "duration"])
    schemas["VideoJobRequest"] = {
        **copy.deepcopy(_JOB),
        "properties": {
            **copy.deepcopy(_JOB["properties"]),
            "delete_media_on_completion": {"type": "boolean", "default": False},
        },
    }
    video = {"tags": ["Video"]}
    paths["/video/quote"] = {
        "post": {
            **video,
            "operationId": "quoteVideo",
            "summary": "/api/v1/video/quote",
            "description": "The USD price of a video generation, before queueing it.",
            "requestBody": _body("#/components/schemas/QuoteVideoRequest"),
            "responses": {
                "200": _json(
                    "OK",
                    {
                        "type": "object",
                        "properties": {"quote": {"type": "number", "minimum": 0}},
                        "required": ["quote"],
                    },
                ),
                **_errors("400", "401", "500"),
            },
        }
    }
    paths["/video/queue"] = {
        "post": {
            **video,
            "operationId": "queueVideo",
            "summary": "/api/v1/video/queue",
            "description": "Queue a video generation; poll /video/retrieve with the queue_id.",
            "requestBody": _body("#/components/schemas/QueueVideoRequest"),
            "responses": {"200": _json("OK", copy.deepcopy(_JOB)), **_errors("400", "401", "402", "500")},
        }
    }
    paths["/video/retrieve"] = {
        "post": {
            **video,
            "operationId": "retrieveVideo",
            "summary": "/api/v1/video/retrieve",
            "description": "The video file if completed, or the processing status if still in progress.",
            "requestBody": _body("#/components/schemas/VideoJobRequest"),
            "responses": {
                "200": {
                    "description": "Video file if completed, or processing status if still in progress",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "status": {"type": "string", "enum": ["PROCESSING"]},
                                    "average_execution_time": {
                                        "type": "number",
                                        "description": "Milliseconds a generation takes on average",
                                    },
                                    "execution_duration": {
                                        "type": "number",
                                        "description": "Milliseconds this generation has run so far",
                                    },
                                },
                                "required": ["status", "average_execution_time", "execution_duration"],
                            }
                        },
                        "video/mp4": {"schema": {"type": "string", "format": "binary"}},
                    },
                },
                **_errors("400", "401", "404", "500"),
            },
        }
    }
    paths["/video/complete"] = {
        "post": {
            **video,
            "operationId": "completeVideo",
            "summary": "/api/v1/video/complete",
            "description": "Delete a finished video from storage once it has been downloaded.",
            "requestBody": _body("#/components/schemas/VideoJobRequest"),
            "responses": {
                "200": _json(
                    "OK",
                    {
                        "type": "object",
                        "properties": {"success": {"type": "boolean"}},
                        "required": ["success"],
                    },
                ),
                **_errors("400", "401", "404", "500"),
            },
        }
    }
    return document


def _widen_type_enums(node: Any, old: set[str]) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("enum"), list) and set(node["enum"]) == old:
            node["enum"] = [*node["enum"], *NEW_TYPES]
        for value in node.values():
            _widen_type_enums(value, old)
    elif isinstance(node, list):
        for value in node:
            _widen_type_enums(value, old)


def write_later_spec(directory: Path) -> Path:
    """The later spec as a JSON file in `directory` (JSON is YAML 1.2: `--spec` reads it as is)."""
    path = directory / "venice-later.json"
    path.write_text(json.dumps(later_venice_document(), indent=1))
    return path
