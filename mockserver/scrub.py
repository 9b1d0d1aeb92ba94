"""What a cassette never keeps: secrets are replaced by PLACEHOLDER before anything is written
(SCRUBBED, documented in README):
- request headers whose name looks like a credential (Authorization, X-Api-Key, Cookie, ...);
- response headers Set-Cookie, Authorization, X-Api-Key and other *secret*/*api-key* names;
- JSON fields `apiKey`, `api_key`, `secret`, `password`, `access_token`, `refresh_token`
  anywhere in request and response bodies, and `token`, `signature` in /api_keys operations
  (elsewhere `token` is a logprob's token text);
- credential-looking query parameters (`?api_key=`, `?token=`, ...).
Matching uses the scrubbed request, so a replayed key creation matches whatever signature the
client sends, and answers the placeholder key.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable, Mapping

import brotli
import orjson

from mockserver.calls import QUERY_PAIR, is_secret_name
from mockserver.selfcheck import decoded
from mockserver.types import JSON

PLACEHOLDER = "<scrubbed>"
SCRUBBED_FIELDS = frozenset({"apiKey", "api_key", "secret", "password", "access_token", "refresh_token"})
KEY_OPERATION_FIELDS = frozenset({"token", "signature"})  # only under /api_keys
_SECRET_RESPONSE_HEADER = re.compile(
    r"^(set-cookie|authorization|proxy-authorization)$|secret|passw|api[-_]?key", re.I
)
_NOT_KEPT = frozenset({"host", "content-length", "connection", "transfer-encoding", "keep-alive"})


def scrub_value(value: JSON, fields: frozenset[str]) -> JSON:
    """`value` with the named fields replaced, at any depth (a null stays null)."""
    if isinstance(value, dict):
        return {
            k: PLACEHOLDER if k in fields and v is not None else scrub_value(v, fields)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [scrub_value(v, fields) for v in value]
    return value


def fields_for(path: str) -> frozenset[str]:
    """The JSON fields scrubbed under `path` (`token` is a secret only in key operations)."""
    return SCRUBBED_FIELDS | KEY_OPERATION_FIELDS if path.startswith("/api_keys") else SCRUBBED_FIELDS


def scrub_json_bytes(body: bytes, path: str) -> bytes:
    """A JSON body with its secret fields replaced; other bytes (and unchanged JSON) as given."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    scrubbed = scrub_value(value, fields_for(path))
    return body if scrubbed == value else orjson.dumps(scrubbed)


def scrub_body(body: bytes, headers: Mapping[str, str], path: str) -> bytes:
    """The body with secrets replaced, its Content-Encoding kept (decoded, scrubbed, re-encoded
    only when something changed)."""
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if not body or not (media_type == "application/json" or media_type.endswith("+json")):
        return body
    coding = headers.get("content-encoding", "")
    if coding not in ("", "identity", "gzip", "br"):
        return body
    try:
        plain = decoded(body, coding)
    except ValueError:
        return body  # not encoded as labelled: nothing readable to scrub (and the violation says so)
    scrubbed = scrub_json_bytes(plain, path)
    if scrubbed == plain:
        return body
    if coding == "gzip":
        return gzip.compress(scrubbed, mtime=0)
    if coding == "br":
        return bytes(brotli.compress(scrubbed))
    return scrubbed


def scrub_request_headers(headers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (k, PLACEHOLDER if is_secret_name(k) else v) for k, v in headers.items() if k not in _NOT_KEPT
    )


def scrub_response_headers(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((k, PLACEHOLDER if _SECRET_RESPONSE_HEADER.search(k) else v) for k, v in headers)


def scrub_query(query: str) -> str:
    return QUERY_PAIR.sub(
        lambda m: f"{m.group(1)}{m.group(2)}={PLACEHOLDER}" if is_secret_name(m.group(2)) else m.group(0),
        query,
    )
