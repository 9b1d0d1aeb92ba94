"""The bundled catalog matches the contract, agrees with itself, and the loader resolves, prices
and rejects what it should.

Every schema check runs twice: through the spec's compiled validators (what the mock serves
through) and through openapi-schema-validator on the raw spec schema, an independent oracle.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator

from mockserver import Spec
from mockserver.catalog import (
    CAPABILITIES,
    KINDS_BY_TYPE,
    MODEL_TYPES,
    PRICE_KINDS,
    Catalog,
    Model,
)
from mockserver.catalogfile import default_fixtures_dir, load_catalog
from mockserver.exceptions import CatalogError
from mockserver.schemas import Compiled
from tests.later_venice import BUNDLED_TYPES, NEW_TYPES


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def response_schema(spec: Spec, operation_id: str) -> Compiled:
    compiled = spec.operation(operation_id).responses["200"].content["application/json"].schema
    assert compiled is not None
    return compiled


def raw_response_schema(spec: Spec, path: str) -> dict[str, Any]:
    schema: dict[str, Any] = spec.document["paths"][path]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    return schema


def problems(spec: Spec, operation_id: str, path: str, body: Any) -> list[str]:
    """Errors from both validators; the body is valid only if both agree it is."""
    ours = [f"compiled: {e.message}" for e in response_schema(spec, operation_id).errors(body)]
    oracle = [
        f"oas30: {e.message}" for e in OAS30Validator(raw_response_schema(spec, path)).iter_errors(body)
    ]
    return ours + oracle


def schema_of(spec: Spec, name: str) -> dict[str, Any]:
    schema: dict[str, Any] = spec.document["components"]["schemas"][name]
    return schema


def models_body(models: list[Any], type: str = "all") -> dict[str, Any]:
    return {"data": models, "object": "list", "type": type}


# ----------------------------------------------------------------------------- contract


def test_every_model_validates_against_list_models(spec: Spec, later_spec: Spec, catalog: Catalog) -> None:
    # The bundled spec knows six model types; its listings never carry the others (video, asr).
    bundled = [m.data for m in catalog.models("all") if m.type in BUNDLED_TYPES]
    assert problems(spec, "listModels", "/models", models_body(bundled)) == []
    everything = [m.data for m in catalog.models("all")]
    assert problems(later_spec, "listModels", "/models", models_body(everything)) == []


def test_the_later_types_are_the_ones_the_bundled_spec_lacks() -> None:
    assert set(MODEL_TYPES) - set(BUNDLED_TYPES) == set(NEW_TYPES)


@pytest.mark.parametrize("type", [*MODEL_TYPES, "code"])
def test_each_filtered_listing_validates(spec: Spec, later_spec: Spec, catalog: Catalog, type: str) -> None:
    models = catalog.models(type)
    assert models
    contract = later_spec if type in NEW_TYPES else spec
    assert problems(contract, "listModels", "/models", models_body([m.data for m in models], type)) == []


def _drop_capability(model: dict[str, Any]) -> None:
    del model["model_spec"]["capabilities"]["supportsVision"]


def _extra_capability(model: dict[str, Any]) -> None:
    model["model_spec"]["capabilities"]["supportsTelepathy"] = True


def _bad_type(model: dict[str, Any]) -> None:
    model["type"] = "video"


def _price_without_usd(model: dict[str, Any]) -> None:
    del model["model_spec"]["pricing"]["input"]["usd"]


@pytest.mark.parametrize("mutate", [_drop_capability, _extra_capability, _bad_type, _price_without_usd])
def test_both_validators_see_inside_model_items(spec: Spec, catalog: Catalog, mutate: Any) -> None:
    # Without this, the two tests above would also pass if a schema had been lost along the way.
    broken = copy.deepcopy(dict(catalog.models("text")[0].data))
    mutate(broken)
    body = models_body([broken])
    assert not response_schema(spec, "listModels").is_valid(body)
    assert list(OAS30Validator(raw_response_schema(spec, "/models")).iter_errors(body))


def test_models_carry_only_model_response_fields(spec: Spec, catalog: Catalog) -> None:
    # model_spec does not forbid extra keys, so the schema checks alone would let stray ones through.
    schema = schema_of(spec, "ModelResponse")
    spec_keys = set(schema["properties"]["model_spec"]["properties"])
    for model in catalog.models("all"):
        assert set(model.data) <= set(schema["properties"]), model.id
        assert set(model.model_spec) <= spec_keys, model.id


def test_the_spec_example_model_is_in_the_catalog(spec: Spec, catalog: Catalog) -> None:
    example = schema_of(spec, "ModelResponse")["example"]
    model = catalog.model(example["id"])
    assert model is not None
    served = copy.deepcopy(dict(model.data))
    del served["model_spec"]["beta"]  # the example has no `beta`; every catalog model has one
    assert served == example


def test_characters_validate_against_list_characters(spec: Spec, catalog: Catalog) -> None:
    body = {"data": list(catalog.characters), "object": "list"}
    assert problems(spec, "listCharacters", "/characters", body) == []
    item_schema = raw_response_schema(spec, "/characters")["properties"]["data"]["items"]
    for character in catalog.characters:
        assert set(character) == set(item_schema["properties"]), character["slug"]


def test_characters_validator_is_not_vacuous(spec: Spec, catalog: Catalog) -> None:
    broken = {k: v for k, v in catalog.characters[0].items() if k != "stats"}
    assert problems(spec, "listCharacters", "/characters", {"data": [broken], "object": "list"})


def test_styles_validate_against_get_image_styles(spec: Spec, catalog: Catalog) -> None:
    assert (
        problems(spec, "getImageStyles", "/image/styles", {"data": list(catalog.styles), "object": "list"})
        == []
    )


@pytest.mark.parametrize("type", MODEL_TYPES)
def test_traits_and_compatibility_validate(spec: Spec, later_spec: Spec, catalog: Catalog, type: str) -> None:
    contract = later_spec if type in NEW_TYPES else spec
    traits = {"data": dict(catalog.traits(type)), "object": "list", "type": type}
    assert problems(contract, "listModelTraits", "/models/traits", traits) == []
    compat = {"data": dict(catalog.compatibility(type)), "object": "list", "type": type}
    assert problems(contract, "listModelCompatibilityMapping", "/models/compatibility_mapping", compat) == []


def test_tts_voices_are_the_speech_voice_enum(spec: Spec, catalog: Catalog) -> None:
    speech = schema_of(spec, "CreateSpeechRequestSchema")["properties"]
    (tts,) = catalog.models("tts")
    assert list(tts.voices) == speech["voice"]["enum"]
    assert tts.id in speech["model"]["enum"]
    assert speech["voice"]["default"] in tts.voices


def test_embedding_model_is_in_the_embedding_enum(spec: Spec, catalog: Catalog) -> None:
    model_schema = schema_of(spec, "CreateEmbeddingRequestSchema")["properties"]["model"]
    enums = {value for alternative in model_schema["anyOf"] for value in alternative.get("enum", [])}
    assert set(catalog.ids("embedding")) <= enums
    assert catalog.ids("embedding")


def test_image_constraints_fit_the_generate_request(spec: Spec, catalog: Catalog) -> None:
    request = schema_of(spec, "GenerateImageRequest")["properties"]
    for model in (*catalog.models("image"), *catalog.models("inpaint")):
        steps = model.constraints["steps"]
        assert 0 < steps["default"] <= steps["max"] <= request["steps"]["maximum"], model.id
        assert model.constraints["promptCharacterLimit"] <= request["prompt"]["maxLength"], model.id
        assert request["width"]["default"] % model.constraints["widthHeightDivisor"] == 0, model.id


# ----------------------------------------------------------------------------- self-consistency


def test_catalog_covers_every_type(catalog: Catalog) -> None:
    counts = {type: len(catalog.models(type)) for type in MODEL_TYPES}
    assert counts["text"] >= 6
    assert counts["image"] >= 4
    assert all(counts.values()), counts
    assert len(catalog.models("all")) == sum(counts.values())
    assert 8 <= len(catalog.characters) <= 12
    assert 30 <= len(catalog.styles) <= 50


def test_traits_agree_both_ways(catalog: Catalog) -> None:
    for type in MODEL_TYPES:
        assert "default" in catalog.traits(type), type
        for trait, model_id in catalog.traits(type).items():
            model = catalog.model(model_id)
            assert model is not None
            assert model.type == type
            assert trait in model.traits
    for model in catalog.models("all"):
        for trait in model.traits:
            assert catalog.traits(model.type)[trait] == model.id


def test_expected_traits_exist_and_fit_their_models(catalog: Catalog) -> None:
    text = catalog.traits("text")
    for trait in (
        "default",
        "fastest",
        "default_code",
        "default_reasoning",
        "default_vision",
        "function_calling_default",
        "most_uncensored",
    ):
        assert trait in text
    assert {"default", "fastest", "most_uncensored"} <= set(catalog.traits("image"))

    def text_model(trait: str) -> Model:
        model = catalog.model(trait, "text")
        assert model is not None
        return model

    assert text_model("default_code").supports("optimizedForCode")
    assert text_model("default_reasoning").supports("Reasoning")
    assert text_model("default_vision").supports("Vision")
    assert text_model("function_calling_default").supports("FunctionCalling")


def test_compatibility_targets_exist_with_the_same_type(catalog: Catalog) -> None:
    for type in MODEL_TYPES:
        for alias, model_id in catalog.compatibility(type).items():
            target = catalog.model(model_id)
            assert target is not None, (type, alias)
            assert target.type == type, (type, alias)
            assert alias not in catalog.ids("all"), (type, alias)
    assert catalog.compatibility("text")["gpt-4o"] == "llama-3.3-70b"
    assert catalog.compatibility("tts")["tts-1"] == "tts-kokoro"


def test_capabilities_vary_and_respect_the_spec(catalog: Catalog) -> None:
    text = catalog.models("text")
    for capability in CAPABILITIES:
        values = {model.supports(capability) for model in text}
        assert values == {True, False}, capability
    assert len({model.capabilities["quantization"] for model in text}) >= 2
    for model in text:
        # ModelResponse: "Only models that support function calling can support response_schema."
        if model.supports("ResponseSchema"):
            assert model.supports("FunctionCalling"), model.id
        assert model.context_tokens > 0
        assert set(model.constraints) == {"temperature", "top_p"}
    for model in catalog.models("all"):
        if model.type != "text":
            assert not model.capabilities, model.id
            assert model.context_tokens == 0
        assert bool(model.voices) == (model.type == "tts"), model.id


def _price_leaves(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict) and "usd" in node:
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _price_leaves(value, f"{path}.{key}")


def test_prices_use_one_currency_convention(catalog: Catalog) -> None:
    pricing_shape = {
        "text": {"input", "output"},
        "embedding": {"input", "output"},
        "image": {"generation", "upscale"},
        "inpaint": {"generation", "upscale"},
        "upscale": {"generation", "upscale"},
        "tts": {"input"},
        "video": {"per_second"},
        "asr": {"input"},
    }
    for model in catalog.models("all"):
        assert set(model.pricing) == pricing_shape[model.type], model.id
        leaves = list(_price_leaves(model.pricing, model.id))
        assert leaves
        for where, price in leaves:
            assert price["usd"] > 0, where
            assert math.isclose(price["diem"], price["usd"]), where
            assert math.isclose(price["vcu"], 10 * price["usd"]), where


def test_characters_have_unique_slugs(catalog: Catalog) -> None:
    slugs = [c["slug"] for c in catalog.characters]
    assert len(set(slugs)) == len(slugs)
    assert {"venice", "alan-watts"} <= set(slugs)
    assert {c["adult"] for c in catalog.characters} == {True, False}
    for character in catalog.characters:
        assert character["shareUrl"] in (None, f"https://venice.ai/c/{character['slug']}")


def test_styles_include_the_spec_examples(spec: Spec, catalog: Catalog) -> None:
    example = raw_response_schema(spec, "/image/styles")["properties"]["data"]["example"]
    assert set(example) <= set(catalog.styles)
    assert len(set(catalog.styles)) == len(catalog.styles)


# ----------------------------------------------------------------------------- resolution


@pytest.mark.parametrize(
    ("name", "type", "expected"),
    [
        ("llama-3.3-70b", None, "llama-3.3-70b"),
        ("llama-3.3-70b", "text", "llama-3.3-70b"),
        ("hidream", None, "hidream"),
        ("hidream", "all", "hidream"),
        ("default", None, "llama-3.3-70b"),
        ("default", "text", "llama-3.3-70b"),
        ("fastest", "text", "llama-3.2-3b"),
        ("default", "image", "hidream"),
        ("fastest", "image", "fluently-xl"),
        ("default", "tts", "tts-kokoro"),
        ("default", "upscale", "upscaler"),
        ("default", "inpaint", "qwen-image-edit"),
        ("gpt-4o", "text", "llama-3.3-70b"),
        ("gpt-4o", None, "llama-3.3-70b"),
        ("dall-e-3", "image", "hidream"),
        ("dall-e-2", "image", "venice-sd35"),
        ("dall-e-2", "inpaint", "qwen-image-edit"),
        ("tts-1-hd", "tts", "tts-kokoro"),
        ("text-embedding-3-small", "embedding", "text-embedding-bge-m3"),
        ("qwen3-4b:strip_thinking_response=true", "text", "qwen3-4b"),
        ("qwen3-4b:strip_thinking_response=true:disable_thinking=true", None, "qwen3-4b"),
        ("default_reasoning:disable_thinking=true", "text", "qwen3-235b"),
        ("gpt-4o:enable_web_search=on", "text", "llama-3.3-70b"),
        ("default_code", "code", "qwen-2.5-coder-32b"),
        ("deepseek-coder", "code", "deepseek-coder-v2-lite"),
    ],
)
def test_model_resolves_ids_traits_aliases_and_suffixes(
    catalog: Catalog, name: str, type: str | None, expected: str
) -> None:
    model = catalog.model(name, type)
    assert model is not None
    assert model.id == expected


@pytest.mark.parametrize(
    ("name", "type"),
    [
        ("hidream", "text"),  # an id of another type
        ("llama-3.3-70b", "image"),
        ("tts-kokoro", "embedding"),
        ("gpt-4o", "image"),  # an alias of another type
        ("tts-1", "text"),
        ("default_vision", "image"),  # a trait of another type
        ("llama-3.3-70b", "code"),  # a text model that is not code-optimized
        ("default", "code"),
        ("gpt-5-turbo-ultra", None),
        ("", None),
        (":strip_thinking_response=true", "text"),
        ("LLAMA-3.3-70B", "text"),  # ids are case-sensitive, as on Venice
    ],
)
def test_model_returns_none_for_the_wrong_type_or_unknown_names(
    catalog: Catalog, name: str, type: str | None
) -> None:
    assert catalog.model(name, type) is None


def test_a_type_without_models_has_none(catalog: Catalog) -> None:
    # A later spec may let requests name types the fixtures hold no models of: empty, not an error.
    assert catalog.model("hidream", "evolved") is None
    assert catalog.model("default", "evolved") is None
    assert catalog.models("evolved") == ()
    assert catalog.ids("evolved") == ()
    assert dict(catalog.traits("all")) == {}
    assert dict(catalog.compatibility("evolved")) == {}
    assert catalog.models("text")  # the known types still answer


def test_all_and_code_filters(catalog: Catalog) -> None:
    everything = catalog.models("all")
    assert sorted(m.id for m in everything) == sorted(i for t in MODEL_TYPES for i in catalog.ids(t))
    code = catalog.models("code")
    assert code
    assert code == tuple(m for m in catalog.models("text") if m.capabilities["optimizedForCode"])
    assert catalog.ids("code") == tuple(m.id for m in code)
    assert catalog.ids("text") == tuple(m.id for m in catalog.models() if m.type == "text")


def test_model_properties(catalog: Catalog) -> None:
    medium = catalog.model("mistral-31-24b")
    assert medium is not None
    assert medium.name == "Venice Medium"
    assert medium.supports("Vision")
    assert medium.supports("supportsVision")
    assert medium.supports("FunctionCalling")
    assert not medium.supports("Reasoning")
    assert medium.context_tokens == 131072
    assert medium.traits == ("default_vision",)
    assert medium.voices == ()
    large = catalog.model("qwen3-235b")
    assert large is not None
    assert large.supports("Reasoning")
    assert large.name == "Venice Large"
    uncensored = catalog.model("venice-uncensored")
    assert uncensored is not None
    assert uncensored.name == "Venice Uncensored 1.1"
    assert not uncensored.supports("FunctionCalling")
    with pytest.raises(ValueError, match="unknown capability 'Telepathy'"):
        medium.supports("Telepathy")
    with pytest.raises(ValueError, match="unknown capability"):
        medium.supports("quantization")  # not a boolean capability
    image = catalog.model("hidream")
    assert image is not None
    assert not image.supports("Vision")  # an image model has no capabilities at all


def test_characters_by_slug(catalog: Catalog) -> None:
    watts = catalog.character("alan-watts")
    assert watts is not None
    assert watts["name"] == "Alan Watts"
    assert catalog.character("venice") is not None
    assert catalog.character("nobody") is None


# ----------------------------------------------------------------------------- billing


@pytest.mark.parametrize(
    ("model_id", "kind", "sku", "usd"),
    [
        ("llama-3.3-70b", "input", "llama-3.3-70b-llm-input-mtoken", 0.7),
        ("llama-3.3-70b", "output", "llama-3.3-70b-llm-output-mtoken", 2.8),
        ("qwen3-4b", "output", "qwen3-4b-llm-output-mtoken", 0.6),
        ("hidream", "generation", "hidream-image-unit", 0.01),
        ("qwen-image", "generation", "qwen-image-image-unit", 0.02),
        ("hidream", "upscale-4x", "hidream-image-upscale-4x", 0.08),
        ("qwen-image-edit", "generation", "qwen-image-edit-image-unit", 0.04),
        ("upscaler", "upscale-2x", "upscaler-image-upscale-2x", 0.02),
        ("upscaler", "upscale-4x", "upscaler-image-upscale-4x", 0.08),
        ("tts-kokoro", "audio", "tts-kokoro-audio-mchar", 3.5),
        ("text-embedding-bge-m3", "embedding", "text-embedding-bge-m3-embedding-mtoken", 0.15),
    ],
)
def test_sku_and_unit_price(catalog: Catalog, model_id: str, kind: str, sku: str, usd: float) -> None:
    assert catalog.sku(model_id, kind) == sku
    assert catalog.unit_price_usd(model_id, kind) == pytest.approx(usd)


def test_skus_match_the_spec_billing_example(spec: Spec, catalog: Catalog) -> None:
    entries = schema_of(spec, "BillingUsageResponse")["example"]["data"]
    by_sku = {e["sku"]: e for e in entries}
    assert catalog.sku("venice-sd35", "generation") in by_sku
    output = catalog.sku("llama-3.3-70b", "output")
    assert catalog.unit_price_usd("llama-3.3-70b", "output") == by_sku[output]["pricePerUnitUsd"]


def test_every_model_is_priced_for_each_of_its_kinds(catalog: Catalog) -> None:
    skus = [catalog.sku(m.id, kind) for m in catalog.models("all") for kind in KINDS_BY_TYPE[m.type]]
    assert len(set(skus)) == len(skus)
    for model in catalog.models("all"):
        for kind in KINDS_BY_TYPE[model.type]:
            assert catalog.unit_price_usd(model.id, kind) > 0
    assert set(PRICE_KINDS) == {kind for kinds in KINDS_BY_TYPE.values() for kind in kinds}


def test_pricing_errors(catalog: Catalog, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'input' is not a price of image model 'hidream'"):
        catalog.sku("hidream", "input")
    with pytest.raises(ValueError, match="its kinds: upscale-2x, upscale-4x"):
        catalog.unit_price_usd("upscaler", "generation")
    with pytest.raises(KeyError, match="no model 'gpt-4o'"):
        catalog.sku("gpt-4o", "input")  # aliases are resolved by `model`, not here
    (tmp_path / "models.yaml").write_text("models:\n  - {id: bare, type: text, model_spec: {name: Bare}}\n")
    with pytest.raises(
        CatalogError, match=r"models\.yaml: model 'bare' has no number at model_spec\.pricing\.input\.usd"
    ):
        load_catalog(tmp_path).unit_price_usd("bare", "input")


# ----------------------------------------------------------------------------- loading


MINIMAL = """\
models:
  - id: my-llm
    type: text
    model_spec:
      name: My LLM
      pricing:
        input: {usd: 1, vcu: 10, diem: 1}
        output: {usd: 2, vcu: 20, diem: 2}
      traits: [default]
traits:
  text: {default: my-llm}
compatibility:
  text: {gpt-4o: my-llm}
"""


def test_a_users_minimal_directory(spec: Spec, tmp_path: Path) -> None:
    (tmp_path / "models.yaml").write_text(MINIMAL)
    catalog = load_catalog(str(tmp_path))
    assert catalog.ids("all") == ("my-llm",)
    assert catalog.characters == ()
    assert catalog.styles == ()
    assert catalog.traits("image") == {}
    for name in ("my-llm", "default", "gpt-4o", "gpt-4o:enable_web_search=on"):
        model = catalog.model(name, "text")
        assert model is not None
        assert model.id == "my-llm"
    assert catalog.model("llama-3.3-70b") is None  # nothing of the bundled catalog leaks in
    served = catalog.models("all")[0].data
    assert served["object"] == "model"  # both filled in by the loader
    assert served["owned_by"] == "venice.ai"
    assert problems(spec, "listModels", "/models", models_body([served])) == []
    assert catalog.unit_price_usd("my-llm", "output") == 2


def test_optional_files_are_read_when_present(tmp_path: Path) -> None:
    (tmp_path / "models.yaml").write_text(MINIMAL)
    (tmp_path / "image_styles.yaml").write_text("styles: [Anime, 'on']\n")
    (tmp_path / "characters.yaml").write_text(
        "characters:\n  - {slug: 'off', name: Off, createdAt: 2024-12-20T21:28:08.934Z}\n"
    )
    catalog = load_catalog(tmp_path)
    assert catalog.styles == ("Anime", "on")
    character = catalog.character("off")
    assert character is not None
    assert character["createdAt"] == "2024-12-20T21:28:08.934Z"  # YAML 1.2: a string, not a datetime


def test_loads_are_cached_until_a_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "models.yaml"
    path.write_text(MINIMAL)
    first = load_catalog(tmp_path)
    assert load_catalog(tmp_path) is first
    path.write_text(MINIMAL.replace("My LLM", "My Renamed LLM"))
    second = load_catalog(tmp_path)
    assert second is not first
    assert second.models()[0].name == "My Renamed LLM"


def test_default_fixtures_dir_holds_the_bundled_files() -> None:
    directory = default_fixtures_dir()
    assert directory.name == "fixtures"
    for name in ("models.yaml", "characters.yaml", "image_styles.yaml"):
        assert (directory / name).is_file(), name


TWO_MODELS = """\
models:
  - id: my-llm
    type: text
    model_spec: {name: A, traits: [default]}
  - id: beta-llm
    type: text
    model_spec: {name: B}
  - id: my-image
    type: image
    model_spec: {name: C}
traits:
  text: {default: my-llm}
"""

# name -> (models.yaml text, regex expected right after the file name in the message)
CASES = {
    "duplicate id": (
        TWO_MODELS.replace("- id: beta-llm", "- id: my-llm"),
        r":5: models\.1\.id: duplicate model id 'my-llm' \(first at models\.0\)",
    ),
    "dangling trait": (
        TWO_MODELS.replace("{default: my-llm}", "{default: my-llm, fastest: nope}"),
        r":12: traits\.text\.fastest: 'nope' is not the id of a model in this file",
    ),
    "trait of another type": (
        TWO_MODELS + "  image: {default: my-llm}\n",
        r":13: traits\.image\.default: 'my-llm' is a text model, not image",
    ),
    "dangling alias": (
        TWO_MODELS + "compatibility:\n  text: {gpt-4o: gone}\n",
        r"compatibility\.text\.gpt-4o: 'gone' is not the id of a model in this file",
    ),
    "alias of another type": (
        TWO_MODELS + "compatibility:\n  image: {dall-e-3: beta-llm}\n",
        r"compatibility\.image\.dall-e-3: 'beta-llm' is a text model, not image",
    ),
    "alias shadowed by an id": (
        TWO_MODELS + "compatibility:\n  text: {beta-llm: my-llm}\n",
        r"compatibility\.text\.beta-llm: 'beta-llm' is also a model id",
    ),
    "unknown model type": (
        TWO_MODELS.replace("type: image", "type: hologram"),
        r":9: models\.2\.type: unknown model type 'hologram'",
    ),
    "unknown type in traits": (
        TWO_MODELS + "  hologram: {default: my-image}\n",
        r":13: traits\.hologram: unknown model type",
    ),
    "model traits disagree with the map": (
        TWO_MODELS.replace("{name: B}", "{name: B, traits: [fastest]}"),
        r"models\.1\.model_spec\.traits: 'beta-llm' lists \['fastest'\] but traits\.text maps \[\] to it",
    ),
    "trait missing from the model": (
        TWO_MODELS.replace("{name: A, traits: [default]}", "{name: A}"),
        r"models\.0\.model_spec\.traits: 'my-llm' lists \[\] but traits\.text maps \['default'\] to it",
    ),
    "feature suffix in an id": (
        TWO_MODELS.replace("- id: beta-llm", "- id: 'beta:llm'"),
        r"models\.1\.id: 'beta:llm' contains ':'",
    ),
    "missing model_spec": (
        TWO_MODELS.replace("    model_spec: {name: C}\n", ""),
        r"models\.2\.model_spec: missing or not a mapping",
    ),
    "misspelt section": (
        TWO_MODELS.replace("traits:\n", "trait:\n"),
        r":11: trait: unknown section; expected: models, traits, compatibility",
    ),
    "no models": ("traits: {}\n", r"models: must be a non-empty list of models"),
    "empty file": ("", r": models: must be a non-empty list of models"),
    "a list at the top": (
        "- my-llm\n- my-image\n",
        r":1: \(root\): expected a mapping with the key\(s\): models, traits, compatibility$",
    ),
    "a model that is a name": (
        TWO_MODELS.replace(
            "  - id: my-image\n    type: image\n    model_spec: {name: C}\n", "  - my-image\n"
        ),
        r":8: models\.2: a model must be a mapping$",
    ),
    "an empty id": (
        TWO_MODELS.replace("- id: beta-llm", "- id: ''"),
        r":5: models\.1\.id: missing, empty or not a string$",
    ),
    "traits of a model not a list": (
        TWO_MODELS.replace("{name: B}", "{name: B, traits: fastest}"),
        r":7: models\.1\.model_spec\.traits: must be a list of trait names$",
    ),
    "traits section a list": (
        TWO_MODELS.replace("traits:\n  text: {default: my-llm}\n", "traits: [default]\n"),
        r":11: traits: must map model types to \{name: model id\} mappings$",
    ),
    "traits of a type a list": (
        TWO_MODELS.replace("  text: {default: my-llm}\n", "  text: [my-llm]\n"),
        r":12: traits\.text: must be a mapping of name -> model id$",
    ),
    "a trait mapped to a number": (
        TWO_MODELS.replace("{default: my-llm}", "{default: 5}"),
        r":12: traits\.text\.default: names and model ids must be strings$",
    ),
    "invalid YAML": (TWO_MODELS.replace("{name: B}", "{name: B"), r":\d+:\d+: invalid YAML"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_models_file_names_file_and_location(tmp_path: Path, case: str) -> None:
    text, expected = CASES[case]
    path = tmp_path / "models.yaml"
    path.write_text(text)
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    assert re.search(expected, message), message


def test_a_models_file_that_is_not_utf8_cannot_be_read(tmp_path: Path) -> None:
    (tmp_path / "models.yaml").write_bytes(b"models:\n  - id: \xff\xfe\n")
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path / 'models.yaml'}: cannot read: 'utf-8' codec can't decode byte 0xff in position 16: "
        "invalid start byte"
    )


def test_the_broken_cases_start_from_a_valid_file(tmp_path: Path) -> None:
    # So that each case above fails for its own edit, not for something in the shared text.
    (tmp_path / "models.yaml").write_text(TWO_MODELS)
    assert load_catalog(tmp_path).ids("all") == ("my-llm", "beta-llm", "my-image")


def test_missing_models_file_or_directory(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"models\.yaml: no such file"):
        load_catalog(tmp_path)
    (tmp_path / "characters.yaml").write_text("characters: []\n")
    with pytest.raises(CatalogError, match=r"models\.yaml: no such file"):
        load_catalog(tmp_path)  # optional files do not stand in for the required one
    with pytest.raises(CatalogError, match="not a directory"):
        load_catalog(tmp_path / "absent")


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "characters.yaml",
            "characters:\n  - {slug: a}\n  - {slug: a}\n",
            r":3: characters\.1\.slug: duplicate slug 'a'",
        ),
        (
            "characters.yaml",
            "characters:\n  - {name: no slug}\n",
            r":2: characters\.0\.slug: every character needs",
        ),
        ("characters.yaml", "people: []\n", r":1: people: unknown section"),
        ("image_styles.yaml", "styles: [Anime, Anime]\n", r":1: styles\.1: duplicate style 'Anime'"),
        ("image_styles.yaml", "styles: [Anime, 3]\n", r":1: styles\.1: a style must be a non-empty string"),
        ("characters.yaml", "characters: 5\n", r":1: characters: must be a list of characters$"),
        ("image_styles.yaml", "styles: Anime\n", r":1: styles: must be a list of style names$"),
    ],
)
def test_broken_optional_files(tmp_path: Path, name: str, text: str, expected: str) -> None:
    (tmp_path / "models.yaml").write_text(MINIMAL)
    (tmp_path / name).write_text(text)
    with pytest.raises(CatalogError, match=re.escape(str(tmp_path / name)) + expected):
        load_catalog(tmp_path)
