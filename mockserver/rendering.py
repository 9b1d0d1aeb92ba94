"""Values -> bytes and headers: JSON encoding, documented response headers, error replies."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Mapping

import orjson

from mockserver.errors import Violation, error_body, summarize
from mockserver.exchange import Reply
from mockserver.spec import Response
from mockserver.synthesis import Synthesizer
from mockserver.types import JSON

JSON_TYPE = "application/json"

# Headers the HTTP layer owns; a documented schema for them is never synthesized. In particular
# Content-Encoding is only ever set by the compression step, for a body that really is encoded.
_TRANSPORT_HEADERS = frozenset({"content-encoding", "content-type", "content-length", "transfer-encoding"})


def dump_json(value: JSON) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # integers beyond 64 bits, which orjson refuses
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def json_reply(
    status: int, value: JSON, headers: Iterable[tuple[str, str]] = (), notes: tuple[str, ...] = ()
) -> Reply:
    return Reply(
        status, (("content-type", JSON_TYPE), *headers), dump_json(value), media_type=JSON_TYPE, notes=notes
    )


def header_text(value: JSON) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return dump_json(value).decode()
    return str(value)


def documented_headers(
    response: Response | None,
    synthesizer: Synthesizer,
    rng: random.Random | Callable[[], random.Random],
    values: Mapping[str, JSON] | None = None,
) -> list[tuple[str, str]]:
    """Every documented header of `response`: given values first, else synthesized from its schema
    (also where a given value is one the header's schema refuses, such as None for "unknown").

    `rng` may be a factory: seeding an RNG costs microseconds, and most responses need none.
    """
    if response is None or not response.headers:
        return []
    given = {k.lower(): v for k, v in (values or {}).items()}
    out: list[tuple[str, str]] = []
    for header in response.headers:
        name = header.name.lower()
        if name in _TRANSPORT_HEADERS:
            continue
        if name in given and (header.schema is None or header.schema.is_valid(given[name])):
            value = given[name]  # a behavior's value, kept only while the spec allows it
        elif header.schema is not None:
            if not isinstance(rng, random.Random):
                rng = rng()
            value = synthesizer.valid_value(header.schema, rng)
        else:
            value = ""
        out.append((name, header_text(value)))
    return out


def violation_reply(status: int, violations: list[Violation] | tuple[Violation, ...]) -> Reply:
    """The error reply for a request that broke the contract, in the spec's error shape."""
    if status == 401:
        body = error_body(f"Authentication failed: {violations[0].message}")
        return json_reply(401, body, [("www-authenticate", "Bearer")])
    if status == 415:
        return json_reply(415, error_body(f"Invalid request content-type: {violations[0].message}"))
    if status == 413:
        return json_reply(413, error_body(violations[0].message))
    if violations[0].rule == "parse":
        return json_reply(status, error_body(f"Invalid request body: {violations[0].message}", violations))
    return json_reply(
        status, error_body(f"Invalid request parameters: {summarize(list(violations))}", violations)
    )
