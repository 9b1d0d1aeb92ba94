"""Admin routes whose work may wait on a remote store (Redis: the shared request log, scripts,
reset) run it off the event loop, and answer 503 in the error shape when the store is down."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mockserver.state import StoreUnavailable

if TYPE_CHECKING:
    from mockserver.pipeline import Mock

T = TypeVar("T")


async def off_loop(mock: Mock, call: Callable[[], T]) -> T:
    """`call()`, in a worker thread when the mock's store is remote (inline otherwise: the local
    stores answer in microseconds)."""
    if not mock.services.state.remote:
        return call()
    return await asyncio.get_running_loop().run_in_executor(None, call)


def guarded(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """A route whose store is unreachable answers 503 in the error shape, as the API does."""

    @functools.wraps(handler)
    async def route(request: Request) -> Response:
        try:
            return await handler(request)
        except StoreUnavailable as exc:
            return JSONResponse({"error": str(exc), "details": {"store": "redis"}}, 503)

    return route
