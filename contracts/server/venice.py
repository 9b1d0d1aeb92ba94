"""What Venice requires of a valid request beyond its schemas, applied to positive cases.

swagger.yaml admits any string for `model`, any `style_preset`, anything for an uploaded
`image`; the API accepts only names from its own catalog and real images, and says so with a
400. A positive case that breaks such a rule is not valid data, so it is brought into line here
(with names fetched from the server under test through its read-only listings) instead of
being reported as "valid data rejected". Negative cases are left alone: something else makes
them invalid, and a 400 is the right answer whatever these fields hold.
"""

from __future__ import annotations

import base64
import datetime
import io
import random
from collections.abc import Callable, Mapping
from typing import Any

from contracts.checks.binary import ImageRequest
from contracts.checks.schemas import user_schema

# operationId -> the catalog type its `model` must name
MODEL_TYPES: Mapping[str, str] = {
    "createChatCompletion": "text",
    "generateImage": "image",
    "simpleGenerateImage": "image",
    "createEmbedding": "embedding",
    "createSpeech": "tts",
    # Later Venice specs' asynchronous video API: every call names the video model of its job.
    "quoteVideo": "video",
    "queueVideo": "video",
    "retrieveVideo": "video",
    "completeVideo": "video",
}
VIDEO_GENERATION = ("quoteVideo", "queueVideo")  # their duration, resolution, aspect ratio: the model's
_OFFERED = (("duration", "durations"), ("resolution", "resolutions"), ("aspect_ratio", "aspect_ratios"))
AUDIO_FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")  # createSpeech's response_format
UPLOADS = ("upscaleImage", "editImage")  # their `image` must be a real picture
# No listing tells an embedding model's size; every model Venice serves has at least this many.
EMBEDDING_DIMENSIONS = 256

Fetch = Callable[[str, Mapping[str, str]], Any]  # (operationId, query) -> JSON answer or None


class Unusable(Exception):
    """No valid request can be made of this case: the runner has hypothesis draw another."""


def png_base64(width: int, height: int) -> str:
    """A real PNG, base64 (256x256 = 65536 pixels: the smallest image upscaling accepts)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 120, 200)).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


class Catalog:
    """Names the server under test knows, read once from its listings (read-only, free)."""

    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch
        self._cache: dict[tuple[str, str], Any] = {}

    def _get(self, operation_id: str, kind: str = "") -> Any:
        key = (operation_id, kind)
        if key not in self._cache:
            self._cache[key] = self._fetch(operation_id, {"type": kind} if kind else {})
        return self._cache[key]

    def models(self, kind: str) -> list[dict[str, Any]]:
        data = (self._get("listModels", kind) or {}).get("data")
        return (
            [m for m in data if isinstance(m, dict) and isinstance(m.get("id"), str)]
            if isinstance(data, list)
            else []
        )

    def styles(self) -> list[str]:
        data = (self._get("getImageStyles") or {}).get("data")
        return [s for s in data if isinstance(s, str)] if isinstance(data, list) else []

    def characters(self) -> list[str]:
        data = (self._get("listCharacters") or {}).get("data")
        items = data if isinstance(data, list) else []
        return [c["slug"] for c in items if isinstance(c, dict) and isinstance(c.get("slug"), str)]


def upload_result(operation_id: str, body: Any, scale_default: float = 2.0) -> ImageRequest | None:
    """The image an upscale (the upload times `scale`) or an edit (the upload's size) answers
    with, from the uploaded image of a JSON or form body; None when that cannot be told."""
    if operation_id not in UPLOADS or not isinstance(body, dict) or not isinstance(body.get("image"), str):
        return None
    from PIL import Image, UnidentifiedImageError

    text = body["image"].split(",", 1)[-1] if body["image"].startswith("data:") else body["image"]
    try:
        with Image.open(io.BytesIO(base64.b64decode(text, validate=True))) as image:
            width, height = image.size
    except (ValueError, UnidentifiedImageError, OSError):
        return None
    if operation_id == "editImage":
        return ImageRequest(width, height)
    scale = body.get("scale", scale_default)
    if not isinstance(scale, (int, float)) or isinstance(scale, bool):
        return None
    return ImageRequest(round(width * scale), round(height * scale), slack=1)


def _real_date(text: str) -> bool:
    try:
        datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


class Fixups:
    """Brings positive cases in line with Venice's semantic rules (see the module docstring)."""

    def __init__(self, catalog: Catalog, seed: int) -> None:
        self.catalog = catalog
        self.rng = random.Random(seed)
        self._image: str | None = None

    def apply(self, operation_id: str, case: Any, allow_empty: Mapping[str, bool]) -> None:
        """Adjust `case` in place; Unusable when no valid request of this kind can be made of it."""
        if any(
            value == "" and not allow_empty.get(name, False) for name, value in (case.query or {}).items()
        ):
            raise Unusable  # `?id=`: OAS 3.0 forbids it unless allowEmptyValue; schemathesis sends it
        if operation_id == "getBillingUsage" and self.rng.random() < 0.5:
            case.headers = {**(case.headers or {}), "Accept": "text/csv"}  # OAS ignores Accept parameters
        body = case.body
        multipart = case.media_type == "multipart/form-data" and isinstance(body, dict)
        if multipart and any(value is None or value in ({}, []) for value in body.values()):
            raise Unusable  # multipart cannot carry null or an empty container: the field would vanish
        if operation_id in UPLOADS and not isinstance(body, dict):
            raise Unusable  # the spec does not mark the body required; nothing to upscale or edit without it
        if operation_id == "getCharacterBySlug":
            self._slug(case)
        if not isinstance(body, dict):
            return
        body = dict(body)
        self._cover_media_types(operation_id, body)
        kind = MODEL_TYPES.get(operation_id)
        if kind is not None and "model" in body:
            self._model(body, kind)
        if operation_id == "createChatCompletion":
            self._chat(body)
        elif operation_id == "generateImage" and "style_preset" in body:
            styles = self.catalog.styles()
            if styles and body["style_preset"] not in styles:
                body["style_preset"] = self.rng.choice(styles)
        elif operation_id in UPLOADS:
            if self._image is None:
                self._image = png_base64(256, 256)
            body["image"] = self._image
            if operation_id == "upscaleImage" and body.get("scale") == 1:
                body["enhance"] = "true"  # the spec's text: a scale of 1 only runs the enhancer
        elif operation_id in VIDEO_GENERATION:
            self._video(body)
        elif operation_id == "createEmbedding" and isinstance(body.get("dimensions"), int):
            body["dimensions"] = min(body["dimensions"], EMBEDDING_DIMENSIONS)
        elif operation_id in ("createApiKey", "postApiKeyGenerateWeb3Key"):
            expiry = body.get("expiresAt")
            if isinstance(expiry, str) and expiry and not _real_date(expiry):
                body["expiresAt"] = ""  # the pattern admits 2024-99-99; "" means "never expires"
        case.body = body

    def _cover_media_types(self, operation_id: str, body: dict[str, Any]) -> None:
        """Ask for each documented answer often: generated bodies mostly leave out the optional
        fields that select a stream, a binary image or an audio format."""
        pick = self.rng.random()
        if operation_id == "createChatCompletion" and "stream" not in body and pick < 0.5:
            body["stream"] = True
            if "stream_options" not in body and pick < 0.25:
                body["stream_options"] = {"include_usage": True}
        elif operation_id == "generateImage" and "return_binary" not in body and pick < 0.5:
            body["return_binary"] = True
        elif operation_id == "createSpeech" and "response_format" not in body:
            body["response_format"] = self.rng.choice(AUDIO_FORMATS)

    def _model(self, body: dict[str, Any], kind: str) -> None:
        models = self.catalog.models(kind)
        if not models or body["model"] in {m["id"] for m in models}:
            return
        model = self.rng.choice(models)
        body["model"] = model["id"]
        voices = (model.get("model_spec") or {}).get("voices")
        if kind == "tts" and isinstance(voices, list) and voices and body.get("voice") not in voices:
            body["voice"] = self.rng.choice(voices)

    def _slug(self, case: Any) -> None:
        """Mostly a slug the server lists (an unknown one is a documented 404, also worth asking)."""
        slugs = self.catalog.characters()
        if slugs and self.rng.random() < 0.8:
            case.path_parameters = {**(case.path_parameters or {}), "slug": self.rng.choice(slugs)}

    def _video(self, body: dict[str, Any]) -> None:
        """A video model offers some durations, resolutions and aspect ratios (its constraints);
        the schema admits any aspect ratio string and every duration of any model."""
        model = next((m for m in self.catalog.models("video") if m["id"] == body.get("model")), None)
        constraints = ((model or {}).get("model_spec") or {}).get("constraints")
        if not isinstance(constraints, dict):
            return
        for name, key in _OFFERED:
            offered = constraints.get(key)
            if name in body and isinstance(offered, list) and offered and body[name] not in offered:
                body[name] = self.rng.choice(offered)

    def _chat(self, body: dict[str, Any]) -> None:
        venice = body.get("venice_parameters")
        if isinstance(venice, dict) and "character_slug" in venice:
            slugs = self.catalog.characters()
            if venice["character_slug"] not in slugs:
                venice = dict(venice)
                if slugs:
                    venice["character_slug"] = self.rng.choice(slugs)
                else:
                    del venice["character_slug"]
                body["venice_parameters"] = venice
        names = []
        if isinstance(body.get("tools"), list):
            tools = []
            for tool in body["tools"]:
                function = tool.get("function") if isinstance(tool, dict) else None
                if (
                    isinstance(function, dict)
                    and "parameters" in function
                    and user_schema(function["parameters"]) is None
                ):
                    tool = {**tool, "function": {**function, "parameters": {"type": "object"}}}
                tools.append(tool)
                if isinstance(function, dict):
                    names.append(function.get("name"))
            body["tools"] = tools
        choice = body.get("tool_choice")
        if isinstance(choice, dict) and (choice.get("function") or {}).get("name") not in names:
            del body["tool_choice"]  # a named tool_choice must name one of the request's tools
        response_format = body.get("response_format")
        if isinstance(response_format, dict) and isinstance(response_format.get("json_schema"), dict):
            # Venice's form: `json_schema` is the schema; OpenAI's: `json_schema: {name, schema}`.
            spec = response_format["json_schema"]
            openai = isinstance(spec.get("schema"), dict) and ("name" in spec or "strict" in spec)
            if user_schema(spec["schema"] if openai else spec) is None:
                fixed = {**spec, "schema": {"type": "object"}} if openai else {"type": "object"}
                body["response_format"] = {**response_format, "json_schema": fixed}
