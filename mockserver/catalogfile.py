"""Reading a fixtures directory into a Catalog, with the checks hand-edited files need.

See mockserver.catalog for the files and what they hold.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from mockserver.bundled import bundled
from mockserver.catalog import CHARACTERS_FILE, MODEL_TYPES, MODELS_FILE, STYLES_FILE, Catalog, Model
from mockserver.exceptions import CatalogError, SpecLoadError
from mockserver.specfile import Yaml12Loader, format_location, line_of, parse_document


def default_fixtures_dir() -> Path:
    """The bundled fixtures directory (installed or in the repository)."""
    return bundled("fixtures")


def load_catalog(directory: Path | str | None = None) -> Catalog:
    """Read and check a fixtures directory (None: the bundled one). Raises CatalogError.

    models.yaml is required; a missing characters.yaml or image_styles.yaml means none. Results
    are cached by path, modification time and size, so repeated loads (one per app in the tests)
    cost a few stat calls.
    """
    root = Path(directory) if directory is not None else default_fixtures_dir()
    if not root.is_dir():
        raise CatalogError(f"{root}: not a directory (expected a fixtures directory with {MODELS_FILE})")
    stamps = tuple(_stamp(root / name) for name in (MODELS_FILE, CHARACTERS_FILE, STYLES_FILE))
    return _load(str(root), str(root.resolve()), stamps)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=32)
def _load(root: str, _resolved: str, _stamps: tuple[tuple[int, int] | None, ...]) -> Catalog:
    # The resolved path and the stamps are only part of the cache key.
    models_path = Path(root) / MODELS_FILE
    models_doc = _read(models_path)
    if models_doc is None:
        raise CatalogError(f"{models_path}: no such file; a fixtures directory must have {MODELS_FILE}")
    characters_doc = _read(Path(root) / CHARACTERS_FILE)
    styles_doc = _read(Path(root) / STYLES_FILE)
    models, traits, compat = _models(models_doc)
    return Catalog(
        all_models=models,
        trait_maps=traits,
        compat_maps=compat,
        characters=_characters(characters_doc) if characters_doc is not None else (),
        styles=_styles(styles_doc) if styles_doc is not None else (),
        source=models_doc.path,
    )


@dataclass(frozen=True, slots=True)
class _Document:
    path: str
    text: str  # kept for the line numbers of error messages
    data: Any

    def error(self, location: Sequence[str | int], message: str, *, at_key: bool = False) -> CatalogError:
        """An error at `location`; `at_key` points at the key itself (line_of finds its value,
        which for a block mapping starts a line later)."""
        line = _key_line(self.text, location) if at_key else line_of(self.text, location)
        where = f"{self.path}:{line}" if line else self.path
        return CatalogError(f"{where}: {format_location(location)}: {message}")

    def section(self, allowed: Sequence[str]) -> Mapping[str, Any]:
        """The top-level mapping; an empty file is an empty one. Unknown keys are typos."""
        if self.data is None:
            return {}
        if not isinstance(self.data, dict):
            raise self.error([], f"expected a mapping with the key(s): {', '.join(allowed)}")
        for key in self.data:
            if key not in allowed:
                raise self.error([str(key)], f"unknown section; expected: {', '.join(allowed)}", at_key=True)
        return self.data


def _key_line(text: str, location: Sequence[str | int]) -> int | None:
    """1-based line of the mapping key that ends `location`. Only used on error paths."""
    try:
        node = yaml.compose(text, Loader=Yaml12Loader)
    except yaml.YAMLError:
        return None
    for depth, token in enumerate(location):
        if not isinstance(node, yaml.MappingNode):
            return None
        pair = next(((k, v) for k, v in node.value if getattr(k, "value", None) == str(token)), None)
        if pair is None:
            return None
        if depth == len(location) - 1:
            return int(pair[0].start_mark.line) + 1
        node = pair[1]
    return None


def _read(path: Path) -> _Document | None:
    """The parsed file, or None if it does not exist."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: cannot read: {exc}") from None
    try:
        return _Document(str(path), text, parse_document(text, str(path)))
    except SpecLoadError as exc:
        raise CatalogError(str(exc)) from None


def _models(
    doc: _Document,
) -> tuple[tuple[Model, ...], Mapping[str, Mapping[str, str]], Mapping[str, Mapping[str, str]]]:
    top = doc.section(("models", "traits", "compatibility"))
    items = top.get("models")
    if not isinstance(items, list) or not items:
        raise doc.error(["models"], "must be a non-empty list of models")
    models: list[Model] = []
    first_index: dict[str, int] = {}
    for index, item in enumerate(items):
        where: list[str | int] = ["models", index]
        if not isinstance(item, dict):
            raise doc.error(where, "a model must be a mapping")
        model_id = item.get("id")
        if not isinstance(model_id, str) or not model_id:
            raise doc.error([*where, "id"], "missing, empty or not a string")
        if ":" in model_id:
            # Everything after ':' is a feature suffix in requests, so such an id could never match.
            raise doc.error([*where, "id"], f"{model_id!r} contains ':', which starts a feature suffix")
        if model_id in first_index:
            raise doc.error(
                [*where, "id"], f"duplicate model id {model_id!r} (first at models.{first_index[model_id]})"
            )
        first_index[model_id] = index
        model_type = item.get("type")
        if model_type not in MODEL_TYPES:
            raise doc.error(
                [*where, "type"],
                f"unknown model type {model_type!r}; expected one of: {', '.join(MODEL_TYPES)}",
            )
        spec = item.get("model_spec")
        if not isinstance(spec, dict):
            raise doc.error([*where, "model_spec"], "missing or not a mapping")
        listed = spec.get("traits", [])
        if not isinstance(listed, list) or not all(isinstance(t, str) for t in listed):
            raise doc.error([*where, "model_spec", "traits"], "must be a list of trait names")
        # Every served model is a ModelResponse; these two constants are all a user may leave out.
        item.setdefault("object", "model")
        item.setdefault("owned_by", "venice.ai")
        models.append(Model(model_id, model_type, item))
    by_id = {m.id: m for m in models}
    traits = _name_maps(doc, top, "traits", by_id)
    compat = _name_maps(doc, top, "compatibility", by_id)
    for index, model in enumerate(models):
        expected = sorted(name for name, target in traits[model.type].items() if target == model.id)
        if sorted(model.traits) != expected:
            raise doc.error(
                ["models", index, "model_spec", "traits"],
                f"{model.id!r} lists {sorted(model.traits)} but traits.{model.type} maps {expected} to it",
            )
    return tuple(models), traits, compat


def _name_maps(
    doc: _Document, top: Mapping[str, Any], section: str, by_id: Mapping[str, Model]
) -> Mapping[str, Mapping[str, str]]:
    raw = top.get(section) or {}
    if not isinstance(raw, dict):
        raise doc.error([section], "must map model types to {name: model id} mappings")
    maps: dict[str, Mapping[str, str]] = {}
    for model_type in MODEL_TYPES:
        entries = raw.get(model_type) or {}
        if not isinstance(entries, dict):
            raise doc.error([section, model_type], "must be a mapping of name -> model id")
        checked: dict[str, str] = {}
        for name, target in entries.items():
            where = [section, model_type, str(name)]
            if not isinstance(name, str) or not isinstance(target, str):
                raise doc.error(where, "names and model ids must be strings")
            model = by_id.get(target)
            if model is None:
                raise doc.error(where, f"{target!r} is not the id of a model in this file")
            if model.type != model_type:
                raise doc.error(where, f"{target!r} is a {model.type} model, not {model_type}")
            if name in by_id:
                raise doc.error(where, f"{name!r} is also a model id, so requests naming it get that model")
            checked[name] = target
        maps[model_type] = MappingProxyType(checked)
    for model_type in raw:
        if model_type not in MODEL_TYPES:
            raise doc.error(
                [section, str(model_type)],
                f"unknown model type; expected one of: {', '.join(MODEL_TYPES)}",
                at_key=True,
            )
    return MappingProxyType(maps)


def _characters(doc: _Document) -> tuple[Mapping[str, Any], ...]:
    items = doc.section(("characters",)).get("characters") or []
    if not isinstance(items, list):
        raise doc.error(["characters"], "must be a list of characters")
    first_index: dict[str, int] = {}
    for index, item in enumerate(items):
        slug = item.get("slug") if isinstance(item, dict) else None
        if not isinstance(slug, str) or not slug:
            raise doc.error(["characters", index, "slug"], "every character needs a non-empty string slug")
        if slug in first_index:
            raise doc.error(
                ["characters", index, "slug"],
                f"duplicate slug {slug!r} (first at characters.{first_index[slug]})",
            )
        first_index[slug] = index
    return tuple(items)


def _styles(doc: _Document) -> tuple[str, ...]:
    items = doc.section(("styles",)).get("styles") or []
    if not isinstance(items, list):
        raise doc.error(["styles"], "must be a list of style names")
    seen: set[str] = set()
    for index, style in enumerate(items):
        if not isinstance(style, str) or not style:
            raise doc.error(["styles", index], "a style must be a non-empty string")
        if style in seen:
            raise doc.error(["styles", index], f"duplicate style {style!r}")
        seen.add(style)
    return tuple(items)
