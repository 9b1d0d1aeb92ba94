"""A queued video job keeps its promises (later Venice specs' /video/queue, /video/retrieve,
/video/complete): retrieving reports PROCESSING with a non-decreasing `execution_duration` until
the video is ready, then answers an MP4 that decodes; once completed, the job is gone (404).
A sequence of requests, not one answer, so it runs once per run with the queue operation (which
is costly: against a real server only when video operations may be called).

Polling is bounded (`POLL_SECONDS`): a job still running when that time is up is no finding,
only what was answered is judged.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from contracts.checks.binary import check_video
from contracts.failures import Failure, printable
from contracts.server.transport import Call, NoAnswer, Transport
from mockserver import Spec

CHECK = "video_jobs"
NEEDED = ("queueVideo", "retrieveVideo", "completeVideo")
POLL_SECONDS = 60.0
_FIRST_WAIT, _LONGEST_WAIT = 0.1, 2.0  # seconds between polls: doubling from the first to the longest


def applies(spec: Spec) -> bool:
    ids = {op.operation_id for op in spec.operations}
    return all(name in ids for name in NEEDED)


def _first(value: Any, default: str) -> str:
    return str(value[0]) if isinstance(value, list) and value else default


def job_request(model: Mapping[str, Any]) -> dict[str, Any]:
    """The cheapest job the model offers: its first duration, resolution and aspect ratio."""
    constraints = (model.get("model_spec") or {}).get("constraints")
    offered = constraints if isinstance(constraints, dict) else {}
    return {
        "model": model["id"],
        "prompt": "venice-contracts: video job check",
        "duration": _first(offered.get("durations"), "5s"),
        "resolution": _first(offered.get("resolutions"), "480p"),
        "aspect_ratio": _first(offered.get("aspect_ratios"), "16:9"),
        "audio": False,
    }


def check_video_state(
    spec: Spec,
    transport: Transport,
    headers: Mapping[str, str],
    models: Sequence[Mapping[str, Any]],
    poll_seconds: float = POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Failure]:
    """Queue a job, poll it until its MP4 arrives (or time is up), complete it, look again."""
    queue, retrieve, complete = (spec.operation(name) for name in NEEDED)
    out: list[Failure] = []

    def fail(rule: str, title: str, expected: str, call: Call, received: str | None = None) -> None:
        shown = received or f"{call.status} {printable(call.body.content, call.content_type)}"
        # Placed on the operation that queued the job: the flow is its promise.
        out.append(
            Failure(CHECK, title, expected, shown, rule).at(queue.operation_id, call.status, call.curl)
        )

    usable = [m for m in models if isinstance(m.get("id"), str)]
    if not usable:
        return out  # no video model listed: nothing can be queued
    try:
        queued = transport.request("POST", queue.path, headers, json=job_request(usable[0]))
        answer = queued.json()
        if not 200 <= queued.status < 300 or not isinstance(answer, dict):
            return out  # the queue operation's own cases judge a refusal
        job = {"model": answer.get("model"), "queue_id": answer.get("queue_id")}
        if not all(isinstance(v, str) for v in job.values()):
            return out  # the schema check names the missing field
        deadline = time.monotonic() + poll_seconds
        wait, last = _FIRST_WAIT, -1.0
        video: Call | None = None
        while video is None and time.monotonic() < deadline:
            polled = transport.request("POST", retrieve.path, headers, json=job)
            if not 200 <= polled.status < 300:
                fail("retrievable", "a queued job could not be retrieved", "2xx while the job exists", polled)
                return out
            if polled.media_type == "video/mp4":
                video = polled
                break
            status = polled.json()
            elapsed = status.get("execution_duration") if isinstance(status, dict) else None
            if isinstance(elapsed, (int, float)) and not isinstance(elapsed, bool):
                if elapsed < last:
                    title = "execution_duration went backwards between two polls"
                    fail("growing", title, f"at least {last}", polled, f"{elapsed}")
                last = float(elapsed)
            sleep(wait)
            wait = min(_LONGEST_WAIT, wait * 2)
        if video is None:
            return out  # still running when time was up: nothing more to judge
        for found in check_video(video.body.content):
            out.append(found.at(retrieve.operation_id, video.status, video.curl))
        done = transport.request("POST", complete.path, headers, json=job)
        if not 200 <= done.status < 300:
            return out  # the complete operation's own cases judge this
        after = transport.request("POST", retrieve.path, headers, json=job)
        if 200 <= after.status < 300:
            fail("completed", "a completed job can still be retrieved", "404 once completed", after)
    except NoAnswer as exc:
        failure = Failure(
            "no_answer", "no answer during the video job check", "an HTTP answer", str(exc), exc.rule
        )
        out.append(failure.at(queue.operation_id, None, exc.curl))
    return out
