"""Is the document a sound OpenAPI description? Meta-schema plus the semantic rules that matter.

openapi-spec-validator does this too but costs 0.4 s to import; the mock must answer within
0.5 s of starting. We read the same meta-schemas (from that package's files, without importing
it) and compile them with jsonschema_rs, then add the checks a meta-schema cannot express.
tests/test_speccheck.py shows both reject the same broken documents.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs

from mockserver.errors import explain
from mockserver.schemas import Converter, compile_validator
from mockserver.specfile import SpecLoadError, format_location, line_of
from mockserver.types import JSON

_MAX_REPORTED = 5


@cache
def _meta_validator(version: str) -> tuple[jsonschema_rs.Validator, dict[str, Any]]:
    found = importlib.util.find_spec("openapi_spec_validator")
    if found is None or not found.submodule_search_locations:
        raise SpecLoadError("openapi-spec-validator (for the OpenAPI meta-schemas) is not installed")
    folder = "v3.0" if version.startswith("3.0") else "v3.1"
    path = (
        Path(next(iter(found.submodule_search_locations))) / "resources" / "schemas" / folder / "schema.json"
    )
    schema = json.loads(path.read_text(encoding="utf-8"))
    return jsonschema_rs.validator_for(schema), schema


def _fail(source: str, text: str, problems: list[tuple[tuple[str | int, ...], str]]) -> None:
    lines = []
    for location, message in problems[:_MAX_REPORTED]:
        line = line_of(text, location) if text else None
        where = f"{source}:{line}" if line else source
        lines.append(f"{where}: {format_location(location)}: {message}")
    if len(problems) > _MAX_REPORTED:
        lines.append(f"... and {len(problems) - _MAX_REPORTED} more problems")
    raise SpecLoadError("invalid OpenAPI document\n  " + "\n  ".join(lines))


def check_document(raw: JSON, source: str, text: str) -> None:
    """Raise SpecLoadError naming file, line and location if `raw` is not OpenAPI 3.0/3.1."""
    if not isinstance(raw, dict):
        raise SpecLoadError(f"{source}: not an OpenAPI document (the top level is not a mapping)")
    version = raw.get("openapi")
    if not isinstance(version, str) or not re.match(r"^3\.[01]\.\d+", version):
        hint = " (Swagger 2.0 is not supported)" if "swagger" in raw else ""
        raise SpecLoadError(f"{source}: `openapi` must be 3.0.x or 3.1.x, found {version!r}{hint}")
    validator, meta = _meta_validator(version)
    problems = [(_location(v.location), v.message) for v in explain(validator.iter_errors(raw), meta)]
    if problems:
        _fail(source, text, problems)
    problems = list(semantic_problems(raw))
    if problems:
        _fail(source, text, problems)


def _location(text: str) -> tuple[str | int, ...]:
    # errors.format_path renders "paths./x.post.responses[0]"; undo it for line lookups.
    out: list[str | int] = []
    for chunk in re.split(r"\.(?![^\[]*\])", text) if text != "body" else []:
        head, *indexes = chunk.split("[")
        if head:
            out.append(head)
        out.extend(int(i.rstrip("]")) for i in indexes)
    return tuple(out)


def semantic_problems(raw: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Duplicate operationIds, undeclared path parameters, defaults that violate their schema."""
    seen: dict[str, tuple[str | int, ...]] = {}
    for path, item in (raw.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        template_names = set(re.findall(r"{([^}]+)}", path))
        for method, op in item.items():
            if method not in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
                continue
            where: tuple[str | int, ...] = ("paths", path, method)
            op_id = op.get("operationId")
            if isinstance(op_id, str):
                if op_id in seen:
                    yield (
                        (*where, "operationId"),
                        f"duplicate operationId {op_id!r} (also at {format_location(seen[op_id])})",
                    )
                seen[op_id] = where
            declared = {
                p.get("name")
                for p in [*(item.get("parameters") or []), *(op.get("parameters") or [])]
                if isinstance(p, dict) and p.get("in") == "path"
            }
            for name in sorted(template_names - declared):
                if any(
                    isinstance(p, dict) and "$ref" in p
                    for p in [*(item.get("parameters") or []), *(op.get("parameters") or [])]
                ):
                    break  # a referenced parameter may declare it; resolution checks the rest
                yield where, f"path parameter {{{name}}} is not declared in `parameters`"
    yield from _invalid_defaults(raw)


def _invalid_defaults(raw: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    version = str(raw.get("openapi"))
    converter = Converter(version, "response")
    for location, node, _ in schema_nodes(raw, raw):
        if "default" not in node or "$ref" in node:
            continue
        if _has_refs(node):
            continue  # checked after resolution would need the whole document; rare in practice
        validator = compile_validator(converter.convert(node), version)
        errors = list(validator.iter_errors(node["default"]))
        if errors:
            yield (
                (*location, "default"),
                f"default {node['default']!r} violates its schema: {errors[0].message}",
            )


def _has_refs(node: JSON) -> bool:
    if isinstance(node, dict):
        return "$ref" in node or any(_has_refs(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_refs(v) for v in node)
    return False


_SCHEMA_ONE = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else")
_SCHEMA_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_MAP = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")


def schema_nodes(
    raw: JSON, resolved: JSON
) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any], dict[str, Any]]]:
    """Every schema object written in the document: (location, resolved node, raw node).

    Walks the raw and the resolved trees side by side, so each schema is visited once, at the
    place it is written (a `$ref` is skipped; its target is visited where it lives).
    """

    def schemas(
        loc: tuple[str | int, ...], r: Any, x: Any
    ) -> Iterator[tuple[tuple[str | int, ...], Any, Any]]:
        if not isinstance(r, dict) or "$ref" in r or not isinstance(x, dict):
            return
        yield loc, x, r
        for key in _SCHEMA_ONE:
            if isinstance(r.get(key), dict):
                yield from schemas((*loc, key), r[key], x.get(key))
        for key in _SCHEMA_LIST:
            for i, sub in enumerate(r.get(key) or []):
                yield from schemas((*loc, key, i), sub, (x.get(key) or [None] * (i + 1))[i])
        for key in _SCHEMA_MAP:
            if isinstance(r.get(key), dict):
                for name, sub in r[key].items():
                    yield from schemas((*loc, key, name), sub, (x.get(key) or {}).get(name))

    def content(
        loc: tuple[str | int, ...], r: Any, x: Any
    ) -> Iterator[tuple[tuple[str | int, ...], Any, Any]]:
        if not isinstance(r, dict) or "$ref" in r or not isinstance(x, dict):
            return
        for name, media in (r.get("content") or {}).items():
            xm = (x.get("content") or {}).get(name)
            if isinstance(media, dict) and isinstance(xm, dict):
                yield from schemas((*loc, "content", name, "schema"), media.get("schema"), xm.get("schema"))
        for name, header in (r.get("headers") or {}).items():
            xh = (x.get("headers") or {}).get(name)
            if isinstance(header, dict) and isinstance(xh, dict) and "$ref" not in header:
                yield from schemas((*loc, "headers", name, "schema"), header.get("schema"), xh.get("schema"))
        if "schema" in r and "in" in r:  # a parameter object
            yield from schemas((*loc, "schema"), r.get("schema"), x.get("schema"))

    def params(
        loc: tuple[str | int, ...], r: Any, x: Any
    ) -> Iterator[tuple[tuple[str | int, ...], Any, Any]]:
        for i, p in enumerate(r or []):
            xp = (x or [None] * (i + 1))[i] if isinstance(x, list) and i < len(x) else None
            yield from content((*loc, i), p, xp)

    components = raw.get("components") or {}
    rcomponents = resolved.get("components") or {}
    for name, sub in (components.get("schemas") or {}).items():
        yield from schemas(("components", "schemas", name), sub, (rcomponents.get("schemas") or {}).get(name))
    for kind in ("parameters", "requestBodies", "responses", "headers"):
        for name, sub in (components.get(kind) or {}).items():
            target = (rcomponents.get(kind) or {}).get(name)
            if kind == "headers" and isinstance(sub, dict) and "$ref" not in sub and isinstance(target, dict):
                yield from schemas(
                    ("components", kind, name, "schema"), sub.get("schema"), target.get("schema")
                )
            else:
                yield from content(("components", kind, name), sub, target)
    for path, item in (raw.get("paths") or {}).items():
        ritem = (resolved.get("paths") or {}).get(path) or {}
        if not isinstance(item, dict):
            continue
        yield from params(("paths", path, "parameters"), item.get("parameters"), ritem.get("parameters"))
        for method, op in item.items():
            if not isinstance(op, dict) or method == "parameters":
                continue
            rop = ritem.get(method) or {}
            where = ("paths", path, method)
            yield from params((*where, "parameters"), op.get("parameters"), rop.get("parameters"))
            yield from content((*where, "requestBody"), op.get("requestBody"), rop.get("requestBody"))
            for status, resp in (op.get("responses") or {}).items():
                yield from content(
                    (*where, "responses", str(status)), resp, (rop.get("responses") or {}).get(status)
                )
