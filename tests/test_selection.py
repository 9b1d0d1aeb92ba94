"""Choosing the response: Prefer (Prism-compatible), Accept negotiation, determinism by seed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mockserver import Mock, Settings, create_app
from mockserver.exceptions import SelectionError
from mockserver.selection import Accept, negotiate, parse_prefer
from tests.helpers import AUTH

CHAT = "/api/v1/chat/completions"
BODY = {"model": "venice-uncensored", "messages": [{"role": "user", "content": "hi"}]}


class TestPrefer:
    def test_parse(self) -> None:
        prefer = parse_prefer("code=429, example=rex; dynamic=false")
        assert (prefer.code, prefer.example, prefer.dynamic) == (429, "rex", False)

    @pytest.mark.parametrize("header", ["code=abc", "dynamic=maybe"])
    def test_nonsense_is_refused(self, header: str) -> None:
        with pytest.raises(SelectionError):
            parse_prefer(header)

    def test_code_answers_that_documented_status_with_a_valid_body(self, client: TestClient) -> None:
        response = client.post(CHAT, json=BODY, headers={**AUTH, "Prefer": "code=429"})
        assert response.status_code == 429
        assert isinstance(response.json()["error"], str)

    def test_an_undocumented_code_gets_a_clear_error(self, client: TestClient) -> None:
        response = client.get("/api/v1/models", headers={"Prefer": "code=418"})
        assert response.status_code == 400
        assert response.json()["error"] == (
            "status 418 is not documented for listModels (GET /models); documented: 200, 500"
        )
        assert response.json()["details"]["documented"] == ["200", "500"]

    def test_violations_win_over_prefer(self, client: TestClient) -> None:
        response = client.post(CHAT, json={}, headers={**AUTH, "Prefer": "code=200"})
        assert response.status_code == 400

    def test_example_serves_a_named_example_and_dynamic_false_prefers_examples(self, tmp_path: Path) -> None:
        document = {
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/pet": {
                    "get": {
                        "operationId": "pet",
                        "responses": {
                            "200": {
                                "description": "ok",
                                "content": {
                                    "application/json": {
                                        "schema": {
                                            "type": "object",
                                            "properties": {"name": {"type": "string"}},
                                        },
                                        "examples": {
                                            "rex": {"value": {"name": "Rex"}},
                                            "tom": {"value": {"name": "Tom"}},
                                        },
                                    }
                                },
                            }
                        },
                    }
                }
            },
        }
        (tmp_path / "s.json").write_text(json.dumps(document))
        with TestClient(create_app(Settings(spec=str(tmp_path / "s.json")))) as client:
            assert client.get("/pet", headers={"Prefer": "example=tom"}).json() == {"name": "Tom"}
            assert client.get("/pet", headers={"Prefer": "dynamic=false"}).json() == {"name": "Rex"}
            missing = client.get("/pet", headers={"Prefer": "example=felix"})
        assert missing.status_code == 400
        assert "no valid example named 'felix'" in missing.json()["error"]
        assert "named examples: 'rex', 'tom'" in missing.json()["error"]


class TestAccept:
    def test_quality_and_wildcards(self) -> None:
        accept = Accept.parse("text/csv;q=0.5, application/*;q=0.9, */*;q=0.1")
        assert accept.quality("application/json") == 0.9
        assert accept.quality("text/csv") == 0.5
        assert accept.quality("image/png") == 0.1
        assert Accept.parse("").quality("anything/at-all") == 1.0

    def test_negotiation_follows_accept_among_documented_types(self) -> None:
        documented = ["application/json", "text/csv"]
        assert negotiate(documented, Accept.parse("text/csv"), None) == ("text/csv", True)
        assert negotiate(documented, Accept.parse("*/*"), None) == ("application/json", True)

    def test_what_the_request_implies_wins_over_accept_leniently(self) -> None:
        # The openai SDK sends Accept: application/octet-stream for speech; the answer is still audio.
        documented = ["audio/mpeg", "audio/wav"]
        assert negotiate(documented, Accept.parse("application/octet-stream"), "audio/wav") == (
            "audio/wav",
            False,
        )

    def test_accept_picks_among_documented_binary_types(self, client: TestClient) -> None:
        response = client.get("/api/v1/billing/usage", headers={**AUTH, "Accept": "text/csv"})
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"


class TestDeterminism:
    def test_same_seed_and_request_give_the_same_bytes(self, make_mock: Callable[..., Mock]) -> None:
        bodies = []
        for _ in range(2):
            with TestClient(create_app(mock=make_mock(seed=7))) as client:
                bodies.append(client.post(CHAT, json=BODY, headers=AUTH).content)
        assert bodies[0] == bodies[1]

    def test_another_seed_gives_other_bytes(self, make_mock: Callable[..., Mock]) -> None:
        with (
            TestClient(create_app(mock=make_mock(seed=1))) as one,
            TestClient(create_app(mock=make_mock(seed=2))) as two,
        ):
            assert (
                one.post(CHAT, json=BODY, headers=AUTH).content
                != two.post(CHAT, json=BODY, headers=AUTH).content
            )

    def test_the_generic_engine_varies_with_the_seed_too(self, make_mock: Callable[..., Mock]) -> None:
        # Without behaviors /characters is synthesized from its schema, so the seed shows.
        with (
            TestClient(create_app(mock=make_mock(seed=1, behaviors=False))) as one,
            TestClient(create_app(mock=make_mock(seed=2, behaviors=False))) as two,
        ):
            assert (
                one.get("/api/v1/characters", headers=AUTH).content
                != two.get("/api/v1/characters", headers=AUTH).content
            )

    def test_the_seed_header_overrides_per_request(self, client: TestClient) -> None:
        first = client.post(CHAT, json=BODY, headers={**AUTH, "X-Mock-Seed": "5"}).content
        again = client.post(CHAT, json=BODY, headers={**AUTH, "X-Mock-Seed": "5"}).content
        other = client.post(CHAT, json=BODY, headers={**AUTH, "X-Mock-Seed": "6"}).content
        assert first == again
        assert first != other

    def test_no_content_encoding_unless_the_body_is_encoded(self, client: TestClient) -> None:
        # The spec documents `Content-Encoding: gzip|br` for chat; a synthesized header would lie.
        response = client.post(CHAT, json=BODY, headers={**AUTH, "Accept-Encoding": "identity"})
        assert "content-encoding" not in response.headers
        json.loads(response.content)
