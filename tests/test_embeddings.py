"""POST /embeddings: one deterministic unit vector per input, `dimensions` and base64 honoured,
usage counted, catalog models only; checked in-process with hypothesis and through the official
openai SDK against a live server."""

from __future__ import annotations

import base64
import json
import math
import struct
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from mockserver import Mock, Settings, Spec, create_app, tokens
from mockserver.behaviors.embeddings import FALLBACK_DIMENSIONS, NATURAL_DIMENSIONS
from tests.conftest import LiveServer
from tests.helpers import AUTH, Request, reference_check_response

MODEL = "text-embedding-bge-m3"
PATH = "/embeddings"

# Inputs in each shape the spec allows, with the separate inputs each one stands for.
_text = st.text(min_size=1, max_size=40)
_token_list = st.lists(st.integers(min_value=1, max_value=100_000), min_size=1, max_size=12)
_shapes = st.one_of(
    _text.map(lambda t: (t, [t])),
    st.lists(st.text(max_size=30), min_size=1, max_size=5).map(lambda ts: (ts, list(ts))),
    _token_list.map(lambda ids: (ids, [ids])),
    st.lists(_token_list, min_size=1, max_size=5).map(lambda lists: (lists, list(lists))),
)
_dimensions = st.one_of(st.none(), st.integers(min_value=1, max_value=NATURAL_DIMENSIONS[MODEL]))


@pytest.fixture(scope="module")
def module_mock(spec: Spec) -> Mock:
    # Module-scoped: hypothesis runs many examples against one app.
    return Mock(Settings(), spec=spec)


@pytest.fixture(scope="module")
def api(module_mock: Mock) -> Iterator[httpx.Client]:
    with TestClient(create_app(mock=module_mock), base_url="http://mock.test") as client:
        yield client


def embed(client: httpx.Client, mock: Mock, body: dict[str, Any], seed: int | None = None) -> httpx.Response:
    headers = dict(AUTH)
    if seed is not None:
        headers["X-Mock-Seed"] = str(seed)
    return client.post(mock.base_path + PATH, json=body, headers=headers)


def vectors(response: httpx.Response) -> list[Any]:
    """The embeddings of a 200 answer: float lists, or base64 strings."""
    assert response.status_code == 200, response.text
    return [item["embedding"] for item in response.json()["data"]]


def decode(text: str) -> list[float]:
    raw = base64.b64decode(text, validate=True)
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))


def norm(vector: list[float]) -> float:
    return math.sqrt(math.fsum(x * x for x in vector))


def token_count(item: str | list[int]) -> int:
    return tokens.count(item) if isinstance(item, str) else len(item)


# ----------------------------------------------------------------------------- properties


@given(shape=_shapes, dimensions=_dimensions, seed=st.integers(min_value=0, max_value=2**31))
def test_one_unit_vector_per_input(
    api: httpx.Client, module_mock: Mock, shape: tuple[Any, list[Any]], dimensions: int | None, seed: int
) -> None:
    sent, items = shape
    body: dict[str, Any] = {"model": MODEL, "input": sent, "encoding_format": "float"}
    if dimensions is not None:
        body["dimensions"] = dimensions
    response = embed(api, module_mock, body, seed)
    answer = response.json()
    found = vectors(response)
    assert len(found) == len(items)
    assert [item["index"] for item in answer["data"]] == list(range(len(items)))
    assert all(item["object"] == "embedding" for item in answer["data"])
    size = dimensions if dimensions is not None else NATURAL_DIMENSIONS[MODEL]
    assert all(len(v) == size for v in found)
    assert all(abs(norm(v) - 1.0) < 1e-5 for v in found)
    used = sum(token_count(item) for item in items)
    assert answer["usage"] == {"prompt_tokens": used, "total_tokens": used}
    assert (answer["model"], answer["object"]) == (MODEL, "list")


@given(
    text=_text,
    others=st.lists(_text, max_size=3),
    seeds=st.tuples(st.integers(min_value=0, max_value=2**31), st.integers(min_value=0, max_value=2**31)),
    dimensions=_dimensions,
)
def test_the_same_text_embeds_the_same_in_any_request(
    api: httpx.Client,
    module_mock: Mock,
    text: str,
    others: list[str],
    seeds: tuple[int, int],
    dimensions: int | None,
) -> None:
    extra = {"dimensions": dimensions} if dimensions is not None else {}
    alone = vectors(embed(api, module_mock, {"model": MODEL, "input": text, **extra}, seeds[0]))[0]
    # Another position in a batch, another seed, another request body: the same vector.
    batched = vectors(embed(api, module_mock, {"model": MODEL, "input": [*others, text], **extra}, seeds[1]))
    assert batched[-1] == alone


@given(shape=_shapes, dimensions=_dimensions)
def test_base64_decodes_to_the_float_answer(
    api: httpx.Client, module_mock: Mock, shape: tuple[Any, list[Any]], dimensions: int | None
) -> None:
    body: dict[str, Any] = {"model": MODEL, "input": shape[0]}
    if dimensions is not None:
        body["dimensions"] = dimensions
    floats = vectors(embed(api, module_mock, {**body, "encoding_format": "float"}))
    encoded = vectors(embed(api, module_mock, {**body, "encoding_format": "base64"}))
    assert all(isinstance(e, str) for e in encoded)
    # The float answer holds float32 values, so the decoded bytes equal it exactly.
    assert [decode(e) for e in encoded] == floats


@given(shape=_shapes, encoding=st.sampled_from(["float", "base64"]), dimensions=_dimensions)
def test_answers_validate_under_openapi_core(
    api: httpx.Client,
    module_mock: Mock,
    reference: Any,
    shape: tuple[Any, list[Any]],
    encoding: str,
    dimensions: int | None,
) -> None:
    body: dict[str, Any] = {"model": MODEL, "input": shape[0], "encoding_format": encoding}
    if dimensions is not None:
        body["dimensions"] = dimensions
    request = Request(
        "POST", PATH, headers={**AUTH, "Content-Type": "application/json"}, json=body, has_body=True
    )
    response = api.post(module_mock.base_path + PATH, content=request.body(), headers=request.headers)
    assert response.status_code == 200, response.text
    reference_check_response(
        reference, module_mock.base_path, request, 200, dict(response.headers), response.content
    )


# ----------------------------------------------------------------------------- examples


def test_default_dimensions_are_the_models_natural_size(client: httpx.Client, mock: Mock) -> None:
    (vector,) = vectors(embed(client, mock, {"model": MODEL, "input": "hello"}))
    assert len(vector) == NATURAL_DIMENSIONS[MODEL] == 1024


def test_shortened_vectors_keep_the_direction(client: httpx.Client, mock: Mock) -> None:
    (full,) = vectors(embed(client, mock, {"model": MODEL, "input": "a lagoon at dusk"}))
    (short,) = vectors(embed(client, mock, {"model": MODEL, "input": "a lagoon at dusk", "dimensions": 64}))
    prefix = full[:64]
    scale = norm(prefix)
    assert all(abs(s - p / scale) < 1e-6 for s, p in zip(short, prefix, strict=True))


def test_different_inputs_embed_differently(client: httpx.Client, mock: Mock) -> None:
    found = vectors(embed(client, mock, {"model": MODEL, "input": ["gondola", "Gondola", "gondola "]}))
    by_tokens = vectors(embed(client, mock, {"model": MODEL, "input": [[1, 2], [2, 1]]}))
    distinct = {tuple(v) for v in [*found, *by_tokens]}
    assert len(distinct) == 5


def test_the_vector_does_not_depend_on_the_server_seed(make_mock: Any) -> None:
    answers = []
    for seed in (1, 99):
        mock = make_mock(seed=seed)
        with TestClient(create_app(mock=mock), base_url="http://mock.test") as client:
            answers.append(vectors(embed(client, mock, {"model": MODEL, "input": "same", "dimensions": 8})))
    assert answers[0] == answers[1]


@pytest.mark.parametrize("name", ["default", "text-embedding-3-small", f"{MODEL}"])
def test_traits_and_aliases_name_the_model_and_are_echoed(
    client: httpx.Client, mock: Mock, name: str
) -> None:
    response = embed(client, mock, {"model": name, "input": "hi"})
    assert response.status_code == 200, response.text
    assert response.json()["model"] == name
    assert len(response.json()["data"][0]["embedding"]) == NATURAL_DIMENSIONS[MODEL]


@pytest.mark.parametrize("name", ["no-such-model", "llama-3.3-70b", "tts-kokoro"])
def test_a_model_that_is_not_an_embedding_model_is_refused(
    client: httpx.Client, mock: Mock, name: str
) -> None:
    response = embed(client, mock, {"model": name, "input": "hi"})
    assert response.status_code == 400
    message = response.json()["details"]["model"]["_errors"][0]
    assert message.startswith(f"{name!r} is not")
    assert f"valid ids: {MODEL}" in message


def test_any_model_accepts_any_id(make_mock: Any) -> None:
    mock = make_mock(any_model=True)
    with TestClient(create_app(mock=mock), base_url="http://mock.test") as client:
        response = embed(client, mock, {"model": "my-own-embedder", "input": ["a", "b"]})
    assert [len(v) for v in vectors(response)] == [FALLBACK_DIMENSIONS] * 2
    assert response.json()["model"] == "my-own-embedder"


def test_more_dimensions_than_the_model_has_are_refused(client: httpx.Client, mock: Mock) -> None:
    most = NATURAL_DIMENSIONS[MODEL]
    assert len(vectors(embed(client, mock, {"model": MODEL, "input": "hi", "dimensions": most}))[0]) == most
    response = embed(client, mock, {"model": MODEL, "input": "hi", "dimensions": most + 1})
    assert response.status_code == 400
    assert response.json()["details"]["dimensions"]["_errors"] == [
        f"{most + 1} is greater than the model's {most} dimensions"
    ]


# ----------------------------------------------------------------------------- the openai SDK


def test_the_sdk_default_base64_equals_float(sdk: openai.OpenAI, live_server: LiveServer) -> None:
    texts = ["The quick brown fox", "jumped over the lazy dog"]
    default = sdk.embeddings.create(model=MODEL, input=texts)
    call = live_server.mock.calls.last()
    assert call is not None
    assert json.loads(call.body)["encoding_format"] == "base64"  # the SDK's default
    floats = sdk.embeddings.create(model=MODEL, input=texts, encoding_format="float")
    assert [d.index for d in default.data] == [0, 1]
    assert [list(d.embedding) for d in default.data] == [d.embedding for d in floats.data]
    assert default.usage.prompt_tokens == sum(tokens.count(t) for t in texts) == floats.usage.total_tokens
    assert default.model == MODEL


def test_the_sdk_gets_the_dimensions_it_asks_for(sdk: openai.OpenAI) -> None:
    answer = sdk.embeddings.create(model=MODEL, input=[[1, 2, 3], [4]], dimensions=256)
    assert [len(d.embedding) for d in answer.data] == [256, 256]
    assert answer.usage.prompt_tokens == 4


def test_the_sdk_raises_bad_request_naming_the_valid_ids(sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        sdk.embeddings.create(model="text-embedding-nope", input="hi")
    assert info.value.status_code == 400
    assert f"valid ids: {MODEL}" in str(info.value.body)
