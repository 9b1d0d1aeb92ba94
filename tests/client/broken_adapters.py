"""Deliberately broken clients: each is the httpx reference client with one bug, the kind real
clients have. The suite must fail each, naming the operation and the rule."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import httpx

from contracts.client.adapters.base import Arguments, Result
from contracts.client.adapters.httpx_client import HttpxAdapter, IncompleteStream, VeniceClient


class DoubleEncodingClient(VeniceClient):
    """Sends chat `messages` JSON-encoded into a string (a wrong type)."""

    def call(self, operation_id: str, arguments: Arguments) -> Result:
        body = arguments.get("body")
        if operation_id == "createChatCompletion" and isinstance(body, dict) and "messages" in body:
            arguments = {**arguments, "body": {**body, "messages": json.dumps(body["messages"])}}
        return super().call(operation_id, arguments)


class OpenAIFieldsOnlyClient(VeniceClient):
    """Drops `venice_parameters`: it copies only the fields OpenAI's API has."""

    def call(self, operation_id: str, arguments: Arguments) -> Result:
        body = arguments.get("body")
        if isinstance(body, dict) and "venice_parameters" in body:
            arguments = {**arguments, "body": {k: v for k, v in body.items() if k != "venice_parameters"}}
        return super().call(operation_id, arguments)


class TrustingClient(VeniceClient):
    """Reads each chat choice's log probabilities without checking for null (they are nullable)."""

    def call(self, operation_id: str, arguments: Arguments) -> Result:
        result = super().call(operation_id, arguments)
        if operation_id == "createChatCompletion" and isinstance(result.value, dict):
            for choice in result.value.get("choices", []):
                choice["top_token"] = choice["logprobs"]["token"]  # TypeError when logprobs is null
                del choice["top_token"]
        return result


class CutBlindClient(VeniceClient):
    """Returns whatever events arrived when a stream breaks off, as if it had ended."""

    def events(self, chunks: Iterator[bytes]) -> Iterator[Any]:
        received: list[Any] = []
        with contextlib.suppress(httpx.RemoteProtocolError, IncompleteStream):
            received.extend(super().events(chunks))
        return iter(received)


class ImpatientClient(VeniceClient):
    """Retries at once, whatever Retry-After says."""

    def retry_delay(self, response: httpx.Response, attempt: int) -> float:
        return 0.0


class WrongTypeAdapter(HttpxAdapter):
    client_class = DoubleEncodingClient


class DropsFieldAdapter(HttpxAdapter):
    client_class = OpenAIFieldsOnlyClient


class CrashesOnNullAdapter(HttpxAdapter):
    client_class = TrustingClient


class CutStreamAsSuccessAdapter(HttpxAdapter):
    client_class = CutBlindClient


class IgnoresRetryAfterAdapter(HttpxAdapter):
    client_class = ImpatientClient


class StrictClient(VeniceClient):
    """Refuses model lists with fields it does not know: strict where the spec is silent."""

    def call(self, operation_id: str, arguments: Arguments) -> Result:
        result = super().call(operation_id, arguments)
        if operation_id == "listModels" and isinstance(result.value, dict):
            unknown = set(result.value) - {"data", "object", "type"}
            if unknown:
                raise ValueError(f"unexpected fields {sorted(unknown)}")
        return result


class StrictAdapter(HttpxAdapter):
    client_class = StrictClient
