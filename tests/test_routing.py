"""Routing: literal before templated paths, 404 with the nearest paths, 405 with Allow, base paths."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from mockserver import Mock, Spec, create_app, load_spec
from mockserver.routing import Match, Miss, Router


def test_literal_paths_match(spec: Spec) -> None:
    found = Router.build(spec).match("POST", "/chat/completions")
    assert isinstance(found, Match)
    assert found.operation.operation_id == "createChatCompletion"


def test_a_concrete_path_wins_over_a_template(tmp_path: Path) -> None:
    ok = {"200": {"description": "ok"}}
    document = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/items/{id}": {
                "get": {
                    "operationId": "byId",
                    "responses": ok,
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                }
            },
            "/items/latest": {"get": {"operationId": "latest", "responses": ok}},
        },
    }
    (tmp_path / "s.json").write_text(json.dumps(document))
    router = Router.build(load_spec(tmp_path / "s.json"))
    latest = router.match("GET", "/items/latest")
    by_id = router.match("GET", "/items/42")
    assert isinstance(latest, Match)
    assert latest.operation.operation_id == "latest"
    assert isinstance(by_id, Match)
    assert by_id.operation.operation_id == "byId"
    assert dict(by_id.path_params) == {"id": "42"}


def test_unknown_paths_name_the_nearest_documented_ones(client: TestClient) -> None:
    response = client.post("/api/v1/chat/completion")
    assert response.status_code == 404
    body = response.json()
    assert body["error"].startswith("no documented operation at /api/v1/chat/completion; nearest: ")
    assert body["details"]["nearest"][0] == "/api/v1/chat/completions"


def test_paths_outside_the_base_path_are_404_with_a_hint(client: TestClient) -> None:
    response = client.get("/models")
    assert response.status_code == 404
    assert "under /api/v1" in response.json()["error"]
    assert "/api/v1/models" in response.json()["details"]["nearest"]


def test_a_known_path_with_another_method_is_405_with_allow(client: TestClient) -> None:
    response = client.get("/api/v1/chat/completions")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["error"] == "method GET is not allowed on /api/v1/chat/completions; allowed: POST"
    assert client.put("/api/v1/api_keys").headers["allow"] == "DELETE, GET, POST"


def test_the_base_path_can_be_moved(make_mock: Callable[..., Mock]) -> None:
    with TestClient(create_app(mock=make_mock(base_path="/v1"))) as client:
        assert client.get("/v1/models").status_code == 200
        assert client.get("/api/v1/models").status_code == 404


def test_misses_are_recorded_with_their_nearest_operations(mock: Mock, client: TestClient) -> None:
    client.get("/api/v1/modles")
    call = mock.calls.last()
    assert call is not None
    assert (call.status, call.operation_id) == (404, None)
    assert "/api/v1/models" in call.nearest


def test_miss_values() -> None:
    assert Miss(405, "/x", allowed=("GET",)).allowed == ("GET",)


def test_an_operation_without_semantics_gets_the_generic_behavior_and_it_is_cacheable() -> None:
    from mockserver.behaviors import GENERIC, Behavior, combine, lookup, synthesized

    assert lookup("noSuchOperation") is GENERIC
    assert GENERIC.cacheable
    assert not Behavior().cacheable  # a behavior is assumed to read state unless it says otherwise
    assert Behavior().build is synthesized

    # Combining keeps the first part that sets a hook of its own, the default otherwise.
    def build(ex: object, services: object) -> None:
        return None

    both = combine([Behavior(), Behavior(build=build)])
    assert both.build is build
    assert combine([Behavior(), Behavior()]).build is synthesized


def test_combined_hooks_run_only_the_parts_that_set_them_in_order() -> None:
    from mockserver.behaviors import Behavior, Refusal, combine
    from mockserver.behaviors.hooks import GENERIC
    from mockserver.errors import Violation

    ran: list[str] = []

    def check(name: str) -> Callable[..., list[Violation]]:
        def hook(op: object, request: object, services: object) -> list[Violation]:
            ran.append(name)
            return [Violation(name, "rule", name)]

        return hook

    def admit(name: str, refusal: Refusal | None) -> Callable[..., Refusal | None]:
        def hook(ex: object, services: object) -> Refusal | None:
            ran.append(name)
            return refusal

        return hook

    def refine(suffix: str) -> Callable[..., object]:
        return lambda ex, value, services: f"{value}{suffix}"

    def account(name: str) -> Callable[..., None]:
        return lambda ex, value, services: ran.append(name)

    only = check("only")
    combined = combine(
        [
            Behavior(check=check("a"), admit=admit("admit-a", None), refine=refine("1")),
            Behavior(account=account("acct-b")),
            Behavior(
                check=check("c"),
                admit=admit("admit-c", Refusal(429, "slow down")),
                refine=refine("2"),
                account=account("acct-c"),
            ),
            Behavior(admit=admit("admit-d", Refusal(402, "pay"))),
        ]
    )
    empty: Any = None
    assert [v.location for v in combined.check(empty, empty, empty)] == ["a", "c"]
    assert combined.admit(empty, empty) == Refusal(429, "slow down")  # the first refusal wins
    assert combined.refine(empty, "v", empty) == "v12"
    combined.account(empty, None, empty)
    assert ran == ["a", "c", "admit-a", "admit-c", "acct-b", "acct-c"]
    # A hook one part sets is that part's own; one no part sets is the default.
    alone = combine([Behavior(check=only), Behavior()])
    assert alone.check is only
    assert alone.admit is GENERIC.admit
    assert alone.headers(empty, None, empty) == {}
