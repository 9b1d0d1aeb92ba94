"""Venice semantics for speech: POST /audio/speech answers real audio in the requested format.

The media type follows `response_format` (default mp3), whatever Accept says: the openai SDK sends
`Accept: application/octet-stream`, so only `--strict-accept` answers 406 for that. The model and
voice must be in the catalog (the tts model's `voices`). With `streaming: true` the file goes out
sentence by sentence, one chunk each (the edge sends streamed replies chunked); the chunks join
into the same file as the unstreamed answer.

A voice always sounds the same: the audio is seeded by model and voice, not by the request, so
the same text, speed and voice give the same bytes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, cast

from mockserver.behaviors.hooks import Behavior
from mockserver.behaviors.models import require_model, resolve_model
from mockserver.controls import Pacing
from mockserver.errors import Violation
from mockserver.exchange import Exchange, derive_seed
from mockserver.media.audio import MEDIA_TYPES, AudioFormat, synthesize_speech
from mockserver.spec import Operation
from mockserver.types import JSON
from mockserver.validation import RequestData

if TYPE_CHECKING:
    from mockserver.services import Services

DEFAULT_MODEL = "tts-kokoro"
DEFAULT_VOICE = "af_sky"
_FORMAT_OF: Mapping[str, AudioFormat] = {
    media: cast("AudioFormat", fmt) for fmt, media in MEDIA_TYPES.items()
}


def _body(request: RequestData) -> dict[str, JSON]:
    return request.body if isinstance(request.body, dict) else {}


def _check(op: Operation, request: RequestData, services: Services) -> list[Violation]:
    body = _body(request)
    name = body.get("model", DEFAULT_MODEL)
    problems = require_model(services, name, ("tts",))
    model = resolve_model(services, name, ("tts",))
    voice = body.get("voice")
    # Only a voice the request names is checked: the default is the server's choice (see _voice).
    if model is not None and model.voices and voice is not None and voice not in model.voices:
        message = f"{voice!r} is not a voice of {model.id}; valid voices: {', '.join(model.voices)}"
        problems.append(Violation("voice", "enum", message))
    return problems


def _implied(op: Operation, request: RequestData, services: Services) -> str | None:
    return MEDIA_TYPES.get(str(_body(request).get("response_format", "mp3")))


def _voice(ex: Exchange, services: Services) -> tuple[str, str]:
    body = _body(ex.request)
    name = body.get("model", DEFAULT_MODEL)
    model = resolve_model(services, name, ("tts",))
    voices = model.voices if model is not None else ()
    default = DEFAULT_VOICE if DEFAULT_VOICE in voices or not voices else voices[0]
    return (model.id if model is not None else str(name)), str(body.get("voice", default))


def _binary(ex: Exchange, services: Services) -> bytes | AsyncIterator[bytes]:
    body = _body(ex.request)
    # The media type being sent decides the encoding, so Content-Type and bytes always agree.
    fmt = _FORMAT_OF.get(ex.media_type or "") or cast("AudioFormat", body.get("response_format", "mp3"))
    speed = body.get("speed", 1)
    speech = synthesize_speech(
        str(body.get("input", "")),
        float(speed) if isinstance(speed, (int, float)) else 1.0,
        fmt,
        derive_seed("voice", *_voice(ex, services)),
    )
    if body.get("streaming") is True:
        return _chunks(speech.chunks, ex.controls.pace)
    return speech.data


async def _chunks(chunks: Sequence[bytes], pace: Pacing) -> AsyncIterator[bytes]:
    """One sentence per chunk, paced like server-sent events (`X-Mock-Pace`, --stream-* settings)."""
    for index, chunk in enumerate(chunks):
        # Sleeping (even 0 s) between chunks yields to the loop, so each leaves as its own write.
        await asyncio.sleep(pace.ttft if index == 0 else pace.delay)
        yield chunk


BEHAVIORS: Mapping[str, Behavior] = {
    "createSpeech": Behavior(implied=_implied, check=_check, binary=_binary),
}
