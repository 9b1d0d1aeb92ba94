"""The loaded contract: operations, security, warnings about invalid examples, overlays, other specs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mockserver import Spec, SpecLoadError, load_spec
from mockserver.overlay import merge
from mockserver.specload import camel_operation_id

MINIMAL = {
    "openapi": "3.1.0",
    "info": {"title": "Pets", "version": "1"},
    "servers": [{"url": "http://localhost/v2"}],
    "paths": {
        "/pets/{id}": {
            "get": {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"id": {"type": "integer"}},
                                    "required": ["id"],
                                },
                                "examples": {
                                    "rex": {"value": {"id": 7}},
                                    "broken": {"value": {"id": "seven"}},
                                },
                            }
                        },
                    }
                },
            }
        }
    },
}


def write(tmp_path: Path, document: object, name: str = "spec.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def test_the_bundled_spec_has_twenty_operations_under_api_v1(spec: Spec) -> None:
    assert len(spec.operations) == 20
    assert spec.base_path == "/api/v1"
    assert spec.title == "Venice.ai API"
    assert spec.openapi == "3.0.0"


def test_operations_without_an_id_get_a_stable_one(spec: Spec) -> None:
    assert spec.operation("getImageStyles").label == "GET /image/styles"
    assert camel_operation_id("get", "/pets/{id}/toys") == "getPetsByIdToys"


def test_security_reads_optional_and_required_auth(spec: Spec) -> None:
    assert spec.operation("createChatCompletion").security.required
    assert not spec.operation("listModels").security.required  # security: [{}, BearerAuth]
    assert spec.operation("listModels").security.alternatives
    assert not spec.operation("getApiKeyGenerateWeb3Key").security.alternatives  # security: []


def test_exactly_the_invalid_examples_are_reported_once(spec: Spec) -> None:
    messages = sorted(str(w) for w in spec.warnings)
    assert len(messages) == 4
    assert sum("timestamp: {} is not of type" in m for m in messages) == 2
    assert sum('stop_reason: null is not one of "stop" or "length"' in m for m in messages) == 2
    assert any(m.startswith("components.schemas.BillingUsageResponse.example") for m in messages)


def test_invalid_examples_are_never_served(spec: Spec) -> None:
    chat = spec.operation("createChatCompletion").responses["200"].content["application/json"]
    assert "example" not in chat.schema.schema  # type: ignore[union-attr]
    assert "example" not in chat.schema.schema["properties"]["choices"]  # type: ignore[union-attr]
    billing = spec.operation("getBillingUsage").responses["200"].content["application/json"]
    assert "example" not in billing.schema.schema  # type: ignore[union-attr]
    # Valid examples are kept for the synthesizer.
    assert chat.schema.schema["properties"]["id"]["example"] == "chatcmpl-abc123"  # type: ignore[union-attr]


def test_a_31_spec_with_named_examples_loads(tmp_path: Path) -> None:
    loaded = load_spec(write(tmp_path, MINIMAL))
    op = loaded.operation("getPetsById")
    assert loaded.base_path == "/v2"
    media = op.responses["200"].content["application/json"]
    assert dict(media.examples) == {"rex": {"id": 7}}
    assert [w.location for w in loaded.warnings] == [
        "paths./pets/{id}.get.responses.200.content.application/json.examples.broken"
    ]


def test_a_broken_schema_is_a_warning_naming_its_location(tmp_path: Path) -> None:
    text = (Path(__file__).parent.parent / "swagger.yaml").read_text()
    broken = text.replace(
        "          maximum: 2\n          minimum: -2\n          default: 0\n",
        "          maximum: 2\n          minimum: -2\n          default: 0\n          type: bogus\n",
        1,
    )
    path = tmp_path / "swagger.yaml"
    path.write_text(broken)
    loaded = load_spec(path)
    location = "components.schemas.ChatCompletionRequest.properties.frequency_penalty.type"
    assert [str(w) for w in loaded.warnings if w.location == location] == [
        f"{location}: 'bogus' is not a JSON Schema type; only no type kept"
    ]
    assert len(loaded.operations) == 20  # every operation is still served


def test_an_invalid_default_is_dropped_with_a_warning(tmp_path: Path) -> None:
    document = json.loads(json.dumps(MINIMAL))
    param = document["paths"]["/pets/{id}"]["get"]["parameters"][0]
    param["schema"]["default"] = "seven"
    loaded = load_spec(write(tmp_path, document))
    messages = {w.location: w.message for w in loaded.warnings}
    assert messages["paths./pets/{id}.get.parameters.0.schema.default"] == (
        'default \'seven\' violates its schema ("seven" is not of type "integer"); ignored'
    )
    assert "default" not in loaded.operation("getPetsById").parameters[0].schema.schema  # type: ignore[union-attr]


def test_duplicate_operation_ids_and_undeclared_path_parameters_are_warnings(tmp_path: Path) -> None:
    document = json.loads(json.dumps(MINIMAL))
    get = document["paths"]["/pets/{id}"]["get"]
    get["operationId"] = "same"
    get["parameters"] = []
    document["paths"]["/toys"] = {"get": {"operationId": "same", "responses": {"200": {"description": "ok"}}}}
    loaded = load_spec(write(tmp_path, document))
    messages = {w.location: w.message for w in loaded.warnings}
    assert messages["paths./toys.get.operationId"].startswith("duplicate operationId 'same'")
    assert messages["paths./pets/{id}.get"] == "path parameter {id} is not declared in `parameters`"
    assert [op.operation_id for op in loaded.operations] == ["same", "same_2"]


@pytest.mark.parametrize("version", ["2.0", "4.0.0", None])
def test_unsupported_versions_are_refused(tmp_path: Path, version: str | None) -> None:
    document = {**MINIMAL, "openapi": version}
    with pytest.raises(SpecLoadError, match=r"must be 3\.0\.x or 3\.1\.x"):
        load_spec(write(tmp_path, document))


def test_overlays_merge_into_the_spec(tmp_path: Path) -> None:
    overlay = {"paths": {"/pets/{id}": {"get": {"summary": "Fetch a pet", "operationId": "fetchPet"}}}}
    loaded = load_spec(write(tmp_path, MINIMAL), overlays=[write(tmp_path, overlay, "overlay.json")])
    assert loaded.operation("fetchPet").summary == "Fetch a pet"


def test_merge_patch_semantics() -> None:
    assert merge({"a": {"b": 1, "c": 2}}, {"a": {"b": None, "d": 3}}) == {"a": {"c": 2, "d": 3}}
    assert merge({"a": [1, 2]}, {"a": [3]}) == {"a": [3]}
