"""Bodies by media type: which kind each is (JSON, SSE, CSV, text, binary) and the generic
renderers that serve any spec. Venice behaviors refine them (image sizes from the request, ...).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from mockserver.exchange import Exchange
from mockserver.media.types import OPAQUE_TYPES, format_of
from mockserver.spec import Response
from mockserver.types import JSON

JSON_TYPE = "application/json"
SSE_TYPE = "text/event-stream"


def kind(media_type: str) -> str:
    """ "json", "sse", "csv", "text" or "binary"."""
    if media_type == JSON_TYPE or media_type.endswith("+json"):
        return "json"
    if media_type == SSE_TYPE:
        return "sse"
    if media_type == "text/csv":
        return "csv"
    if media_type.startswith("text/") or media_type in ("application/xml", "application/yaml"):
        return "text"
    return "binary"


def value_source(response: Response, media_type: str) -> str:
    """Which media type's schema describes the value behind `media_type`: a stream or CSV export
    carries the same data as the operation's JSON answer, when there is one."""
    if kind(media_type) in ("sse", "csv") and JSON_TYPE in response.content:
        return JSON_TYPE
    return media_type


def content_type(media_type: str) -> str:
    """The Content-Type header for a documented media type (text gets an explicit charset)."""
    if media_type.startswith("text/") and "charset" not in media_type:
        return f"{media_type}; charset=utf-8"
    return media_type


def as_text(value: JSON) -> bytes:
    """A synthesized value for a text-like media type without a dedicated renderer."""
    if isinstance(value, str):
        return value.encode()
    from mockserver.rendering import dump_json

    return dump_json(value)


# Where a binary answer of each media type comes from: the table in media/types.py, every entry
# a real file of its type; `application/octet-stream` is opaque, so seeded random bytes are a
# valid one. A binary type absent from both has no encoder here: it gets `placeholder()` (see its
# docstring), and the spec load warns about every response that names one (specload).


def encodable(media_type: str) -> bool:
    """Whether the mock makes real bytes of this (binary) media type."""
    return format_of(media_type) is not None or media_type.split(";")[0].strip().lower() in OPAQUE_TYPES


def placeholder(media_type: str) -> bytes:
    """The body of a binary media type without an encoder: one line of ASCII that says so, never
    bytes that could pass for a real file (a client decoding it fails plainly)."""
    return f"venice-mock placeholder: no encoder for {media_type}; see README, 'Binary media'\n".encode()


def binary(ex: Exchange) -> bytes:
    """A real file of the documented binary type, small and seeded (behaviors refine sizes)."""
    media_type = ex.media_type or "application/octet-stream"
    known = format_of(media_type)
    if known is not None and known.family == "image":
        from mockserver.media.images import encode_image

        return encode_image(64, 64, known.name, ex.seed)  # type: ignore[arg-type]
    if known is not None and known.family == "audio":
        from mockserver.media.audio import synthesize_speech

        return synthesize_speech("This is the mock speaking.", 1.0, known.name, ex.seed).data  # type: ignore[arg-type]
    if known is not None and known.family == "video":
        from mockserver.media.mp4 import encode_mp4

        return encode_mp4(128, 72, 1.0, ex.seed)
    if media_type in OPAQUE_TYPES:
        return ex.rng("binary").randbytes(256)  # an opaque format: any bytes are valid
    return placeholder(media_type)


def _rows_schema(response: Response) -> tuple[str | None, list[str]]:
    """The array of objects a CSV export lists (its key in the JSON answer) and the columns."""
    media = response.content.get(JSON_TYPE)
    schema = media.schema.schema if media and media.schema else {}
    for name, prop in (schema.get("properties") or {}).items():
        items = prop.get("items") if isinstance(prop, dict) else None
        if isinstance(items, dict) and "properties" in items:
            return name, _columns(items, "")
    return None, []


def _columns(schema: Mapping[str, Any], prefix: str) -> list[str]:
    columns: list[str] = []
    for name, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, dict) and "properties" in prop:
            columns.extend(_columns(prop, f"{prefix}{name}."))  # nested objects flatten to a.b
        else:
            columns.append(prefix + name)
    return columns


def _cell(row: Mapping[str, Any], column: str) -> str:
    value: Any = row
    for part in column.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        from mockserver.rendering import dump_json

        return dump_json(value).decode()
    return str(value)


def csv_body(value: JSON, response: Response) -> bytes:
    """CSV with a header row: the JSON answer's list of records, nested fields as `a.b` columns."""
    key, columns = _rows_schema(response)
    rows = value.get(key, []) if key and isinstance(value, dict) else []
    if not columns:
        columns = sorted({k for row in rows if isinstance(row, dict) for k in row})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        if isinstance(row, dict):
            writer.writerow([_cell(row, column) for column in columns])
    return out.getvalue().encode()
