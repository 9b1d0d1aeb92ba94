"""Admin routes for out-of-process client tests: script answers, list scenarios.

POST /__mock/scripts     one script or a list of them, all or nothing (fields as in `Scripts.respond`;
                         `body_base64` for binary bodies; `stream` items that are strings are
                         raw chunks, anything else an event)
GET /__mock/scripts      what is still scripted
DELETE /__mock/scripts   forget scripts (`?operation_id=X`: only that operation's)
GET /__mock/scenarios    the resilience scenarios and what each does
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mockserver.admin_offload import guarded, off_loop
from mockserver.controls import SCENARIOS
from mockserver.exceptions import ScriptError
from mockserver.scenarios import STATUSES
from mockserver.scripts import Scripts

if TYPE_CHECKING:
    from mockserver.pipeline import Mock

_FIELDS = frozenset(
    {
        "operation_id",
        "status",
        "body",
        "body_base64",
        "headers",
        "stream",
        "done",
        "media_type",
        "times",
        "delay",
        "scenario",
        "validate",
    }
)


# Field, accepted JSON kinds, and how to say it: a wrong kind is a 400, not a crash.
_KINDS: tuple[tuple[str, tuple[type, ...], str], ...] = (
    ("status", (int,), "an integer status code"),
    ("times", (int,), "an integer (or null: every call)"),
    ("delay", (int, float), "a number of seconds"),
    ("headers", (dict,), "an object of header names to values"),
    ("stream", (list,), "a list of events (JSON) or raw chunks (strings)"),
    ("done", (bool,), "true or false"),
    ("validate", (bool,), "true or false"),
    ("media_type", (str,), "a media type string"),
    ("scenario", (str, list), "a scenario name or a list of them"),
)


def _of_kind(value: Any, kinds: tuple[type, ...]) -> bool:
    # JSON true/false arrive as bool, which Python counts as an int: only bool fields take them.
    return isinstance(value, kinds) and (bool in kinds or not isinstance(value, bool))


def _script(scripts: Scripts, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ScriptError("a script is a JSON object with at least `operation_id`")
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise ScriptError(f"unknown script fields {', '.join(unknown)}; known: {', '.join(sorted(_FIELDS))}")
    if not isinstance(raw.get("operation_id"), str):
        raise ScriptError("`operation_id` (a string) is required")
    options: dict[str, Any] = {k: v for k, v in raw.items() if k not in ("operation_id", "body_base64")}
    if "body_base64" in raw:
        if "body" in raw:
            raise ScriptError("give `body` or `body_base64`, not both")
        try:
            options["body"] = base64.b64decode(str(raw["body_base64"]), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ScriptError(f"`body_base64` is not base64: {exc}") from None
    for name, kinds, what in _KINDS:
        if options.get(name) is not None and not _of_kind(options[name], kinds):
            raise ScriptError(f"`{name}` must be {what}")
    return scripts.respond(raw["operation_id"], **options).as_json()


def routes(mock: Mock) -> list[Route]:
    mock.scripts.bind(mock.spec)

    @guarded
    async def add(request: Request) -> Response:
        try:
            payload = await request.json()
        except ValueError:
            return JSONResponse({"error": "the body must be JSON: a script or a list of scripts"}, 400)
        batch = payload if isinstance(payload, list) else [payload]
        try:
            for raw in batch:  # all or nothing: a refused script leaves nothing half-scripted
                _script(Scripts(mock.spec), raw)
            added = await off_loop(mock, lambda: [_script(mock.scripts, raw) for raw in batch])
        except ScriptError as exc:
            return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse({"scripted": added}, 201)

    @guarded
    async def pending(request: Request) -> Response:
        listed = [{**s.as_json(), "remaining": n} for s, n in await off_loop(mock, mock.scripts.pending)]
        return JSONResponse(listed)

    @guarded
    async def clear(request: Request) -> Response:
        operation = request.query_params.get("operation_id") or None
        await off_loop(mock, lambda: mock.scripts.clear(operation))
        return Response(status_code=204)

    async def scenarios(request: Request) -> Response:
        return JSONResponse(
            [
                {"name": name, "description": text, "status": STATUSES.get(name)}
                for name, text in SCENARIOS.items()
            ]
        )

    return [
        Route("/__mock/scripts", add, methods=["POST"]),
        Route("/__mock/scripts", pending, methods=["GET"]),
        Route("/__mock/scripts", clear, methods=["DELETE"]),
        Route("/__mock/scenarios", scenarios, methods=["GET"]),
    ]
