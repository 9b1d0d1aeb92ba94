"""Image semantics: real pictures of the requested size and format (decoded by Pillow), checked
models, styles and uploads, and the official openai SDK against a live server."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import openai
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from starlette.testclient import TestClient

from mockserver import Mock, Settings, Spec, create_app
from mockserver.catalogfile import load_catalog
from mockserver.media.images import encode_image
from tests.helpers import AUTH

PILLOW = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
GENERATE = "/api/v1/image/generate"
UPSCALE = "/api/v1/image/upscale"
EDIT = "/api/v1/image/edit"


def opened(data: bytes) -> tuple[str, int, int]:
    """(Pillow's format name, width, height) of fully decoded image bytes."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return str(image.format), image.width, image.height


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def error_text(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) <= {"error", "details"}  # the spec's error shape
    return str(body["error"])


@pytest.fixture(scope="module")
def shared(spec: Spec) -> Iterator[TestClient]:
    """One in-process client for the property tests (hypothesis reruns the test body, not fixtures)."""
    with TestClient(create_app(mock=Mock(Settings(), spec=spec)), base_url="http://mock.test") as client:
        yield client


# ---------------------------------------------------------------- the openai SDK, live


@pytest.mark.parametrize(
    ("size", "output_format", "expected"),
    [
        ("256x256", "png", (256, 256)),
        ("1024x1536", "jpeg", (1024, 1536)),
        ("1792x1024", "webp", (1792, 1024)),
        ("auto", "png", (1024, 1024)),
    ],
)
def test_sdk_images_generate_decodes_to_the_size_and_format(
    sdk: openai.OpenAI, size: Any, output_format: Any, expected: tuple[int, int]
) -> None:
    result = sdk.images.generate(
        model="dall-e-3",
        prompt="a lighthouse",
        response_format="b64_json",
        size=size,
        output_format=output_format,
    )
    assert result.data is not None
    assert len(result.data) == 1
    assert result.data[0].b64_json is not None
    assert opened(base64.b64decode(result.data[0].b64_json)) == (PILLOW[output_format], *expected)
    assert result.created > 1_700_000_000


def test_sdk_url_response_format_is_a_data_url_of_the_image(sdk: openai.OpenAI) -> None:
    result = sdk.images.generate(
        prompt="a harbor", response_format="url", size="512x512", output_format="webp"
    )
    assert result.data is not None
    url = result.data[0].url
    assert url is not None
    assert url.startswith("data:image/webp;base64,")
    assert opened(base64.b64decode(url.partition(",")[2])) == ("WEBP", 512, 512)


def test_simple_generation_falls_back_to_the_default_model_as_documented(client: httpx.Client) -> None:
    # SimpleGenerateImageRequest.model: "If a non-existent model is specified ... it will default
    # to Venice's default image model."
    response = client.post(
        "/api/v1/images/generations", json={"prompt": "a gondola", "model": "no-such-model"}, headers=AUTH
    )
    assert response.status_code == 200, response.text
    assert opened(base64.b64decode(response.json()["data"][0]["b64_json"])) == ("PNG", 1024, 1024)


# ---------------------------------------------------------------- POST /image/generate


@given(
    width=st.integers(1, 1280),
    height=st.integers(1, 1280),
    fmt=st.sampled_from(["png", "jpeg", "webp", None]),
    binary=st.booleans(),
    seed=st.none() | st.integers(-999_999_999, 999_999_999),
)
def test_generated_images_have_the_requested_size_and_format(
    shared: TestClient, width: int, height: int, fmt: str | None, binary: bool, seed: int | None
) -> None:
    request: dict[str, Any] = {"model": "hidream", "prompt": "a canal", "width": width, "height": height}
    request["return_binary"] = binary
    if fmt is not None:
        request["format"] = fmt
    if seed is not None:
        request["seed"] = seed
    fmt = fmt or "webp"

    def image(body: dict[str, Any]) -> bytes:
        response = shared.post(GENERATE, json=body, headers=AUTH)
        assert response.status_code == 200, response.text
        if binary:
            assert response.headers["content-type"] == f"image/{fmt}"
            return response.content
        assert response.headers["content-type"] == "application/json"
        return base64.b64decode(response.json()["images"][0])

    first = image(request)
    assert opened(first) == (PILLOW[fmt], width, height)
    assert image(request) == first
    if seed is not None:
        # The request's seed alone picks the picture: other fields (the prompt) and the answer's
        # form (binary or JSON) do not change the bytes.
        assert image({**request, "prompt": "something else"}) == first
        other = shared.post(GENERATE, json={**request, "return_binary": not binary}, headers=AUTH)
        assert (other.content if not binary else base64.b64decode(other.json()["images"][0])) == first


def test_the_json_answer_has_an_id_the_request_and_plausible_timing(client: httpx.Client) -> None:
    request = {"model": "hidream", "prompt": "a bridge", "width": 512, "height": 512, "steps": 10}
    body = client.post(GENERATE, json=request, headers=AUTH).json()
    assert re.fullmatch(r"generate-image-[0-9a-f]+", body["id"])
    assert body["request"] == request
    timing = body["timing"]
    parts = ("inferenceDuration", "inferencePreprocessingTime", "inferenceQueueTime")
    assert timing["total"] == sum(timing[p] for p in parts)
    assert all(timing[p] >= 0 for p in parts)

    def inference(**change: Any) -> float:
        answer = client.post(GENERATE, json={**request, **change}, headers=AUTH).json()
        return float(answer["timing"]["inferenceDuration"])

    assert inference(steps=40) > inference(steps=10)
    assert inference(width=1024, height=1024) > inference(width=512, height=512)


def test_variants_give_that_many_different_images(client: httpx.Client) -> None:
    request = {
        "model": "hidream",
        "prompt": "a map",
        "width": 320,
        "height": 200,
        "format": "png",
        "variants": 3,
    }
    images = [base64.b64decode(i) for i in client.post(GENERATE, json=request, headers=AUTH).json()["images"]]
    assert [opened(i) for i in images] == [("PNG", 320, 200)] * 3
    assert len(set(images)) == 3


def test_variants_come_from_the_overlay_and_keep_its_bounds(spec: Spec, client: httpx.Client) -> None:
    body = spec.operation("generateImage").request_body
    assert body is not None
    schema = body.content["application/json"].schema
    assert schema is not None
    variants = schema.schema["properties"]["variants"]
    assert (variants["type"], variants["minimum"], variants["maximum"]) == ("integer", 1, 4)
    response = client.post(GENERATE, json={"model": "hidream", "prompt": "x", "variants": 5}, headers=AUTH)
    assert "variants" in error_text(response)


@pytest.mark.parametrize(
    ("request_fields", "blurred"),
    [
        ({"prompt": "a nude statue"}, "true"),  # safe_mode defaults to true
        ({"prompt": "a nude statue", "safe_mode": False}, "false"),
        ({"prompt": "a marble statue"}, "false"),
    ],
)
def test_blur_headers_follow_safe_mode_and_the_prompt(
    client: httpx.Client, request_fields: dict[str, Any], blurred: str
) -> None:
    for binary in (False, True):
        body = {"model": "hidream", "return_binary": binary, **request_fields}
        response = client.post(GENERATE, json=body, headers=AUTH)
        assert response.headers["x-venice-is-blurred"] == blurred
        assert response.headers["x-venice-is-content-violation"] == "false"


def test_unknown_or_non_image_models_are_refused_with_the_valid_ids(client: httpx.Client) -> None:
    image_ids = load_catalog().ids("image")
    for model in ("no-such-model", "llama-3.3-70b"):
        text = error_text(client.post(GENERATE, json={"model": model, "prompt": "x"}, headers=AUTH))
        assert f"model: {model!r} is not an image model" in text
        assert all(i in text for i in image_ids)
    assert client.post(GENERATE, json={"model": "default", "prompt": "x"}, headers=AUTH).status_code == 200


def test_unknown_styles_are_refused_with_the_valid_styles(client: httpx.Client) -> None:
    request = {"model": "hidream", "prompt": "x", "style_preset": "Watercolour"}
    response = client.post(GENERATE, json=request, headers=AUTH)
    details = response.json()["details"]["style_preset"]["_errors"][0]
    assert "'Watercolour' is not an image style" in error_text(response)
    assert all(style in details for style in load_catalog().styles)
    request["style_preset"] = "Anime"
    assert client.post(GENERATE, json=request, headers=AUTH).status_code == 200


def test_the_body_decides_binary_or_json_and_strict_accept_refuses_a_mismatch(
    client: httpx.Client, make_mock: Callable[..., Mock]
) -> None:
    request = {"model": "hidream", "prompt": "x", "width": 64, "height": 64}
    answer = client.post(GENERATE, json=request, headers={**AUTH, "Accept": "image/png"})
    assert answer.headers["content-type"] == "application/json"
    with TestClient(create_app(mock=make_mock(strict_accept=True)), base_url="http://mock.test") as strict:
        refused = strict.post(
            GENERATE, json={**request, "return_binary": True}, headers={**AUTH, "Accept": "application/json"}
        )
    assert refused.status_code == 406
    assert "image/webp" in refused.json()["error"]


# ---------------------------------------------------------------- POST /image/upscale and /image/edit


def upload_forms(data: bytes) -> dict[str, Callable[[httpx.Client, str, dict[str, Any]], httpx.Response]]:
    """The ways a client can send the same image: JSON base64 or data URL, a multipart file part, or
    a multipart text field with base64 (what schemathesis sends)."""

    def as_json(value: str) -> Callable[[httpx.Client, str, dict[str, Any]], httpx.Response]:
        return lambda client, path, fields: client.post(path, json={"image": value, **fields}, headers=AUTH)

    def file_part(client: httpx.Client, path: str, fields: dict[str, Any]) -> httpx.Response:
        files = {"image": ("in.png", data, "image/png")}
        return client.post(path, files=files, data={k: str(v) for k, v in fields.items()}, headers=AUTH)

    def text_field(client: httpx.Client, path: str, fields: dict[str, Any]) -> httpx.Response:
        form = {"image": b64(data), **{k: str(v) for k, v in fields.items()}}
        files = {name: (None, value) for name, value in form.items()}  # multipart without file names
        return client.post(path, files=files, headers=AUTH)

    return {
        "base64": as_json(b64(data)),
        "data-url": as_json("data:image/png;base64," + b64(data)),
        "file-part": file_part,
        "text-field": text_field,
    }


FORMS = ["base64", "data-url", "file-part", "text-field"]
PROMPT: dict[str, dict[str, Any]] = {UPSCALE: {}, EDIT: {"prompt": "x"}}  # edit needs one, upscale has none


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, (600, 400)),
        ({"scale": 4}, (1200, 800)),
        ({"scale": 1.5}, (450, 300)),
        ({"scale": 1, "enhance": "true"}, (300, 200)),
    ],
)
def test_upscale_answers_a_png_of_the_input_times_the_scale(
    client: httpx.Client, form: str, fields: dict[str, Any], expected: tuple[int, int]
) -> None:
    response = upload_forms(encode_image(300, 200, "jpeg", 3))[form](client, UPSCALE, fields)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert opened(response.content) == ("PNG", *expected)


def test_upscaled_sizes_round_and_large_results_shrink_to_the_documented_maximum(
    client: httpx.Client,
) -> None:
    send = upload_forms(encode_image(333, 101, "png", 1))["base64"]
    assert opened(send(client, UPSCALE, {"scale": 1.5}).content) == (
        "PNG",
        round(333 * 1.5),
        round(101 * 1.5),
    )
    large = upload_forms(encode_image(3000, 2000, "png", 1))["file-part"]
    _, width, height = opened(large(client, UPSCALE, {"scale": 4}).content)
    assert width * height <= 16_777_216
    assert abs(width / height - 1.5) < 0.01
    assert width > 3000  # still upscaled, just less than 4x


def test_a_scale_of_one_needs_the_enhancer(client: httpx.Client) -> None:
    send = upload_forms(encode_image(300, 200, "png", 1))["base64"]
    assert "scale: a scale of 1 only runs the enhancer" in error_text(send(client, UPSCALE, {"scale": 1}))


@pytest.mark.parametrize("form", FORMS)
def test_edit_answers_a_png_of_the_input_size(client: httpx.Client, form: str) -> None:
    response = upload_forms(encode_image(257, 190, "webp", 5))[form](client, EDIT, {"prompt": "add a moon"})
    assert response.status_code == 200, response.text
    assert opened(response.content) == ("PNG", 257, 190)


GARBAGE = [
    ("text", {"image": "hello, world"}),
    ("base64 of text", {"image": b64(b"definitely not a picture")}),
    ("truncated png", {"image": b64(encode_image(64, 64, "png", 1)[:60])}),
    ("a number", {"image": 42}),
]


@pytest.mark.parametrize("path", [UPSCALE, EDIT])
@pytest.mark.parametrize(("name", "body"), GARBAGE, ids=[name for name, _ in GARBAGE])
def test_garbage_is_not_an_image(client: httpx.Client, path: str, name: str, body: dict[str, Any]) -> None:
    response = client.post(path, json={**PROMPT[path], **body}, headers=AUTH)
    assert "image: not an image: " in error_text(response)
    assert response.json()["details"]["image"]["_errors"][0].startswith("not an image: ")


@pytest.mark.parametrize("path", [UPSCALE, EDIT])
def test_a_garbage_file_part_is_not_an_image(client: httpx.Client, path: str) -> None:
    files = {"image": ("in.png", b"GIF89a but not really", "image/png")}
    response = client.post(path, files=files, data=PROMPT[path], headers=AUTH)
    assert "image: not an image: the GIF file is truncated or corrupt" in error_text(response)


@pytest.mark.parametrize("path", [UPSCALE, EDIT])
@pytest.mark.parametrize("url", ["https://example.com/cat.png", "http://10.0.0.1/a.jpg"])
def test_image_urls_are_refused_because_the_mock_is_offline(
    client: httpx.Client, path: str, url: str
) -> None:
    text = error_text(client.post(path, json={**PROMPT[path], "image": url}, headers=AUTH))
    assert "image: image URLs cannot be fetched: the mock works offline" in text


def test_upscale_and_edit_need_their_catalog_models(make_mock: Callable[..., Mock], tmp_path: Any) -> None:
    import shutil

    import yaml

    from mockserver.catalogfile import default_fixtures_dir

    source = default_fixtures_dir()
    shutil.copytree(source, tmp_path, dirs_exist_ok=True)
    models = yaml.safe_load((source / "models.yaml").read_text())
    models["models"] = [m for m in models["models"] if m["type"] not in ("upscale", "inpaint")]
    models["traits"]["upscale"], models["traits"]["inpaint"] = {}, {}
    models["compatibility"]["upscale"], models["compatibility"]["inpaint"] = {}, {}
    (tmp_path / "models.yaml").write_text(yaml.safe_dump(models))
    with TestClient(create_app(mock=make_mock(fixtures=str(tmp_path))), base_url="http://mock.test") as bare:
        send = upload_forms(encode_image(300, 200, "png", 1))["base64"]
        assert "no upscale model" in error_text(send(bare, UPSCALE, {}))
        assert "no inpaint model" in error_text(send(bare, EDIT, {"prompt": "x"}))


@pytest.mark.parametrize("path", [UPSCALE, EDIT])
def test_a_missing_image_is_named(client: httpx.Client, path: str) -> None:
    # The spec does not mark these request bodies required, but their schemas require `image`: an
    # absent body is refused for that. `image` admits null, which passes the schema and still has
    # nothing to work on.
    absent = client.post(path, headers=AUTH)
    assert absent.status_code == 400
    assert "body: request body is required: its schema requires" in error_text(absent)
    assert "image" in error_text(absent).rpartition("requires")[2]
    null = client.post(path, json={**PROMPT[path], "image": None}, headers=AUTH)
    assert "image: no image was sent" in error_text(null)
