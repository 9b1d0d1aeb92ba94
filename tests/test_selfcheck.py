"""Everything the mock answers is valid against the spec: every operation x documented status x media
type x many seeds, judged by openapi-core (an independent validator), plus the live self-check switch."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import Mock, Spec, create_app
from mockserver.exchange import Reply
from mockserver.selfcheck import check_reply
from tests.helpers import chunk_validator, reference_check_response, sse_data, valid_request

SEEDS = range(12)


def _cases() -> list[Any]:
    from mockserver import load_spec

    cases = []
    for op in load_spec().operations:
        for status, response in op.responses.items():
            media_types: list[str | None] = [*response.content] or [None]
            for media_type in media_types:
                cases.append(
                    pytest.param(
                        op.operation_id,
                        int(status),
                        media_type,
                        id=f"{op.operation_id}-{status}-{media_type}",
                    )
                )
    return cases


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("operation_id", "status", "media_type"), _cases())
def test_every_documented_response_validates_under_openapi_core(
    spec: Spec,
    make_mock: Callable[..., Mock],
    reference: Any,
    seed: int,
    operation_id: str,
    status: int,
    media_type: str | None,
) -> None:
    """For each documented (status, media type), openapi-core accepts the mock's answer."""
    mock = make_mock(seed=seed)
    op = spec.operation(operation_id)
    request = valid_request(op, seed, mock.synthesizer, media_type)
    request.headers["Prefer"] = f"code={status}"
    if media_type:
        request.headers["Accept"] = media_type
    with TestClient(create_app(mock=mock), base_url="http://localhost") as client:
        response = client.request(
            request.method,
            request.url(mock.base_path),
            headers=request.headers,
            content=request.body() or None,
        )
    assert response.status_code == status, response.text
    if media_type:
        assert response.headers["content-type"].split(";")[0] == media_type
    if media_type == "text/event-stream":
        # openapi-core cannot read event streams: validate each event with its schema validator.
        *events, done = sse_data(response.text)
        assert done == "[DONE]"
        validator = chunk_validator(spec)
        for event in events:
            validator.validate(json.loads(event))
        return
    reference_check_response(
        reference, mock.base_path, request, response.status_code, dict(response.headers), response.content
    )


def test_check_responses_turns_an_invalid_reply_into_an_explaining_500(spec: Spec) -> None:
    op = spec.operation("deleteApiKey")
    broken = Reply(200, (("content-type", "application/json"),), b'{"success": "yes"}')
    problems = check_reply(op, broken)
    assert [(p.location, p.rule) for p in problems] == [("success", "type")]
    undocumented = Reply(418, (("content-type", "application/json"),), b"{}")
    assert [p.rule for p in check_reply(op, undocumented)] == ["status"]
    wrong_type = Reply(200, (("content-type", "text/plain"),), b"ok")
    assert [p.rule for p in check_reply(op, wrong_type)] == ["content-type"]


def test_a_lying_content_encoding_is_caught(spec: Spec) -> None:
    op = spec.operation("deleteApiKey")
    lying = Reply(
        200, (("content-type", "application/json"), ("content-encoding", "gzip")), b'{"success": true}'
    )
    assert [p.rule for p in check_reply(op, lying)] == ["content-encoding"]
    honest = Reply(
        200,
        (("content-type", "application/json"), ("content-encoding", "gzip")),
        gzip.compress(b'{"success": true}'),
    )
    assert check_reply(op, honest) == []


def test_check_responses_switch_validates_live_replies(make_mock: Callable[..., Mock]) -> None:
    mock = make_mock(check_responses=True)
    with TestClient(create_app(mock=mock), base_url="http://localhost") as client:
        response = client.get(
            "/api/v1/api_keys", headers={"Authorization": "Bearer k", "Accept-Encoding": "identity"}
        )
    assert response.status_code == 200
    assert (
        check_reply(
            mock.spec.operation("getApiKeys"), Reply(200, tuple(response.headers.items()), response.content)
        )
        == []
    )


def test_check_responses_judges_the_answer_before_a_fault_breaks_it(
    make_mock: Callable[..., Mock], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mockserver import pipeline

    seen: list[bytes] = []

    def recording(op: Any, reply: Any) -> list[Any]:
        seen.append(reply.body)
        return pipeline_check(op, reply)

    pipeline_check = pipeline.check_reply  # type: ignore[attr-defined]
    monkeypatch.setattr(pipeline, "check_reply", recording)
    mock = make_mock(check_responses=True, faults=("wrong-field-type",))
    with TestClient(create_app(mock=mock)) as client:
        sent = client.get(
            "/api/v1/models", headers={"Authorization": "Bearer k", "Accept-Encoding": "identity"}
        )
    assert sent.status_code == 200  # the fault is served, not turned into a self-check 500
    schema = mock.spec.operation("listModels").responses["200"].content["application/json"].schema
    assert schema is not None
    assert len(seen) == 1
    assert schema.is_valid(json.loads(seen[0]))  # what was checked: the un-faulted answer
    assert not schema.is_valid(sent.json())  # what was sent: the faulted one
