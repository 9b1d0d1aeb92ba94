"""The meaning checks of one answer: does it keep what the request asked for?

Applied to every 2xx answer of the operations they know (by operationId, so they follow any spec
that has them): a stream for `stream: true`, audio for speech, chat answers that keep `n`,
`max_tokens`, `tool_choice` and `response_format` (checks/chat.py; streams are judged by the
stream checker with the same rules), embeddings that keep `input`, `dimensions` and
`encoding_format` (checks/embeddings.py). Schemas, statuses and media are judged elsewhere.
"""

from __future__ import annotations

from typing import Any

from contracts.checks.binary import AUDIO_TYPES
from contracts.checks.chat import check_completion, finish_enum
from contracts.checks.embeddings import check_embeddings
from contracts.failures import Failure
from contracts.server.transport import Call
from mockserver import Operation

STREAM = "text/event-stream"


def _response_schema(op: Operation, status: int) -> Any:
    response = op.response(status)
    media = response.content.get("application/json") if response is not None else None
    return media.schema.schema if media is not None and media.schema is not None else None


def streams(op: Operation) -> bool:
    """The operation documents an event stream for its success."""
    return any(STREAM in r.content for code, r in op.responses.items() if code.startswith("2"))


def check_meaning(op: Operation, body: Any, call: Call) -> list[Failure]:
    if not 200 <= call.status < 300 or call.body.cut_short or not isinstance(body, dict):
        return []
    oid = op.operation_id
    if body.get("stream") is True and streams(op):
        if call.media_type != STREAM:
            title = f"stream: true was answered with {call.media_type or 'no Content-Type'}, not a stream"
            return [
                Failure("streaming", title, STREAM, call.media_type or "none", "not_a_stream", field="stream")
            ]
        return []  # the stream checker judged it event by event
    if oid == "createSpeech" and call.media_type not in AUDIO_TYPES:
        asked = "streaming: true" if body.get("streaming") is True else "speech"
        title = f"{asked} was answered with {call.media_type or 'no Content-Type'}, not audio"
        return [Failure("streaming", title, "audio bytes of the requested format", call.media_type, "speech")]
    if call.media_type != "application/json":
        return []
    if oid == "createChatCompletion":
        return check_completion(body, call.json(), finish_enum(_response_schema(op, call.status)))
    if oid == "createEmbedding":
        return check_embeddings(body, call.json())
    return []
