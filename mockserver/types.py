"""Shared type aliases and the plain request value the pipeline works on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

# A parsed JSON document. `Any` because JSON is recursive and mypy's recursive aliases make
# every dict access a cast; the modules that build JSON keep its shape honest with tests.
JSON: TypeAlias = Any

# A JSON Schema (already converted from OpenAPI's dialect) as a plain dict.
Schema: TypeAlias = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Incoming:
    """One HTTP request, read once at the edge so that no pipeline module sees the framework."""

    method: str  # upper case
    path: str  # the full request path, percent-decoded
    query_string: str  # raw, as sent
    headers: Mapping[str, str]  # lower-cased names; repeated headers joined with ", "
    body: bytes

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name, default)
