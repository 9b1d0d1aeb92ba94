"""A plain Venice client on `httpx`, and its adapter: the reference a hand-written client is
measured against. It knows every route by heart (as a real client would, not from the spec),
retries 429 and 5xx answers after their Retry-After, reads event streams to their `[DONE]` and
treats a stream that ends without one as an error.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from contracts.checks.sse import EventParser
from contracts.client.adapters.base import Arguments, Result, Target, Unsupported

ROUTES: Mapping[str, tuple[str, str]] = {
    "createChatCompletion": ("POST", "/chat/completions"),
    "generateImage": ("POST", "/image/generate"),
    "simpleGenerateImage": ("POST", "/images/generations"),
    "getImageStyles": ("GET", "/image/styles"),
    "upscaleImage": ("POST", "/image/upscale"),
    "editImage": ("POST", "/image/edit"),
    "listModels": ("GET", "/models"),
    "listModelTraits": ("GET", "/models/traits"),
    "listModelCompatibilityMapping": ("GET", "/models/compatibility_mapping"),
    "getApiKeys": ("GET", "/api_keys"),
    "createApiKey": ("POST", "/api_keys"),
    "deleteApiKey": ("DELETE", "/api_keys"),
    "getApiKeyRateLimits": ("GET", "/api_keys/rate_limits"),
    "getApiKeyRateLimitLogs": ("GET", "/api_keys/rate_limits/log"),
    "getApiKeyGenerateWeb3Key": ("GET", "/api_keys/generate_web3_key"),
    "postApiKeyGenerateWeb3Key": ("POST", "/api_keys/generate_web3_key"),
    "listCharacters": ("GET", "/characters"),
    "createEmbedding": ("POST", "/embeddings"),
    "createSpeech": ("POST", "/audio/speech"),
    "getBillingUsage": ("GET", "/billing/usage"),
}
RETRIED = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0


class VeniceError(Exception):
    """The API answered with an error status."""

    def __init__(self, status_code: int, body: Any) -> None:
        message = body.get("error") if isinstance(body, dict) else body
        super().__init__(f"{status_code}: {message}")
        self.status_code = status_code
        self.body = body


class IncompleteStream(Exception):
    """An event stream ended without `data: [DONE]`: the answer is not whole."""


def query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


class VeniceClient:
    """A minimal synchronous Venice client."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 30.0,
        max_retries: int = 2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout,
            transport=transport,
        )
        self.max_retries = max_retries

    def close(self) -> None:
        self.http.close()

    def call(self, operation_id: str, arguments: Arguments) -> Result:
        if operation_id not in ROUTES:
            raise Unsupported(f"this client has no route for {operation_id}")
        method, template = ROUTES[operation_id]
        path = template.format(
            **{k: quote(str(v), safe="") for k, v in (arguments.get("path") or {}).items()}
        )
        query = [
            (name, query_text(item))
            for name, value in (arguments.get("query") or {}).items()
            for item in (value if isinstance(value, list) else [value])
        ]
        options: dict[str, Any] = {"params": query, "headers": dict(arguments.get("headers") or {})}
        if "body" in arguments:
            options["content"] = self.encode(arguments["body"])
            options["headers"]["Content-Type"] = "application/json"
        for attempt in range(self.max_retries + 1):
            with self.http.stream(method, path, **options) as response:
                if response.status_code in RETRIED and attempt < self.max_retries:
                    response.read()
                    time.sleep(self.retry_delay(response, attempt))
                    continue
                return self.read(response)
        raise AssertionError("unreachable: the last attempt returns")

    def encode(self, body: Any) -> bytes:
        return json.dumps(body, ensure_ascii=False).encode()

    def retry_delay(self, response: httpx.Response, attempt: int) -> float:
        """Retry-After (seconds or an HTTP date) when given and sane, else exponential backoff."""
        header = response.headers.get("retry-after", "")
        try:
            delay = float(header)
        except ValueError:
            try:
                delay = email.utils.parsedate_to_datetime(header).timestamp() - time.time()
            except (TypeError, ValueError):
                delay = -1.0
        if 0 <= delay <= MAX_RETRY_AFTER:
            return delay
        return 0.2 * 2.0**attempt

    def read(self, response: httpx.Response) -> Result:
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if response.status_code >= 400:
            response.read()
            raise VeniceError(response.status_code, self.parse(response.content, media_type))
        if media_type == "text/event-stream":
            return Result(events=tuple(self.events(response.iter_bytes())))
        response.read()
        if media_type == "application/json" or media_type.endswith("+json"):
            return Result(value=self.parse(response.content, media_type))
        if media_type.startswith("text/"):
            return Result(value=response.text)
        return Result(binary=response.content)

    def parse(self, content: bytes, media_type: str) -> Any:
        if media_type == "application/json" or media_type.endswith("+json"):
            return json.loads(content)
        return content.decode("utf-8", "replace")

    def events(self, chunks: Iterator[bytes]) -> Iterator[Any]:
        """The JSON events of a stream, up to `[DONE]`; IncompleteStream if it never comes."""
        parser = EventParser()
        for chunk in chunks:
            for event in parser.feed(chunk):
                if event.data == "[DONE]":
                    return
                yield json.loads(event.data)
        raise IncompleteStream("the event stream ended without data: [DONE]")


class HttpxAdapter:
    """The suite's adapter for VeniceClient: every operation."""

    operations = frozenset(ROUTES)
    allowances: Mapping[str, Mapping[str, str]] = {}
    client_class: type[VeniceClient] = VeniceClient  # subclasses swap in a client of their own

    def __init__(self, target: Target, transport: httpx.BaseTransport | None = None, **options: Any) -> None:
        self.client = self.client_class(
            target.base_url, target.api_key, timeout=target.timeout, transport=transport, **options
        )

    def call(self, operation_id: str, arguments: Arguments) -> Result:
        return self.client.call(operation_id, arguments)

    def close(self) -> None:
        self.client.close()
