"""Does a reply the mock is about to send follow the spec? (the `--check-responses` switch)"""

from __future__ import annotations

import gzip

import brotli

from mockserver import bodies
from mockserver.errors import Violation
from mockserver.exchange import Reply
from mockserver.rendering import JSON_TYPE
from mockserver.spec import Operation
from mockserver.validation import check_value


def check_reply(op: Operation, reply: Reply) -> list[Violation]:
    response = op.response(reply.status)
    if response is None:
        return [Violation("status", "status", f"status {reply.status} is not documented")]
    headers = dict(reply.headers)
    problems: list[Violation] = []
    for header in response.headers:
        name = header.name.lower()
        if name == "content-encoding":
            continue  # set only when the body is really encoded; checked by the compression tests
        if name not in headers:
            if header.required:
                problems.append(Violation(f"header.{name}", "required", "documented header is missing"))
            continue
        if header.schema is not None:
            kinds = header.schema.schema.get("type")
            value = _typed(headers[name], kinds)
            problems.extend(
                Violation(f"header.{name}", v.rule, v.message) for v in check_value(header.schema, value)
            )
    if not response.content:
        return problems
    media_type = bodies.media_type_of(headers.get("content-type", ""))
    if media_type not in response.content:
        documented = ", ".join(response.content)
        return [
            *problems,
            Violation(
                "header.content-type",
                "content-type",
                f"{media_type or 'no Content-Type'} is not documented; documented: {documented}",
            ),
        ]
    media = response.content[media_type]
    if reply.stream is not None:
        return problems  # streams are checked event by event by the contract kit, not here
    try:
        body = decoded(reply.body, headers.get("content-encoding", ""))
    except ValueError as exc:
        return [*problems, Violation("header.content-encoding", "content-encoding", str(exc))]
    if media_type == JSON_TYPE or media_type.endswith("+json"):
        try:
            value = bodies.parse_json(body)
        except bodies.BodyError as exc:
            return [*problems, Violation("body", "parse", str(exc))]
        problems.extend(check_value(media.schema, value))
    return problems


def decoded(body: bytes, coding: str) -> bytes:
    """The body without its Content-Encoding; ValueError if it is not encoded as labelled."""
    try:
        if coding == "gzip":
            return gzip.decompress(body)
        if coding == "br":
            return bytes(brotli.decompress(body))
    except Exception as exc:  # zlib.error, EOFError, brotli.error: all mean "not that encoding"
        raise ValueError(f"the body is not {coding}-encoded as its Content-Encoding says: {exc}") from None
    if coding not in ("", "identity"):
        raise ValueError(f"unknown Content-Encoding {coding!r}")
    return body


def _typed(text: str, kinds: object) -> object:
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "boolean" in kinds and text in ("true", "false"):
        return text == "true"
    if "integer" in kinds and text.lstrip("-").isdigit():
        return int(text)
    if "number" in kinds:
        try:
            return float(text)
        except ValueError:
            return text
    return text
