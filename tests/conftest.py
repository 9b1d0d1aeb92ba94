"""Shared fixtures: the bundled spec (loaded once), mock factories, clients, a live server."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from hypothesis import HealthCheck, settings
from openapi_core import OpenAPI

from mockserver import Mock, Settings, Spec, create_app, load_spec
from mockserver.protocol import DEFAULT_HEADER_LIMIT, DEFAULT_HEADER_TIMEOUT, bound
from tests.helpers import reference_for
from tests.redis_server import RedisServer

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile("dev", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "heavy", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(scope="session")
def spec() -> Spec:
    return load_spec()


@pytest.fixture(scope="session")
def reference(spec: Spec) -> OpenAPI:
    """openapi-core over the bundled spec: the reference validator tests compare against."""
    return reference_for(spec)


@pytest.fixture(scope="session")
def later_spec_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A later Venice spec (tests/later_venice.py) written once per session."""
    from tests.later_venice import write_later_spec

    return str(write_later_spec(tmp_path_factory.mktemp("later-venice")))


@pytest.fixture(scope="session")
def later_spec(later_spec_path: str) -> Spec:
    return load_spec(later_spec_path)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real Redis for the session (each test uses a key prefix of its own: RedisServer.url)."""
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def make_mock(spec: Spec) -> Callable[..., Mock]:
    """Factory: a fresh Mock over the bundled spec (compiled once per session) with any settings."""

    def make(**overrides: Any) -> Mock:
        return Mock(Settings(**overrides), spec=spec if "spec" not in overrides else None)

    return make


@pytest.fixture
def mock(make_mock: Callable[..., Mock]) -> Mock:
    return make_mock()


@pytest.fixture
def client(mock: Mock) -> Iterator[httpx.Client]:
    """A synchronous client talking to the app in-process (no sockets)."""
    from starlette.testclient import TestClient

    with TestClient(create_app(mock=mock), base_url="http://mock.test") as test_client:
        yield test_client


class LiveServer:
    """A real uvicorn server on a free loopback port, in a background thread, with the protocol
    `venice-mock` serves with (head bounds, head and body in one write)."""

    def __init__(self, mock: Mock, app: Any = None, **options: Any) -> None:
        """Serves `app` (default: the mock's own app) on the mock's base path; `options` go to
        uvicorn (`ssl_certfile=..., ssl_keyfile=...` serve it over TLS)."""
        self.mock = mock
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(
            app or create_app(mock=mock),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="on",
            **options,
        )
        if "http" not in options:
            config = bound(config, DEFAULT_HEADER_LIMIT, DEFAULT_HEADER_TIMEOUT)
        self.scheme = "https" if "ssl_certfile" in options else "http"
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def origin(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return self.origin + self.mock.base_path

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("live server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(mock: Mock) -> Iterator[LiveServer]:
    with LiveServer(mock) as server:
        yield server


@pytest.fixture
def sdk(live_server: LiveServer) -> Iterator[Any]:
    """The official openai SDK pointed at the live server (closed afterwards: an open client's
    sockets would surface as ResourceWarnings in whichever test runs next)."""
    import openai

    with openai.OpenAI(base_url=live_server.base_url, api_key="test-key", max_retries=0) as client:
        yield client
