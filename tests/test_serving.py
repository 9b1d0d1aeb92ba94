"""`venice-mock` as a process under stress (issue 12): bounded request heads (431, a read
timeout), SIGTERM drains for a bounded time and ends open streams cleanly, a taken port is one
line and exit 2, a bad flag is two lines, workers hold no keys in their environment and die with
their parent, uploads are not kept after their answer."""

from __future__ import annotations

import gc
import io
import json
import os
import random
import signal
import socket
import stat
import subprocess
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from PIL import Image
from starlette.testclient import TestClient

from mockserver import Mock, create_app
from mockserver.cli import main
from tests.helpers import AUTH

CHAT = {"model": "venice-uncensored", "messages": [{"role": "user", "content": "Hi"}]}


@contextmanager
def serving(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    from tests.test_cli import start

    process, base_url = start("--log-level", "warning", *args)
    try:
        yield process, base_url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)  # also closes the pipes


def port_of(base_url: str) -> int:
    return int(base_url.split(":")[2].split("/")[0])


def raw_exchange(port: int, data: bytes) -> bytes:
    """Send `data`, read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_request_head_over_the_limit_gets_431_in_the_error_shape() -> None:
    with serving("--max-header-size", "8KiB") as (_, base_url):
        port = port_of(base_url)
        big = b"GET /api/v1/models HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n"
        answer = raw_exchange(port, big)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 431 ")
        assert json.loads(body) == {
            "error": "the request head exceeds the limit of 8192 bytes (--max-header-size)"
        }
        # Just under the limit is served.
        fits = {**AUTH, "X-Big": "a" * 7000}
        assert httpx.get(f"{base_url}/models", headers=fits, timeout=10).status_code == 200


def test_the_default_head_limit_is_64_kib() -> None:
    with serving() as (_, base_url):
        over = {**AUTH, "X-Big": "a" * (65 * 1024)}
        assert httpx.get(f"{base_url}/models", headers=over, timeout=10).status_code == 431
        under = {**AUTH, "X-Big": "a" * (60 * 1024)}
        assert httpx.get(f"{base_url}/models", headers=under, timeout=10).status_code == 200


def test_a_half_sent_head_is_answered_408_and_closed() -> None:
    with serving("--header-timeout", "0.5") as (_, base_url):
        answer = raw_exchange(port_of(base_url), b"GET /api/v1/models HTTP/1.1\r\nHost: x\r\n")
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert b"--header-timeout" in answer
        # A connection that sends nothing is closed too (it does not hold a socket forever).
        assert raw_exchange(port_of(base_url), b"") == b""


def _answers(sock: socket.socket, count: int) -> list[bytes]:
    """The heads of the next `count` answers on a keep-alive connection (Content-Length bodies)."""
    buffer = b""
    heads: list[bytes] = []
    while len(heads) < count:
        while b"\r\n\r\n" not in buffer:
            chunk = sock.recv(65536)
            if not chunk:
                return heads
            buffer += chunk
        head, _, buffer = buffer.partition(b"\r\n\r\n")
        size = next(
            int(v)
            for k, _, v in (line.partition(b": ") for line in head.split(b"\r\n"))
            if k.lower() == b"content-length"
        )
        while len(buffer) < size:
            buffer += sock.recv(65536)
        buffer = buffer[size:]
        heads.append(head)
    return heads


GET = b"GET /api/v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n\r\n"


def test_the_bounds_hold_for_the_second_head_of_a_kept_alive_connection() -> None:
    with serving("--header-timeout", "0.5", "--max-header-size", "8KiB") as (_, base_url):
        port = port_of(base_url)
        # Two pipelined requests in one write, then half a third head: two answers, then a 408.
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(GET + GET + b"GET /api/v1/models HTTP/1.1\r\nHost: x\r\n")
            heads = _answers(sock, 2)
            assert [h.split(b"\r\n")[0] for h in heads] == [b"HTTP/1.1 200 OK"] * 2
            rest = b"".join(iter(lambda: sock.recv(65536), b""))
            assert rest.startswith(b"HTTP/1.1 408 ")
        # A second head over the limit on a kept-alive connection is a 431, after a served first.
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(GET)
            assert _answers(sock, 1)[0].startswith(b"HTTP/1.1 200 ")
            sock.sendall(b"GET /api/v1/models HTTP/1.1\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n")
            rest = b"".join(iter(lambda: sock.recv(65536), b""))
            assert rest.startswith(b"HTTP/1.1 431 ")


def test_each_head_has_the_whole_timeout_from_its_own_first_byte() -> None:
    # The deadline moves with every head, while the connection's first wake-up is still
    # pending: a second head begun late but complete within its own timeout is answered.
    with (
        serving("--header-timeout", "0.6") as (_, base_url),
        socket.create_connection(("127.0.0.1", port_of(base_url)), timeout=30) as sock,
    ):
        sock.sendall(GET)
        assert _answers(sock, 1)[0].startswith(b"HTTP/1.1 200 ")
        time.sleep(0.4)
        sock.sendall(GET[:20])
        time.sleep(0.4)  # 0.8 s after the connection began, 0.4 s into this head
        sock.sendall(GET[20:])
        assert _answers(sock, 1)[0].startswith(b"HTTP/1.1 200 ")
        sock.sendall(GET[:20])  # and a head that never ends still gets its 408
        rest = b"".join(iter(lambda: sock.recv(65536), b""))
        assert rest.startswith(b"HTTP/1.1 408 ")


def test_a_body_slower_than_the_header_timeout_is_not_cut() -> None:
    with serving("--header-timeout", "0.3") as (_, base_url):
        body = json.dumps(CHAT).encode()
        head = (
            b"POST /api/v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n"
            b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", port_of(base_url)), timeout=30) as sock:
            sock.sendall(head + body[:5])
            time.sleep(0.8)  # the head was complete: only the body is late, which is not limited here
            sock.sendall(body[5:])
            [answer] = _answers(sock, 1)
        assert answer.startswith(b"HTTP/1.1 200 ")


def test_sigterm_ends_a_never_ending_stream_cleanly_after_the_grace_period() -> None:
    with serving("--fault", "stream-never-ends", "--graceful-timeout", "1") as (process, base_url):
        with (
            httpx.Client(timeout=60) as client,
            client.stream(
                "POST", f"{base_url}/chat/completions", json={**CHAT, "stream": True}, headers=AUTH
            ) as r,
        ):
            lines = r.iter_lines()
            assert next(lines).startswith("data: ")
            process.send_signal(signal.SIGTERM)
            rest = list(lines)  # raises if the body is cut instead of ended
        assert rest  # keep-alive comments until the grace period ran out
        assert process.wait(timeout=60) == 0


def test_a_taken_port_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--port", str(port)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"venice-mock: error: cannot listen on 127.0.0.1:{port}: the address is already in use"]


def test_a_bad_flag_is_a_short_usage_and_one_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--no-such-flag"])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines() == [
        "usage: venice-mock [options]  (see venice-mock --help)",
        "venice-mock: error: unrecognized arguments: --no-such-flag",
    ]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _workers(pid: int) -> list[int]:
    return [c for c in _children(pid) if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()]


def test_workers_get_no_keys_through_the_environment_and_die_with_their_parent() -> None:
    with serving("--workers", "2", "--api-key", "very-secret-key-1") as (process, base_url):
        assert httpx.get(
            f"{base_url}/models", headers={"Authorization": "Bearer very-secret-key-1"}
        ).is_success
        workers = _workers(process.pid)
        assert len(workers) == 2
        for pid in [process.pid, *workers]:
            environment = Path(f"/proc/{pid}/environ").read_bytes()
            assert b"very-secret-key-1" not in environment
        settings_file = next(
            line.split(b"=", 1)[1].decode()
            for line in Path(f"/proc/{workers[0]}/environ").read_bytes().split(b"\0")
            if line.startswith(b"VENICE_MOCK_SETTINGS_FILE=")
        )
        assert stat.S_IMODE(os.stat(settings_file).st_mode) == 0o600
        process.kill()  # kill -9: no chance to clean up
        process.wait(timeout=30)
        deadline = time.monotonic() + 60
        while any(Path(f"/proc/{w}").exists() and _alive(w) for w in workers):
            assert time.monotonic() < deadline, "workers outlived their parent"
            time.sleep(0.1)
        os.unlink(settings_file)  # a kill -9 leaves it behind (readable by its owner only)
        with socket.socket() as probe:  # the port is free again
            probe.bind(("127.0.0.1", port_of(base_url)))


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _noise_png(seed: int, side: int = 700) -> bytes:
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=0)
    return out.getvalue()


def test_uploads_are_not_kept_after_their_answer(make_mock: Callable[..., Mock]) -> None:
    size = len(_noise_png(0))
    mock = make_mock(log_body_bytes=1024)  # the request log keeps 1 KiB of each body
    with TestClient(create_app(mock=mock)) as client:
        tracemalloc.start()
        try:
            baseline = tracemalloc.get_traced_memory()[0]
            for n in range(8):  # eight distinct uploads, each made here and dropped after its answer
                response = client.post(
                    "/api/v1/image/upscale",
                    headers=AUTH,
                    files={"image": ("a.png", _noise_png(n), "image/png")},
                    data={"scale": "2"},
                )
                assert response.status_code == 200, response.text
                del response
            gc.collect()  # cycles (frames, the test client's objects) are not what is measured
            kept = tracemalloc.get_traced_memory()[0] - baseline
        finally:
            tracemalloc.stop()
    # At most the last upload may linger in the test client; a cache of uploads held all eight.
    assert kept < 2 * size, f"{kept} bytes still held after 8 uploads of {size} bytes"
