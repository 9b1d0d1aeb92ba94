"""The Venice-aware cases: chosen from the server's own catalog, the same for the same seed,
valid requests of their operation, and reaching what the meaning checks judge."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contracts.server.bounds import Past, bound_cases, query_bounds
from contracts.server.cases import planned_cases
from contracts.server.venice import Catalog
from mockserver import Spec

MODELS: dict[str, list[dict[str, Any]]] = {
    "text": [
        {"id": "plain-1", "model_spec": {"capabilities": {}}},
        {"id": "tools-1", "model_spec": {"capabilities": {"supportsFunctionCalling": True}}},
        {"id": "schema-1", "model_spec": {"capabilities": {"supportsResponseSchema": True}}},
    ],
    "embedding": [{"id": "embed-1"}],
    "tts": [{"id": "tts-kokoro", "model_spec": {"voices": ["af_bella", "af_nova"]}}],
    "image": [{"id": "image-1"}],
}


def catalog() -> Catalog:
    def fetch(operation_id: str, query: Mapping[str, str]) -> Any:
        return {"data": MODELS.get(query.get("type", ""), [])} if operation_id == "listModels" else None

    return Catalog(fetch)


def test_the_same_seed_gives_the_same_cases(spec: Spec) -> None:
    for op in spec.operations:
        assert planned_cases(op, catalog(), 5) == planned_cases(op, catalog(), 5)


def test_models_come_from_the_catalog_by_capability(spec: Spec) -> None:
    cases = {c.title: c for c in planned_cases(spec.operation("createChatCompletion"), catalog(), 1)}
    assert cases["chat: tool_choice required"].body["model"] == "tools-1"
    assert cases["chat: response_format json_schema"].body["model"] == "schema-1"
    assert {c.body["model"] for c in cases.values()} <= {"plain-1", "tools-1", "schema-1"}
    speech = planned_cases(spec.operation("createSpeech"), catalog(), 1)
    assert {c.body["response_format"] for c in speech} == {"mp3", "opus", "aac", "flac", "wav", "pcm"}
    assert {c.body["voice"] for c in speech} <= {"af_bella", "af_nova"}


def test_every_planned_body_is_valid_for_its_operation(spec: Spec) -> None:
    for op in spec.operations:
        media = op.request_body.content.get("application/json") if op.request_body else None
        for case in planned_cases(op, catalog(), 2):
            if case.body is not None:
                assert media is not None
                assert media.schema is not None
                assert media.schema.is_valid(case.body), (op.operation_id, case.title)


def test_embeddings_pair_each_base64_case_with_its_float_twin(spec: Spec) -> None:
    cases = planned_cases(spec.operation("createEmbedding"), catalog(), 1)
    keys = {c.key: c for c in cases if c.key}
    for case in (c for c in cases if c.pair):
        twin = keys[case.pair]
        assert case.body["encoding_format"] == "base64"
        assert twin.body["encoding_format"] == "float"
        assert {k: v for k, v in case.body.items() if k != "encoding_format"} == {
            k: v for k, v in twin.body.items() if k != "encoding_format"
        }


def test_a_catalog_value_the_spec_does_not_allow_gives_way_to_the_default(spec: Spec) -> None:
    odd = {"tts": [{"id": "my-tts", "model_spec": {"voices": ["robot"]}}]}
    speech = planned_cases(spec.operation("createSpeech"), Catalog(lambda oid, q: {"data": odd["tts"]}), 1)
    assert speech
    assert all((c.body["model"], c.body["voice"]) == ("tts-kokoro", "af_sky") for c in speech)


def test_no_catalog_no_cases(spec: Spec) -> None:
    empty = Catalog(lambda operation_id, query: None)
    assert planned_cases(spec.operation("createChatCompletion"), empty, 1) == []
    assert planned_cases(spec.operation("createEmbedding"), empty, 1) == []


def test_bounds_step_just_past_each_bound(spec: Spec) -> None:
    chat = spec.operation("createChatCompletion")
    base = planned_cases(chat, catalog(), 1)[0]
    pasts = {p.field + " " + p.bound: p.value for _, p in bound_cases(chat, base)}
    assert pasts["temperature maximum 2"] == 2.02
    assert pasts["temperature minimum 0"] == -0.01
    assert pasts["seed exclusive minimum 0"] == 0  # draft 4: the bound itself is out
    assert pasts["top_logprobs minimum 0"] == -1
    for case, past in bound_cases(chat, base):
        assert case.body == {**base.body, past.field: past.value}
    assert query_bounds(spec.operation("getBillingUsage")) == [
        Past("?limit", 501, "maximum 500"),
        Past("?limit", 0, "exclusive minimum 0"),
        Past("?page", 0, "exclusive minimum 0"),
    ]
    assert bound_cases(chat, None) == []
