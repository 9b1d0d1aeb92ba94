"""The request inspector: a page at /__mock/ and the admin routes it reads. Plain Starlette.

GET /__mock/                          the page (mockserver/inspector/: HTML, CSS, plain JS; no
                                      build step, nothing loaded from elsewhere)
GET /__mock/inspector/NAME            its files
GET /__mock/requests/SEQ              one logged call with its answer (text, or base64 for images
                                      and audio; a stream's bytes once it has ended)
GET /__mock/spec/operations/ID        the operation's part of the spec (depth-bounded)
GET /__mock/config                    active faults and scenarios, the seed, the state store

The page polls GET /__mock/requests?after=SEQ for new calls. It sits behind the same admin guard
as every /__mock/ route: `/__mock/?token=TOKEN` once sets the cookie the page's requests carry.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from mockserver.admin_offload import guarded, off_loop

if TYPE_CHECKING:
    from mockserver.pipeline import Mock

PAGE_DIR = Path(__file__).resolve().parent / "inspector"
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css"}
_EXCERPT_DEPTH = 9  # the resolved spec shares subtrees and may recurse: show this many levels


def bounded(value: Any, depth: int = _EXCERPT_DEPTH) -> Any:
    """A JSON copy of `value` cut `depth` levels down (a recursive schema would never end)."""
    if isinstance(value, dict):
        return {str(k): bounded(v, depth - 1) for k, v in value.items()} if depth > 0 else "…"
    if isinstance(value, list):
        return [bounded(v, depth - 1) for v in value] if depth > 0 else "…"
    return value


def routes(mock: Mock) -> list[Route]:
    async def page(request: Request) -> Response:
        return FileResponse(PAGE_DIR / "index.html", media_type=_TYPES[".html"], headers=_NO_STORE)

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        path = PAGE_DIR / name
        if "/" in name or path.suffix not in _TYPES or not path.is_file():
            return JSONResponse({"error": f"no inspector file {name!r}"}, status_code=404)
        return FileResponse(path, media_type=_TYPES[path.suffix], headers=_NO_STORE)

    @guarded
    async def one_request(request: Request) -> Response:
        raw = request.path_params["seq"]
        wanted = int(raw) if raw.isascii() and raw.isdigit() else None
        call = await off_loop(mock, lambda: mock.calls.get(wanted)) if wanted is not None else None
        if call is None:
            return JSONResponse({"error": f"no logged request {raw} (the log keeps the newest)"}, 404)
        return JSONResponse(call.detail_json())

    async def operation(request: Request) -> Response:
        wanted = request.path_params["operation_id"]
        found = next((op for op in mock.spec.operations if op.operation_id == wanted), None)
        if found is None:
            return JSONResponse({"error": f"no operation {wanted!r} in the spec"}, status_code=404)
        document = mock.spec.document if isinstance(mock.spec.document, dict) else {}
        item = (document.get("paths") or {}).get(found.path) or {}
        return JSONResponse(
            {
                "operation_id": found.operation_id,
                "method": found.method,
                "path": found.path,
                "summary": found.summary,
                "spec": bounded(item.get(found.method.lower(), {})),
            }
        )

    async def config(request: Request) -> Response:
        settings = mock.settings
        return JSONResponse(
            {
                "faults": list(settings.faults),
                "scenarios": list(settings.scenarios),
                "seed": settings.seed,
                "state": type(mock.services.state).__name__,
                "base_path": mock.base_path,
            }
        )

    return [
        Route("/__mock/", page, methods=["GET"]),
        Route("/__mock/inspector/{name}", asset, methods=["GET"]),
        Route("/__mock/requests/{seq}", one_request, methods=["GET"]),
        Route("/__mock/spec/operations/{operation_id}", operation, methods=["GET"]),
        Route("/__mock/config", config, methods=["GET"]),
    ]


_NO_STORE = {"cache-control": "no-store"}
