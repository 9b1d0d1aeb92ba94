"""The served protocol's write path: what a response writes from its head to the end of the
event loop's turn leaves in one write; a head whose body is slow (a paced stream) still leaves at
the end of its turn, never held until the body; a large body is not held."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import uvicorn
from uvicorn.server import ServerState

from mockserver import Mock
from mockserver.protocol import BoundedProtocol, HeldHead, bound
from tests.conftest import LiveServer

HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


class Recording:
    """A transport that keeps what it was asked to write, in order."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 5000)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def held(steps: list[str]) -> tuple[list[bytes], bool]:
    """Drive a HeldHead through steps ("head", "body", "data", "large", "turn", "close", "lost") in a
    real event loop; what reached the transport and whether it was closed."""
    transport = Recording()

    async def drive() -> None:
        writes = HeldHead(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
        for step in steps:
            if step == "head":
                writes.write(HEAD)
            elif step == "body":
                writes.write(b"{}")
            elif step == "data":
                writes.write(b"3\r\nabc\r\n")
            elif step == "large":
                writes.write(b"x" * HeldHead.HELD_LIMIT)
            elif step == "turn":
                await asyncio.sleep(0)
            elif step == "close":
                writes.close()
            elif step == "lost":
                transport.closed = True
        await asyncio.sleep(0)

    asyncio.run(drive())
    return transport.writes, transport.closed


def test_a_head_and_its_body_in_the_same_turn_are_one_write() -> None:
    assert held(["head", "body"]) == ([HEAD + b"{}"], False)
    assert held(["head", "data", "data"]) == ([HEAD + b"3\r\nabc\r\n" * 2], False)


def test_nothing_is_written_before_the_end_of_the_turn_unless_it_is_large() -> None:
    transport = Recording()

    async def drive() -> tuple[list[bytes], list[bytes], list[bytes]]:
        writes = HeldHead(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
        writes.write(HEAD)
        writes.write(b"{}")
        during = list(transport.writes)
        await asyncio.sleep(0)
        after = list(transport.writes)
        writes.write(HEAD)
        writes.write(b"x" * HeldHead.HELD_LIMIT)  # past the limit: out at once, not copied on
        return during, after, list(transport.writes)

    during, after, large = asyncio.run(drive())
    assert (during, after) == ([], [HEAD + b"{}"])
    assert large == [HEAD + b"{}", HEAD + b"x" * HeldHead.HELD_LIMIT]


def test_what_follows_a_large_body_is_written_through() -> None:
    writes, _ = held(["head", "large", "data"])
    assert writes == [HEAD + b"x" * HeldHead.HELD_LIMIT, b"3\r\nabc\r\n"]


def test_a_head_alone_leaves_at_the_end_of_the_turn_and_the_body_after_it() -> None:
    assert held(["head", "turn", "body"]) == ([HEAD, b"{}"], False)


def test_what_is_not_a_head_is_written_at_once() -> None:
    assert held(["data", "data"]) == ([b"3\r\nabc\r\n", b"3\r\nabc\r\n"], False)


def test_closing_sends_a_held_head_first() -> None:
    assert held(["head", "close"]) == ([HEAD], True)


def test_a_head_held_for_a_connection_that_closed_meanwhile_is_dropped() -> None:
    assert held(["head", "lost"]) == ([], True)


def test_a_paced_streams_head_arrives_before_its_first_event(mock: Mock) -> None:
    request = (
        b"POST /api/v1/chat/completions HTTP/1.1\r\nhost: mock\r\nauthorization: Bearer k\r\n"
        b"content-type: application/json\r\nx-mock-pace: ttft=700ms, delay=0ms\r\n"
        b"content-length: %d\r\n\r\n%s"
    )
    body = b'{"model":"venice-uncensored","stream":true,"messages":[{"role":"user","content":"hi"}]}'
    with LiveServer(mock) as server, socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request % (len(body), body))
        first = sock.recv(65536)
        while b"\r\n\r\n" not in first:
            first += sock.recv(65536)
        head, _, after = first.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200")
        assert b"text/event-stream" in head
        assert after == b""  # the first event is 700 ms away: a held head would have come with it
        rest = b""
        while b"data: [DONE]" not in rest:
            chunk = sock.recv(65536)
            assert chunk, f"the stream ended before [DONE]: {rest[-200:]!r}"
            rest += chunk
        assert b'"chat.completion.chunk"' in rest


def test_a_refusal_by_the_protocol_comes_after_the_answer_it_held_not_instead_of_it() -> None:
    # A 431 for the next head, decided while the last answer is still held in its turn: the
    # answer leaves first, then the refusal, then the connection closes.
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"{}"})

    transport = Recording()

    async def drive() -> None:
        config = bound(uvicorn.Config(app, log_level="warning", lifespan="off"), 100, 10.0)
        config.load()
        protocol = BoundedProtocol(config, ServerState(), {})
        protocol.connection_made(transport)  # type: ignore[arg-type]
        protocol.data_received(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        await asyncio.sleep(0)  # the app answers; its answer is held until the turn ends
        assert transport.writes == []
        protocol.data_received(b"GET / HTTP/1.1\r\nX: " + b"a" * 200 + b"\r\n\r\n")
        await asyncio.sleep(0)

    asyncio.run(drive())
    sent = b"".join(transport.writes)
    assert sent.startswith(b"HTTP/1.1 200 OK\r\n"), sent[:300]
    assert b"\r\n\r\n{}HTTP/1.1 431 " in sent, sent[:300]
    assert transport.closed
