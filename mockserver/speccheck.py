"""Is the document a sound OpenAPI description? Meta-schema plus the semantic rules that matter.

Only an unusable document stops the start (`usable`); every other problem is reported as a spec
warning naming its location (`check_document`), and the operation is served as well as possible.

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
from mockserver.exceptions import SpecLoadError
from mockserver.spec import HTTP_METHODS
from mockserver.specfile import format_location
from mockserver.types import JSON


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


Problem = tuple[tuple[str | int, ...], str]  # (location, what is wrong there)


def usable(raw: JSON, source: str) -> dict[str, Any]:
    """The document if the mock can serve anything from it; SpecLoadError (one line) otherwise.

    Only these stop the start: not a mapping (empty file, a bare scalar), no supported `openapi`
    version, `paths` that is not a mapping. Every other problem is a warning (`check_document`).
    """
    if raw is None:
        raise SpecLoadError(f"{source}: the file is empty")
    if not isinstance(raw, dict):
        raise SpecLoadError(f"{source}: not an OpenAPI document (the top level is not a mapping)")
    version = raw.get("openapi")
    if not isinstance(version, str) or not re.match(r"^3\.[012]\.\d+", version):
        hint = " (Swagger 2.0 is not supported)" if "swagger" in raw else ""
        raise SpecLoadError(f"{source}: `openapi` must be 3.0.x or 3.1.x, found {version!r}{hint}")
    paths = raw.get("paths", {})
    if paths is not None and not isinstance(paths, dict):
        raise SpecLoadError(f"{source}: `paths` must be a mapping of path templates, found {paths!r:.40}")
    return raw


def check_document(raw: dict[str, Any]) -> list[Problem]:
    """What the meta-schema and the semantic rules find wrong: one problem per location.

    A real spec is served despite its mistakes, so these become spec warnings, not errors.
    """
    version = str(raw.get("openapi"))
    validator, meta = _meta_validator(version)
    found: dict[tuple[str | int, ...], str] = {}
    for violation in explain(validator.iter_errors(raw), meta):
        found.setdefault(_location(violation.location), violation.message)
    for location, message in semantic_problems(raw):
        found.setdefault(location, message)
    return list(found.items())


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
    """Duplicate operationIds and undeclared path parameters."""
    seen: dict[str, tuple[str | int, ...]] = {}
    for path, item in (raw.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        template_names = set(re.findall(r"{([^}]+)}", str(path)))
        for method, op in item.items():
            if method not in HTTP_METHODS or not isinstance(op, dict):
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
            params = [*_listed(item.get("parameters")), *_listed(op.get("parameters"))]
            declared = {p.get("name") for p in params if isinstance(p, dict) and p.get("in") == "path"}
            for name in sorted(template_names - declared):
                if any(isinstance(p, dict) and "$ref" in p for p in params):
                    break  # a referenced parameter may declare it; resolution checks the rest
                yield where, f"path parameter {{{name}}} is not declared in `parameters`"


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


_SCHEMA_ONE = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else")
_SCHEMA_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_MAP = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")


def schema_nodes(
    raw: JSON, resolved: JSON
) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any], dict[str, Any]]]:
    """Every schema object written in the document: (location, resolved node, raw node).

    Walks the raw and the resolved trees side by side, so each schema is visited once, at the
    place it is written (a `$ref` is skipped; its target is visited where it lives). Parts of the
    wrong shape (a list where a mapping belongs) are skipped: the meta-schema reports them.
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
            xs = _listed(x.get(key))
            for i, sub in enumerate(_listed(r.get(key))):
                yield from schemas((*loc, key, i), sub, xs[i] if i < len(xs) else None)
        for key in _SCHEMA_MAP:
            xs_map = _mapped(x.get(key))
            for name, sub in _mapped(r.get(key)).items():
                yield from schemas((*loc, key, name), sub, xs_map.get(name))

    def content(
        loc: tuple[str | int, ...], r: Any, x: Any
    ) -> Iterator[tuple[tuple[str | int, ...], Any, Any]]:
        if not isinstance(r, dict) or "$ref" in r or not isinstance(x, dict):
            return
        for name, media in _mapped(r.get("content")).items():
            xm = _mapped(x.get("content")).get(name)
            if isinstance(media, dict) and isinstance(xm, dict):
                yield from schemas((*loc, "content", name, "schema"), media.get("schema"), xm.get("schema"))
        for name, header in _mapped(r.get("headers")).items():
            xh = _mapped(x.get("headers")).get(name)
            if isinstance(header, dict) and isinstance(xh, dict) and "$ref" not in header:
                yield from schemas((*loc, "headers", name, "schema"), header.get("schema"), xh.get("schema"))
        if "schema" in r and "in" in r:  # a parameter object
            yield from schemas((*loc, "schema"), r.get("schema"), x.get("schema"))

    def params(
        loc: tuple[str | int, ...], r: Any, x: Any
    ) -> Iterator[tuple[tuple[str | int, ...], Any, Any]]:
        xs = _listed(x)
        for i, p in enumerate(_listed(r)):
            yield from content((*loc, i), p, xs[i] if i < len(xs) else None)

    if not isinstance(raw, dict) or not isinstance(resolved, dict):
        return
    components = _mapped(raw.get("components"))
    rcomponents = _mapped(resolved.get("components"))
    for name, sub in _mapped(components.get("schemas")).items():
        yield from schemas(
            ("components", "schemas", name), sub, _mapped(rcomponents.get("schemas")).get(name)
        )
    for kind in ("parameters", "requestBodies", "responses", "headers"):
        for name, sub in _mapped(components.get(kind)).items():
            target = _mapped(rcomponents.get(kind)).get(name)
            if kind == "headers" and isinstance(sub, dict) and "$ref" not in sub and isinstance(target, dict):
                yield from schemas(
                    ("components", kind, name, "schema"), sub.get("schema"), target.get("schema")
                )
            else:
                yield from content(("components", kind, name), sub, target)
    for path, item in _mapped(raw.get("paths")).items():
        ritem = _mapped(_mapped(resolved.get("paths")).get(path))
        if not isinstance(item, dict):
            continue
        yield from params(("paths", path, "parameters"), item.get("parameters"), ritem.get("parameters"))
        for method, op in item.items():
            if not isinstance(op, dict) or method == "parameters":
                continue
            rop = _mapped(ritem.get(method))
            where = ("paths", path, method)
            yield from params((*where, "parameters"), op.get("parameters"), rop.get("parameters"))
            yield from content((*where, "requestBody"), op.get("requestBody"), rop.get("requestBody"))
            rresponses = _mapped(rop.get("responses"))
            for status, resp in _mapped(op.get("responses")).items():
                yield from content((*where, "responses", str(status)), resp, rresponses.get(status))


def _mapped(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}
