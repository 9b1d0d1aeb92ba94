"""Request bodies: which documented media type a Content-Type selects, and parsing the bytes.

Every parse problem becomes a message for a 400 (never an exception that reaches the server):
bad UTF-8, bad JSON, bad multipart framing.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson
from python_multipart.exceptions import ParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from mockserver.types import JSON


def media_type_of(content_type: str) -> str:
    """'Application/JSON; charset=utf-8' -> 'application/json'."""
    return content_type.split(";", 1)[0].strip().lower()


def select_media_type(content_type: str, documented: Iterable[str]) -> str | None:
    """The documented media type (possibly a range like `image/*`) that accepts `content_type`."""
    wanted = media_type_of(content_type)
    names = list(documented)
    if wanted in names:
        return wanted
    major = wanted.split("/", 1)[0]
    for name in names:
        if name == "*/*" or (name.endswith("/*") and name.split("/", 1)[0] == major):
            return name
    return None


def is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def is_form(media_type: str) -> bool:
    return media_type in ("multipart/form-data", "application/x-www-form-urlencoded")


class BodyError(ValueError):
    """The body cannot be read as its media type; the message says why and where."""


MAX_DEPTH = 100  # JSON nesting levels accepted; deeper values would exhaust recursive validators
MAX_DIGITS = 4300  # integer digits accepted: Python's own bound on str -> int conversion


def _reject_constant(name: str) -> Any:
    raise BodyError(f"not valid JSON: {name} is not a JSON value")


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_DIGITS:
        raise BodyError(f"not valid JSON: an integer of {digits} digits exceeds the limit of {MAX_DIGITS}")
    return int(text)


def _depth(value: JSON) -> int:
    """How deeply `value` nests arrays and objects (iterative: the value may be deep)."""
    deepest = 0
    pending: list[tuple[JSON, int]] = [(value, 0)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict):
            children: Iterable[JSON] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        level += 1
        if level > deepest:
            deepest = level
            if deepest > MAX_DEPTH:
                break
        pending.extend((child, level) for child in children)
    return deepest


# A run of 19 digits may be an integer beyond 64 bits, which orjson reads as a float (`2**64`
# would stop being an integer): such a body goes to the stdlib parser.
_LONG_DIGITS = re.compile(rb"[0-9]{19}")


def parse_json(body: bytes) -> JSON:
    """The body's JSON value, or BodyError saying why not. orjson reads what it can (a chat
    request in 1.6 vs 2.7 us); whatever it refuses goes to `parse_json_stdlib`, so a value read
    and an error's wording are the stdlib's in every case (tests/test_json_bodies.py)."""
    if _LONG_DIGITS.search(body) is None:
        with contextlib.suppress(orjson.JSONDecodeError):
            return _shallow(body, orjson.loads(body))
    return parse_json_stdlib(body)


def parse_json_stdlib(body: bytes) -> JSON:
    """The stdlib parser: integers stay integers at any size (up to MAX_DIGITS), NaN and
    Infinity are refused, and every error says where."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(
            f"not valid UTF-8: byte 0x{body[exc.start]:02x} at position {exc.start} ({exc.reason})"
        ) from None
    try:
        value: JSON = json.loads(text, parse_constant=_reject_constant, parse_int=_bounded_int)
    except json.JSONDecodeError as exc:
        raise BodyError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise BodyError(f"not valid JSON: nested deeper than {MAX_DEPTH} levels") from None
    return _shallow(body, value)


def _shallow(body: bytes, value: JSON) -> JSON:
    """`value`, unless it nests deeper than MAX_DEPTH. Nesting is bounded by the number of `[`
    and `{` (those in strings count too, so this can only send a shallow body to the walk, never
    let a deep one past it); counting is C speed, the walk visits every value in Python."""
    if body.count(b"[") + body.count(b"{") > MAX_DEPTH and _depth(value) > MAX_DEPTH:
        raise BodyError(f"not valid JSON: nested deeper than {MAX_DEPTH} levels")
    return value


MAX_BOUNDARY = 70  # RFC 2046 section 5.1.1: a boundary has 1 to 70 characters


@dataclass
class Part:
    name: str = ""
    filename: str | None = None
    content_type: str = ""
    data: bytearray = field(default_factory=bytearray)


_DISPOSITION_PARAM = re.compile(r';\s*([\w*-]+)="?((?:[^"\\]|\\.)*?)"?\s*(?=;|$)')


def _disposition(value: str) -> dict[str, str]:
    return {k.lower(): v for k, v in _DISPOSITION_PARAM.findall(";" + value.split(";", 1)[-1])}


def parse_multipart(body: bytes, content_type: str) -> list[Part]:
    """Split a multipart/form-data body into parts (all in memory: bodies are size-limited)."""
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise BodyError("multipart body without a boundary parameter in Content-Type")
    parts: list[Part] = []
    header_field = bytearray()
    header_value = bytearray()
    current = Part()

    def on_part_begin() -> None:
        nonlocal current
        current = Part()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        current.data += data[start:end]

    def on_part_end() -> None:
        parts.append(current)

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_field.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        name = header_field.decode("latin-1").lower()
        value = header_value.decode("utf-8", "replace")
        if name == "content-disposition":
            params = _disposition(value)
            current.name = params.get("name", "")
            current.filename = params.get("filename")
        elif name == "content-type":
            current.content_type = value.strip()
        header_field.clear()
        header_value.clear()

    callbacks: Any = {
        "on_part_begin": on_part_begin,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
    }
    if len(boundary) > MAX_BOUNDARY:
        raise BodyError(
            f"multipart boundary of {len(boundary)} characters exceeds the limit of {MAX_BOUNDARY} (RFC 2046)"
        )
    parser = MultipartParser(boundary, callbacks)
    try:
        parser.write(body)
        parser.finalize()
    except ParseError as exc:
        raise BodyError(f"not valid multipart/form-data: {exc}") from None
    if not parts and body.strip():
        raise BodyError("not valid multipart/form-data: no parts found for the boundary")
    return parts


@dataclass(frozen=True, slots=True)
class Form:
    fields: Mapping[str, list[str]]  # text values by name, in order
    files: Mapping[str, bytes]  # file parts by name (the last one wins)


def parse_form(body: bytes, media_type: str, content_type: str) -> Form:
    """multipart/form-data or application/x-www-form-urlencoded -> fields and files."""
    fields: dict[str, list[str]] = {}
    files: dict[str, bytes] = {}
    if media_type == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise BodyError("form body is not valid UTF-8") from None
        for name, value in pairs:
            fields.setdefault(name, []).append(value)
        return Form(fields, files)
    for part in parse_multipart(body, content_type):
        if part.filename is not None or _is_binary(part):
            files[part.name] = bytes(part.data)
            # The field still exists for validation; latin-1 keeps one character per byte.
            fields.setdefault(part.name, []).append(bytes(part.data).decode("latin-1"))
        else:
            try:
                fields.setdefault(part.name, []).append(part.data.decode("utf-8"))
            except UnicodeDecodeError:
                raise BodyError(f"form field {part.name!r} is not valid UTF-8 text") from None
    return Form(fields, files)


def _is_binary(part: Part) -> bool:
    kind = media_type_of(part.content_type)
    return bool(kind) and not kind.startswith("text/") and kind != "application/json"
