"""A later Venice spec (tests/later_venice.py) served over real HTTP: every operation answers
validly under openapi-core reading that spec; the new operations mean something (a key by id, a
character by slug, video jobs that are priced, queued, polled until a real MP4 arrives, and
cleaned up; 404 for what does not exist); the contract kit's server suite finds nothing wrong.
"""

from __future__ import annotations

import io
import json
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import httpx
import pytest

from contracts.cli import main as contracts_main
from mockserver import Mock, Settings, Spec
from mockserver.behaviors.video import PIXEL_FRAMES
from mockserver.catalogfile import load_catalog
from mockserver.flags import parser, settings_from
from mockserver.media.mp4 import FPS
from mockserver.state import VideoJob
from tests.conftest import LiveServer
from tests.helpers import (
    VIDEO_MODEL,
    Request,
    reference_check_response,
    reference_for,
    sse_data,
    valid_request,
)
from tests.later_venice import NEW_OPERATIONS, NEW_TYPES

KEY = "sk-later-venice-0123456789"
POLLS = 400  # at 20 ms apart, far longer than a job of --video-seconds 0.3 runs


@pytest.fixture(scope="module")
def later_reference(later_spec: Spec) -> Any:
    return reference_for(later_spec)


@pytest.fixture
def later_mock(later_spec: Spec) -> Mock:
    return Mock(Settings(api_keys=(KEY,), video_seconds=0.3, check_responses=True), spec=later_spec)


@pytest.fixture
def server(later_mock: Mock) -> Iterator[LiveServer]:
    with LiveServer(later_mock) as live:
        yield live


class Api:
    """Calls over loopback, every answer judged by openapi-core on the later spec."""

    def __init__(self, server: LiveServer, reference: Any, token: str = KEY) -> None:
        self.base_path = server.mock.base_path
        self.reference = reference
        self.token = token
        self.client = httpx.Client(base_url=server.origin, timeout=30)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        request = Request(method, path, query=query or {}, headers={"Authorization": f"Bearer {self.token}"})
        request.headers.update(headers or {})
        if body is not None:
            request.json, request.has_body = body, True
            request.headers["Content-Type"] = "application/json"
        response = self.client.request(
            method, request.url(self.base_path), headers=request.headers, content=request.body() or None
        )
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            return response  # openapi-core reads no streams: their events are judged by the caller
        reference_check_response(
            self.reference,
            self.base_path,
            request,
            response.status_code,
            dict(response.headers),
            response.content,
        )
        return response


@pytest.fixture
def api(server: LiveServer, later_reference: Any) -> Iterator[Api]:
    client = Api(server, later_reference)
    with client.client:
        yield client


def _error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    message = response.json()["error"]
    assert isinstance(message, str)
    assert message
    return message


# ----------------------------------------------------------------------------- every operation


def test_every_operation_answers_validly_for_each_media_type(later_mock: Mock, api: Api) -> None:
    """Each operation's lowest 2xx, forced with Prefer, for every media type it documents."""
    rng = random.Random(0)
    seen = set()
    for op in later_mock.spec.operations:
        status = min(int(s) for s in op.responses if s.startswith("2"))
        for media_type in op.responses[str(status)].content or [None]:
            request = valid_request(op, rng.randrange(1000), later_mock.synthesizer, media_type)
            headers = {"Prefer": f"code={status}", **({"Accept": media_type} if media_type else {})}
            response = api.call(op.method, request.path, request.json, request.query, headers)
            assert response.status_code == status, (op.operation_id, response.text[:300])
            if media_type == "text/event-stream":
                events = op.responses[str(status)].content[media_type].sse_data
                *payloads, done = sse_data(response.text)
                assert done == "[DONE]"
                assert events is not None
                assert payloads
                assert all(events.is_valid(json.loads(p)) for p in payloads)
            seen.add(op.operation_id)
    assert set(NEW_OPERATIONS) <= seen
    assert len(seen) == len(later_mock.spec.operations) == 26


def test_the_later_model_types_are_listed(api: Api) -> None:
    catalog = load_catalog()
    for model_type in NEW_TYPES:
        body = api.call("GET", "/models", query={"type": model_type}).json()
        assert [m["id"] for m in body["data"]] == list(catalog.ids(model_type))
        assert body["data"]
        traits = api.call("GET", "/models/traits", query={"type": model_type}).json()
        assert traits["data"] == dict(catalog.traits(model_type))
    everything = api.call("GET", "/models", query={"type": "all"}).json()["data"]
    assert {m["type"] for m in everything} >= set(NEW_TYPES)
    assert len(everything) == len(catalog.models("all"))


# ----------------------------------------------------------------------------- lookups


def test_a_key_by_id_is_the_stored_key_until_it_is_deleted(api: Api) -> None:
    created = api.call("POST", "/api_keys", {"apiKeyType": "INFERENCE", "description": "later"}).json()[
        "data"
    ]
    found = api.call("GET", f"/api_keys/{created['id']}")
    assert found.status_code == 200, found.text
    data = found.json()["data"]
    assert data["id"] == created["id"]
    assert data["description"] == "later"
    assert data["last6Chars"] == created["apiKey"][-6:]
    assert created["apiKey"] not in found.text  # the secret is shown once, at creation
    listed = api.call("GET", "/api_keys").json()["data"]
    assert [k for k in listed if k["id"] == created["id"]] == [data]
    assert api.call("DELETE", "/api_keys", query={"id": created["id"]}).json() == {"success": True}
    assert created["id"] in _error(api.call("GET", f"/api_keys/{created['id']}"), 404)


def test_an_unknown_key_id_is_a_404_and_an_inference_key_may_not_look(api: Api, server: LiveServer) -> None:
    assert "no-such-key" in _error(api.call("GET", "/api_keys/no-such-key"), 404)
    secret = api.call("POST", "/api_keys", {"apiKeyType": "INFERENCE", "description": "x"}).json()["data"]
    inference = Api(server, api.reference, token=secret["apiKey"])
    with inference.client:
        assert "ADMIN" in _error(inference.call("GET", f"/api_keys/{secret['id']}"), 401)


def test_every_character_by_slug_and_a_404_for_others(api: Api) -> None:
    listed = api.call("GET", "/characters").json()["data"]
    assert listed
    for character in listed:
        answer = api.call("GET", f"/characters/{character['slug']}")
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"data": character}
    message = _error(api.call("GET", "/characters/no-such-character"), 404)
    assert "no-such-character" in message
    assert listed[0]["slug"] in message  # it says which slugs exist


# ----------------------------------------------------------------------------- video


def _quote(api: Api, **fields: Any) -> float:
    body = {"model": VIDEO_MODEL, "duration": "5s", "resolution": "720p", "audio": False, **fields}
    answer = api.call("POST", "/video/quote", body)
    assert answer.status_code == 200, answer.text
    quote = answer.json()["quote"]
    assert isinstance(quote, (int, float))
    return float(quote)


def test_a_quote_is_the_models_price_for_the_duration_and_resolution(api: Api) -> None:
    per_second = load_catalog().unit_price_usd(VIDEO_MODEL, "video-second")
    assert _quote(api) == pytest.approx(5 * per_second)
    assert _quote(api, duration="10s") == pytest.approx(2 * _quote(api))
    assert _quote(api, resolution="1080p") == pytest.approx(4 * _quote(api, resolution="480p"))
    assert _quote(api, audio=True) > _quote(api)


def test_a_queued_video_is_billed_its_quote_and_rate_limited_as_a_video_model(api: Api) -> None:
    body = {"model": VIDEO_MODEL, "prompt": "billed", "duration": "10s", "resolution": "1080p", "audio": True}
    quote = _quote(api, duration="10s", resolution="1080p", audio=True)
    assert api.call("POST", "/video/queue", body).status_code == 200
    usage = api.call("GET", "/billing/usage", query={"currency": "DIEM"}).json()["data"]
    (entry,) = [e for e in usage if e["sku"] == f"{VIDEO_MODEL}-video-second"]
    assert entry["units"] * entry["pricePerUnitUsd"] == pytest.approx(quote)
    limits = api.call("GET", "/api_keys/rate_limits").json()["data"]["rateLimits"]
    by_model = {e["apiModelId"]: {r["type"]: r["amount"] for r in e["rateLimits"]} for e in limits}
    assert set(by_model) == {m.id for m in load_catalog().models("all")}
    assert by_model[VIDEO_MODEL]["RPM"] > 0


def _poll(api: Api, job: dict[str, str]) -> tuple[list[dict[str, Any]], httpx.Response]:
    """Retrieve until the MP4 arrives: the PROCESSING answers seen, and the final answer."""
    statuses: list[dict[str, Any]] = []
    for _ in range(POLLS):
        answer = api.call("POST", "/video/retrieve", job)
        assert answer.status_code == 200, answer.text
        if answer.headers["content-type"] == "video/mp4":
            return statuses, answer
        statuses.append(answer.json())
        time.sleep(0.02)
    pytest.fail(f"no video after {POLLS} polls: {statuses[-1:]}")


def _decode(data: bytes) -> tuple[int, int, int, float, float | None]:
    """Width, height, frames and seconds of the video; seconds of the audio track (None: none)."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        seconds = float(stream.duration * stream.time_base)
        audio = container.streams.audio
        heard = float(audio[0].duration * audio[0].time_base) if audio else None
        return stream.codec_context.width, stream.codec_context.height, frames, seconds, heard


@pytest.mark.parametrize(
    ("aspect_ratio", "resolution", "duration", "audio", "size"),
    [
        ("16:9", "720p", "5s", None, (1280, 720)),
        ("9:16", "480p", "10s", False, (480, 854)),
        ("1:1", "1080p", "5s", True, (1080, 1080)),
    ],
)
def test_polling_a_queued_video_ends_with_the_mp4_asked_for(
    api: Api, aspect_ratio: str, resolution: str, duration: str, audio: bool | None, size: tuple[int, int]
) -> None:
    body: dict[str, Any] = {
        "model": VIDEO_MODEL,
        "prompt": "A gondola at sunset",
        "duration": duration,
        "aspect_ratio": aspect_ratio,
        "resolution": resolution,
    }
    if audio is not None:
        body["audio"] = audio
    queued = api.call("POST", "/video/queue", body)
    assert queued.status_code == 200, queued.text
    job = queued.json()
    assert job["model"] == VIDEO_MODEL
    statuses, video = _poll(api, {"model": job["model"], "queue_id": job["queue_id"]})
    assert statuses, "a job reports PROCESSING before it is done"
    assert {s["status"] for s in statuses} == {"PROCESSING"}
    elapsed = [s["execution_duration"] for s in statuses]
    assert elapsed == sorted(elapsed)
    assert len(statuses) == 1 or elapsed[-1] > elapsed[0]
    assert all(s["average_execution_time"] == statuses[0]["average_execution_time"] for s in statuses)
    seconds = float(duration.rstrip("s"))
    width, height, frames, length, heard = _decode(video.content)
    assert (width, height, frames) == (*size, round(seconds * FPS))
    assert length == pytest.approx(seconds)
    if audio is False:
        assert heard is None
    else:  # `audio` defaults to true: a (silent) track as long as the video
        assert heard == pytest.approx(seconds, abs=0.05)
    again = api.call("POST", "/video/retrieve", job)  # until completed, it can be fetched again
    assert again.content == video.content
    done = api.call("POST", "/video/complete", job)
    assert done.json() == {"success": True}
    assert job["queue_id"] in _error(api.call("POST", "/video/retrieve", job), 404)
    _error(api.call("POST", "/video/complete", job), 404)


def test_two_jobs_of_one_request_are_two_jobs_and_delete_on_completion(api: Api) -> None:
    body = {"model": VIDEO_MODEL, "prompt": "twice", "duration": "5s", "resolution": "480p"}
    first, second = (api.call("POST", "/video/queue", body).json() for _ in range(2))
    assert first["queue_id"] != second["queue_id"]
    job = {**first, "delete_media_on_completion": True}
    _poll(api, job)
    _error(api.call("POST", "/video/retrieve", job), 404)  # deleted with the download
    assert api.call("POST", "/video/complete", second).json() == {"success": True}


def test_unknown_jobs_and_wrong_models_are_refused(api: Api) -> None:
    unknown = {"model": VIDEO_MODEL, "queue_id": "123e4567-e89b-12d3-a456-426614174000"}
    assert unknown["queue_id"] in _error(api.call("POST", "/video/retrieve", unknown), 404)
    _error(api.call("POST", "/video/complete", unknown), 404)
    job = api.call("POST", "/video/queue", {"model": VIDEO_MODEL, "prompt": "p", "duration": "5s"}).json()
    other = {"model": "wan-2.5-preview-image-to-video", "queue_id": job["queue_id"]}
    _error(api.call("POST", "/video/retrieve", other), 404)  # a job is known by model and id
    assert "video model" in _error(
        api.call("POST", "/video/queue", {"model": "llama-3.3-70b", "prompt": "p", "duration": "5s"}), 400
    )
    assert "width:height" in _error(
        api.call("POST", "/video/quote", {**job, "duration": "5s", "aspect_ratio": "wide"}), 400
    )
    assert "offers" in _error(
        api.call("POST", "/video/quote", {**job, "duration": "5s", "aspect_ratio": "21:9"}), 400
    )


def test_a_huge_job_keeps_its_size_and_duration_at_a_lower_frame_rate(api: Api, later_mock: Mock) -> None:
    """A job no catalog model offers (a spec without the enums, --any-model) stays bounded."""
    job = VideoJob("huge", VIDEO_MODEL, 0.0, 0.0, 60.0, 3840, 2160, False, 1)
    later_mock.services.state.add_job(job)
    video = api.call("POST", "/video/retrieve", {"model": VIDEO_MODEL, "queue_id": "huge"})
    assert video.headers["content-type"] == "video/mp4"
    assert len(video.content) < 32_000_000
    with av.open(io.BytesIO(video.content)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (3840, 2160)
        assert float(stream.duration * stream.time_base) == pytest.approx(60.0)
        # The rate drops to fit PIXEL_FRAMES, but never below one frame a second (here: that floor).
        assert 3840 * 2160 * 60 * FPS > PIXEL_FRAMES
        assert stream.frames == 60


def test_a_state_file_shares_jobs_between_servers(
    later_spec: Spec, later_reference: Any, tmp_path: Path
) -> None:
    """Workers (or restarts) on one --state-file see the same jobs."""
    settings = Settings(api_keys=(KEY,), video_seconds=0.0, state_file=str(tmp_path / "state.db"))
    with (
        LiveServer(Mock(settings, spec=later_spec)) as one,
        LiveServer(Mock(settings, spec=later_spec)) as two,
    ):
        first, second = Api(one, later_reference), Api(two, later_reference)
        with first.client, second.client:
            body = {"model": VIDEO_MODEL, "prompt": "shared", "duration": "5s", "resolution": "480p"}
            job = first.call("POST", "/video/queue", body).json()
            video = second.call("POST", "/video/retrieve", job)
            assert video.headers["content-type"] == "video/mp4"  # --video-seconds 0: ready at once
            assert _decode(video.content)[:3] == (854, 480, 5 * FPS)
            assert second.call("POST", "/video/complete", job).json() == {"success": True}
            _error(first.call("POST", "/video/retrieve", job), 404)


def test_video_seconds_is_a_flag() -> None:
    assert settings_from(parser().parse_args(["--video-seconds", "0.5"])).video_seconds == 0.5
    assert settings_from(parser().parse_args([])).video_seconds == Settings().video_seconds == 2.0
    assert "--video-seconds" in parser().format_help()
    with pytest.raises(SystemExit) as caught:
        parser().parse_args(["--video-seconds", "-1"])
    assert caught.value.code == 2


# ----------------------------------------------------------------------------- the contract kit


def test_the_server_suite_finds_nothing_wrong_with_the_new_operations(
    later_spec_path: str, server: LiveServer, later_mock: Mock, tmp_path: Path
) -> None:
    out = io.StringIO()
    argv = ["server", "--spec", later_spec_path, "--base-url", server.base_url, "--api-key", KEY]
    argv += ["--allow-mutations", "--allow-costly", "--max-wait", "0", "--no-progress", "--seed", "3"]
    argv += ["--max-examples", "15", "--report", "json", "--report-dir", str(tmp_path)]
    argv += ["--operations", *NEW_OPERATIONS, "listModels"]
    code = contracts_main(argv, out)
    text = out.getvalue()
    assert code == 0, text
    assert "FAIL" not in text
    for label in (
        "GET /api_keys/{id}",
        "GET /characters/{slug}",
        "POST /video/queue",
        "POST /video/retrieve",
    ):
        assert f"PASS  {label}" in text
    assert json.loads((tmp_path / "venice-contracts.json").read_text())["failures"] == 0
    # Its positive cases reached the success answers (a video model, offered sizes), not just 400s.
    succeeded = {c.operation_id for c in later_mock.calls if c.status == 200}
    assert {"quoteVideo", "queueVideo", "getCharacterBySlug"} <= succeeded
    # Its video job check polled a job until the MP4 came (and judged it).
    assert any(c.media_type == "video/mp4" for c in later_mock.calls if c.operation_id == "retrieveVideo")
