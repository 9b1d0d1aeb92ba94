"""Hostile input never gets a 5xx: the inputs that once did (issue 12), over real HTTP, and a
property test driving every control header, numeric parameter and numeric body field with odd
text and deep nesting. Each answer is in the spec's error shape and recorded in the request log."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from mockserver import Mock, Spec, create_app
from tests.conftest import LiveServer
from tests.helpers import AUTH

BIG = "9" * 5000
CHAT = {"model": "venice-uncensored", "messages": [{"role": "user", "content": "Hi"}]}
EMBED = {"model": "text-embedding-bge-m3", "input": "Hi"}
# Valid bodies: one odd field at a time is put into them.
BODIES: dict[str, dict[str, Any]] = {
    "/chat/completions": CHAT,
    "/embeddings": EMBED,
    "/audio/speech": {"input": "Hi", "response_format": "wav"},
    "/image/generate": {"model": "venice-sd35", "prompt": "a cat", "width": 64, "height": 64},
}
CONTROL_HEADERS = ("X-Mock-Seed", "X-Mock-Pace", "X-Mock-Fault", "X-Mock-Scenario", "Prefer")


def nested(depth: int, leaf: Any) -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def error_shaped(response: Any) -> None:  # httpx's or the test client's
    body = response.json()
    assert isinstance(body, dict), body
    assert isinstance(body.get("error"), str), body
    assert body["error"], body


@pytest.fixture(scope="module")
def server(spec: Spec) -> Iterator[LiveServer]:
    with LiveServer(Mock(spec=spec)) as live:
        yield live


def _latin1(value: str) -> bytes:
    """A header value as a client would send it: one byte per character where possible."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


BARRAGE: list[tuple[str, str, str, dict[str, str], bytes | None, str]] = [
    ("seed superscript two", "GET", "/models", {"X-Mock-Seed": "²"}, None, "X-Mock-Seed"),
    ("seed 5000 digits", "GET", "/models", {"X-Mock-Seed": BIG}, None, "X-Mock-Seed"),
    ("seed not a number", "GET", "/models", {"X-Mock-Seed": "abc"}, None, "X-Mock-Seed"),
    ("pace malformed", "GET", "/models", {"X-Mock-Pace": "fast"}, None, "X-Mock-Pace"),
    ("Prefer code 5000 digits", "GET", "/models", {"Prefer": "code=" + BIG}, None, "Prefer: code="),
    ("Prefer code superscript", "GET", "/models", {"Prefer": "code=²"}, None, "Prefer: code="),
    (
        "max_tokens 5000 digits",
        "POST",
        "/chat/completions",
        {"Content-Type": "application/json"},
        json.dumps(CHAT)[:-1].encode() + b', "max_tokens": ' + BIG.encode() + b"}",
        "5000 digits exceeds",
    ),
    ("limit 5000 digits", "GET", "/billing/usage?limit=" + BIG, {}, None, "query.limit"),
    (
        "multipart boundary of 300",
        "POST",
        "/image/upscale",
        {"Content-Type": "multipart/form-data; boundary=" + "b" * 300},
        b"--" + b"b" * 300 + b"--\r\n",
        "boundary of 300 characters",
    ),
    (
        "embeddings input nested 256",
        "POST",
        "/embeddings",
        {"Content-Type": "application/json"},
        json.dumps({**EMBED, "input": nested(256, None)}).encode(),
        "nested deeper than",
    ),
    (
        "chat messages nested 256",
        "POST",
        "/chat/completions",
        {"Content-Type": "application/json"},
        json.dumps({**CHAT, "messages": nested(256, 1)}).encode(),
        "nested deeper than",
    ),
    ("empty chat body", "POST", "/chat/completions", {}, b"", "its schema requires messages, model"),
    ("empty image body", "POST", "/image/generate", {}, b"", "its schema requires model, prompt"),
]


@pytest.mark.parametrize(
    ("method", "path", "headers", "content", "named"),
    [case[1:] for case in BARRAGE],
    ids=[case[0] for case in BARRAGE],
)
def test_the_inputs_that_once_got_a_500_get_a_400_that_names_the_problem(
    server: LiveServer, method: str, path: str, headers: dict[str, str], content: bytes | None, named: str
) -> None:
    sent = {**{k.encode(): _latin1(v) for k, v in headers.items()}, b"Authorization": b"Bearer test-key"}
    with httpx.Client(timeout=30) as client:
        response = client.request(method, server.base_url + path, headers=sent, content=content)
        assert response.status_code == 400, response.text
        error_shaped(response)
        assert named in response.json()["error"]
        last = client.get(server.origin + "/__mock/requests", headers=AUTH).json()[-1]
    assert (last["method"], last["status"]) == (method, 400)
    assert path.startswith(last["path"].removeprefix(server.mock.base_path))


def test_an_unreadable_content_length_is_refused_by_the_server(server: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        raw.sendall(
            b"POST /api/v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n"
            b"Content-Length: \xb2\r\n\r\n"
        )
        status_line = raw.recv(200).split(b"\r\n")[0]
    assert status_line.startswith(b"HTTP/1.1 4")


def test_a_content_length_of_unicode_digits_is_no_size_at_all() -> None:
    from mockserver.app import _declared_size

    assert [_declared_size(v) for v in ("²", "٣", "12", "", None, BIG)] == [0, 0, 12, 0, 0, 2**63]


# --- the property test ---------------------------------------------------------------------

_SIGN = st.sampled_from(["", "-", "+", "--", " -"])
_DIGITS = st.one_of(
    st.integers(1, 30).map(lambda n: "7" * n),
    st.integers(4200, 6000).map(lambda n: "9" * n),
    st.sampled_from(["²", "٣", "\uff11\uff12", "\U0001d7d7", "½", "0x1f", "1_000", "Ⅻ"]),
)
_EXPONENT = st.sampled_from(["", "e999", "E-999", "e+5", ".5", ".", "e", "e99999999999"])
_SPACE = st.sampled_from(["", " ", "\t", "\u00a0", "\u2003"])
# The shapes that once got a 500, first (a few dozen examples must meet them), then combinations.
EDGES = [BIG, "-" + BIG, BIG + "e5", "0." + BIG, "²", "٣", "\uff11\uff12", " 12 ", "1e999", "-1e308", "NaN"]
ODD = st.one_of(
    st.sampled_from(EDGES),
    st.builds(lambda a, s, d, e, b: a + s + d + e + b, _SPACE, _SIGN, _DIGITS, _EXPONENT, _SPACE),
    st.sampled_from(["Infinity", "-Infinity", "null", "true", "", "ttft=", "code=", "ttft=1e9ms"]),
)


def _numeric_fields(spec: Spec, path: str) -> list[str]:
    operation = next(op for op in spec.operations if op.path == path and op.request_body)
    assert operation.request_body is not None
    media = operation.request_body.content["application/json"]
    assert media.schema is not None
    properties = media.schema.schema.get("properties") or {}
    return [
        name
        for name, prop in properties.items()
        if isinstance(prop, dict) and any(t in str(prop.get("type")) for t in ("integer", "number"))
    ]


@pytest.fixture(scope="module")
def module_client(spec: Spec) -> Iterator[tuple[TestClient, Mock]]:
    mock = Mock(spec=spec)
    with TestClient(create_app(mock=mock), base_url="http://mock.test") as client:
        yield client, mock


def _check(client: TestClient, mock: Mock, response: Any, path: str) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        error_shaped(response)
    last = mock.calls.last()
    assert last is not None
    assert (last.status, last.path) == (response.status_code, path)


@given(header=st.sampled_from(CONTROL_HEADERS), odd=ODD, prefix=st.sampled_from(["", "code=", "ttft="]))
def test_odd_control_headers_never_get_a_5xx(
    module_client: tuple[TestClient, Mock], header: str, odd: str, prefix: str
) -> None:
    client, mock = module_client
    value = (prefix + odd).strip(" \t")  # as the HTTP parser would deliver it
    response = client.post(
        "/api/v1/chat/completions",
        headers={b"Authorization": b"Bearer test-key", header.encode(): _latin1(value)},
        json=CHAT,
    )
    _check(client, mock, response, "/api/v1/chat/completions")


@given(odd=ODD, name=st.sampled_from(["limit", "page"]))
def test_odd_numeric_parameters_never_get_a_5xx(
    module_client: tuple[TestClient, Mock], odd: str, name: str
) -> None:
    client, mock = module_client
    response = client.get("/api/v1/billing/usage", params={name: odd}, headers=AUTH)
    _check(client, mock, response, "/api/v1/billing/usage")


@given(data=st.data(), path=st.sampled_from(sorted(BODIES)), odd=ODD, quoted=st.booleans())
def test_odd_numeric_body_fields_never_get_a_5xx(
    module_client: tuple[TestClient, Mock], spec: Spec, data: st.DataObject, path: str, odd: str, quoted: bool
) -> None:
    client, mock = module_client
    name = data.draw(st.sampled_from(_numeric_fields(spec, path)))
    # The odd text as a bare JSON token (often not JSON at all) or as a string.
    token = json.dumps(odd) if quoted else odd
    body = {k: v for k, v in BODIES[path].items() if k != name}
    raw = json.dumps(body)[:-1] + f', "{name}": {token}' + "}"
    response = client.post(
        "/api/v1" + path,
        content=raw.encode("utf-8"),
        headers={**AUTH, "Content-Type": "application/json"},
    )
    _check(client, mock, response, "/api/v1" + path)


@given(
    path=st.sampled_from(sorted(BODIES)),
    depth=st.integers(90, 400),
    container=st.sampled_from(["list", "dict"]),
    leaf=st.sampled_from([None, 1, "x", BIG[:50]]),
)
def test_deep_nesting_never_gets_a_5xx(
    module_client: tuple[TestClient, Mock], path: str, depth: int, container: str, leaf: Any
) -> None:
    client, mock = module_client
    value: Any = leaf
    for _ in range(depth):
        value = [value] if container == "list" else {"a": value}
    field = {"/chat/completions": "messages", "/embeddings": "input"}.get(path, "prompt")
    response = client.post("/api/v1" + path, json={**BODIES[path], field: value}, headers=AUTH)
    _check(client, mock, response, "/api/v1" + path)
