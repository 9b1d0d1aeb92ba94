"""Serving a Mock with uvicorn: the listening socket, one process or several, the start-up line.

The socket is bound here, before uvicorn starts, so a taken port is one line and exit 2 (not a
traceback and exit 3), and `--port 0` is resolved once for every worker. The "serving at URL"
line is printed only once a request is answered: by the server itself with one process, after a
probe got an HTTP answer with several. Workers get their settings from a 0600 file (never the
environment, which holds no keys) and die with the process that started them.
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import os
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from mockserver.app import MockApp, create_app
from mockserver.exceptions import ListenError
from mockserver.pipeline import Mock
from mockserver.protocol import bound
from mockserver.settings import Settings

# Worker processes read the parent's settings from a file only its user can read (0600), named
# by this variable: the settings hold the keys, and an environment is readable by others
# (/proc/PID/environ of the same user, `ps e`, crash reports).
SETTINGS_ENV = "VENICE_MOCK_SETTINGS_FILE"
_PARENT_ENV = "VENICE_MOCK_PARENT_PID"
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


@dataclass(frozen=True)
class Serve:
    """How to serve: the listening address and the server's own bounds."""

    host: str
    port: int
    workers: int = 1
    log_level: str = "info"
    header_limit: int = 64 * 1024
    header_timeout: float = 10.0
    graceful_timeout: float = 5.0


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or ListenError saying why in one line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        reason = "the address is already in use" if exc.errno == 98 else (exc.strerror or str(exc))
        raise ListenError(f"cannot listen on {_url_host(host)}:{port}: {reason}") from None
    sock.set_inheritable(True)
    return sock


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def origin_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{_url_host(host)}:{port}"


def announce(mock: Mock, origin: str) -> None:
    spec = mock.spec
    print(
        f"venice-mock: serving {len(spec.operations)} operations of {spec.title} {spec.version} "
        f"at {origin}{mock.base_path}",
        flush=True,
    )


class _Server(uvicorn.Server):
    """uvicorn's server, announcing the address once it listens, exiting 0 on SIGINT/SIGTERM."""

    def __init__(self, config: uvicorn.Config, mock: Mock | None) -> None:
        super().__init__(config)
        self.mock = mock

    def handle_exit(self, sig: int, frame: Any) -> None:
        super().handle_exit(sig, frame)
        # uvicorn re-raises a caught SIGINT/SIGTERM after its graceful shutdown, so the process
        # would end "killed by signal"; a requested stop is a clean exit (status 0) here.
        self._captured_signals.clear()

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets)
        if self.mock is None or self.should_exit or not self.servers:
            return
        announce(self.mock, origin_of(self.servers[0].sockets[0]))


def _config(app: Any, serve: Serve, **extra: Any) -> uvicorn.Config:
    config = uvicorn.Config(
        app,
        log_level=serve.log_level,
        access_log=serve.log_level == "debug",
        lifespan="on",
        # Streams still open after this many seconds of a SIGTERM are cancelled (closed cleanly).
        timeout_graceful_shutdown=serve.graceful_timeout,  # type: ignore[arg-type]
        **extra,
    )
    return bound(config, serve.header_limit, serve.header_timeout)


def run(mock: Mock, serve: Serve, sock: socket.socket) -> int:
    """Serve until SIGINT/SIGTERM; the exit status."""
    if serve.workers == 1:
        server = _Server(_config(create_app(mock=mock), serve), mock)
        server.run(sockets=[sock])
        return 0 if server.started or not server.should_exit else 1
    with _settings_file(mock.settings) as path:
        os.environ[SETTINGS_ENV] = path
        os.environ[_PARENT_ENV] = str(os.getpid())
        config = _config("mockserver.serving:worker_app", serve, factory=True, workers=serve.workers)
        threading.Thread(target=_announce_when_answered, args=(mock, sock), daemon=True).start()
        Multiprocess(config, sockets=[sock]).run()
    return 0


def _announce_when_answered(mock: Mock, sock: socket.socket) -> None:
    host, port = sock.getsockname()[:2]
    probe_host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection(probe_host, port, timeout=2)
        try:
            connection.request("GET", "/__mock/health")
            connection.getresponse().read()
        except OSError:
            time.sleep(0.02)
            continue
        finally:
            connection.close()
        announce(mock, origin_of(sock))
        return


@contextlib.contextmanager
def _settings_file(settings: Settings) -> Iterator[str]:
    """The settings in a new file readable by this user only (mkstemp creates it 0600)."""
    descriptor, path = tempfile.mkstemp(prefix="venice-mock-", suffix=".json")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(settings.to_json())
        yield path
    finally:
        os.unlink(path)


def worker_app() -> MockApp:
    """Factory run in each worker process: tie it to the parent, read the settings file."""
    _die_with_parent()
    with open(os.environ[SETTINGS_ENV], encoding="utf-8") as handle:
        return create_app(Settings.from_json(handle.read()))


def _die_with_parent() -> None:
    """A worker must not outlive its parent (a `kill -9` of it would leave workers on the port)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    parent = os.environ.get(_PARENT_ENV)
    if parent and os.getppid() != int(parent):  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)
