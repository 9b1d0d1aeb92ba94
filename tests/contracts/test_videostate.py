"""The server suite's video job check (contracts/server/videostate.py): a correct server passes
it, and a server whose MP4 does not decode, whose completed jobs stay, or whose job clock runs
backwards is named, each over real HTTP on loopback; and where the check stops without a
finding (no video model, a refused queue or completion, time up), or names a job that cannot be
retrieved or a server that does not answer."""

from __future__ import annotations

import io
import itertools
import json
import socket
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from contracts.checks.reader import Limits
from contracts.cli import main
from contracts.failures import Failure
from contracts.safety import Budget, Redactor
from contracts.server.transport import Transport
from contracts.server.videostate import check_video_state, job_request
from mockserver import Mock, Settings, Spec, create_app
from tests.conftest import LiveServer

KEY = "sk-video-state-0123456789"
Message = dict[str, Any]
ASGI = Callable[..., Any]


def _rewriting(app: ASGI, path: str, edit: Callable[[bytes, str], tuple[bytes, int | None]]) -> ASGI:
    """`app`, with the answers of `path` buffered and rewritten: edit(body, content type) ->
    (new body, new status or None)."""

    async def wrapped(scope: Message, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].endswith(path):
            await app(scope, receive, send)
            return
        # Uncompressed answers only, so that the layer can read what it rewrites.
        scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]}
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
            body, status = edit(b"".join(chunks), headers.get("content-type", ""))
            headers["content-length"] = str(len(body))
            await send(
                {
                    "type": "http.response.start",
                    "status": status or start["status"],
                    "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
                }
            )
            await send({"type": "http.response.body", "body": body})

        await app(scope, receive, capture)

    return wrapped


def _garbled_video(body: bytes, content_type: str) -> tuple[bytes, int | None]:
    if content_type != "video/mp4":
        return body, None
    return body[:32] + bytes((i * 37 + 11) % 251 for i in range(len(body) - 32)), None


_POLLS = itertools.count(1)


def _backwards(body: bytes, content_type: str) -> tuple[bytes, int | None]:
    if not content_type.startswith("application/json"):
        return body, None
    value = json.loads(body)
    if isinstance(value, dict) and "execution_duration" in value:
        value["execution_duration"] = 1_000_000 - 1_000 * next(_POLLS)  # less at every poll
    return json.dumps(value).encode(), None


def _never_gone(body: bytes, content_type: str) -> tuple[bytes, int | None]:
    if content_type.startswith("application/json") and b"not found" in body.lower():
        return json.dumps(
            {"status": "PROCESSING", "average_execution_time": 1, "execution_duration": 1}
        ).encode(), 200
    return body, None


@pytest.fixture
def later_mock(later_spec: Spec) -> Mock:
    return Mock(Settings(api_keys=(KEY,), video_seconds=0.4), spec=later_spec)


def _run(later_spec_path: str, server: LiveServer) -> str:
    out = io.StringIO()
    argv = ["server", "--spec", later_spec_path, "--base-url", server.base_url, "--api-key", KEY]
    argv += ["--allow-costly", "--max-wait", "0", "--no-progress", "--seed", "5", "--max-examples", "3"]
    argv += ["--mode", "positive", "--operations", "queueVideo", "listModels"]
    main(argv, out)
    return out.getvalue()


def test_a_correct_server_passes_the_video_job_check(later_spec_path: str, later_mock: Mock) -> None:
    with LiveServer(later_mock) as server:
        text = _run(later_spec_path, server)
    assert "PASS  POST /video/queue" in text, text
    retrieved = [c for c in later_mock.calls if c.operation_id == "retrieveVideo"]
    assert {c.media_type for c in retrieved} == {"application/json", "video/mp4"}  # polled until done
    assert [c.status for c in later_mock.calls if c.operation_id == "completeVideo"] == [200]
    assert retrieved[-1].status == 404  # looked again after completing


@pytest.mark.parametrize(
    ("edit", "found"),
    [
        (_garbled_video, "mp4 video does not decode"),
        (_backwards, "execution_duration went backwards"),
        (_never_gone, "a completed job can still be retrieved"),
    ],
)
def test_a_broken_video_job_is_named(
    later_spec_path: str, later_mock: Mock, edit: Callable[[bytes, str], tuple[bytes, int | None]], found: str
) -> None:
    app = _rewriting(create_app(mock=later_mock), "/video/retrieve", edit)
    with LiveServer(later_mock, app) as server:
        text = _run(later_spec_path, server)
    assert "FAIL  POST /video/queue" in text, text
    assert found in text, text


def test_the_job_asked_for_is_the_cheapest_the_model_offers() -> None:
    model = {
        "id": "v",
        "model_spec": {
            "constraints": {"durations": ["5s", "10s"], "resolutions": ["480p"], "aspect_ratios": ["1:1"]}
        },
    }
    assert job_request(model) == {
        "model": "v",
        "prompt": "venice-contracts: video job check",
        "duration": "5s",
        "resolution": "480p",
        "aspect_ratio": "1:1",
        "audio": False,
    }
    assert job_request({"id": "w"})["duration"] == "5s"


def test_the_rewriting_layer_is_not_vacuous(later_mock: Mock) -> None:
    """The broken servers above really answer differently from the mock."""
    assert _garbled_video(b"x" * 64, "video/mp4")[0] != b"x" * 64
    assert _never_gone(b'{"error":"Video not found"}', "application/json")[1] == 200


def _check(
    spec: Spec,
    mock: Mock,
    app: ASGI | None = None,
    models: list[dict[str, Any]] | None = None,
    **options: Any,
) -> list[Failure]:
    """check_video_state against `app` (default: the mock) on loopback, polling without sleeping."""
    headers = {"Authorization": f"Bearer {KEY}"}
    with LiveServer(mock, app) as server:
        if models is None:
            listed = httpx.get(server.base_url + "/models", params={"type": "video"}, headers=headers)
            models = listed.json()["data"]
        transport = Transport(server.base_url, Limits(seconds=2.0), Budget(None), Redactor([KEY]), 0.0)
        try:
            return check_video_state(spec, transport, headers, models, sleep=lambda _: None, **options)
        finally:
            transport.close()


def _refused(body: bytes, content_type: str) -> tuple[bytes, int | None]:
    return (b'{"error":"boom"}', 500) if content_type.startswith("application/json") else (body, None)


def _ids(mock: Mock) -> list[str | None]:
    return [c.operation_id for c in mock.calls]


def test_a_job_that_cannot_be_retrieved_is_named(later_spec: Spec, later_mock: Mock) -> None:
    app = _rewriting(create_app(mock=later_mock), "/video/retrieve", _refused)
    (failure,) = _check(later_spec, later_mock, app)
    assert (failure.name, failure.title, failure.expected, failure.received) == (
        "video_jobs.retrievable",
        "a queued job could not be retrieved",
        "2xx while the job exists",
        '500 {"error":"boom"}',
    )
    assert (failure.operation, failure.status) == ("queueVideo", 500)
    assert "/video/retrieve" in failure.curl
    assert "$VENICE_API_KEY" in failure.curl
    assert KEY not in failure.curl
    assert _ids(later_mock)[-2:] == ["queueVideo", "retrieveVideo"]


def test_without_a_video_model_nothing_is_queued(later_spec: Spec, later_mock: Mock) -> None:
    assert _check(later_spec, later_mock, models=[{"name": "no id"}]) == []
    assert "queueVideo" not in _ids(later_mock)


def test_a_refused_or_incomplete_queue_answer_is_left_to_the_queue_operations_own_cases(
    later_spec: Spec, later_mock: Mock
) -> None:
    refused = _rewriting(create_app(mock=later_mock), "/video/queue", _refused)
    assert _check(later_spec, later_mock, refused) == []
    no_id = _rewriting(
        create_app(mock=later_mock), "/video/queue", lambda body, ct: (b'{"model": "m"}', None)
    )
    assert _check(later_spec, later_mock, no_id) == []
    assert "retrieveVideo" not in _ids(later_mock)


def test_a_job_still_running_when_time_is_up_is_no_finding(later_spec: Spec, later_mock: Mock) -> None:
    assert _check(later_spec, later_mock, poll_seconds=0.05) == []
    retrieved = [c.media_type for c in later_mock.calls if c.operation_id == "retrieveVideo"]
    assert retrieved
    assert set(retrieved) == {"application/json"}
    assert "completeVideo" not in _ids(later_mock)


def test_a_refused_completion_is_left_to_the_complete_operations_own_cases(
    later_spec: Spec, later_mock: Mock
) -> None:
    app = _rewriting(create_app(mock=later_mock), "/video/complete", _refused)
    assert _check(later_spec, later_mock, app) == []
    assert _ids(later_mock)[-1] == "completeVideo", "not retrieved again after a refused completion"


def test_a_server_that_does_not_answer_is_no_answer(later_spec: Spec, later_mock: Mock) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    transport = Transport(
        f"http://127.0.0.1:{port}/api/v1", Limits(seconds=1.0), Budget(None), Redactor([]), 0.0
    )
    try:
        (failure,) = check_video_state(later_spec, transport, {}, [{"id": "v"}], sleep=lambda _: None)
    finally:
        transport.close()
    assert (failure.check, failure.title, failure.operation, failure.status) == (
        "no_answer",
        "no answer during the video job check",
        "queueVideo",
        None,
    )
    assert "/video/queue" in failure.curl
