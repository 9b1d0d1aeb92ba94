"""An in-process transport for synchronous `httpx` (and `httpx2`, which the `openai` SDK uses)
clients: requests go straight to the mock's ASGI app, no socket, yet streams still stream.

The app runs on an event loop in a background thread; body chunks cross to the caller one at a
time, so a slow first byte is slow and a client's read timeout fires. A response the app leaves
unfinished (a cut stream) raises `RemoteProtocolError`, as over a real connection.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Iterator, MutableMapping
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import httpx

if TYPE_CHECKING:
    from mockserver import Mock

Message = MutableMapping[str, Any]
_END = object()


class _Loop:
    """One event loop in a daemon thread, shared by the transports of one process."""

    _lock = threading.Lock()
    _loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def get(cls) -> asyncio.AbstractEventLoop:
        with cls._lock:
            if cls._loop is None or cls._loop.is_closed():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="venice-mock-inprocess", daemon=True).start()
                cls._loop = loop
            return cls._loop


def close_in_process(mock: Mock) -> None:
    """In-process mode runs no lifespan: release what the mock holds open (a --proxy's upstream
    connections) on the shared loop that opened them."""
    asyncio.run_coroutine_threadsafe(mock.aclose(), _Loop.get()).result(timeout=10)


def sync_transport(app: Any, flavor: ModuleType = httpx) -> Any:
    """A `flavor.BaseTransport` (httpx or httpx2) that serves requests with the ASGI `app`."""

    class InProcessTransport(flavor.BaseTransport):  # type: ignore[name-defined,misc]
        def handle_request(self, request: Any) -> Any:
            return _exchange(app, request, flavor)

    return InProcessTransport()


def _exchange(app: Any, request: Any, flavor: ModuleType) -> Any:
    timeouts = request.extensions.get("timeout", {})
    read_timeout = timeouts.get("read")
    body = request.read()
    items: queue.Queue[Any] = queue.Queue()
    gone = threading.Event()  # the caller closed the response
    loop = _Loop.get()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": request.url.scheme,
        "path": unquote(request.url.path),
        "raw_path": request.url.raw_path.split(b"?")[0],
        "query_string": request.url.query,
        "root_path": "",
        "headers": [(k.lower(), v) for k, v in request.headers.raw],
        "client": ("127.0.0.1", 0),
        "server": (request.url.host, request.url.port or 80),
    }
    disconnect = asyncio.Event()

    async def receive() -> Message:
        nonlocal body
        if body is not None:
            chunk, body = body, None
            return {"type": "http.request", "body": chunk, "more_body": False}
        await disconnect.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if gone.is_set():
            raise OSError("the client closed the response")
        items.put(message)

    async def run() -> None:
        try:
            await app(scope, receive, send)
        except BaseException as exc:  # the app crashed: the caller sees a broken connection
            items.put(exc)
            if not isinstance(exc, Exception):
                raise
        finally:
            items.put(_END)

    asyncio.run_coroutine_threadsafe(run(), loop)

    def next_item() -> Any:
        try:
            return items.get(timeout=read_timeout)
        except queue.Empty:
            raise flavor.ReadTimeout("in-process read timed out", request=request) from None

    start = next_item()
    if not isinstance(start, dict) or start.get("type") != "http.response.start":
        raise flavor.RemoteProtocolError("the app ended without a response", request=request)
    headers = [(bytes(k), bytes(v)) for k, v in start.get("headers", [])]

    def chunks() -> Iterator[bytes]:
        while True:
            item = next_item()
            if isinstance(item, dict) and item.get("type") == "http.response.body":
                if item.get("body"):
                    yield bytes(item["body"])
                if not item.get("more_body", False):
                    return
                continue
            raise flavor.RemoteProtocolError(
                "peer closed connection without sending complete message body (in-process)", request=request
            )

    def close() -> None:
        gone.set()
        loop.call_soon_threadsafe(disconnect.set)

    class Stream(flavor.SyncByteStream):  # type: ignore[name-defined,misc]
        def __iter__(self) -> Iterator[bytes]:
            return chunks()

        def close(self) -> None:
            close()

    return flavor.Response(start["status"], headers=headers, stream=Stream(), request=request)
