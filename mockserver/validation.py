"""Incoming request -> Verdict: the typed request data and every way it breaks the contract.

Order follows what a real server does: credentials (401), then Content-Type (415), then the
body must parse (400), then parameters and body against their schemas (400, all reported).
The fast path is one compiled `is_valid` per schema; messages are computed only on failure.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from mockserver import bodies
from mockserver.errors import Violation, explain
from mockserver.parameters import coerce_fields, query_pairs, read_parameters
from mockserver.schemas import Compiled
from mockserver.spec import Operation, Parameter, RequestBody, SecurityScheme
from mockserver.types import JSON, Incoming

Authorize = Callable[[str], bool]  # is this presented credential accepted?

_EMPTY: Mapping[str, bytes] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class RequestData:
    """What the request says, typed by the spec (for synthesis, behaviors and the call log)."""

    params: Mapping[
        str, Mapping[str, JSON]
    ]  # {"query": {...}, "path": {...}, "header": {...}, "cookie": {...}}
    media_type: str | None  # the documented request media type selected by Content-Type
    body: JSON  # the parsed body; None when there is none
    files: Mapping[str, bytes] = field(default_factory=dict)  # multipart file parts
    credential: str | None = None  # the token/key presented, if any


@dataclass(frozen=True, slots=True)
class Verdict:
    data: RequestData
    violations: tuple[Violation, ...] = ()
    status: int = 0  # 0 when valid; otherwise 401, 415 or 400
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.violations


def check_value(compiled: Compiled | None, value: JSON, prefix: str = "") -> list[Violation]:
    """Violations of `value` against a compiled schema (empty when valid)."""
    try:
        if compiled is None or compiled.is_valid(value):
            return []
        return explain(compiled.errors(value), compiled.schema, prefix)
    except (ValueError, RecursionError):  # jsonschema_rs: "Recursion limit reached"
        return [Violation(prefix or "body", "depth", "nested too deeply to validate")]


def _check_param(param: Parameter, value: JSON) -> list[Violation]:
    violations = check_value(param.schema, value)
    prefix = f"{param.location}.{param.name}"
    return [
        Violation(prefix + ("" if v.location == "body" else _suffix(v.location)), v.rule, v.message)
        for v in violations
    ]


def _suffix(location: str) -> str:
    return location if location.startswith("[") else "." + location


def _credential(scheme: SecurityScheme, incoming: Incoming, query: list[tuple[str, str]]) -> str | None:
    if scheme.kind in ("bearer", "basic"):
        header = incoming.header("authorization")
        kind, _, value = header.partition(" ")
        if kind.lower() != scheme.kind or not value.strip():
            return None
        value = value.strip()
        if scheme.kind == "basic":
            try:
                base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                return None
        return value
    if scheme.kind == "apiKey":
        if scheme.location == "query":
            return next((v for k, v in query if k.lower() == scheme.parameter and v), None)
        if scheme.location == "cookie":
            from mockserver.parameters import cookies

            return cookies(incoming.header("cookie")).get(scheme.parameter) or None
        return incoming.header(scheme.parameter) or None
    return incoming.header("authorization") or None


def check_security(
    op: Operation, incoming: Incoming, query: list[tuple[str, str]], authorize: Authorize | None
) -> tuple[str | None, Violation | None]:
    """(credential presented, violation if the operation's security is not satisfied)."""
    alternatives = op.security.alternatives
    if not alternatives:
        return None, None
    anonymous_ok = any(not alt for alt in alternatives)
    presented: str | None = None
    for alternative in alternatives:
        if not alternative:
            continue
        values = [_credential(scheme, incoming, query) for scheme in alternative]
        if all(values):
            presented = values[0]
            if authorize is None or authorize(str(presented)):
                return presented, None
            if anonymous_ok:
                return None, None
            return presented, Violation("header.authorization", "auth", "invalid API key")
    if anonymous_ok:
        return None, None
    schemes = {s.kind for alt in alternatives for s in alt}
    if "bearer" in schemes:
        header = incoming.header("authorization")
        if header and not header.lower().startswith("bearer "):
            return None, Violation(
                "header.authorization",
                "auth",
                "the Authorization header must use the Bearer scheme: 'Bearer <API key>'",
            )
        return None, Violation(
            "header.authorization", "auth", "missing credentials: send 'Authorization: Bearer <API key>'"
        )
    names = ", ".join(sorted({s.parameter for alt in alternatives for s in alt}))
    return None, Violation("credentials", "auth", f"missing credentials ({names})")


def _missing_body(body: RequestBody, media_type: str | None = None) -> list[Violation]:
    """The violation of an absent body: when the spec requires one, or when the body schema
    requires fields (a spec gap: Venice's bodies leave `requestBody.required` unset, yet the
    real API refuses an empty body; an empty object would be refused for the same fields)."""
    media = [body.content[media_type]] if media_type else list(body.content.values())
    needed = [_required_fields(m.schema) for m in media]
    if not body.required and not (needed and all(needed)):
        return []
    fields = f": its schema requires {', '.join(needed[0])}" if needed and needed[0] else ""
    return [Violation("body", "required", f"request body is required{fields}")]


def _required_fields(schema: Compiled | None) -> list[str]:
    required = schema.schema.get("required") if schema is not None else None
    return [str(name) for name in required] if isinstance(required, list) else []


def validate_request(
    op: Operation, incoming: Incoming, path_params: Mapping[str, str], authorize: Authorize | None = None
) -> Verdict:
    """Check one request against its operation."""
    query = query_pairs(incoming.query_string) if incoming.query_string else []
    credential, auth_violation = check_security(op, incoming, query, authorize)
    if auth_violation is not None:
        empty = RequestData(MappingProxyType({}), None, None, credential=credential)
        return Verdict(empty, (auth_violation,), 401)

    params, violations = read_parameters(
        op.parameters, query, incoming.headers, path_params, incoming.header("cookie"), _check_param
    )
    data = RequestData(params, None, None, credential=credential)
    request_body = op.request_body
    if request_body is None:
        return Verdict(data, tuple(violations), 400 if violations else 0)

    content_type = incoming.header("content-type")
    if not incoming.body and not content_type:
        violations.extend(_missing_body(request_body))
        return Verdict(data, tuple(violations), 400 if violations else 0)
    documented = ", ".join(request_body.content) or "none"
    if not content_type:
        return Verdict(
            data,
            (
                Violation(
                    "header.content-type", "content-type", f"missing Content-Type; documented: {documented}"
                ),
            ),
            415,
        )
    media_type = bodies.select_media_type(content_type, request_body.content)
    if media_type is None:
        message = f"unsupported Content-Type {bodies.media_type_of(content_type)!r}; documented: {documented}"
        return Verdict(data, (Violation("header.content-type", "content-type", message),), 415)

    media = request_body.content[media_type]
    if not incoming.body:
        violations.extend(_missing_body(request_body, media_type))
        return Verdict(
            RequestData(params, media_type, None, credential=credential),
            tuple(violations),
            400 if violations else 0,
        )
    files: Mapping[str, bytes] = _EMPTY
    opaque = False
    try:
        if bodies.is_json(media_type):
            body: JSON = bodies.parse_json(incoming.body)
        elif bodies.is_form(media_type):
            form = bodies.parse_form(incoming.body, media_type, content_type)
            body = coerce_fields(form.fields, media.schema.schema if media.schema else None)
            files = MappingProxyType(form.files)
        elif media_type.startswith("text/"):
            body = incoming.body.decode("utf-8")
        else:
            body, opaque = None, True  # octet-stream, images: nothing to validate beyond presence
    except (bodies.BodyError, UnicodeDecodeError) as exc:
        violations.append(Violation("body", "parse", str(exc)))
        return Verdict(RequestData(params, media_type, None, credential=credential), tuple(violations), 400)

    if not opaque:
        violations.extend(check_value(media.schema, body))
    data = RequestData(params, media_type, body, files, credential)
    return Verdict(data, tuple(violations), 400 if violations else 0)
