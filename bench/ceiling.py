"""The bare-server ceiling for bench/peers.py: an ASGI app answering every request with the same
1 KB JSON body, served by the same uvicorn (httptools, uvloop) as venice-mock. Nothing a mock
can do is faster on this server layer."""

from __future__ import annotations

from typing import Any

_MODEL = b'{"id":"model-%03d","object":"model","type":"text"}'
BODY = b'{"object":"list","data":[' + b",".join(_MODEL % i for i in range(20)) + b"]}"  # 1 KB
_HEAD = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())],
}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send(_HEAD)
    await send({"type": "http.response.body", "body": BODY})
