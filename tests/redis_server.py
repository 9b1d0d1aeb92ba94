"""A real Redis server for the tests: Debian's `redis-server` on a free loopback port, in a
temporary directory, with persistence off. `.ci/run` installs it where it is missing; under CI
(CI=true) its absence fails the tests that need it, elsewhere they are skipped with the reason."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

import pytest

INSTALL = "apt-get install -y redis-server (.ci/run does it where it is missing)"


def redis_binary() -> str:
    found = shutil.which("redis-server")
    if found is None:
        reason = f"redis-server is not installed: {INSTALL}"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """One redis-server process; `stop` and `start` again keep the port (a restart, data lost)."""

    def __init__(self) -> None:
        self.binary = redis_binary()
        self.port = free_port()
        self.directory = tempfile.mkdtemp(prefix="venice-mock-redis-")
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, prefix: str | None = None) -> str:
        """A URL with a prefix of its own: tests sharing the server never see each other's keys."""
        return f"redis://127.0.0.1:{self.port}/0?prefix={prefix or 'test-' + uuid.uuid4().hex[:12]}"

    def start(self) -> RedisServer:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
        command += ["no", "--dir", self.directory, "--protected-mode", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(64).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not answer PING within 10 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
