"""The model catalog, public characters and image styles that the mock serves and checks requests by.

A fixtures directory (the bundled one, or a user's own via `--fixtures DIR`) holds:

    models.yaml        required: `models` (ModelResponse objects as served), `traits` and
                       `compatibility` (per model type: name -> model id)
    characters.yaml    optional: `characters` (items of GET /characters)
    image_styles.yaml  optional: `styles` (names served by GET /image/styles)

Loading checks what hand-edited files get wrong: duplicate ids, unknown model types, trait and
alias targets that are missing or of another type, `model_spec.traits` that disagree with the
trait maps. Whether the objects match the spec's schemas is proven by the tests instead, so that
start-up does not have to compile the contract a second time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from mockserver.exceptions import CatalogError

# The `type` enum of ModelResponse, the bundled spec's six and the two later Venice specs added
# (video, asr). Which of them a listing serves is the loaded spec's business: a spec whose enum
# lacks a type never sees its models (behaviors/models.py). The order is also the order in which
# `Catalog.model` tries traits and aliases when no type is given, so that "default" means the
# default text model.
MODEL_TYPES = ("text", "image", "inpaint", "upscale", "tts", "embedding", "video", "asr")

# The boolean capabilities of ModelResponse (`quantization` is the one non-boolean).
CAPABILITIES = (
    "optimizedForCode",
    "supportsFunctionCalling",
    "supportsReasoning",
    "supportsResponseSchema",
    "supportsVision",
    "supportsWebSearch",
    "supportsLogProbs",
)

# Price kinds: where the USD price sits under model_spec.pricing, and the billing SKU suffix
# (the SKU is "<model id>-<suffix>", as in the spec's billing example "llama-3.3-70b-llm-output-mtoken").
#   input, output   text models, USD per 1M prompt / completion tokens
#   generation      image and inpaint models, USD per image
#   upscale-2x/4x   image, inpaint and upscale models, USD per upscaled image
#   audio           tts models, USD per 1M input characters
#   embedding       embedding models, USD per 1M input tokens
#   video-second    video models, USD per second of 720p video (other resolutions and audio scale
#                   it: behaviors/video.py); a later spec's pricing variant, `per_second`
#   asr-second      asr (speech recognition) models, USD per second of input audio
PRICE_KINDS: Mapping[str, tuple[tuple[str, ...], str]] = MappingProxyType(
    {
        "input": (("input",), "llm-input-mtoken"),
        "output": (("output",), "llm-output-mtoken"),
        "generation": (("generation",), "image-unit"),
        "upscale-2x": (("upscale", "2x"), "image-upscale-2x"),
        "upscale-4x": (("upscale", "4x"), "image-upscale-4x"),
        "audio": (("input",), "audio-mchar"),
        "embedding": (("input",), "embedding-mtoken"),
        "video-second": (("per_second",), "video-second"),
        "asr-second": (("input",), "asr-audio-second"),
    }
)

# Which kinds a model of each type is billed by. The upscaler's pricing has a `generation` entry
# only because the spec's image pricing variant requires one; it is not a billable kind.
KINDS_BY_TYPE: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "text": ("input", "output"),
        "image": ("generation", "upscale-2x", "upscale-4x"),
        "inpaint": ("generation", "upscale-2x", "upscale-4x"),
        "upscale": ("upscale-2x", "upscale-4x"),
        "tts": ("audio",),
        "embedding": ("embedding",),
        "video": ("video-second",),
        "asr": ("asr-second",),
    }
)

MODELS_FILE = "models.yaml"
CHARACTERS_FILE = "characters.yaml"
STYLES_FILE = "image_styles.yaml"

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_NO_NAMES: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Model:
    """One catalog model. `data` is the ModelResponse object as served: treat it as read-only.

    Models compare and hash by id and type only (their data is a plain dict).
    """

    id: str
    type: str
    data: Mapping[str, Any] = field(compare=False, repr=False)

    @property
    def model_spec(self) -> Mapping[str, Any]:
        spec = self.data.get("model_spec")
        return spec if isinstance(spec, Mapping) else _EMPTY

    @property
    def name(self) -> str:
        return str(self.model_spec.get("name") or self.id)

    @property
    def capabilities(self) -> Mapping[str, Any]:
        """Only text models have capabilities; every other type gets an empty mapping."""
        caps = self.model_spec.get("capabilities")
        return caps if isinstance(caps, Mapping) else _EMPTY

    @property
    def constraints(self) -> Mapping[str, Any]:
        constraints = self.model_spec.get("constraints")
        return constraints if isinstance(constraints, Mapping) else _EMPTY

    @property
    def pricing(self) -> Mapping[str, Any]:
        pricing = self.model_spec.get("pricing")
        return pricing if isinstance(pricing, Mapping) else _EMPTY

    @property
    def traits(self) -> tuple[str, ...]:
        return tuple(self.model_spec.get("traits") or ())

    @property
    def voices(self) -> tuple[str, ...]:
        return tuple(self.model_spec.get("voices") or ())

    @property
    def context_tokens(self) -> int:
        """availableContextTokens; 0 where the spec does not give one (every non-text model)."""
        value = self.model_spec.get("availableContextTokens")
        return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0

    @property
    def is_code(self) -> bool:
        return self.type == "text" and self.supports("optimizedForCode")

    def supports(self, capability: str) -> bool:
        """A boolean capability by its spec name or without the `supports` prefix.

        `supports("FunctionCalling")`, `supports("supportsFunctionCalling")` and
        `supports("optimizedForCode")` all work. An unknown name raises ValueError rather than
        answering False, because a misspelt capability would otherwise silently disable a check.
        """
        key = (
            capability if capability in CAPABILITIES else "supports" + capability[:1].upper() + capability[1:]
        )
        if key not in CAPABILITIES:
            raise ValueError(f"unknown capability {capability!r}; known: {', '.join(CAPABILITIES)}")
        return self.capabilities.get(key) is True


@dataclass(frozen=True, slots=True, eq=False)
class Catalog:
    """Models, trait and alias maps, characters and styles; build it with `load_catalog`."""

    all_models: tuple[Model, ...]
    trait_maps: Mapping[str, Mapping[str, str]]  # model type -> trait name -> model id
    compat_maps: Mapping[str, Mapping[str, str]]  # model type -> foreign name -> model id
    characters: tuple[Mapping[str, Any], ...] = ()
    styles: tuple[str, ...] = ()
    source: str = MODELS_FILE  # the models file, for messages
    _by_id: Mapping[str, Model] = field(init=False, repr=False)
    _by_slug: Mapping[str, Mapping[str, Any]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", MappingProxyType({m.id: m for m in self.all_models}))
        object.__setattr__(self, "_by_slug", MappingProxyType({str(c["slug"]): c for c in self.characters}))

    def models(self, type: str = "text") -> tuple[Model, ...]:
        """Models of one type in file order; "all" is every model, "code" the code-optimized text models.

        A type the catalog has no models of (one a later spec added, "video") has none: the
        spec decides which types a request may name, the catalog only what it holds."""
        if type == "all":
            return self.all_models
        if type == "code":
            return tuple(m for m in self.all_models if m.is_code)
        return tuple(m for m in self.all_models if m.type == type)

    def ids(self, type: str) -> tuple[str, ...]:
        return tuple(m.id for m in self.models(type))

    def model(self, name: str, type: str | None = None) -> Model | None:
        """The model a request's `model` field names, or None.

        `name` may be a model id, a trait ("default", "fastest") or a compatibility alias
        ("gpt-4o"), optionally followed by Venice feature suffixes ("qwen3-4b:strip_thinking_response=true").
        With a type (including "code"), only a model of that type is returned: a known id of
        another type gives None. Without a type (or "all"), ids of every type match, and traits and
        aliases are tried type by type in MODEL_TYPES order.
        """
        types: tuple[str, ...]
        if type is None or type == "all":
            types = MODEL_TYPES
        elif type == "code":
            types = ("text",)
        else:
            types = (type,)
        base = name.partition(":")[0]
        for candidate in self._candidates(base, types):
            if candidate is not None and candidate.type in types and (type != "code" or candidate.is_code):
                return candidate
        return None

    def _candidates(self, base: str, types: Sequence[str]) -> Iterator[Model | None]:
        # Ids first, then traits, then aliases: the loader rejects traits and aliases that are
        # also ids, so this order only matters between a trait and an alias of the same name.
        yield self._by_id.get(base)
        for kind in (self.trait_maps, self.compat_maps):
            for model_type in types:
                target = kind.get(model_type, _NO_NAMES).get(base)
                if target is not None:
                    yield self._by_id.get(target)

    def traits(self, type: str = "text") -> Mapping[str, str]:
        return self.trait_maps.get(type, _NO_NAMES)

    def compatibility(self, type: str = "text") -> Mapping[str, str]:
        return self.compat_maps.get(type, _NO_NAMES)

    def character(self, slug: str) -> Mapping[str, Any] | None:
        return self._by_slug.get(slug)

    def sku(self, model_id: str, kind: str) -> str:
        """The billing SKU of one price kind of a model, e.g. sku("llama-3.3-70b", "output") ->
        "llama-3.3-70b-llm-output-mtoken". The kinds are listed at PRICE_KINDS; a kind that does not
        apply to the model's type (KINDS_BY_TYPE) raises ValueError, an unknown id KeyError."""
        model = self._billable(model_id, kind)
        return f"{model.id}-{PRICE_KINDS[kind][1]}"

    def unit_price_usd(self, model_id: str, kind: str) -> float:
        """The USD price of one unit of `kind` (see PRICE_KINDS for the units) from the model's pricing."""
        model = self._billable(model_id, kind)
        node: Any = model.pricing
        path = PRICE_KINDS[kind][0]
        for key in (*path, "usd"):
            node = node.get(key) if isinstance(node, Mapping) else None
        if not isinstance(node, (int, float)) or isinstance(node, bool):
            where = ".".join(("model_spec", "pricing", *path, "usd"))
            raise CatalogError(f"{self.source}: model {model.id!r} has no number at {where}")
        return float(node)

    def _billable(self, model_id: str, kind: str) -> Model:
        model = self._by_id.get(model_id)
        if model is None:
            raise KeyError(f"no model {model_id!r} in {self.source}")
        kinds = KINDS_BY_TYPE[model.type]
        if kind not in kinds:
            raise ValueError(
                f"{kind!r} is not a price of {model.type} model {model.id!r}; its kinds: {', '.join(kinds)}"
            )
        return model
