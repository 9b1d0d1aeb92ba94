"""Reading a spec into a Spec: YAML 1.2, overlays, the meta-schema and semantic checks, `$ref`s,
compiled schemas, and examples sorted into the valid ones (served) and the invalid ones
(reported once as warnings).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs

from mockserver import speccheck, specrepair
from mockserver.bundled import bundled
from mockserver.exceptions import SpecLoadError
from mockserver.overlay import apply_overlay, default_overlay_path
from mockserver.schemas import Compiled, Converter, Direction, compile_validator
from mockserver.spec import (
    HTTP_METHODS,
    Header,
    MediaType,
    Operation,
    Parameter,
    RequestBody,
    Response,
    Security,
    SecurityScheme,
    Spec,
    SpecWarning,
)
from mockserver.specfile import expanded_sizes, format_location, read_document, resolve_refs
from mockserver.types import JSON


def default_spec_path() -> Path:
    """The bundled swagger.yaml (installed or in the repository)."""
    path = bundled("swagger.yaml")
    if not path.is_file():
        raise SpecLoadError("the bundled swagger.yaml is missing; pass --spec PATH")
    return path


def load_spec(
    path: Path | str | None = None, overlays: Sequence[Path | str] = (), default_overlay: bool = True
) -> Spec:
    """Load, check and compile an OpenAPI 3.0/3.1 document. Raises SpecLoadError if broken.

    The bundled overlay (fixtures/overlay.yaml) applies first unless `default_overlay` is False;
    `overlays` follow in order.
    """
    source = Path(path) if path is not None else default_spec_path()
    raw: JSON = speccheck.usable(read_document(source)[0], str(source))
    applied = [default_overlay_path()] if default_overlay else []
    for overlay in [*applied, *(Path(o) for o in overlays)]:
        raw = apply_overlay(raw, read_document(overlay)[0])
    # From here on nothing stops the start: each problem is one warning naming its location.
    problems = specrepair.repair(raw)
    problems += speccheck.check_document(raw)
    targets: dict[int, tuple[str, JSON]] = {}
    resolved, recursive = resolve_refs(raw, source, problems, targets)
    warnings = [SpecWarning(format_location(location), message) for location, message in problems]
    return _Builder(raw, resolved, recursive, str(source), warnings, shared=_large(targets)).build()


# Components that would expand past this many nodes stay `$ref`s in compiled schemas. The bundled
# spec's largest (ChatCompletionRequest) has under 500, so it is always expanded.
_EXPAND_LIMIT = 5000


def _large(targets: Mapping[int, tuple[str, JSON]]) -> dict[int, str]:
    sizes = expanded_sizes((node for _, node in targets.values()), _EXPAND_LIMIT)
    return {
        key: re.sub(r"[^A-Za-z0-9_.-]", "_", name.strip("/")) or "root"
        for key, (name, _) in targets.items()
        if sizes.get(key, 0) >= _EXPAND_LIMIT
    }


def camel_operation_id(method: str, path: str) -> str:
    """A stable id for operations without `operationId`: GET /image/styles -> getImageStyles."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", path.replace("{", "by_")) if w]
    return method.lower() + "".join(w[:1].upper() + w[1:] for w in words)


def base_path_of(document: Mapping[str, Any]) -> str:
    servers = document.get("servers")
    server = servers[0] if isinstance(servers, list) and servers and isinstance(servers[0], dict) else {}
    url = str(server.get("url", "/"))
    for name, variable in _mapping(server.get("variables")).items():
        url = url.replace("{" + name + "}", str(_mapping(variable).get("default", "")))
    try:
        return urlsplit(url).path.rstrip("/")
    except ValueError:  # an unparseable server URL: serve at the root
        return ""


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _sequence(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


@dataclass
class _Builder:
    raw: JSON
    resolved: JSON
    recursive: dict[str, JSON]
    source: str
    warnings: list[SpecWarning] = field(default_factory=list)
    bad_examples: set[int] = field(default_factory=set)
    converters: dict[Direction, Converter] = field(default_factory=dict)
    shared: dict[int, str] = field(default_factory=dict)  # large components kept as `$ref`s

    @property
    def version(self) -> str:
        return str(self.resolved.get("openapi", "3.0.0"))

    def warn(self, where: tuple[str | int, ...], message: str) -> None:
        self.warnings.append(SpecWarning(format_location(where), message))

    def build(self) -> Spec:
        self.find_bad_schema_examples()
        for direction in ("request", "response"):
            self.converters[direction] = Converter(
                self.version, direction, self.recursive, bad_examples=self.bad_examples, shared=self.shared
            )
        schemes = self.security_schemes()
        default_security = self.resolved.get("security")
        operations: list[Operation] = []
        taken: set[str] = set()
        for path, item in _mapping(self.resolved.get("paths")).items():
            if not isinstance(item, dict):
                continue
            shared_params = _sequence(item.get("parameters"))
            for method in HTTP_METHODS:
                op = item.get(method)
                if isinstance(op, dict):
                    where = ("paths", str(path), method)
                    built = self.operation(
                        str(path), method, op, shared_params, schemes, default_security, where
                    )
                    operations.append(self.unique(built, taken, where))
        info = _mapping(self.resolved.get("info"))
        return Spec(
            title=str(info.get("title", "")),
            version=str(info.get("version", "")),
            openapi=self.version,
            base_path=base_path_of(self.resolved),
            operations=tuple(operations),
            warnings=tuple(self.warnings),
            source=self.source,
            document=self.resolved,
        )

    def unique(self, op: Operation, taken: set[str], where: tuple[str, ...]) -> Operation:
        """Behaviors, scripts and the request log know operations by id: a duplicate (reported by
        the spec check) is served under a numbered id rather than shadowing the first one."""
        operation_id = op.operation_id
        number = 2
        while operation_id in taken:
            operation_id = f"{op.operation_id}_{number}"
            number += 1
        taken.add(operation_id)
        if operation_id == op.operation_id:
            return op
        # One problem, one warning: the check's "duplicate operationId" gains how it is served.
        location = format_location((*where, "operationId"))
        said = next((w for w in self.warnings if w.location == location), None)
        message = f"served as operationId {operation_id!r}"
        if said is not None:
            self.warnings.remove(said)
            message = f"{said.message}; {message}"
        self.warnings.append(SpecWarning(location, message))
        return replace(op, operation_id=operation_id)

    def compile(
        self, schema: JSON, direction: Direction, where: tuple[str | int, ...] = ()
    ) -> Compiled | None:
        if schema is None:
            return None
        converter = self.converters[direction]
        if self.shared:  # a large component graph: convert and compile when first used
            return Compiled(make=lambda: converter.convert(schema), version=self.version)
        converted = converter.convert(schema)
        try:
            return Compiled(converted, compile_validator(converted, self.version))
        except (ValueError, jsonschema_rs.ValidationError) as exc:
            # A construct the repairs do not know: serve the operation with a permissive schema.
            self.warn(where, f"schema does not compile ({str(exc).splitlines()[0]}); read as any value")
            return Compiled({}, compile_validator({}, self.version))

    def find_bad_schema_examples(self) -> None:
        checker = Converter(self.version, "response", self.recursive, shared=self.shared)
        for location, node, _raw in speccheck.schema_nodes(self.raw, self.resolved):
            if "example" not in node:
                continue
            try:
                validator = compile_validator(checker.convert(node), self.version)
            except (ValueError, jsonschema_rs.ValidationError):
                continue  # the schema is reported where it is compiled
            errors = list(validator.iter_errors(node["example"]))
            if errors:
                self.bad_examples.add(id(node))
                self.warn(
                    (*location, "example"),
                    "example violates its own schema and is never served: " + _first(errors),
                )

    def operation(
        self,
        path: str,
        method: str,
        op: dict[str, Any],
        shared_params: list[Any],
        schemes: Mapping[str, SecurityScheme],
        default_security: Any,
        where: tuple[str, ...],
    ) -> Operation:
        params: dict[tuple[str, str], Parameter] = {}
        raw_params = [*shared_params, *_sequence(op.get("parameters"))]
        for index, raw in enumerate(raw_params):
            param = self.parameter(raw, (*where, "parameters", index))
            if param is not None:
                params[(param.location, param.name.lower())] = param  # operation level wins
        security_spec = op.get("security", default_security)
        responses = _mapping(op.get("responses"))
        operation_id = op.get("operationId")
        return Operation(
            operation_id=str(operation_id) if operation_id else camel_operation_id(method, path),
            method=method.upper(),
            path=path,
            summary=str(op.get("summary") or op.get("description") or "").strip(),
            parameters=tuple(params.values()),
            request_body=self.request_body(op.get("requestBody"), (*where, "requestBody")),
            responses=MappingProxyType(
                {
                    str(status): self.response(str(status), resp, (*where, "responses", str(status)))
                    for status, resp in responses.items()
                }
            ),
            security=self.security(security_spec, schemes),
            tags=tuple(str(t) for t in _sequence(op.get("tags"))),
        )

    def parameter(self, raw: Any, where: tuple[str | int, ...]) -> Parameter | None:
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            self.warn(where, "a parameter without a `name` is ignored")
            return None
        location = str(raw.get("in", "query"))
        schema = raw.get("schema")
        content = raw.get("content")
        media_type = None
        if schema is None and isinstance(content, dict) and content:
            media_type, media = next(iter(content.items()))
            schema = _mapping(media).get("schema")
        default_style = "form" if location in ("query", "cookie") else "simple"
        style = str(raw.get("style", default_style))
        return Parameter(
            name=str(raw["name"]),
            location=location,
            required=bool(raw.get("required", location == "path")),
            schema=self.compile(schema, "request", (*where, "schema")),
            style=style,
            explode=bool(raw.get("explode", style == "form")),
            allow_empty=bool(raw.get("allowEmptyValue", False)),
            media_type=str(media_type) if media_type is not None else None,
        )

    def media_types(
        self, content: Any, direction: Direction, where: tuple[str, ...]
    ) -> Mapping[str, MediaType]:
        out: dict[str, MediaType] = {}
        for name, media in _mapping(content).items():
            media = _mapping(media)
            if direction == "response" and _without_encoder(str(name)):
                self.warn(
                    (*where, str(name)),
                    f"no encoder for {str(name).lower()}: answers get a one-line placeholder body, "
                    "not a real file (README: 'Binary media')",
                )
            compiled = self.compile(media.get("schema"), direction, (*where, str(name), "schema"))
            out[str(name).lower()] = MediaType(
                str(name).lower(),
                compiled,
                MappingProxyType(self.examples(media, compiled, (*where, str(name)))),
                self.compile(media.get("x-sse-data"), direction, (*where, str(name), "x-sse-data")),
            )
        return MappingProxyType(out)

    def examples(
        self, media: dict[str, Any], compiled: Compiled | None, where: tuple[str, ...]
    ) -> dict[str, JSON]:
        candidates: dict[str, tuple[JSON, tuple[str, ...]]] = {}
        if "example" in media:
            candidates[""] = (media["example"], (*where, "example"))
        for name, example in _mapping(media.get("examples")).items():
            if isinstance(example, dict) and "value" in example:
                candidates[str(name)] = (example["value"], (*where, "examples", str(name)))
        valid: dict[str, JSON] = {}
        for name, (value, location) in candidates.items():
            errors = list(compiled.errors(value)) if compiled is not None else []
            if errors:
                self.warn(location, "example violates its own schema and is never served: " + _first(errors))
            else:
                valid[name] = value
        return valid

    def request_body(self, raw: Any, where: tuple[str, ...]) -> RequestBody | None:
        if not isinstance(raw, dict):
            return None
        return RequestBody(
            bool(raw.get("required", False)),
            self.media_types(raw.get("content"), "request", (*where, "content")),
        )

    def response(self, status: str, raw: Any, where: tuple[str, ...]) -> Response:
        raw = _mapping(raw)
        headers = tuple(
            Header(
                str(name),
                bool(h.get("required", False)),
                self.compile(h.get("schema"), "response", (*where, "headers", str(name), "schema")),
            )
            for name, h in _mapping(raw.get("headers")).items()
            if isinstance(h, dict)
        )
        return Response(
            status,
            str(raw.get("description", "")),
            headers,
            self.media_types(raw.get("content"), "response", (*where, "content")),
        )

    def security_schemes(self) -> Mapping[str, SecurityScheme]:
        out: dict[str, SecurityScheme] = {}
        components = _mapping(self.resolved.get("components"))
        for name, raw in _mapping(components.get("securitySchemes")).items():
            raw = _mapping(raw)
            kind = str(raw.get("type", ""))
            if kind == "http" and str(raw.get("scheme", "")).lower() in ("bearer", "basic"):
                out[name] = SecurityScheme(name, str(raw["scheme"]).lower())
            elif kind == "apiKey":
                out[name] = SecurityScheme(
                    name, "apiKey", str(raw.get("in", "header")), str(raw.get("name", "")).lower()
                )
            else:  # oauth2, openIdConnect, mutualTLS: the bearer token is what reaches us
                out[name] = SecurityScheme(name, "bearer" if kind in ("oauth2", "openIdConnect") else "other")
        return out

    def security(self, raw: Any, schemes: Mapping[str, SecurityScheme]) -> Security:
        if not raw or not isinstance(raw, list):
            return Security(())
        alternatives = tuple(
            tuple(schemes[name] for name in requirement if name in schemes)
            for requirement in raw
            if isinstance(requirement, dict)
        )
        return Security(alternatives)


def _without_encoder(media_type: str) -> bool:
    from mockserver import media  # the engine's media table; imported late (it imports the pipeline's values)

    return media.kind(media_type.lower()) == "binary" and not media.encodable(media_type)


def _first(errors: list[Any]) -> str:
    error = errors[0]
    where = "/".join(str(p) for p in error.instance_path)
    return f"{where + ': ' if where else ''}{error.message}"
