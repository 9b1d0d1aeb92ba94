"""--proxy: the mock in front of an upstream (here a second real mock on loopback), forwarding
valid requests, passing answers through unchanged and unbuffered, judging them on the way."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import openai
import pytest

from mockserver import Mock
from tests.conftest import LiveServer
from tests.helpers import AUTH, PNG_256

MESSAGES: list[Any] = [{"role": "user", "content": "Say hello"}]
CHAT: dict[str, Any] = {"model": "venice-uncensored", "messages": MESSAGES}
_DROPPED = {"date", "server", "content-length", "transfer-encoding"}


@contextmanager
def relay(
    make_mock: Callable[..., Mock], upstream: dict[str, Any] | None = None, **proxy: Any
) -> Iterator[tuple[LiveServer, LiveServer]]:
    """(upstream, proxy): two live mocks, the second forwarding to the first."""
    with (
        LiveServer(make_mock(**(upstream or {}))) as up,
        LiveServer(make_mock(proxy=up.base_url, **proxy)) as front,
    ):
        yield up, front


class Raw:
    """An answer as bytes on the wire: no Content-Encoding decoded (a lying one included)."""

    def __init__(self, method: str, url: str, **request: Any) -> None:
        with httpx.stream(method, url, timeout=30, **request) as response:
            self.status_code = response.status_code
            self.headers = [(k, v) for k, v in response.headers.multi_items() if k not in _DROPPED]
            self.content = b"".join(response.iter_raw())


def _same_answer(direct: Raw, proxied: Raw) -> None:
    assert (proxied.status_code, proxied.headers) == (direct.status_code, direct.headers)
    assert proxied.content == direct.content


# (method, path, json body, extra headers): JSON, SSE, CSV, an image, audio, gzip.
_EXCHANGES: list[tuple[str, str, Any, dict[str, str]]] = [
    ("GET", "/models", None, {}),
    ("GET", "/models", None, {"Accept-Encoding": "gzip"}),
    ("POST", "/chat/completions", CHAT, {}),
    ("POST", "/chat/completions", {**CHAT, "stream": True}, {}),
    ("POST", "/chat/completions", {**CHAT, "stream": True}, {"Accept-Encoding": "br"}),
    ("GET", "/billing/usage", None, {"Accept": "text/csv"}),
    ("POST", "/image/generate", {"model": "hidream", "prompt": "a cat", "return_binary": True}, {}),
    ("POST", "/image/upscale", {"image": PNG_256, "scale": 2}, {}),
    ("POST", "/audio/speech", {"model": "tts-kokoro", "input": "Hello", "response_format": "mp3"}, {}),
    ("POST", "/audio/speech", {"model": "tts-kokoro", "input": "Hello", "response_format": "wav"}, {}),
]


@pytest.mark.parametrize(("method", "path", "body", "headers"), _EXCHANGES)
def test_proxying_is_transparent(
    make_mock: Callable[..., Mock], method: str, path: str, body: Any, headers: dict[str, str]
) -> None:
    with relay(make_mock) as (up, front):
        ask = {"json": body, "headers": {**AUTH, **headers}}
        direct = Raw(method, up.base_url + path, **ask)
        proxied = Raw(method, front.base_url + path, **ask)
        assert direct.status_code < 300, direct.content[:300]
        _same_answer(direct, proxied)
        [call] = front.mock.calls
        assert (call.operation_id, call.status, call.response_violations) == (call.operation_id, 200, ())
        assert up.mock.calls.last() is not None


def test_a_stream_reaches_the_client_before_the_upstream_ends_it(make_mock: Callable[..., Mock]) -> None:
    # The upstream never ends its stream (keep-alive comments forever after the events): the
    # first event can only arrive if the proxy passes chunks on as they come.
    with relay(make_mock, {"faults": ("stream-never-ends",)}) as (_, front):
        url = front.base_url + "/chat/completions"
        body = {**CHAT, "stream": True}
        with httpx.stream("POST", url, json=body, headers=AUTH, timeout=10) as response:
            lines = response.iter_lines()
            first = next(line for line in lines if line.startswith("data:"))
        assert json.loads(first[5:])["object"] == "chat.completion.chunk"


def test_a_client_that_leaves_mid_stream_is_not_the_upstreams_drift(make_mock: Callable[..., Mock]) -> None:
    with relay(make_mock, {"faults": ("stream-never-ends",)}) as (_, front):
        body = {**CHAT, "stream": True}
        with httpx.stream("POST", front.base_url + "/chat/completions", json=body, headers=AUTH) as response:
            next(line for line in response.iter_lines() if line.startswith("data:"))
        for _ in range(500):  # the proxy logs the exchange once it has noticed the client left
            if len(front.mock.calls):
                break
            time.sleep(0.01)
        [call] = front.mock.calls
    assert call.notes == ("client disconnected",)
    assert call.response_violations == ()


def test_a_paced_stream_arrives_event_by_event(make_mock: Callable[..., Mock]) -> None:
    # Paced upstream: while the client holds the first event, the proxy has not logged the
    # exchange yet (it logs a stream when the upstream ends it).
    with relay(make_mock) as (_, front):
        headers = {**AUTH, "X-Mock-Pace": "ttft=0ms, delay=300ms"}
        body = {**CHAT, "stream": True, "max_tokens": 3}  # a few events: the test stays short
        with httpx.stream(
            "POST", front.base_url + "/chat/completions", json=body, headers=headers
        ) as response:
            lines = response.iter_lines()
            next(line for line in lines if line.startswith("data:"))
            assert list(front.mock.calls) == []
            rest = list(lines)
        assert "data: [DONE]" in rest
        [call] = front.mock.calls
        assert call.status == 200
        assert call.response_violations == ()


@pytest.mark.parametrize(
    ("fault", "path", "body", "rule"),
    [
        ("wrong-field-type", "/models", None, "type"),
        ("undocumented-status", "/models", None, "status"),
        ("lying-content-encoding", "/models", None, "content-encoding"),
        ("wrong-content-type", "/chat/completions", CHAT, "content-type"),
        ("sse-without-done", "/chat/completions", {**CHAT, "stream": True}, "sse-done"),
        ("sse-changing-id", "/chat/completions", {**CHAT, "stream": True}, "sse-id"),
        (
            "undecodable-audio",
            "/audio/speech",
            {"model": "tts-kokoro", "input": "Hi", "response_format": "wav"},
            "magic",
        ),
    ],
)
def test_a_faulty_upstream_shows_in_the_log_and_the_drift_report(
    make_mock: Callable[..., Mock], fault: str, path: str, body: Any, rule: str
) -> None:
    with relay(make_mock, {"faults": (fault,)}) as (up, front):
        headers = {**AUTH, "Accept-Encoding": "gzip"}
        method = "POST" if body else "GET"
        direct = Raw(method, up.base_url + path, json=body, headers=headers)
        proxied = Raw(method, front.base_url + path, json=body, headers=headers)
        _same_answer(direct, proxied)  # passed on unchanged, drift and all
        [entry] = httpx.get(front.origin + "/__mock/requests").json()
        assert entry["violations"] == []
        assert rule in [v["rule"] for v in entry["response_violations"]], entry["response_violations"]
        drift = httpx.get(front.origin + "/__mock/drift").json()
        assert (drift["exchanges"], drift["drifted"]) == (1, 1)
        assert {(r["operation_id"], r["side"], r["rule"]) for r in drift["drift"]} >= {
            (entry["operation_id"], "response", rule)
        }
        markdown = httpx.get(front.origin + "/__mock/drift?format=markdown")
        assert markdown.headers["content-type"].startswith("text/markdown")
        assert f"| `{entry['operation_id']}` | response |" in markdown.text
        assert "1 of 1 relayed exchanges broke the contract" in markdown.text
        assert f"- Server: `{up.base_url}`" in markdown.text


def test_upstream_connections_are_kept_alive_and_reused(make_mock: Callable[..., Mock]) -> None:
    with relay(make_mock) as (_, front):
        with httpx.Client(headers=AUTH) as client:  # one client connection: requests in sequence
            for _ in range(3):
                assert client.get(front.base_url + "/models").status_code == 200
            assert client.post(front.base_url + "/chat/completions", json={**CHAT, "stream": True}).is_success
        assert front.mock.upstream is not None
        assert front.mock.upstream.idle == 1  # one upstream connection served all four


def test_a_pooled_connection_the_upstream_closed_is_replaced(make_mock: Callable[..., Mock]) -> None:
    # An upstream that answers each connection once and then hangs up without saying so (no
    # Connection: close): the proxy's pooled connection is dead, and the next request must not fail.
    answer = b'{"object":"list","type":"text","data":[]}'
    head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(answer)
    served: list[int] = []

    def serve(listener: socket.socket) -> None:
        while len(served) < 2:
            connection, _ = listener.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(head + answer)
                served.append(1)

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        thread = threading.Thread(target=serve, args=(listener,), daemon=True)
        thread.start()
        upstream = f"http://127.0.0.1:{listener.getsockname()[1]}/api/v1"
        with LiveServer(make_mock(proxy=upstream)) as front, httpx.Client(headers=AUTH) as client:
            first = client.get(front.base_url + "/models")
            second = client.get(front.base_url + "/models")
        thread.join(timeout=10)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.content == answer
    assert len(served) == 2


@contextmanager
def raw_upstream(answer: bytes | Callable[[bytes], bytes], connections: int = 1) -> Iterator[str]:
    """A hand-written upstream: each connection gets `answer` (a whole HTTP response, or made
    from the request's bytes; `<flush>` splits it into parts sent apart) to its first request,
    then is closed. Yields its base URL."""

    def serve(listener: socket.socket) -> None:
        for _ in range(connections):
            connection, _ = listener.accept()
            with connection:
                request = connection.recv(65536)
                for part in (answer(request) if callable(answer) else answer).split(b"<flush>"):
                    connection.sendall(part)
                    time.sleep(0.05)  # a part of its own on the wire (an interim answer, say)

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        thread = threading.Thread(target=serve, args=(listener,), daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/api/v1"
        thread.join(timeout=10)


def test_a_chunked_json_answer_is_judged_whole(make_mock: Callable[..., Mock]) -> None:
    # Real APIs often send JSON without Content-Length; it is passed on as it comes and judged at its end.
    body = b'{"object":"list","type":"text","data":"not a list"}'
    half = len(body) // 2
    chunked = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (half, body[:half], len(body) - half, body[half:])
    head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
    with raw_upstream(head + chunked) as upstream, LiveServer(make_mock(proxy=upstream)) as front:
        answer = httpx.get(front.base_url + "/models", headers=AUTH)
        [call] = front.mock.calls
    assert answer.content == body
    assert [(v.location, v.rule) for v in call.response_violations] == [("data", "type")]


def test_only_the_final_answer_is_relayed(make_mock: Callable[..., Mock]) -> None:
    # curl sends `Expect: 100-continue` with larger bodies; an upstream that sees it may answer an
    # interim 100 first. The proxy sends the body at once, so it must not ask for one.
    body = b'{"object":"list","type":"text","data":[]}'
    final = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (
        len(body),
        body,
    )

    def answer(request: bytes) -> bytes:
        return (b"HTTP/1.1 100 Continue\r\n\r\n<flush>" if b"\r\nexpect:" in request.lower() else b"") + final

    with raw_upstream(answer) as upstream, LiveServer(make_mock(proxy=upstream)) as front:
        proxied = httpx.get(front.base_url + "/models", headers={**AUTH, "Expect": "100-continue"})
    assert (proxied.status_code, proxied.content) == (200, body)
    hints = b"HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n<flush>" + final
    with raw_upstream(hints) as upstream, LiveServer(make_mock(proxy=upstream)) as front:
        proxied = httpx.get(front.base_url + "/models", headers=AUTH)
    assert (proxied.status_code, proxied.content) == (200, body)  # the 103 is skipped
    assert "link" not in proxied.headers


def test_a_clean_upstream_leaves_no_drift(make_mock: Callable[..., Mock]) -> None:
    with relay(make_mock) as (_, front):
        for path in ("/models", "/characters", "/image/styles"):
            assert httpx.get(front.base_url + path, headers=AUTH).status_code == 200
        assert httpx.get(front.origin + "/__mock/drift").json() == {"exchanges": 3, "drifted": 0, "drift": []}


def test_the_drift_summary_needs_the_admin_token_like_every_admin_route(
    make_mock: Callable[..., Mock],
) -> None:
    with relay(make_mock, api_keys=("proxy-key-1234",)) as (_, front):
        assert httpx.get(front.origin + "/__mock/drift").status_code == 401
        guarded = httpx.get(
            front.origin + "/__mock/drift", headers={"Authorization": "Bearer proxy-key-1234"}
        )
        assert guarded.json() == {"exchanges": 0, "drifted": 0, "drift": []}


def test_an_invalid_request_is_answered_by_the_mock_unless_forward_invalid(
    make_mock: Callable[..., Mock],
) -> None:
    bad = {"model": "venice-uncensored"}  # no messages
    with relay(make_mock) as (up, front):
        answer = httpx.post(front.base_url + "/chat/completions", json=bad, headers=AUTH)
        assert answer.status_code == 400
        assert "messages" in answer.text
        assert list(up.mock.calls) == []  # never forwarded
    with relay(make_mock, forward_invalid=True) as (up, front):
        answer = httpx.post(front.base_url + "/chat/completions", json=bad, headers=AUTH)
        assert answer.status_code == 400
        assert [c.operation_id for c in up.mock.calls] == ["createChatCompletion"]
        [call] = front.mock.calls
        assert [v.location for v in call.violations] == ["messages"]
        drift = front.mock.drift.as_json()["drift"]
        assert [(r["side"], r["location"]) for r in drift] == [("request", "messages")]


def test_the_upstream_key_replaces_the_clients(make_mock: Callable[..., Mock]) -> None:
    guarded = {"api_keys": ("upstream-secret-9876",)}
    with relay(make_mock, guarded) as (_, front):
        answer = httpx.post(front.base_url + "/chat/completions", json=CHAT, headers=AUTH)
        assert answer.status_code == 401  # the client's own key, which the upstream refuses
    with relay(make_mock, guarded, upstream_api_key="upstream-secret-9876") as (up, front):
        answer = httpx.post(front.base_url + "/chat/completions", json=CHAT, headers=AUTH)
        assert answer.status_code == 200
        [call] = up.mock.calls
        assert dict(call.headers)["authorization"] == "Bearer ***9876"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_upstream_is_a_502_in_the_error_shape(make_mock: Callable[..., Mock]) -> None:
    upstream = f"http://127.0.0.1:{_free_port()}/api/v1"  # nothing listens there
    with LiveServer(make_mock(proxy=upstream)) as front:
        answer = httpx.get(front.base_url + "/models", headers=AUTH, timeout=10)
        assert answer.status_code == 502
        body = answer.json()
        assert "unreachable" in body["error"]
        assert body["details"]["upstream"] == upstream
        [call] = front.mock.calls
        assert call.status == 502


def test_a_silent_upstream_is_a_504_not_a_hang(make_mock: Callable[..., Mock]) -> None:
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        upstream = f"http://127.0.0.1:{silent.getsockname()[1]}/api/v1"
        with LiveServer(make_mock(proxy=upstream, upstream_read_timeout=0.3)) as front:
            answer = httpx.get(front.base_url + "/models", headers=AUTH, timeout=10)
        assert answer.status_code == 504
        assert "did not answer in time" in answer.json()["error"]


def test_the_openai_sdk_works_through_the_proxy(make_mock: Callable[..., Mock]) -> None:
    with relay(make_mock) as (_, front):
        with openai.OpenAI(base_url=front.base_url, api_key="test-key", max_retries=0) as sdk:
            assert any(m.id == "venice-uncensored" for m in sdk.models.list())
            answer = sdk.chat.completions.create(model="venice-uncensored", messages=MESSAGES)
            assert answer.choices[0].message.content
            chunks = list(
                sdk.chat.completions.create(model="venice-uncensored", messages=MESSAGES, stream=True)
            )
            assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert all(not c.response_violations and not c.violations for c in front.mock.calls)
        assert len(front.mock.calls) == 3


def test_the_upstream_key_may_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from mockserver.flags import parser, settings_from

    monkeypatch.setenv("VENICE_MOCK_UPSTREAM_API_KEY", "from-env-5678")
    args = parser().parse_args(["--proxy", "http://127.0.0.1:1/api/v1"])
    assert settings_from(args).upstream_api_key == "from-env-5678"
    args = parser().parse_args(["--proxy", "http://127.0.0.1:1/api/v1", "--upstream-api-key", "flag"])
    assert settings_from(args).upstream_api_key == "flag"


def test_an_upstream_that_hangs_up_before_its_content_length_is_a_502_not_a_hang(
    make_mock: Callable[..., Mock],
) -> None:
    # 100 bytes announced, 10 sent, then the connection closes: the answer can never complete.
    cut = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n" + b'{"object":'
    with (
        raw_upstream(cut) as upstream,
        LiveServer(make_mock(proxy=upstream, upstream_read_timeout=30)) as front,
    ):
        answer = httpx.get(front.base_url + "/models", headers=AUTH, timeout=5)
        health = httpx.get(front.origin + "/__mock/health", timeout=5)  # the server still serves
        [call] = front.mock.calls
    assert answer.status_code == 502
    body = answer.json()
    assert (
        body["error"] == f"the upstream {upstream} closed the connection (mid-answer) before the body's end"
    )
    assert body["details"]["upstream"] == upstream
    assert health.status_code == 200
    assert call.status == 502


# -- the upstream's answers judged on the way (mockserver/selfcheck.py), from hand-written upstreams


def _chunked(*parts: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts)


_SSE_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n"
_CHUNK: dict[str, Any] = {
    "id": "c1",
    "object": "chat.completion.chunk",
    "created": 1,
    "model": "m",
    "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": None}],
}
_EVENT = b"data: " + json.dumps(_CHUNK).encode() + b"\n\n"
_STREAM = {**CHAT, "stream": True}


def _judged(
    make_mock: Callable[..., Mock],
    answer: bytes,
    path: str = "/chat/completions",
    body: Any = _STREAM,
    headers: dict[str, str] | None = None,
) -> tuple[bytes, list[tuple[str, str, str]], tuple[str, ...]]:
    """What the client received through the proxy, how the upstream's answer was judged, and the
    log's notes."""
    with raw_upstream(answer) as upstream, LiveServer(make_mock(proxy=upstream)) as front:
        method = "POST" if body is not None else "GET"
        received = b""
        with httpx.stream(
            method, front.base_url + path, json=body, headers={**AUTH, **(headers or {})}
        ) as got:
            try:
                for chunk in got.iter_raw():
                    received += chunk
            except httpx.RemoteProtocolError:  # the answer broke off: say so in what was received
                received += BROKE_OFF
        [call] = front.mock.calls
    return received, [(v.location, v.rule, v.message) for v in call.response_violations], call.notes


BROKE_OFF = b"<the connection closed mid-answer>"


def test_a_stream_not_encoded_as_labelled_is_judged_once_and_passed_on(
    make_mock: Callable[..., Mock],
) -> None:
    plain = _EVENT + b"data: [DONE]\n\n"
    answer = _SSE_HEAD + b"content-encoding: gzip\r\n\r\n" + _chunked(plain) + b"0\r\n\r\n"
    received, problems, _ = _judged(make_mock, answer, headers={"Accept-Encoding": "gzip"})
    assert received == plain
    [(location, rule, message)] = problems
    assert (location, rule) == ("header.content-encoding", "content-encoding")
    assert message.startswith("the stream is not gzip: ")


def test_each_bad_event_of_a_stream_is_named_by_its_place(make_mock: Callable[..., Mock]) -> None:
    off_schema = b"data: " + json.dumps({**_CHUNK, "created": "x"}).encode() + b"\n\n"
    # a keep-alive comment, an event that is no JSON, one off its schema, [DONE], then one more
    # event whose frame the upstream never ends with a blank line
    parts = (b": keep-alive\n\n", b"data: {oops\n\n", off_schema, b"data: [DONE]\n\n", _EVENT.rstrip())
    received, problems, notes = _judged(make_mock, _SSE_HEAD + b"\r\n" + _chunked(*parts) + b"0\r\n\r\n")
    assert received == b"".join(parts)
    assert problems == [
        (
            "event[0]",
            "parse",
            "not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2",
        ),
        ("event[1].created", "type", "expected integer, got string"),
        ("event[2]", "sse-after-done", "an event after data: [DONE]"),
    ]
    assert notes == ()


def test_a_stream_the_upstream_cuts_is_incomplete_and_the_log_says_why(
    make_mock: Callable[..., Mock],
) -> None:
    cut = _SSE_HEAD + b"\r\n" + _chunked(_EVENT)  # no last chunk
    received, problems, notes = _judged(make_mock, cut)
    # The client's stream breaks off where the upstream's did: no clean end hides the cut.
    assert received == _EVENT + BROKE_OFF
    assert problems == [("stream", "incomplete", "the upstream stream broke off before its end")]
    assert len(notes) == 1
    assert notes[0].startswith("the upstream http://127.0.0.1:")
    assert notes[0].endswith(" closed the connection (mid-stream) before the body's end")


def test_a_cut_binary_is_judged_by_its_first_bytes(make_mock: Callable[..., Mock]) -> None:
    head = b"HTTP/1.1 200 OK\r\ncontent-type: audio/wav\r\ntransfer-encoding: chunked\r\n\r\n"
    speech = {"model": "tts-kokoro", "input": "Hi", "response_format": "wav"}
    received, problems, _ = _judged(make_mock, head + _chunked(b"NOTRIFF!"), "/audio/speech", speech)
    assert received == b"NOTRIFF!" + BROKE_OFF  # the client sees the cut, as from the upstream
    assert problems == [
        ("body", "magic", "the body does not start like audio/wav: b'NOTRIFF!'"),
        ("body", "incomplete", "the upstream answer broke off before its end"),
    ]


def _whole(body: bytes, *headers: bytes, media_type: bytes = b"application/json") -> bytes:
    lines = b"".join(h + b"\r\n" for h in headers)
    return b"HTTP/1.1 200 OK\r\ncontent-type: %s\r\n%scontent-length: %d\r\n\r\n%s" % (
        media_type,
        lines,
        len(body),
        body,
    )


@pytest.mark.parametrize(
    ("answer", "path", "accept", "problem"),
    [
        (
            _whole(b'{"object": "list", "data": [1,'),
            "/models",
            "application/json",
            ("body", "parse", "not valid JSON: Expecting value at line 1 column 31"),
        ),
        (
            _whole(b'{"object":"list","type":"text","data":[]}', b"content-encoding: compress"),
            "/models",
            "application/json",
            ("header.content-encoding", "content-encoding", "unknown Content-Encoding 'compress'"),
        ),
        (
            _whole(
                b"a,b\n1,2\n", b"x-pagination-limit: lots", b"x-pagination-page: 1", media_type=b"text/csv"
            ),
            "/billing/usage",
            "text/csv",
            ("header.x-pagination-limit", "type", "expected number, got string"),
        ),
    ],
)
def test_a_whole_answer_off_the_spec_is_named(
    make_mock: Callable[..., Mock], answer: bytes, path: str, accept: str, problem: tuple[str, str, str]
) -> None:
    received, problems, _ = _judged(make_mock, answer, path, None, {"Accept": accept})
    assert received == answer.split(b"\r\n\r\n", 1)[1]
    assert problems == [problem]
