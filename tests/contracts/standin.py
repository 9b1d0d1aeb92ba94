"""A Venice-like server with faults of the kinds third-party servers ship, planted on request.

Its correct behaviour is the mock's (clean, with an admin key); each fault is a layer that gets
one thing wrong the way a real implementation does: a stream request answered with JSON (unless
it sets stream_options),
`dimensions` ignored, base64 embeddings as float64, tool arguments off their schema, a
finish_reason outside the spec, `temperature` clamped instead of refused, keys that are created
but not listed, deleted keys still honoured, key types ignored, `n` ignored, usage that does not
add up, `max_tokens` overrun, `response_format` ignored, a request that never gets an answer, a
500, a documented header off its schema. Several faults can be planted at once. The layer
buffers each answer (streams included), so what it rewrites is whole; it never compresses (a
server may choose not to).
"""

from __future__ import annotations

import asyncio
import base64
import json
import struct
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from mockserver import Mock, Settings, Spec, create_app

ADMIN = "sk-standin-admin"
Message = dict[str, Any]
ASGI = Callable[..., Any]


@dataclass
class _Keys:
    created: dict[str, str] = field(default_factory=dict)  # secret -> id, of keys made through the layer
    deleted: set[str] = field(default_factory=set)  # secrets of deleted keys


def _rewrite_sse(body: bytes, edit: Callable[[Any], Any]) -> bytes:
    out = []
    for line in body.split(b"\n"):
        if line.startswith(b"data: {"):
            line = b"data: " + json.dumps(edit(json.loads(line[6:]))).encode()
        out.append(line)
    return b"\n".join(out)


def _float64(item: Any) -> Any:
    raw = base64.b64decode(item["embedding"])
    values = struct.unpack(f"<{len(raw) // 4}f", raw)
    return {**item, "embedding": base64.b64encode(struct.pack(f"<{len(values)}d", *values)).decode()}


class StandIn:
    """The ASGI app: `StandIn(spec, {"stream-as-json", ...})`."""

    FAULTS = (
        "stream-as-json",
        "ignores-dimensions",
        "base64-as-float64",
        "tool-arguments-off-schema",
        "finish-reason-off-spec",
        "temperature-clamped",
        "keys-not-listed",
        "deleted-keys-honoured",
        "key-type-ignored",
        "n-ignored",
        "usage-does-not-add-up",
        "max-tokens-overrun",
        "response-format-ignored",
        "hangs-on-streamed-n-2",
        "500-on-streamed-auto-tools",
        "blurred-header-not-boolean",
    )

    def __init__(
        self,
        spec: Spec,
        faults: set[str] | frozenset[str] = frozenset(),
        hang: float = 3.0,
        refuse_bodiless: bool = False,
    ) -> None:
        """`refuse_bodiless`: a POST without a body gets a 400, as the real API answers it."""
        unknown = set(faults) - set(self.FAULTS)
        assert not unknown, unknown
        self.faults = set(faults)
        self.hang = hang
        self.mock = Mock(Settings(api_keys=(ADMIN,)), spec=spec)
        self.inner = create_app(mock=self.mock)
        self.keys = _Keys()
        self.refuse_bodiless = refuse_bodiless
        self.refuse_bodiless = refuse_bodiless

    async def __call__(self, scope: dict[str, Any], receive: ASGI, send: ASGI) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        raw = b"".join(chunks)
        path, method = scope["path"], scope["method"]
        if self.refuse_bodiless and method == "POST" and not raw.strip():
            return await self._answer(send, 400, {"error": "A request body is required", "details": {}})
        if self.refuse_bodiless and method == "POST" and not raw.strip():
            return await self._answer(send, 400, {"error": "A request body is required", "details": {}})
        headers = [
            (k, v) for k, v in scope["headers"] if k.lower() not in (b"accept-encoding", b"content-length")
        ]
        token = next((v.decode()[7:] for k, v in headers if k.lower() == b"authorization"), "")
        body = self._json(raw)
        if isinstance(body, dict):
            body = await self._request(path, body)
            if body is None:
                return await self._answer(send, 500, {"error": "Internal error"})
            raw = json.dumps(body).encode()
        headers.append((b"content-length", str(len(raw)).encode()))
        headers = self._auth(headers, token)
        status, out_headers, content = await self._call({**scope, "headers": headers}, raw)
        content = self._response(path, method, body, status, out_headers, content, token)
        if method == "DELETE" and path.endswith("/api_keys") and 200 <= status < 300:
            deleted = parse_qs(scope.get("query_string", b"").decode()).get("id", [])
            self.keys.deleted |= {secret for secret, key_id in self.keys.created.items() if key_id in deleted}
        out_headers = [(k, v) for k, v in out_headers if k.lower() != b"content-length"]
        if "blurred-header-not-boolean" in self.faults and path.endswith("/image/generate"):
            out_headers = [(k, v) for k, v in out_headers if k.lower() != b"x-venice-is-blurred"]
            out_headers.append((b"x-venice-is-blurred", b"sometimes"))
        out_headers.append((b"content-length", str(len(content)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": out_headers})
        await send({"type": "http.response.body", "body": content})

    # -- requests -----------------------------------------------------------------------------

    @staticmethod
    def _json(raw: bytes) -> Any:
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None

    async def _request(self, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        f = self.faults
        if path.endswith("/chat/completions"):
            if "hangs-on-streamed-n-2" in f and body.get("n") == 2 and body.get("stream") is True:
                await asyncio.sleep(self.hang)
            if "500-on-streamed-auto-tools" in f and body.get("tool_choice") == "auto" and body.get("stream"):
                return None
            if "stream-as-json" in f and body.get("stream") is True and "stream_options" not in body:
                body = {k: v for k, v in body.items() if k not in ("stream", "stream_options")}
            if "temperature-clamped" in f and isinstance(body.get("temperature"), (int, float)):
                body = {**body, "temperature": min(max(body["temperature"], 0), 2)}
            if "n-ignored" in f:
                body = {k: v for k, v in body.items() if k != "n"}
            if "response-format-ignored" in f:
                body = {k: v for k, v in body.items() if k != "response_format"}
        if path.endswith("/embeddings") and "ignores-dimensions" in f:
            body = {k: v for k, v in body.items() if k != "dimensions"}
        return body

    def _auth(self, headers: list[tuple[bytes, bytes]], token: str) -> list[tuple[bytes, bytes]]:
        """Faults that honour a key the real API would refuse: pass it on as the admin key."""
        honour = ("deleted-keys-honoured" in self.faults and token in self.keys.deleted) or (
            "key-type-ignored" in self.faults
            and token in self.keys.created
            and token not in self.keys.deleted
        )
        if not honour:
            return headers
        return [(k, v) for k, v in headers if k.lower() != b"authorization"] + [
            (b"authorization", f"Bearer {ADMIN}".encode())
        ]

    async def _call(self, scope: dict[str, Any], raw: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)  # a disconnect never comes: the answer is read whole
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}

        start: Message = {}
        parts: list[bytes] = []

        async def send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))

        await self.inner(scope, receive, send)
        return int(start["status"]), list(start.get("headers", [])), b"".join(parts)

    # -- answers ------------------------------------------------------------------------------

    def _response(
        self,
        path: str,
        method: str,
        request: Any,
        status: int,
        headers: list[tuple[bytes, bytes]],
        content: bytes,
        token: str,
    ) -> bytes:
        f = self.faults
        kind = next((v.decode() for k, v in headers if k.lower() == b"content-type"), "")
        if not 200 <= status < 300:
            return content
        if path.endswith("/api_keys") and kind.startswith("application/json"):
            return self._keys(method, request, content)
        if path.endswith("/chat/completions") and kind.startswith("text/event-stream"):
            if "finish-reason-off-spec" in f:
                return _rewrite_sse(content, _finish_end_turn)
            return content
        if path.endswith("/chat/completions") and kind.startswith("application/json"):
            answer = json.loads(content)
            if "tool-arguments-off-schema" in f:
                for choice in answer.get("choices", []):
                    for call in choice.get("message", {}).get("tool_calls") or []:
                        call["function"]["arguments"] = json.dumps({"town": 12})
            usage = answer.get("usage") or {}
            if "usage-does-not-add-up" in f and usage:
                usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"] + 7
            limit = request.get("max_tokens") if isinstance(request, dict) else None
            if "max-tokens-overrun" in f and isinstance(limit, int) and usage:
                usage["completion_tokens"] = limit + 10
                usage["total_tokens"] = usage["prompt_tokens"] + limit + 10
            return json.dumps(answer).encode()
        if path.endswith("/embeddings") and "base64-as-float64" in f and kind.startswith("application/json"):
            answer = json.loads(content)
            if isinstance(request, dict) and request.get("encoding_format") == "base64":
                answer["data"] = [_float64(item) for item in answer["data"]]
            return json.dumps(answer).encode()
        return content

    def _keys(self, method: str, request: Any, content: bytes) -> bytes:
        answer = json.loads(content)
        data = answer.get("data")
        if method == "POST" and isinstance(data, dict) and isinstance(data.get("apiKey"), str):
            self.keys.created[data["apiKey"]] = data["id"]
        if method == "GET" and isinstance(data, list) and "keys-not-listed" in self.faults:
            made = set(self.keys.created.values())
            answer["data"] = [k for k in data if k.get("id") not in made]
        return json.dumps(answer).encode()

    async def _answer(self, send: ASGI, status: int, value: Any) -> None:
        content = json.dumps(value).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


def _finish_end_turn(chunk: Any) -> Any:
    for choice in chunk.get("choices") or []:
        if choice.get("finish_reason") == "stop":
            choice["finish_reason"] = "end_turn"
    return chunk
