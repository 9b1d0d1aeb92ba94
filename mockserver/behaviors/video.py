"""Venice semantics for the asynchronous video API of later Venice specs (POST /video/quote,
/video/queue, /video/retrieve, /video/complete), active whenever the loaded spec has them.

A queued job lives in the state store (so `--state-file` shares it between workers and keeps it
across restarts; in memory the newest JOBS_KEPT are kept). It "runs" for `--video-seconds` (each job
within +-25% of it, drawn from the request's seed): until then /video/retrieve answers 200 JSON
`PROCESSING` with `execution_duration` growing in real milliseconds, afterwards the MP4 itself
(Motion-JPEG, media/mp4.py) of the asked aspect ratio, resolution and duration, with a silent AAC
track for `audio: true` (the schema's default). /video/complete deletes the job; an unknown queue id
is a 404 (unless the request forces its status with `Prefer`, as for the key operations).

Prices (/video/quote) come from the model's `pricing.per_second.usd`, the price of one second at
720p: 480p costs half, 1080p twice, and an audio track adds a quarter. A queued job is billed that
price (billing.py) and counts against the video models' rate limits (ratelimits.py).
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mockserver.behaviors.hooks import Behavior, Refusal
from mockserver.behaviors.keys import forced, touch
from mockserver.behaviors.models import require_model, resolve_model
from mockserver.errors import Violation
from mockserver.exchange import Exchange
from mockserver.media.mp4 import FPS, MAX_SECONDS, MAX_SIDE, encode_mp4
from mockserver.spec import Operation
from mockserver.state import VideoJob
from mockserver.types import JSON
from mockserver.validation import RequestData

if TYPE_CHECKING:
    from mockserver.services import Services

MODEL_TYPES = ("video",)
DEFAULT_RESOLUTION = "720p"
DEFAULT_ASPECT = "16:9"
DEFAULT_DURATION = "5s"
RESOLUTION_FACTORS: Mapping[str, float] = {"480p": 0.5, "720p": 1.0, "1080p": 2.0}
AUDIO_FACTOR = 1.25
MP4 = "video/mp4"
# Pixels times frames one video may hold: 1080p for 10 s at full rate is 166 M. Beyond it (a spec
# without the resolution enum, --any-model) the frame rate drops (to one frame a second at the
# least: a 4K minute is then 60 frames, 17 MB), never the size or duration asked.
PIXEL_FRAMES = 400_000_000
_ASPECT = re.compile(r"([1-9][0-9]{0,2}):([1-9][0-9]{0,2})")
_RESOLUTION = re.compile(r"([1-9][0-9]{1,3})p")
_DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?)s?")


def _body(request: RequestData) -> Mapping[str, Any]:
    return request.body if isinstance(request.body, dict) else {}


def _text(body: Mapping[str, Any], name: str, default: str) -> str:
    value = body.get(name)
    return value if isinstance(value, str) else default


def video_size(aspect_ratio: str, resolution: str) -> tuple[int, int]:
    """Pixels of a video: the resolution names the short side (720p: 720), the aspect ratio the
    long one; both even (what players expect of 4:2:0 video). Unparseable parts: 16:9, 720p."""
    ratio = _ASPECT.fullmatch(aspect_ratio) or _ASPECT.fullmatch(DEFAULT_ASPECT)
    short_match = _RESOLUTION.fullmatch(resolution) or _RESOLUTION.fullmatch(DEFAULT_RESOLUTION)
    assert ratio is not None
    assert short_match is not None
    across, down = int(ratio.group(1)), int(ratio.group(2))
    short = min(int(short_match.group(1)), MAX_SIDE)
    long = min(MAX_SIDE, 2 * round(short * max(across, down) / min(across, down) / 2))
    return (long, short) if across >= down else (short, long)


def video_seconds(duration: str) -> float:
    found = _DURATION.fullmatch(duration) or _DURATION.fullmatch(DEFAULT_DURATION)
    assert found is not None
    return min(MAX_SECONDS, max(1.0, float(found.group(1))))


def _check(op: Operation, request: RequestData, services: Services) -> list[Violation]:
    """The model must be a video model; duration, resolution and aspect ratio what it offers."""
    body = _body(request)
    problems = require_model(services, body.get("model"), MODEL_TYPES)
    model = resolve_model(services, body.get("model"), MODEL_TYPES)
    aspect = body.get("aspect_ratio")
    if isinstance(aspect, str) and _ASPECT.fullmatch(aspect) is None:
        problems.append(Violation("aspect_ratio", "format", f"{aspect!r} is not width:height, e.g. 16:9"))
    if model is None:
        return problems
    offered = model.constraints
    for name, key in (
        ("duration", "durations"),
        ("resolution", "resolutions"),
        ("aspect_ratio", "aspect_ratios"),
    ):
        value, allowed = body.get(name), offered.get(key)
        if isinstance(value, str) and isinstance(allowed, list) and allowed and value not in allowed:
            listed = ", ".join(str(a) for a in allowed)
            problems.append(
                Violation(name, "enum", f"{value!r} is not offered by {model.id}; it offers: {listed}")
            )
    return problems


def _check_job(op: Operation, request: RequestData, services: Services) -> list[Violation]:
    return require_model(services, _body(request).get("model"), MODEL_TYPES)


def billed_seconds(body: object) -> float:
    """Seconds of 720p video without audio that a job costs as much as (the billing units)."""
    fields: Mapping[str, Any] = body if isinstance(body, dict) else {}
    seconds = video_seconds(_text(fields, "duration", DEFAULT_DURATION))
    factor = RESOLUTION_FACTORS.get(_text(fields, "resolution", DEFAULT_RESOLUTION), 1.0)
    audio = AUDIO_FACTOR if fields.get("audio", True) is True else 1.0
    return seconds * factor * audio


def quote_usd(services: Services, body: Mapping[str, Any]) -> float:
    model = resolve_model(services, body.get("model"), MODEL_TYPES)
    per_second = services.catalog.unit_price_usd(model.id, "video-second") if model is not None else 0.0
    return round(per_second * billed_seconds(body), 6)


def _quote(ex: Exchange, services: Services) -> JSON:
    return {"quote": quote_usd(services, _body(ex.request))}


def _queue(ex: Exchange, services: Services) -> JSON:
    body = _body(ex.request)
    model = resolve_model(services, body.get("model"), MODEL_TYPES)
    width, height = video_size(
        _text(body, "aspect_ratio", DEFAULT_ASPECT), _text(body, "resolution", DEFAULT_RESOLUTION)
    )
    job = VideoJob(
        queue_id=str(uuid.uuid4()),  # two equal requests are two jobs
        model=model.id if model is not None else str(body.get("model", "")),
        queued_at=services.clock(),
        run_seconds=services.settings.video_seconds * (0.75 + 0.5 * ex.rng("video-run").random()),
        seconds=video_seconds(_text(body, "duration", DEFAULT_DURATION)),
        width=width,
        height=height,
        audio=body.get("audio", True) is True,
        seed=ex.seed & (2**63 - 1),  # SQLite integers are signed 64-bit
    )
    services.state.add_job(job)
    return {"model": str(body.get("model", job.model)), "queue_id": job.queue_id}


def _job(request: RequestData, services: Services) -> VideoJob | None:
    body = _body(request)
    queue_id = body.get("queue_id")
    job = services.state.job(queue_id) if isinstance(queue_id, str) else None
    if job is None:
        return None
    model = resolve_model(services, body.get("model"), MODEL_TYPES)
    # Venice knows a job by model and id together: the same id under another model is unknown.
    return job if model is None or model.id == job.model else None


def _admit_job(ex: Exchange, services: Services) -> Refusal | None:
    if forced(ex) or _job(ex.request, services) is not None:
        return None
    body = _body(ex.request)
    return Refusal(
        404, f"Video not found: no queued video {body.get('queue_id')!r} for model {body.get('model')!r}"
    )


def _elapsed(job: VideoJob, services: Services) -> float:
    return max(0.0, services.clock() - job.queued_at)


def _retrieve_implied(op: Operation, request: RequestData, services: Services) -> str | None:
    job = _job(request, services)
    if job is None:
        return None
    return MP4 if _elapsed(job, services) >= job.run_seconds else "application/json"


def _status(ex: Exchange, services: Services) -> JSON:
    job = _job(ex.request, services)
    if job is None:  # a forced 200 for an unknown id: the schema's completion fills it in
        return {}
    elapsed_ms = min(_elapsed(job, services), job.run_seconds) * 1000
    return {
        "status": "PROCESSING",
        "average_execution_time": math.ceil(job.run_seconds * 1000),
        "execution_duration": math.floor(elapsed_ms),
    }


def _video(ex: Exchange, services: Services) -> bytes:
    job = _job(ex.request, services)
    if job is None:  # a forced answer for an unknown id (the request asked for video/mp4)
        return encode_mp4(128, 72, 1.0, ex.seed)
    fps = max(1, min(FPS, int(PIXEL_FRAMES // (job.width * job.height * job.seconds))))
    data = encode_mp4(job.width, job.height, job.seconds, job.seed, fps=fps, audio=job.audio)
    if _body(ex.request).get("delete_media_on_completion") is True:
        services.state.delete_job(job.queue_id)
    return data


def _complete(ex: Exchange, services: Services) -> JSON:
    job = _job(ex.request, services)
    return {"success": job is not None and services.state.delete_job(job.queue_id)}


BEHAVIORS: Mapping[str, Behavior] = {
    "quoteVideo": Behavior(check=_check, build=_quote, account=touch),
    "queueVideo": Behavior(check=_check, build=_queue, account=touch),
    "retrieveVideo": Behavior(
        check=_check_job,
        admit=_admit_job,
        implied=_retrieve_implied,
        build=_status,
        binary=_video,
        account=touch,
    ),
    "completeVideo": Behavior(check=_check_job, admit=_admit_job, build=_complete, account=touch),
}
