"""Routes under /__mock/: the request log, the loaded spec, health. Plain Starlette."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mockserver import admin_scripts
from mockserver.pipeline import Mock


def build(mock: Mock) -> Starlette:
    async def list_requests(request: Request) -> Response:
        calls = list(mock.calls)
        operation = request.query_params.get("operation_id")
        if operation:
            calls = [c for c in calls if c.operation_id == operation]
        return JSONResponse([c.as_json() for c in calls])

    async def clear_requests(request: Request) -> Response:
        mock.calls.clear()
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

    async def reset(request: Request) -> Response:
        mock.reset()
        return Response(status_code=204)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "operations": len(mock.spec.operations)})

    async def not_found(request: Request, exc: Exception) -> Response:
        known = (
            "GET/DELETE /__mock/requests, GET /__mock/spec, GET /__mock/health, POST /__mock/reset, "
            "GET/POST/DELETE /__mock/scripts, GET /__mock/scenarios"
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
            *admin_scripts.routes(mock),  # /__mock/scripts, /__mock/scenarios
        ],
        exception_handlers={404: not_found, 405: not_allowed},
    )
