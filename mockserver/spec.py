"""The loaded contract: operations, parameters, bodies, responses and security as frozen values.

Reading a file into these values is mockserver.specload's job (`load_spec`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

from mockserver.schemas import Compiled
from mockserver.types import JSON

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True, slots=True)
class SpecWarning:
    location: str  # e.g. "paths./billing/usage.get.responses.200.content.application/json.example"
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    location: str  # "query", "header", "path" or "cookie"
    required: bool
    schema: Compiled | None
    style: str
    explode: bool
    allow_empty: bool = False  # OAS `allowEmptyValue` (query only): `?id=` is refused unless true
    media_type: str | None = None  # a parameter described by `content`: its value is in this type


@dataclass(frozen=True, slots=True)
class MediaType:
    name: str  # "application/json", "image/png", ...
    schema: Compiled | None
    examples: Mapping[str, JSON]  # the valid examples by name; "" is the media type's `example`
    sse_data: Compiled | None = None  # text/event-stream: schema of the JSON in each `data:` (x-sse-data)


@dataclass(frozen=True, slots=True)
class RequestBody:
    required: bool
    content: Mapping[str, MediaType]


@dataclass(frozen=True, slots=True)
class Header:
    name: str
    required: bool
    schema: Compiled | None


@dataclass(frozen=True, slots=True)
class Response:
    status: str  # "200", "4XX" or "default", as written in the spec
    description: str
    headers: tuple[Header, ...]
    content: Mapping[str, MediaType]


@dataclass(frozen=True, slots=True)
class SecurityScheme:
    name: str
    kind: str  # "bearer", "basic", "apiKey" or "other"
    location: str = "header"  # for apiKey: "header", "query" or "cookie"
    parameter: str = "authorization"  # header/query/cookie name that carries the credential


@dataclass(frozen=True, slots=True)
class Security:
    """Alternatives, any one of which satisfies the operation; an empty one means anonymous."""

    alternatives: tuple[tuple[SecurityScheme, ...], ...] = ()

    @property
    def required(self) -> bool:
        return bool(self.alternatives) and all(self.alternatives)


@dataclass(frozen=True, slots=True)
class Operation:
    operation_id: str
    method: str  # upper case
    path: str  # template relative to the base path, e.g. "/chat/completions"
    summary: str
    parameters: tuple[Parameter, ...]
    request_body: RequestBody | None
    responses: Mapping[str, Response]
    security: Security
    tags: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def response(self, status: int) -> Response | None:
        """The documented response for a status: exact code, then `4XX`-style range, then default."""
        return (
            self.responses.get(str(status))
            or self.responses.get(f"{str(status)[0]}XX")
            or self.responses.get("default")
        )

    def documents(self, status: int) -> bool:
        return str(status) in self.responses or f"{str(status)[0]}XX" in self.responses

    @property
    def success_statuses(self) -> tuple[int, ...]:
        return _success_statuses(tuple(self.responses))


@dataclass(frozen=True, slots=True)
class Spec:
    title: str
    version: str
    openapi: str  # "3.0.0", "3.1.0", ...
    base_path: str  # "/api/v1"; "" for the root
    operations: tuple[Operation, ...]
    warnings: tuple[SpecWarning, ...]
    source: str
    document: JSON = field(repr=False)  # the resolved document (shared subtrees), for tools

    def operation(self, operation_id: str) -> Operation:
        for op in self.operations:
            if op.operation_id == operation_id:
                return op
        known = ", ".join(sorted(o.operation_id for o in self.operations))
        raise KeyError(f"no operation {operation_id!r}; known: {known}")


@functools.lru_cache(maxsize=1024)
def _success_statuses(statuses: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(sorted(int(s) for s in statuses if s.isdigit() and s.startswith("2")))
