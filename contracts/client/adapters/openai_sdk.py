"""The official `openai` Python SDK as a Venice client: the operations it has a method for.

Fields the SDK has no parameter for (Venice's own, like `venice_parameters`) go through
`extra_body`, query parameters through `extra_query`, headers through `extra_headers`, as an
application would pass them. What the SDK returns is reported as JSON with the API's own field
names and only the fields the answer carried (`to_dict(exclude_unset=True)`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

import openai

from contracts.client.adapters.base import Arguments, Result, Target, Unsupported

# Speech needs `model` and `voice` in the SDK; the spec makes both optional with these defaults.
_SPEECH_DEFAULTS = {"model": "tts-kokoro", "voice": "af_sky"}


def _dump(model: Any) -> Any:
    # warnings=False: values of another type than the SDK's annotation (valid per the Venice spec)
    # are returned as they came; pydantic would otherwise warn while serializing them.
    return model.to_dict(mode="json", exclude_unset=True, warnings=False)


class OpenAIAdapter:
    """Drives `openai.OpenAI` (sync) against the mock; default retries and timeout semantics."""

    operations = frozenset(
        {"createChatCompletion", "createEmbedding", "simpleGenerateImage", "createSpeech", "listModels"}
    )
    allowances: Mapping[str, Mapping[str, str]] = {
        "createEmbedding": {
            "encoding_format": "the SDK asks for base64 embeddings when none is given, and decodes them "
            "to floats (overlay.yaml documents the base64 answer)",
        }
    }

    def __init__(self, target: Target, http_client: Any = None, **options: Any) -> None:
        self.client = openai.OpenAI(
            base_url=target.base_url,
            api_key=target.api_key,
            timeout=target.timeout,
            http_client=http_client,
            **options,
        )

    def close(self) -> None:
        self.client.close()

    def call(self, operation_id: str, arguments: Arguments) -> Result:
        body = dict(arguments.get("body") or {})
        common: dict[str, Any] = {}
        if arguments.get("headers"):
            common["extra_headers"] = dict(arguments["headers"])
        if arguments.get("query"):
            common["extra_query"] = dict(arguments["query"])
        c = self.client
        if operation_id == "listModels":
            return Result(value=_dump(c.models.list(**common)))
        if operation_id == "createChatCompletion":
            answer = c.chat.completions.create(**self.split(c.chat.completions.create, body), **common)
            if body.get("stream") is True:
                return Result(events=tuple(_dump(chunk) for chunk in answer))
            return Result(value=_dump(answer))
        if operation_id == "createEmbedding":
            return Result(value=_dump(c.embeddings.create(**self.split(c.embeddings.create, body), **common)))
        if operation_id == "simpleGenerateImage":
            return Result(value=_dump(c.images.generate(**self.split(c.images.generate, body), **common)))
        if operation_id == "createSpeech":
            body = {**_SPEECH_DEFAULTS, **body}
            speech = c.audio.speech.create(**self.split(c.audio.speech.create, body), **common)
            return Result(binary=speech.content)
        raise Unsupported(f"the openai SDK has no method for {operation_id}")

    @staticmethod
    def split(method: Callable[..., Any], body: Mapping[str, Any]) -> dict[str, Any]:
        """Keyword arguments for an SDK method: its own parameters, the rest as `extra_body`."""
        known = set(inspect.signature(method).parameters) - {
            "extra_headers",
            "extra_query",
            "extra_body",
            "timeout",
        }
        kwargs = {k: v for k, v in body.items() if k in known}
        extra = {k: v for k, v in body.items() if k not in known}
        if extra:
            kwargs["extra_body"] = extra
        return kwargs
