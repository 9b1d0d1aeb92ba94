"""Routes under /__mock/: the request log, the loaded spec, health, drift (the inspector page's
own routes are in admin_inspector.py). Plain Starlette.

Whenever keys are configured, every admin route needs the admin token (`--admin-token`, default:
the first `--api-key`): the log shows everyone's bodies, reset empties the state file and scripts
change what every client gets. It is accepted as `Authorization: Bearer TOKEN`, or once as
`?token=TOKEN`, which sets an HttpOnly cookie for a browser's later requests.
"""

from __future__ import annotations

import contextlib
import hmac
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver import admin_inspector, admin_scripts
from mockserver.admin_offload import guarded, off_loop
from mockserver.pipeline import Mock

COOKIE = "venice_mock_admin"


def _presented(request: Request) -> tuple[str, bool]:
    """(the token the request presents, whether it came in the query string)."""
    kind, _, value = request.headers.get("authorization", "").partition(" ")
    if kind.lower() == "bearer" and value.strip():
        return value.strip(), False
    if "token" in request.query_params:
        return request.query_params["token"], True
    return request.cookies.get(COOKIE, ""), False


class Guard:
    """The admin app behind a token check (plain ASGI: it also passes lifespan through)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        token, from_query = _presented(request)
        if not hmac.compare_digest(token.encode(), self.token):
            message = (
                "the mock's admin routes need the admin token (--admin-token, default: the first "
                "--api-key): send 'Authorization: Bearer <token>' (or ?token=<token> once in a browser)"
            )
            await JSONResponse({"error": message}, status_code=401)(scope, receive, send)
            return
        if not from_query:
            await self.app(scope, receive, send)
            return

        async def set_cookie(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                cookie = f"{COOKIE}={token}; Path=/__mock/; HttpOnly; SameSite=Strict"
                headers = list(message.get("headers") or [])  # type: ignore[call-overload]
                message = {**message, "headers": [*headers, (b"set-cookie", cookie.encode("latin-1"))]}
            await send(message)

        await self.app(scope, receive, set_cookie)  # type: ignore[arg-type]


def build(mock: Mock) -> ASGIApp:
    """The admin app, guarded whenever the settings name an admin credential."""
    app = _routes(mock)
    token = mock.settings.admin_credential
    return app if token is None else Guard(app, token)


def _routes(mock: Mock) -> Starlette:
    @guarded
    async def list_requests(request: Request) -> Response:
        calls = await off_loop(mock, lambda: list(mock.calls))  # Redis: the shared log
        operation = request.query_params.get("operation_id")
        if operation:
            calls = [c for c in calls if c.operation_id == operation]
        after = request.query_params.get("after", "")
        if after.isascii() and after.isdigit():  # the inspector polls for what is new
            calls = [c for c in calls if c.seq > int(after)]
        return JSONResponse([c.as_json() for c in calls])

    @guarded
    async def clear_requests(request: Request) -> Response:
        await off_loop(mock, mock.calls.clear)
        return Response(status_code=204)

    async def spec(request: Request) -> Response:
        return JSONResponse(
            {
                "title": mock.spec.title,
                "version": mock.spec.version,
                "openapi": mock.spec.openapi,
                "source": mock.spec.source,
                "base_path": mock.base_path,
                "operations": [
                    {"operation_id": op.operation_id, "method": op.method, "path": op.path}
                    for op in mock.spec.operations
                ],
                "warnings": [{"location": w.location, "message": w.message} for w in mock.spec.warnings],
            }
        )

    async def drift(request: Request) -> Response:
        if request.query_params.get("format") == "markdown":
            source = mock.settings.proxy or f"cassettes in {mock.settings.replay}"
            return PlainTextResponse(mock.drift.markdown(source), media_type="text/markdown")
        return JSONResponse(mock.drift.as_json())

    @guarded
    async def reset(request: Request) -> Response:
        await off_loop(mock, mock.reset)
        return Response(status_code=204)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "operations": len(mock.spec.operations)})

    async def not_found(request: Request, exc: Exception) -> Response:
        known = (
            "GET /__mock/ (the inspector), GET/DELETE /__mock/requests, GET /__mock/requests/SEQ, "
            "GET /__mock/spec, GET /__mock/spec/operations/ID, GET /__mock/config, GET /__mock/health, "
            "POST /__mock/reset, GET/POST/DELETE /__mock/scripts, GET /__mock/scenarios, GET /__mock/drift"
        )
        return JSONResponse(
            {"error": f"no mock admin route {request.url.path}; known: {known}"}, status_code=404
        )

    async def not_allowed(request: Request, exc: Exception) -> Response:
        return JSONResponse(
            {"error": f"method {request.method} is not allowed on {request.url.path}"}, status_code=405
        )

    return Starlette(
        routes=[
            Route("/__mock/requests", list_requests, methods=["GET"]),
            Route("/__mock/requests", clear_requests, methods=["DELETE"]),
            Route("/__mock/spec", spec, methods=["GET"]),
            Route("/__mock/health", health, methods=["GET"]),
            Route("/__mock/reset", reset, methods=["POST"]),
            Route("/__mock/drift", drift, methods=["GET"]),
            *admin_scripts.routes(mock),  # /__mock/scripts, /__mock/scenarios
            *admin_inspector.routes(mock),  # /__mock/ (the page), /__mock/requests/SEQ, ...
        ],
        exception_handlers={404: not_found, 405: not_allowed},
        lifespan=lambda app: _closing(mock),
    )


@contextlib.asynccontextmanager
async def _closing(mock: Mock) -> AsyncIterator[None]:
    """Close the upstream's connection pool (--proxy) inside the loop it ran in."""
    try:
        yield
    finally:
        await mock.aclose()
