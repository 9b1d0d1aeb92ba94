"""A hand-written httpx client with six planted bugs that real Venice clients have had, each
switched on by name. All six together must be reported, each as a client bug with a replay;
with none switched on, the same client passes with no finding.

    PLANTED = {bug: the rule that must catch it}
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from typing import Any

import httpx

from contracts.client.adapters.base import Arguments, Result, Target
from contracts.client.adapters.httpx_client import HttpxAdapter, IncompleteStream, VeniceClient

PLANTED = {
    "drops-venice-parameters-on-streams": "request.dropped",
    "web-search-as-boolean": "request.retyped",
    "retries-429-at-once": "resilience.retry-after",
    "cut-stream-as-success": "resilience.cut-stream",
    "raises-on-unknown-field": "response.unknown-field",
    "drops-tool-calls-on-stop": "response.changed",
}
_CHOICE_FIELDS = {"finish_reason", "index", "logprobs", "message", "stop_reason"}


class PlantedClient(VeniceClient):
    def __init__(self, *args: Any, bugs: frozenset[str] = frozenset(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bugs = bugs

    def call(self, operation_id: str, arguments: Arguments) -> Result:
        body = arguments.get("body")
        if operation_id == "createChatCompletion" and isinstance(body, dict):
            body = copy.deepcopy(body)
            if "drops-venice-parameters-on-streams" in self.bugs and body.get("stream") is True:
                body.pop("venice_parameters", None)  # the stream path builds its own body
            search = (body.get("venice_parameters") or {}).get("enable_web_search")
            if "web-search-as-boolean" in self.bugs and search in ("on", "off"):
                body["venice_parameters"]["enable_web_search"] = search == "on"
            arguments = {**arguments, "body": body}
        result = super().call(operation_id, arguments)
        if operation_id == "createChatCompletion" and isinstance(result.value, dict):
            self.read_choices(result.value)
        return result

    def read_choices(self, answer: dict[str, Any]) -> None:
        for choice in answer.get("choices") or []:
            if "raises-on-unknown-field" in self.bugs and set(choice) - _CHOICE_FIELDS:
                raise TypeError(f"unexpected keyword argument {sorted(set(choice) - _CHOICE_FIELDS)[0]!r}")
            message = choice.get("message")
            stopped = choice.get("finish_reason") == "stop"
            if "drops-tool-calls-on-stop" in self.bugs and stopped and isinstance(message, dict):
                message.pop("tool_calls", None)  # "a stopped answer has no tool calls"

    def retry_delay(self, response: httpx.Response, attempt: int) -> float:
        if "retries-429-at-once" in self.bugs and response.status_code == 429:
            return 0.0
        return super().retry_delay(response, attempt)

    def events(self, chunks: Iterator[bytes]) -> Iterator[Any]:
        if "cut-stream-as-success" not in self.bugs:
            return super().events(chunks)
        received: list[Any] = []
        with contextlib.suppress(httpx.RemoteProtocolError, IncompleteStream):
            received.extend(super().events(chunks))
        return iter(received)


class PlantedAdapter(HttpxAdapter):
    """The adapter with every planted bug on (`bugs` chooses others)."""

    client_class = PlantedClient
    bugs: frozenset[str] = frozenset(PLANTED)

    def __init__(self, target: Target) -> None:
        super().__init__(target, bugs=self.bugs)


class CorrectAdapter(PlantedAdapter):
    bugs = frozenset()
