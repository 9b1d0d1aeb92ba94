"""Cases: one test of a client, as plain JSON, so a failing one can be printed and replayed.

    {"phase": "requests", "operation": OP, "arguments": {...}}
    {"phase": "responses", "operation": OP, "arguments": {...}, "script": {...}}
    {"phase": "resilience", "operation": OP, "scenario": NAME, "arguments": {...}, "scripts": [...]}

`script` holds `Scripts.respond` keyword arguments (binary bodies as `body_base64`). Strategies
here draw cases per operation; `explicit` gives the ends of each (PLAINEST, NULLS, FULLEST) that run
first on every operation, whatever hypothesis draws afterwards.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st

from contracts import strategies
from contracts.client.chatstreams import WEATHER_TOOL, choice_count
from contracts.client.media import JSON_TYPE, ask_for, kind
from contracts.client.schemagen import FULL, FULLEST, NULLS, PLAINEST
from contracts.client.variations import variations
from mockserver import Operation, Spec

# Answers a client may retry: the resilience phase exercises them, with Retry-After and timing.
RETRIED = frozenset({408, 429, 500, 502, 503, 504})
# derandomize: the same spec gives the same cases on every run (a resilience stream differed
# between two calls, so a replayed case was not the case reported).
_FIRST = settings(
    phases=[Phase.generate],
    database=None,
    max_examples=200,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


class StreamBaselineError(ValueError):
    """The spec's request schema refuses the options a stream case needs (usage, tools)."""


def first_draw(strategy: st.SearchStrategy[Any]) -> Any:
    """Hypothesis tries the simplest draw first: under a style, the end of the schema it names."""
    return find(strategy, lambda _: True, settings=_FIRST)


def _json_media(op: Operation) -> Any:
    body = op.request_body
    return body.content.get(JSON_TYPE) if body is not None else None


def baseline(spec: Spec, op: Operation, media_type: str | None) -> dict[str, Any]:
    """The arguments the response and resilience phases call with: the request body's own
    example when it is valid, else the plainest valid arguments; asking for `media_type`."""
    arguments: dict[str, Any] = first_draw(strategies.requests(op.operation_id, spec, style=PLAINEST))
    media = _json_media(op)
    example = media.schema.schema.get("example") if media is not None and media.schema is not None else None
    if example is not None and media.schema.is_valid(example):
        arguments["body"] = copy.deepcopy(example)
    if media_type is not None and _chooses_media(op):
        asked = ask_for(op.operation_id, arguments, media_type)
        if (
            media is None
            or "body" not in asked
            or media.schema is None
            or media.schema.is_valid(asked["body"])
        ):
            arguments = asked
    return arguments


def _chooses_media(op: Operation) -> bool:
    """Whether a request must say which answer it wants (more than one success media type)."""
    return any(len(r.content) > 1 for s, r in op.responses.items() if s.startswith("2"))


def request_cases(
    spec: Spec, op: Operation
) -> tuple[st.SearchStrategy[dict[str, Any]], list[dict[str, Any]]]:
    def case(arguments: dict[str, Any]) -> dict[str, Any]:
        return {"phase": "requests", "operation": op.operation_id, "arguments": arguments}

    drawn = strategies.requests(op.operation_id, spec).map(case)
    ends = [first_draw(strategies.requests(op.operation_id, spec, style=s)) for s in (PLAINEST, FULLEST)]
    # The fullest call asking for each answer it may get (a stream, a binary image): clients
    # often build those requests on another code path.
    media = {m for s, r in op.responses.items() if s.startswith("2") for m in r.content}
    if _chooses_media(op):
        ends += [ask_for(op.operation_id, ends[-1], m) for m in sorted(media)]
    explicit = [case(a) for a in _unique(ends) if _valid_arguments(op, a)]
    full = first_draw(strategies.requests(op.operation_id, spec, style=FULL))
    json_media = _json_media(op)
    if json_media is not None and json_media.schema is not None and "body" in full:
        for where, what, body in variations(json_media.schema, full["body"]):
            explicit.append({**case({**full, "body": body}), "vary": [where, what]})
    return drawn, explicit


def _valid_arguments(op: Operation, arguments: dict[str, Any]) -> bool:
    media = _json_media(op)
    if media is None or media.schema is None or "body" not in arguments:
        return True
    return bool(media.schema.is_valid(arguments["body"]))


def response_targets(op: Operation) -> Iterator[tuple[int, str | None]]:
    """(status, media type) of every documented answer the response phase scripts."""
    for text, response in op.responses.items():
        if not text.isdigit() or int(text) in RETRIED:
            continue
        if not response.content:
            yield int(text), None
        for media_type in response.content:
            yield int(text), media_type


def response_cases(
    spec: Spec, op: Operation, status: int, media_type: str | None
) -> tuple[st.SearchStrategy[dict[str, Any]], list[dict[str, Any]]]:
    oid = op.operation_id
    success = status < 400
    asked = media_type if success else None
    arguments = baseline(spec, op, asked)

    def case(script: dict[str, Any], args: dict[str, Any] = arguments) -> dict[str, Any]:
        return {"phase": "responses", "operation": oid, "arguments": args, "script": script}

    if media_type is None:
        return st.just(case({"status": status, "body": None, "media_type": None})), []
    if kind(media_type) == "sse":

        def stream_case(options: tuple[bool, bool], events: list[Any]) -> dict[str, Any]:
            args = stream_arguments(spec, op, arguments, *options)
            if choice_count(events) > 1:  # several choices answer a request that asked for them
                args["body"]["n"] = choice_count(events)
            return case({"status": status, "stream": events}, args)

        def streams(options: tuple[bool, bool]) -> st.SearchStrategy[dict[str, Any]]:
            tools = [WEATHER_TOOL] if options[1] else None
            return strategies.chat_streams(spec, include_usage=options[0], tools=tools).map(
                lambda events: stream_case(options, events)
            )

        drawn = st.tuples(st.booleans(), st.booleans()).flatmap(streams)
        return drawn, [first_draw(streams((False, False))), first_draw(streams((True, True)))]
    if kind(media_type) == "binary":

        def binary_case(body: bytes) -> dict[str, Any]:
            encoded = base64.b64encode(body).decode()
            return case({"status": status, "body_base64": encoded, "media_type": media_type})

        bodies = strategies.responses(oid, status, media_type, spec)
        return bodies.map(binary_case), [binary_case(first_draw(bodies))]

    def body_case(body: Any) -> dict[str, Any]:
        return case({"status": status, "body": body, "media_type": media_type})

    drawn = strategies.responses(oid, status, media_type, spec).map(body_case)
    styles = (PLAINEST, NULLS, FULLEST)
    ends = [first_draw(strategies.responses(oid, status, media_type, spec, style=s)) for s in styles]
    explicit = [body_case(b) for b in _unique(ends)]
    response = op.response(status)
    media = response.content.get(media_type) if response is not None else None
    if media is not None and media.schema is not None and kind(media_type) == "json":
        full = first_draw(strategies.responses(oid, status, media_type, spec, style=FULL))
        explicit += [body_case(full)] if full not in ends else []
        explicit += [{**body_case(b), "vary": [w, what]} for w, what, b in variations(media.schema, full)]
    return drawn, explicit


def stream_arguments(
    spec: Spec, op: Operation, arguments: dict[str, Any], include_usage: bool, tools: bool
) -> dict[str, Any]:
    """The stream baseline asking for a usage chunk and sending the weather tool, or not."""
    out = copy.deepcopy(arguments)
    body = out.setdefault("body", {})
    body.pop("stream_options", None)
    body.pop("n", None)
    body.pop("tools", None)
    body.pop("tool_choice", None)
    if include_usage:
        body["stream_options"] = {"include_usage": True}
    if tools:
        body["tools"] = [copy.deepcopy(dict(WEATHER_TOOL))]
    media = _json_media(op)
    if media is not None and media.schema is not None and not media.schema.is_valid(body):
        raise StreamBaselineError(f"the spec refuses the stream request the suite would send: {body}")
    return out


def success_target(op: Operation) -> tuple[int, str | None]:
    """The documented success and its preferred media type (JSON when there is one)."""
    status = op.success_statuses[0] if op.success_statuses else 200
    response = op.response(status)
    content = list(response.content) if response is not None else []
    return status, JSON_TYPE if JSON_TYPE in content else (content[0] if content else None)


def success_script(spec: Spec, op: Operation, media_type: str | None, long: bool = False) -> dict[str, Any]:
    """A fixed valid answer to script in resilience cases."""
    status = success_target(op)[0]
    if media_type is None:
        return {"status": status, "body": None, "media_type": None}
    if kind(media_type) == "sse":
        events = find(
            strategies.chat_streams(spec),
            lambda e: len(e) >= (6 if long else 2) and choice_count(e) == 1,  # the baseline asks n=1
            settings=_FIRST,
        )
        return {"status": status, "stream": events}
    # FULL, not FULLEST: a replayed resilience case should read as a plain answer, without
    # unknown fields under random Unicode names (the response phase covers those).
    body = first_draw(strategies.responses(op.operation_id, status, media_type, spec, style=FULL))
    if isinstance(body, bytes):
        return {"status": status, "body_base64": base64.b64encode(body).decode(), "media_type": media_type}
    return {"status": status, "body": body, "media_type": media_type}


def _unique(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if value not in out:
            out.append(value)
    return out
