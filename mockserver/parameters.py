"""Strings on the wire -> typed values, by schema: query/path/header/cookie parameters and form fields.

OpenAPI serializes parameters as text (`?limit=20&tags=a&tags=b`); the schema says what they mean.
A value that cannot be read as the schema's type is kept as the original string, so validation
then reports it precisely ("expected integer, got string").
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl

from mockserver.errors import Violation
from mockserver.spec import Parameter
from mockserver.types import JSON, Schema

# Whole strings of ASCII digits (fullmatch: no trailing newline): `\d` would read "٣"
# (Arabic-Indic three) as 3, which no client means.
_INT = re.compile(r"[-+]?[0-9]+")
_NUMBER = re.compile(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")
MAX_DIGITS = 4300  # Python's own bound on str -> int conversion; longer numbers stay text
_MISSING = object()


def _types(schema: Schema) -> Iterator[str]:
    """The JSON types a schema admits, in the order written, looking into unions and allOf."""
    kind = schema.get("type")
    if isinstance(kind, str):
        yield kind
    elif isinstance(kind, list):
        yield from (k for k in kind if isinstance(k, str))
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key) or ():
            if isinstance(branch, dict):
                yield from _types(branch)


def _cast(kind: str, text: str) -> Any:
    if len(text) > MAX_DIGITS and kind in ("integer", "number"):
        return _MISSING  # kept as text, so validation says it is not a number
    if kind == "integer" and _INT.fullmatch(text):
        return int(text)
    if kind == "number" and _NUMBER.fullmatch(text):
        number = float(text)
        if math.isfinite(number):
            return int(text) if _INT.fullmatch(text) else number
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    if kind == "null" and text == "null":
        return None  # "" stays a string: an empty form field is not a way to send null
    return _MISSING


def coerce_scalar(text: str, schema: Schema) -> JSON:
    """Read `text` as the first of the schema's types that it can be; strings stay strings."""
    kinds = list(dict.fromkeys(_types(schema)))
    if not kinds or ("string" in kinds and not any(k in kinds for k in ("integer", "number", "boolean"))):
        return text
    for kind in kinds:
        if kind == "string":
            return text
        value = _cast(kind, text)
        if value is not _MISSING:
            return value
    return text


def coerce(values: Sequence[str], schema: Schema | None, style: str = "form", explode: bool = True) -> JSON:
    """One parameter's occurrences -> its typed value."""
    if schema is None:
        return values[-1]
    kinds = set(_types(schema))
    if "array" in kinds and not kinds & {"string", "integer", "number", "boolean"}:
        items: list[str] = []
        separator = {"form": ",", "simple": ",", "spaceDelimited": " ", "pipeDelimited": "|"}.get(style, ",")
        for value in values:
            items.extend(value.split(separator) if not explode or style != "form" else [value])
        items_schema = schema.get("items")
        item_schema: Schema = items_schema if isinstance(items_schema, dict) else {}
        return [coerce_scalar(item, item_schema) for item in items]
    return coerce_scalar(values[-1], schema)


def query_pairs(query_string: str) -> list[tuple[str, str]]:
    return parse_qsl(query_string, keep_blank_values=True)


def cookies(header: str) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # a malformed cookie header carries no usable cookies
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


# Per RFC/OAS, these header "parameters" are described by other parts of the spec and ignored here.
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})


def read_parameters(
    parameters: Sequence[Parameter],
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
    path_params: Mapping[str, str],
    cookie_header: str,
    check: Callable[[Parameter, JSON], list[Violation]],
) -> tuple[dict[str, dict[str, JSON]], list[Violation]]:
    """Typed parameter values by location, and the violations of the declared ones."""
    values: dict[str, dict[str, JSON]] = {"query": {}, "path": {}, "header": {}, "cookie": {}}
    violations: list[Violation] = []
    cookie_values = cookies(cookie_header) if cookie_header else {}
    for param in parameters:
        name = param.name
        if param.location == "header" and name.lower() in _IGNORED_HEADERS:
            continue
        raw: list[str]
        if param.location == "query":
            raw = [v for k, v in query if k == name]
        elif param.location == "header":
            raw = [headers[name.lower()]] if name.lower() in headers else []
        elif param.location == "path":
            raw = [path_params[name]] if name in path_params else []
        else:
            raw = [cookie_values[name]] if name in cookie_values else []
        if not raw:
            if param.required:
                violations.append(
                    Violation(f"{param.location}.{name}", "required", "required parameter is missing")
                )
            continue
        if param.location == "query" and not param.allow_empty and raw[-1] == "":
            violations.append(
                Violation(
                    f"query.{name}",
                    "allowEmptyValue",
                    "empty value is not allowed (allowEmptyValue is false)",
                )
            )
            continue
        schema = param.schema.schema if param.schema else None
        if param.media_type is not None and _is_json(param.media_type):
            try:  # `content: {application/json: ...}`: the value is a JSON document, not a style
                value = json.loads(raw[-1])
            except ValueError:
                where = f"{param.location}.{name}"
                violations.append(Violation(where, "content", f"not valid JSON ({param.media_type})"))
                continue
        else:
            value = coerce(raw, schema, param.style, param.explode)
        values[param.location][name] = value
        violations.extend(check(param, value))
    return values, violations


def _is_json(media_type: str) -> bool:
    kind = media_type.split(";")[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


def coerce_fields(fields: Mapping[str, list[str]], schema: Schema | None) -> dict[str, JSON]:
    """Form fields (multipart or urlencoded) -> a JSON object, typed by the body schema's properties."""
    properties: Mapping[str, Any] = (schema or {}).get("properties") or {}
    out: dict[str, JSON] = {}
    for name, occurrences in fields.items():
        prop = properties.get(name)
        out[name] = coerce(occurrences, prop if isinstance(prop, dict) else None)
    return out
