"""CSV answers against the JSON schema of the same operation: the header names the columns of
the records the JSON answer lists (nested objects flattened to `a.b`), and every row has one
cell per column whose text reads as a value of that column's type."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from contracts.failures import Failure, excerpt

CHECK = "csv_conformance"


def record_columns(json_schema: Mapping[str, Any]) -> dict[str, Any] | None:
    """Column name -> schema, for the first array-of-objects property of a JSON answer's schema."""
    for prop in (json_schema.get("properties") or {}).values():
        items = prop.get("items") if isinstance(prop, Mapping) else None
        if isinstance(items, Mapping) and "properties" in items:
            return _flatten(items, "")
    return None


def _flatten(schema: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    for name, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, Mapping) and "properties" in prop:
            columns.update(_flatten(prop, f"{prefix}{name}."))
        else:
            columns[prefix + name] = prop
    return columns


def _types(schema: Any) -> set[str]:
    kinds = schema.get("type") if isinstance(schema, Mapping) else None
    if isinstance(kinds, str):
        return {kinds}
    if isinstance(kinds, list):
        return {str(k) for k in kinds}
    return set()  # untyped: any text


def _cell_text(value: Any) -> str:
    """How a JSON value reads in a CSV cell: booleans in lower case, null empty."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _cell_fits(text: str, schema: Any) -> bool:
    if text == "":
        return True  # an empty cell is how CSV writes null or an absent optional value
    enum = schema.get("enum") if isinstance(schema, Mapping) else None
    if isinstance(enum, list):
        # An enum decides alone, typed or not: its values are the only texts that fit.
        return text in {_cell_text(v) for v in enum} or text.lower() in {_cell_text(v) for v in enum}
    kinds = _types(schema)
    if not kinds or "string" in kinds:
        return True
    if "boolean" in kinds and text.lower() in ("true", "false"):
        return True
    if kinds & {"number", "integer"}:
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            if "number" in kinds or number.is_integer():
                return True
    return bool(kinds & {"object", "array"}) and text[:1] in "{["


def check_csv(body: bytes, json_schema: Mapping[str, Any] | None) -> list[Failure]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [Failure(CHECK, "CSV is not UTF-8", "UTF-8 text", str(exc), "text")]
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return [Failure(CHECK, "CSV without a header row", "a header row", "empty body", "header")]
    header = rows[0]
    columns = record_columns(json_schema) if json_schema is not None else None
    out: list[Failure] = []
    if columns is not None and set(header) != set(columns):
        missing = [c for c in columns if c not in header]
        extra = [c for c in header if c not in columns]
        title = "CSV header differs from the JSON records' fields"
        received = f"missing {missing}, undocumented {extra}"
        out.append(Failure(CHECK, title, excerpt(list(columns)), received, "header"))
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            title = f"row {number} has {len(row)} cells for {len(header)} columns"
            out.append(Failure(CHECK, title, f"{len(header)} cells", excerpt(row), "row"))
            break
        if columns is None:
            continue
        cells = zip(header, row, strict=True)  # the lengths are equal: checked above
        wrong = [(c, v) for c, v in cells if c in columns and not _cell_fits(v, columns[c])]
        if wrong:
            column, value = wrong[0]
            title = f"row {number}: {column} does not fit its schema"
            out.append(Failure(CHECK, title, excerpt(columns[column]), excerpt(value), "cell"))
            break
    return out
