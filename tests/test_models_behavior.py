"""The listing operations answer with the catalog: models per type (including `all` and `code`),
trait and compatibility maps, image styles and characters; every answer valid under openapi-core."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from starlette.testclient import TestClient

from mockserver import Mock, create_app
from mockserver.behaviors import GENERIC, lookup
from mockserver.behaviors.models import DEFAULT_TYPE
from mockserver.catalog import Catalog
from mockserver.catalogfile import default_fixtures_dir, load_catalog
from mockserver.exchange import Exchange
from mockserver.types import Incoming
from mockserver.validation import RequestData
from tests.helpers import AUTH, Request, reference_check_response
from tests.later_venice import BUNDLED_TYPES, NEW_TYPES

LISTINGS = (
    "listModels",
    "listModelTraits",
    "listModelCompatibilityMapping",
    "getImageStyles",
    "listCharacters",
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def get(client: httpx.Client, mock: Mock, reference: Any, path: str, query: dict[str, str]) -> Any:
    """GET a listing, assert a 200 that openapi-core accepts, and return its JSON."""
    request = Request("GET", path, query=query, headers=dict(AUTH))
    response = client.get(request.url(mock.base_path), headers=request.headers)
    assert response.status_code == 200, response.text
    reference_check_response(
        reference, mock.base_path, request, response.status_code, dict(response.headers), response.content
    )
    return response.json()


@pytest.mark.parametrize("model_type", [*BUNDLED_TYPES, "all", "code"])
def test_models_are_the_catalog_models_of_the_type(
    client: httpx.Client, mock: Mock, reference: Any, catalog: Catalog, model_type: str
) -> None:
    body = get(client, mock, reference, "/models", {"type": model_type})
    assert body == {
        "data": [dict(m.data) for m in catalog.models(model_type) if m.type in BUNDLED_TYPES],
        "object": "list",
        "type": model_type,
    }


def test_all_and_code_are_what_they_say(client: httpx.Client, mock: Mock, reference: Any) -> None:
    every = get(client, mock, reference, "/models", {"type": "all"})["data"]
    assert {m["type"] for m in every} == set(BUNDLED_TYPES)
    code = get(client, mock, reference, "/models", {"type": "code"})["data"]
    assert code, "the bundled catalog has coder models"
    assert all(m["type"] == "text" and m["model_spec"]["capabilities"]["optimizedForCode"] for m in code)
    coders = [
        m["id"] for m in every if m["type"] == "text" and m["model_spec"]["capabilities"]["optimizedForCode"]
    ]
    assert [m["id"] for m in code] == coders


def test_models_without_a_type_are_the_text_models(
    client: httpx.Client, mock: Mock, reference: Any, catalog: Catalog
) -> None:
    body = get(client, mock, reference, "/models", {})
    assert DEFAULT_TYPE == "text"
    assert body["type"] == "text"
    assert [m["id"] for m in body["data"]] == list(catalog.ids("text"))


@pytest.mark.parametrize("model_type", NEW_TYPES)
def test_the_bundled_spec_never_lists_later_model_types(
    client: httpx.Client, mock: Mock, catalog: Catalog, model_type: str
) -> None:
    """The catalog holds video and asr models, but the bundled spec's enums know neither: asking
    is a 400 from the spec itself, and `all` leaves them out (their items would be invalid)."""
    assert catalog.models(model_type)
    for path in ("/models", "/models/traits", "/models/compatibility_mapping"):
        response = client.get(mock.base_path + path, params={"type": model_type}, headers=AUTH)
        assert response.status_code == 400, (path, response.text)
    listed = client.get(mock.base_path + "/models", params={"type": "all"}, headers=AUTH).json()["data"]
    assert listed
    assert model_type not in {m["type"] for m in listed}
    limits = client.get(mock.base_path + "/api_keys/rate_limits", headers=AUTH).json()["data"]["rateLimits"]
    assert [entry["apiModelId"] for entry in limits] == [m["id"] for m in listed]


@pytest.mark.parametrize("model_type", [*BUNDLED_TYPES, None])
def test_traits_and_compatibility_are_the_catalog_maps(
    client: httpx.Client, mock: Mock, reference: Any, catalog: Catalog, model_type: str | None
) -> None:
    query = {"type": model_type} if model_type else {}
    expected_type = model_type or "text"
    traits = get(client, mock, reference, "/models/traits", query)
    assert traits == {"data": dict(catalog.traits(expected_type)), "object": "list", "type": expected_type}
    compat = get(client, mock, reference, "/models/compatibility_mapping", query)
    assert compat == {
        "data": dict(catalog.compatibility(expected_type)),
        "object": "list",
        "type": expected_type,
    }


def test_styles_and_characters_are_the_catalog(
    client: httpx.Client, mock: Mock, reference: Any, catalog: Catalog
) -> None:
    assert get(client, mock, reference, "/image/styles", {}) == {
        "data": list(catalog.styles),
        "object": "list",
    }
    characters = get(client, mock, reference, "/characters", {})
    assert characters == {"data": [dict(c) for c in catalog.characters], "object": "list"}
    assert characters["data"], "the bundled catalog has characters"


def test_the_answers_do_not_depend_on_the_seed(make_mock: Callable[..., Mock], reference: Any) -> None:
    answers = []
    for seed in (1, 2):
        mock = make_mock(seed=seed)
        with TestClient(create_app(mock=mock), base_url="http://mock.test") as client:
            answers.append([get(client, mock, reference, path, {}) for path in ("/models", "/characters")])
    assert answers[0] == answers[1]


def test_a_users_fixtures_directory_is_what_is_served(
    tmp_path: Path, make_mock: Callable[..., Mock], reference: Any
) -> None:
    fixtures = tmp_path / "fixtures"
    shutil.copytree(default_fixtures_dir(), fixtures)
    (fixtures / "image_styles.yaml").write_text("styles: [Only This, And That]\n")
    (fixtures / "characters.yaml").unlink()
    mock = make_mock(fixtures=str(fixtures))
    with TestClient(create_app(mock=mock), base_url="http://mock.test") as client:
        assert get(client, mock, reference, "/image/styles", {})["data"] == ["Only This", "And That"]
        assert get(client, mock, reference, "/characters", {})["data"] == []


@pytest.mark.parametrize(
    ("operation_id", "path", "nested"),
    [
        ("listModels", "/models", ("model_spec", "name")),
        ("listCharacters", "/characters", ("stats", "imports")),
    ],
)
def test_changing_an_answer_cannot_change_the_catalog(
    mock: Mock, operation_id: str, path: str, nested: tuple[str, str]
) -> None:
    """The catalog's dicts are shared by every request; an answer must be a deep copy of them."""
    behavior = lookup(operation_id)
    assert behavior is not GENERIC  # the listing has semantics of its own
    op = mock.spec.operation(operation_id)
    query = {"type": "all"} if operation_id == "listModels" else {}
    exchange = Exchange(
        op,
        Incoming("GET", mock.base_path + path, urlencode(query), {}, b""),
        RequestData(params={"query": query}, media_type=None, body=None),
        200,
        op.responses["200"],
        "application/json",
        seed=0,
    )
    outer, inner = nested
    answer = behavior.refine(exchange, None, mock.services)
    original = answer["data"][0][outer][inner]
    answer["data"][0][outer][inner] = "changed"
    assert behavior.refine(exchange, None, mock.services)["data"][0][outer][inner] == original != "changed"


@pytest.mark.parametrize("operation_id", LISTINGS)
def test_listings_are_cacheable(operation_id: str) -> None:
    behavior = lookup(operation_id)
    assert behavior is not GENERIC
    assert behavior.cacheable
