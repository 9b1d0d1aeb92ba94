"""Venice semantics for images: generation (Venice and OpenAI style), upscaling and editing.

Every image served is a real file of the size and format the request asks for (media/images.py).
Pictures are seeded: the request's `seed` when it has one, else the exchange's seed, which is a
function of the whole request, so the same request always gets the same bytes.

Blur rule (`x-venice-is-blurred`): true when safe mode is on (`safe_mode`, default true; the OpenAI
endpoint's `moderation` other than "low") and the prompt contains a word of `_ADULT_WORDS`. The mock
never refuses content, so `x-venice-is-content-violation` is always false, and a "blurred" picture is
the same seeded picture: the header is what clients branch on.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, cast

from mockserver import formats
from mockserver.behaviors.hooks import Behavior
from mockserver.behaviors.models import require_model, resolve_model
from mockserver.errors import Violation
from mockserver.exchange import Exchange, derive_seed
from mockserver.media.images import (
    MAX_SIDE,
    MEDIA_TYPES,
    ImageError,
    ImageFormat,
    ImageInfo,
    decode_base64_image,
    encode_image,
    inspect_image,
)
from mockserver.spec import Operation
from mockserver.types import JSON
from mockserver.validation import RequestData

if TYPE_CHECKING:
    from mockserver.services import Services

_FORMAT_OF = {media: fmt for fmt, media in MEDIA_TYPES.items()}
_ADULT_WORDS = re.compile(r"\b(nude|nudes|naked|nsfw|topless|erotic|explicit|porn\w*|sex|sexy)\b", re.I)
_URL = re.compile(r"\s*https?://", re.I)
# Documented maximums (UpscaleImageRequest.image, EditImageRequest.image): an upscale's result has at
# most 4096x4096 pixels (larger scales shrink to fit, as the spec says); an edit's input at most
# 33,177,600 (7680x4320). The documented minimum of 65,536 pixels is deliberately not enforced: the
# answer is well defined for any size (a 1x1 upload upscales to 2x2), and small uploads keep tests fast.
_MAX_UPSCALED = 16_777_216
_MAX_EDIT = 33_177_600
# Rough cost of one diffusion step per megapixel, and the fixed model overhead, in milliseconds.
_MS_PER_STEP_MP = 55
_MS_OVERHEAD = 120


def _body(request: RequestData) -> dict[str, JSON]:
    return request.body if isinstance(request.body, dict) else {}


def _safety(safe: bool, prompt: JSON) -> Mapping[str, JSON]:
    blurred = safe and isinstance(prompt, str) and _ADULT_WORDS.search(prompt) is not None
    return {"x-venice-is-blurred": blurred, "x-venice-is-content-violation": False}


def _encoded(width: int, height: int, fmt: ImageFormat, seed: int, index: int) -> bytes:
    # Variant 0 is the seed's own picture, so a binary answer and images[0] of the JSON one agree.
    return encode_image(width, height, fmt, seed if index == 0 else derive_seed(seed, "variant", index))


# ---------------------------------------------------------------- POST /image/generate


def _generate_check(op: Operation, request: RequestData, services: Services) -> list[Violation]:
    body = _body(request)
    problems = require_model(services, body.get("model"), ("image",))
    style, styles = body.get("style_preset"), services.catalog.styles
    # A catalog without image_styles.yaml lists no styles: then there is nothing to check against.
    if isinstance(style, str) and styles and style not in styles:
        message = f"{style!r} is not an image style; valid styles: {', '.join(styles)}"
        problems.append(Violation("style_preset", "enum", message))
    return problems


def _generate_implied(op: Operation, request: RequestData, services: Services) -> str | None:
    # The body decides, as on the real API: Accept cannot turn a JSON answer into raw bytes.
    body = _body(request)
    if body.get("return_binary") is True:
        return MEDIA_TYPES.get(str(body.get("format", "webp")))
    return "application/json"


def _generate_params(ex: Exchange) -> tuple[int, int, ImageFormat, int]:
    body = _body(ex.request)
    # The media type being sent decides the format, so Content-Type and bytes always agree.
    # A format a later spec adds and this mock cannot encode falls back to the default, webp.
    asked = body.get("format", "webp")
    fmt = cast(
        "ImageFormat", _FORMAT_OF.get(ex.media_type or "") or (asked if asked in MEDIA_TYPES else "webp")
    )
    seed = body.get("seed")
    size = int(body.get("width", 1024)), int(body.get("height", 1024))
    return *size, fmt, seed if isinstance(seed, int) else ex.seed


def _generate_binary(ex: Exchange, services: Services) -> bytes:
    width, height, fmt, seed = _generate_params(ex)
    return _encoded(width, height, fmt, seed, 0)


def _generate_refine(ex: Exchange, value: JSON, services: Services) -> JSON:
    body = _body(ex.request)
    width, height, fmt, seed = _generate_params(ex)
    count = int(body.get("variants", 1))
    images = [base64.b64encode(_encoded(width, height, fmt, seed, i)).decode() for i in range(count)]
    return {
        "id": f"generate-image-{ex.rng('id').getrandbits(64):016x}",
        "images": images,
        "request": body,
        "timing": _timing(ex, services, width * height * count),
    }


def _timing(ex: Exchange, services: Services, pixels: int) -> dict[str, JSON]:
    """Milliseconds: inference grows with steps and pixels drawn; queue and preprocessing are noise."""
    body = _body(ex.request)
    model = resolve_model(services, body.get("model"), ("image",))
    default_steps = (model.constraints.get("steps") or {}).get("default", 20) if model else 20
    steps = int(body.get("steps", default_steps))
    rng = ex.rng("timing")
    inference = _MS_OVERHEAD + round(steps * pixels / 1e6 * _MS_PER_STEP_MP)
    preprocessing, queue = rng.randint(15, 60), rng.randint(0, 250)
    return {
        "inferenceDuration": inference,
        "inferencePreprocessingTime": preprocessing,
        "inferenceQueueTime": queue,
        "total": inference + preprocessing + queue,
    }


def _generate_headers(ex: Exchange, value: JSON, services: Services) -> Mapping[str, JSON]:
    body = _body(ex.request)
    return _safety(body.get("safe_mode", True) is not False, body.get("prompt"))


# ---------------------------------------------------------------- POST /images/generations (OpenAI)
# No model check: the spec says an unknown name (an OpenAI model, say) falls back to Venice's
# default image model, and the answer names no model, so every name is served alike.


_SIZE = re.compile(r"([1-9][0-9]{0,4})x([1-9][0-9]{0,4})")


def _simple_refine(ex: Exchange, value: JSON, services: Services) -> JSON:
    body = _body(ex.request)
    # A later spec may offer sizes and formats this mock does not know ("auto" and anything else
    # that is not WIDTHxHEIGHT, an unknown format): they get the defaults, never a 500.
    size = _SIZE.fullmatch(str(body.get("size") or ""))
    width, height = (int(size[1]), int(size[2])) if size else (1024, 1024)
    chosen = body.get("output_format")
    fmt = cast("ImageFormat", chosen if chosen in MEDIA_TYPES else "png")
    data: list[JSON] = []
    for index in range(int(body.get("n") or 1)):
        encoded = base64.b64encode(_encoded(width, height, fmt, ex.seed, index)).decode()
        if body.get("response_format") == "url":
            data.append({"url": f"data:{MEDIA_TYPES[fmt]};base64,{encoded}"})
        else:
            data.append({"b64_json": encoded})
    # Never the wall clock: answers stay a function of the request (see mockserver.formats.EPOCH).
    return {"created": formats.EPOCH + ex.rng("created").randrange(365 * 86_400), "data": data}


def _simple_headers(ex: Exchange, value: JSON, services: Services) -> Mapping[str, JSON]:
    body = _body(ex.request)
    return _safety(body.get("moderation") != "low", body.get("prompt"))


# ---------------------------------------------------------------- uploads: POST /image/upscale, /image/edit


class _Unusable(ValueError):
    """The `image` field holds no usable image; the message is the whole violation text."""


_INSPECTED: OrderedDict[bytes, ImageInfo] = OrderedDict()  # by the upload's digest, newest last
_INSPECTED_KEPT = 8
_INSPECTED_LOCK = threading.Lock()


def _inspect(data: bytes) -> ImageInfo:
    """check() and binary() both need the size: a large upload is decoded once. The memo is keyed
    by a digest of the bytes and holds sizes only, never the upload itself (an lru_cache on the
    bytes kept eight 30 MB uploads alive after their answers)."""
    digest = hashlib.blake2b(data, digest_size=16).digest()
    with _INSPECTED_LOCK:
        known = _INSPECTED.get(digest)
    if known is not None:
        return known
    info = inspect_image(data)
    with _INSPECTED_LOCK:
        _INSPECTED[digest] = info
        while len(_INSPECTED) > _INSPECTED_KEPT:
            _INSPECTED.popitem(last=False)
    return info


def _measured(request: RequestData) -> ImageInfo:
    """The upload's size: a multipart file part, else base64 or a data URL in the `image` field."""
    value = request.files.get("image", _body(request).get("image"))
    if value is None:  # no body (the spec does not mark it required), or `"image": null`
        raise _Unusable("no image was sent: send it as base64, a data URL or a multipart file part")
    if isinstance(value, str) and _URL.match(value):
        raise _Unusable(
            "image URLs cannot be fetched: the mock works offline; "
            "send the image itself (base64, a data URL or a multipart file part)"
        )
    try:
        data = decode_base64_image(value) if isinstance(value, str) else value
        if not isinstance(data, bytes):
            raise ImageError(f"expected base64 text, a data URL or a file part, got {type(data).__name__}")
        return _inspect(data)
    except ImageError as exc:
        # An image refused for its size is still an image; everything else here is not one.
        raise _Unusable(str(exc) if "too large" in str(exc) else f"not an image: {exc}") from None


def _upload_check(
    request: RequestData,
    services: Services,
    model_type: str,
    max_pixels: int,
    output: Callable[[ImageInfo], tuple[int, int]],
) -> list[Violation]:
    problems: list[Violation] = []
    if not services.settings.any_model and not services.catalog.models(model_type):
        message = f"the mock's catalog has no {model_type} model to serve this; add one to models.yaml"
        problems.append(Violation("model", "model", message))
    try:
        info = _measured(request)
    except _Unusable as exc:
        return [*problems, Violation("image", "image", str(exc))]
    pixels = info.width * info.height
    if pixels > max_pixels:
        message = f"{info.width}x{info.height} is {pixels} pixels; at most {max_pixels} are accepted"
        problems.append(Violation("image", "size", message))
    elif max(output(info)) > MAX_SIDE:
        problems.append(Violation("image", "size", f"the mock draws at most {MAX_SIDE} pixels a side"))
    return problems


def _scale(request: RequestData) -> float:
    scale = _body(request).get("scale", 2)
    return float(scale) if isinstance(scale, (int, float)) else 2.0


def _upscaled(info: ImageInfo, scale: float) -> tuple[int, int]:
    """The input times `scale`, rounded; shrunk to fit the documented maximum if it is larger."""
    width, height = max(1, round(info.width * scale)), max(1, round(info.height * scale))
    if width * height > _MAX_UPSCALED:
        fit = math.sqrt(_MAX_UPSCALED / (info.width * info.height))
        width, height = max(1, math.floor(info.width * fit)), max(1, math.floor(info.height * fit))
    return width, height


def _upscale_check(op: Operation, request: RequestData, services: Services) -> list[Violation]:
    scale = _scale(request)
    problems = _upload_check(request, services, "upscale", _MAX_UPSCALED, lambda i: _upscaled(i, scale))
    if scale == 1 and _body(request).get("enhance", "false") not in (True, "true"):
        message = "a scale of 1 only runs the enhancer: set enhance to true"
        problems.append(Violation("scale", "scale", message))
    return problems


def _upscale_binary(ex: Exchange, services: Services) -> bytes:
    width, height = _upscaled(_measured(ex.request), _scale(ex.request))
    return encode_image(width, height, "png", ex.seed)


def _edit_check(op: Operation, request: RequestData, services: Services) -> list[Violation]:
    return _upload_check(request, services, "inpaint", _MAX_EDIT, lambda i: (i.width, i.height))


def _edit_binary(ex: Exchange, services: Services) -> bytes:
    info = _measured(ex.request)
    return encode_image(info.width, info.height, "png", ex.seed)


BEHAVIORS: Mapping[str, Behavior] = {
    "generateImage": Behavior(
        implied=_generate_implied,
        check=_generate_check,
        refine=_generate_refine,
        headers=_generate_headers,
        binary=_generate_binary,
    ),
    "simpleGenerateImage": Behavior(refine=_simple_refine, headers=_simple_headers),
    "upscaleImage": Behavior(check=_upscale_check, binary=_upscale_binary),
    "editImage": Behavior(check=_edit_check, binary=_edit_binary),
}
