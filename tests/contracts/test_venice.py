"""Venice's semantic rules applied to positive cases, with names from the server's own listings."""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import pytest

from contracts.server.venice import Catalog, Fixups, Unusable

LISTINGS: dict[tuple[str, str], Any] = {
    ("listModels", "text"): {"data": [{"id": "llama-3.3-70b"}]},
    ("listModels", "tts"): {"data": [{"id": "tts-kokoro", "model_spec": {"voices": ["af_sky"]}}]},
    ("getImageStyles", ""): {"data": ["Anime"]},
    ("listCharacters", ""): {"data": [{"slug": "venice"}]},
}


def fixups() -> tuple[Fixups, list[tuple[str, str]]]:
    fetched: list[tuple[str, str]] = []

    def fetch(operation_id: str, query: Mapping[str, str]) -> Any:
        fetched.append((operation_id, query.get("type", "")))
        return LISTINGS.get((operation_id, query.get("type", "")))

    return Fixups(Catalog(fetch), seed=0), fetched


def case(body: Any = None, query: dict[str, Any] | None = None, media_type: str = "application/json") -> Any:
    return SimpleNamespace(body=body, query=query or {}, headers={}, media_type=media_type)


def test_names_come_from_the_catalog_which_is_fetched_once() -> None:
    fix, fetched = fixups()
    chat = case(
        {"model": "nope", "messages": [], "stream": False, "venice_parameters": {"character_slug": "x"}}
    )
    fix.apply("createChatCompletion", chat, {})
    assert chat.body["model"] == "llama-3.3-70b"
    assert chat.body["venice_parameters"]["character_slug"] == "venice"
    again = case({"model": "other", "messages": [], "stream": False})
    fix.apply("createChatCompletion", again, {})
    assert fetched.count(("listModels", "text")) == 1


def test_a_valid_name_is_kept_and_a_voice_follows_its_model() -> None:
    fix, _ = fixups()
    speech = case({"model": "unknown", "voice": "zz_none", "input": "hi", "response_format": "wav"})
    fix.apply("createSpeech", speech, {})
    assert (speech.body["model"], speech.body["voice"]) == ("tts-kokoro", "af_sky")
    kept = case({"model": "llama-3.3-70b", "messages": [], "stream": False})
    fix.apply("createChatCompletion", kept, {})
    assert kept.body["model"] == "llama-3.3-70b"


def test_schemas_the_server_cannot_use_become_a_plain_object_schema() -> None:
    fix, _ = fixups()
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": 5}}}
    body = {
        "model": "llama-3.3-70b",
        "messages": [],
        "stream": False,
        "tools": [tool],
        "tool_choice": {"type": "function", "function": {"name": "g"}},
        "response_format": {"type": "json_schema", "json_schema": {"contains": 103}},
    }
    chat = case(body)
    fix.apply("createChatCompletion", chat, {})
    assert chat.body["tools"][0]["function"]["parameters"] == {"type": "object"}
    assert "tool_choice" not in chat.body
    assert chat.body["response_format"]["json_schema"] == {"type": "object"}


def test_uploads_get_a_real_image_and_the_enhancer_for_scale_1() -> None:
    fix, _ = fixups()
    upscale = case({"image": None, "scale": 1})
    fix.apply("upscaleImage", upscale, {})
    assert upscale.body["image"].startswith("iVBORw0KGgo")  # a PNG, base64
    assert upscale.body["enhance"] == "true"


@pytest.mark.parametrize(
    ("operation_id", "made"),
    [
        ("deleteApiKey", case(None, {"id": ""})),  # ?id= is not a valid value without allowEmptyValue
        ("editImage", case(None)),  # no body: nothing to edit
        ("editImage", case({"image": None, "prompt": "x"}, media_type="multipart/form-data")),
    ],
)
def test_cases_that_cannot_be_made_valid_are_rejected(operation_id: str, made: Any) -> None:
    fix, _ = fixups()
    with pytest.raises(Unusable):
        fix.apply(operation_id, made, {"id": False})


def test_every_answer_kind_is_asked_for() -> None:
    fix, _ = fixups()
    bodies = []
    for _ in range(40):
        chat = case({"model": "llama-3.3-70b", "messages": []})
        fix.apply("createChatCompletion", chat, {})
        bodies.append(chat.body)
    assert any(b.get("stream") for b in bodies)
    assert any("stream" not in b for b in bodies)
    assert any(b.get("stream_options") == {"include_usage": True} for b in bodies)
