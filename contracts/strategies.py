"""Public hypothesis strategies over the Venice contract, for your own property tests.

    from hypothesis import given
    from contracts import strategies

    @given(strategies.requests("createChatCompletion"))
    def test_my_client_sends_valid_chat_requests(arguments): ...

    @given(strategies.responses("listModels", 200))
    def test_my_client_reads_every_model_list(body): ...

`requests` draws the arguments of a call, `{"path": {...}, "query": {...}, "headers": {...},
"body": ...}` (keys without content left out), valid against the operation's parameters and
request body. `responses` draws bodies valid for a documented status and media type, biased
toward what breaks clients: optional fields absent, nulls where nullable, empty arrays, long and
non-ASCII strings, large numbers, unknown extra fields where the schema allows them.
`chat_streams` draws whole chat completion streams that follow the stream rules.
Every function takes an optional `spec` (a `mockserver.Spec`); the bundled one by default.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from hypothesis import strategies as st

from contracts.client.chatstreams import WEATHER_TOOL
from contracts.client.chatstreams import chat_streams as _chat_streams
from contracts.client.media import MAGIC, ask_for, kind
from contracts.client.schemagen import FULLEST, NULLS, PLAINEST, Style, from_schema
from mockserver import Operation, Spec, load_spec

__all__ = [
    "FULLEST",
    "NULLS",
    "PLAINEST",
    "REQUEST_STYLE",
    "RESPONSE_STYLE",
    "WEATHER_TOOL",
    "Style",
    "chat_streams",
    "from_schema",
    "requests",
    "responses",
]

# Request values stay small: what matters is their shape, not their bulk. Requests never carry
# unknown fields: a client is asked to send what the spec names.
REQUEST_STYLE = Style(optional="some", extra="none", max_items=2, max_length=16)
RESPONSE_STYLE = Style(optional="some", extra="some", long_strings=True, max_items=3, max_length=24)


@functools.lru_cache(maxsize=1)
def bundled_spec() -> Spec:
    return load_spec()


def _operation(spec: Spec | None, operation_id: str) -> tuple[Spec, Operation]:
    spec = spec or bundled_spec()
    return spec, spec.operation(operation_id)


_URL_SAFE = st.from_regex(r"[A-Za-z0-9_-]{1,16}", fullmatch=True)


def requests(
    operation_id: str,
    spec: Spec | None = None,
    *,
    media_type: str | None = None,
    style: Style = REQUEST_STYLE,
) -> st.SearchStrategy[dict[str, Any]]:
    """Arguments of a valid call of `operation_id`. With `media_type`, a call that asks for that
    answer (chat `stream`, image `return_binary`, speech `response_format`, else `Accept`).
    Optional header parameters are left out: on Venice they choose a representation (Accept,
    Accept-Encoding), which `media_type` does instead. `style` decides optional fields and
    nulls (PLAINEST, FULLEST); unknown extra fields are never sent."""
    spec, op = _operation(spec, operation_id)
    style = replace(style, extra="none")
    optional = style.optional
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for location, key in (("path", "path"), ("query", "query"), ("header", "headers")):
        mandatory: dict[str, st.SearchStrategy[Any]] = {}
        optional_params: dict[str, st.SearchStrategy[Any]] = {}
        for param in op.parameters:
            if param.location != location or param.schema is None:
                continue
            if (
                location == "path"
                and param.schema.schema.get("type") == "string"
                and "enum" not in param.schema.schema
            ):
                value = _URL_SAFE.filter(param.schema.is_valid)  # a segment that stays one segment
            else:
                value = from_schema(param.schema, style)
                if location == "query" and not param.allow_empty:  # `?id=` is refused (allowEmptyValue)
                    value = value.filter(lambda v: v not in ("", []))
            if param.required or location == "path":
                mandatory[param.name] = value
            elif location != "header" and optional != "none":
                (mandatory if optional == "all" else optional_params)[param.name] = value
        if mandatory or optional_params:
            parts[key] = st.fixed_dictionaries(mandatory, optional=optional_params)
    body = op.request_body
    json_media = body.content.get("application/json") if body is not None else None
    if json_media is not None and json_media.schema is not None:
        parts["body"] = from_schema(json_media.schema, style)
    arguments = st.fixed_dictionaries(parts).map(
        lambda a: {k: v for k, v in a.items() if v != {} or k == "body"}
    )
    if media_type is not None:
        return arguments.map(lambda a: ask_for(operation_id, a, media_type))
    return arguments


def responses(
    operation_id: str,
    status: int | None = None,
    media_type: str | None = None,
    spec: Spec | None = None,
    *,
    style: Style = RESPONSE_STYLE,
) -> st.SearchStrategy[Any]:
    """Bodies valid for `operation_id` answering `status` (default: its success) in `media_type`
    (default: JSON if documented). Binary media types draw bytes that start with the format's
    magic number; text ones draw strings valid for the schema. `style`: see PLAINEST, FULLEST."""
    spec, op = _operation(spec, operation_id)
    if status is None:
        status = op.success_statuses[0] if op.success_statuses else 200
    response = op.response(status)
    if response is None:
        raise ValueError(f"status {status} is not documented for {operation_id}")
    if media_type is None:
        media_type = (
            "application/json" if "application/json" in response.content else next(iter(response.content), "")
        )
    media = response.content.get(media_type)
    if media is None:
        documented = ", ".join(response.content) or "no body"
        raise ValueError(f"{media_type!r} is not documented for {operation_id} {status} ({documented})")
    if kind(media_type) == "binary":
        return st.binary(min_size=1, max_size=2048).map(lambda b: MAGIC.get(media_type, b"") + b)
    if kind(media_type) == "sse":
        raise ValueError(f"{operation_id} streams: use chat_streams() for {media_type} answers")
    if media.schema is None:
        return st.text(max_size=64)
    return from_schema(media.schema, style)


def chat_streams(
    spec: Spec | None = None,
    *,
    include_usage: bool = False,
    tools: Sequence[Mapping[str, Any]] | None = None,
) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Chat completion streams (lists of chunk events, without the final [DONE]) valid as the
    answer to a chat request with these `stream_options.include_usage` and `tools`. Tool-call
    streams are drawn when `tools` starts with WEATHER_TOOL."""
    return _chat_streams(spec or bundled_spec(), include_usage, tools)
