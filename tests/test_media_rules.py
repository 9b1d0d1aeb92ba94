"""Venice's rules for the media type a request body picks (`stream: true` -> SSE, `return_binary`
-> the image bytes in `format`, `response_format` -> that audio) are stated twice on purpose: by
the mock's behaviors, which answer, and by the client kit (contracts/client/media.py), which
judges. This pins the two together over every value the spec allows, so neither drifts alone."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.client import media as kit
from mockserver import Mock, behaviors
from mockserver.validation import RequestData


def _enum(mock: Mock, operation_id: str, field: str) -> list[Any]:
    body = mock.spec.operation(operation_id).request_body
    assert body is not None
    schema = body.content["application/json"].schema
    assert schema is not None
    values = schema.schema["properties"][field]["enum"]
    assert isinstance(values, list)
    assert values
    return values


def _bodies(mock: Mock) -> list[tuple[str, dict[str, Any]]]:
    chat = [("createChatCompletion", {"stream": s}) for s in (True, False)]
    chat.append(("createChatCompletion", {}))
    formats = _enum(mock, "generateImage", "format")
    images = [("generateImage", {"return_binary": True, "format": f}) for f in formats]
    images += [("generateImage", {"return_binary": flag}) for flag in (True, False)]
    images += [("generateImage", {"format": formats[0]}), ("generateImage", {})]
    audio = _enum(mock, "createSpeech", "response_format")
    speech = [("createSpeech", {"response_format": f}) for f in audio]
    speech.append(("createSpeech", {}))
    return chat + images + speech


def test_the_mock_and_the_kit_pick_the_same_media_type_for_every_allowed_body(mock: Mock) -> None:
    cases = _bodies(mock)
    assert len(cases) > 12  # the enums were read: three formats, six audio formats at least
    for operation_id, body in cases:
        op = mock.spec.operation(operation_id)
        data = RequestData({}, "application/json", body)
        mine = behaviors.lookup(operation_id).implied(op, data, mock.services)
        theirs = kit.implied(operation_id, {"body": body})
        assert (operation_id, body, mine) == (operation_id, body, theirs)
        assert mine is not None
        documented = {m for r in op.responses.values() for m in r.content}
        assert mine in documented, (operation_id, body, mine)


@pytest.mark.parametrize("operation_id", ["listModels", "createEmbedding", "upscaleImage"])
def test_operations_without_a_rule_leave_the_choice_to_accept_on_both_sides(
    mock: Mock, operation_id: str
) -> None:
    op = mock.spec.operation(operation_id)
    data = RequestData({}, "application/json", {"model": "m"})
    assert behaviors.lookup(operation_id).implied(op, data, mock.services) is None
    assert kit.implied(operation_id, {"body": {"model": "m"}}) is None
