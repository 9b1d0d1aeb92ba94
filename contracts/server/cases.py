"""Venice-aware cases: a deterministic set per operation that reaches the meaning checks.

Random cases rarely ask for what a server most often gets wrong (a forced tool call, base64
embeddings, a stream with usage, each image and audio format), so besides schemathesis' cases
every operation the spec names by a Venice operationId gets these. Model ids come from the
catalog the server under test publishes (`GET /models?type=...` and each model's
capabilities), never from a hard-coded list; the same seed picks the same models.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from contracts.server.venice import AUDIO_FORMATS, EMBEDDING_DIMENSIONS, Catalog, png_base64
from mockserver import Operation

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
            "required": ["city"],
        },
    },
}
TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "The local time in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
PERSON = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
    "required": ["name", "age"],
}
IMAGE_SIZES = ((256, 256), (512, 384))


@dataclass(frozen=True, slots=True)
class Planned:
    """One request the suite sends as it is (then judged like any positive case)."""

    title: str  # what the case is for, shown in notes and reports
    body: Any = None  # JSON body; None: no body
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    key: str = ""  # a name other cases refer to
    pair: str = ""  # the key of the case whose answer this one must agree with


def _pick(rng: random.Random, models: list[dict[str, Any]], capability: str = "") -> str | None:
    """A model id, preferring those whose capabilities say they can do `capability`."""
    able = [
        m
        for m in models
        if capability and ((m.get("model_spec") or {}).get("capabilities") or {}).get(capability)
    ]
    pool = able or models
    return str(rng.choice(pool)["id"]) if pool else None


def _chat(catalog: Catalog, rng: random.Random, op: Operation) -> list[Planned]:
    models = catalog.models("text")
    plain, tools_model, schema_model = (
        _pick(rng, models, c) for c in ("", "supportsFunctionCalling", "supportsResponseSchema")
    )
    if plain is None:
        return []
    ask = [{"role": "user", "content": "What is the weather in Paris today?"}]
    forced: dict[str, Any] = {"type": "function", "function": {"name": "get_weather"}}
    cases = [
        Planned("chat: a plain question", {"model": plain, "messages": ask}),
        Planned("chat: n=2", {"model": plain, "messages": ask, "n": 2}),
        Planned("chat: max_tokens=16", {"model": plain, "messages": ask, "max_tokens": 16}),
        Planned("chat: stream", {"model": plain, "messages": ask, "stream": True}),
        Planned(
            "chat: stream with usage",
            {"model": plain, "messages": ask, "stream": True, "stream_options": {"include_usage": True}},
        ),
        Planned("chat: stream, n=2", {"model": plain, "messages": ask, "stream": True, "n": 2}),
    ]
    tools = [WEATHER, TIME]
    choices: tuple[tuple[str, Any], ...] = (("required", "required"), ("named", forced), ("auto", "auto"))
    for label, choice in choices:
        body: dict[str, Any] = {"model": tools_model, "messages": ask, "tools": tools, "tool_choice": choice}
        cases.append(Planned(f"chat: tool_choice {label}", body))
        cases.append(Planned(f"chat: tool_choice {label}, streamed", {**body, "stream": True}))
    formats = (
        ("json_schema", {"type": "json_schema", "json_schema": PERSON}),
        ("json_object", {"type": "json_object"}),
    )
    person = [{"role": "user", "content": "Describe a person as JSON with a name and an age."}]
    for label, response_format in formats:
        body = {"model": schema_model, "messages": person, "response_format": response_format}
        cases.append(Planned(f"chat: response_format {label}", body))
        cases.append(Planned(f"chat: response_format {label}, streamed", {**body, "stream": True}))
    return cases


def _embeddings(catalog: Catalog, rng: random.Random, op: Operation) -> list[Planned]:
    model = _pick(rng, catalog.models("embedding"))
    if model is None:
        return []
    one, three = "The sky is blue.", ["red", "green", "blue"]
    dims = min(64, EMBEDDING_DIMENSIONS)
    cases = []
    for label, extra in (("", {}), (f", dimensions={dims}", {"dimensions": dims})):
        for inputs, name in ((one, "one input"), (three, "three inputs")):
            key = f"{name}{label}"
            body = {"model": model, "input": inputs, **extra}
            cases.append(Planned(f"embeddings: {key}, float", {**body, "encoding_format": "float"}, key=key))
            cases.append(
                Planned(f"embeddings: {key}, base64", {**body, "encoding_format": "base64"}, pair=key)
            )
    return cases


def _images(catalog: Catalog, rng: random.Random, op: Operation) -> list[Planned]:
    model = _pick(rng, catalog.models("image"))
    if model is None:
        return []
    cases = []
    for fmt in ("png", "jpeg", "webp"):
        for binary in (True, False):
            body = {"model": model, "prompt": "a lighthouse", "format": fmt, "return_binary": binary}
            form = "binary" if binary else "base64"
            cases.append(Planned(f"image: {fmt}, {form}", {**body, "width": 256, "height": 256}))
    for width, height in IMAGE_SIZES[1:]:
        sized: dict[str, Any] = {"model": model, "prompt": "a lighthouse", "width": width, "height": height}
        sized["return_binary"] = True
        cases.append(Planned(f"image: {width}x{height}", sized))
    return cases


def _simple_images(catalog: Catalog, rng: random.Random, op: Operation) -> list[Planned]:
    model = _pick(rng, catalog.models("image"))
    if model is None:
        return []
    return [
        Planned(f"images/generations: {size}", {"model": model, "prompt": "a lighthouse", "size": size})
        for size in ("256x256", "512x512")  # OpenAI's size enum: no free sizes here
    ]


def _speech(catalog: Catalog, rng: random.Random, op: Operation) -> list[Planned]:
    models = catalog.models("tts")
    model = _pick(rng, models)
    if model is None:
        return []
    spec = next((m.get("model_spec") or {} for m in models if m["id"] == model), {})
    voices = spec.get("voices") if isinstance(spec.get("voices"), list) else []
    base: dict[str, Any] = {"model": model, "input": "Hello there. How are you today?"}
    if voices:
        base["voice"] = rng.choice(voices)
    cases = [Planned(f"speech: {fmt}", {**base, "response_format": fmt}) for fmt in AUDIO_FORMATS]
    cases += [
        Planned(f"speech: {fmt}, streaming", {**base, "response_format": fmt, "streaming": True})
        for fmt in ("mp3", "wav")
    ]
    return cases


def _billing(catalog: Catalog, rng: random.Random, op: Operation) -> list[Planned]:
    return [
        Planned("billing: JSON", query={"limit": "10"}),
        Planned("billing: CSV", query={"limit": "10"}, headers={"Accept": "text/csv"}),
    ]


def _models(catalog: Catalog, rng: random.Random, op: Operation) -> list[Planned]:
    kinds: list[str] = []
    for parameter in op.parameters:
        if parameter.name == "type" and parameter.location == "query" and parameter.schema is not None:
            kinds += _enum_values(parameter.schema.schema)
    return [Planned(f"models: type={kind}", query={"type": kind}) for kind in dict.fromkeys(kinds)]


def _enum_values(schema: Any) -> list[str]:
    if not isinstance(schema, dict):
        return []
    values = [v for v in schema.get("enum", []) if isinstance(v, str)]
    for key in ("anyOf", "oneOf"):
        for branch in schema.get(key, []):
            values += _enum_values(branch)
    return values


def _uploads(catalog: Catalog, rng: random.Random, op: Operation) -> list[Planned]:
    image = png_base64(256, 256)
    if op.operation_id == "upscaleImage":
        return [Planned("upscale: scale=2", {"image": image, "scale": 2})]
    return [Planned("edit: a prompt", {"image": image, "prompt": "make the sky red"})]


_BUILDERS: Mapping[str, Callable[[Catalog, random.Random, Operation], list[Planned]]] = {
    "createChatCompletion": _chat,
    "createEmbedding": _embeddings,
    "generateImage": _images,
    "simpleGenerateImage": _simple_images,
    "createSpeech": _speech,
    "getBillingUsage": _billing,
    "listModels": _models,
    "upscaleImage": _uploads,
    "editImage": _uploads,
}


def planned_cases(op: Operation, catalog: Catalog, seed: int) -> list[Planned]:
    """The Venice cases of an operation (none for operations this module does not know), each a
    valid request of the loaded spec: a catalog value the spec's enum does not allow (a model
    the spec does not list) gives way to the schema's default; a case still invalid is dropped."""
    build = _BUILDERS.get(op.operation_id)
    if build is None:
        return []
    cases = build(catalog, random.Random(f"{seed}:{op.operation_id}"), op)
    media = op.request_body.content.get("application/json") if op.request_body is not None else None
    if media is None or media.schema is None:
        return cases
    schema = media.schema
    kept = []
    for case in cases:
        if isinstance(case.body, dict) and not schema.is_valid(case.body):
            case = replace(case, body=_within_enums(case.body, schema.schema))
        if not isinstance(case.body, dict) or schema.is_valid(case.body):
            kept.append(case)
    return kept


def _within_enums(body: dict[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    properties = schema.get("properties") or {}
    fixed = dict(body)
    for name, value in body.items():
        prop = properties.get(name)
        if not isinstance(prop, Mapping):
            continue
        enum = prop.get("enum")
        if isinstance(enum, list) and enum and value not in enum:
            fixed[name] = prop.get("default", enum[0])
    return fixed
