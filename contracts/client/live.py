"""A mock for client tests: real loopback server or in-process, scriptable, with its call log.

with VeniceMock() as venice:                        # a server on 127.0.0.1, a free port
    client = MyClient(base_url=venice.base_url)
    venice.respond("listModels", status=500)
    ...
    venice.assert_conforms()

with VeniceMock(inprocess=True) as venice:          # no socket: clients take a transport
    client = openai.OpenAI(base_url=venice.base_url, api_key="k", http_client=venice.http_client(httpx2))
"""

from __future__ import annotations

from types import ModuleType, TracebackType
from typing import Any

import httpx

from contracts.client.conformance import assert_client_conforms
from contracts.client.decoy import Decoy
from contracts.client.transport import close_in_process, sync_transport
from contracts.server.local import LocalMock
from mockserver import CallLog, Mock, Scripted, Settings, Spec, create_app


class VeniceMock:
    def __init__(self, settings: Settings | None = None, spec: Spec | None = None, inprocess: bool = False):
        self.mock = Mock(settings or Settings(), spec=spec)
        self.mock.scripts.bind(self.mock.spec)
        self.inprocess = inprocess
        self.app = create_app(mock=self.mock)
        self._server = None if inprocess else LocalMock(self.mock)
        self._decoy = Decoy()  # in-process only: where an unwired client lands (decoy.py)

    def __enter__(self) -> VeniceMock:
        if self._server is not None:
            self._server.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.__exit__(kind, exc, tb)
        else:
            close_in_process(self.mock)
        self._decoy.close()

    @property
    def origin(self) -> str:
        return self._decoy.origin if self._server is None else f"http://127.0.0.1:{self._server.port}"

    @property
    def base_url(self) -> str:
        """Where the API is: `http://127.0.0.1:PORT/api/v1`. In-process, the port is a loopback
        listener that answers 421 saying how to wire a client that missed the transport."""
        return self.origin + self.mock.base_path

    @property
    def calls(self) -> CallLog:
        """Every request so far: method, path, operation_id, status, violations, body, ..."""
        return self.mock.calls

    def respond(
        self, operation_id: str, status: int | None = None, body: Any = ..., **options: Any
    ) -> Scripted:
        """Script the next answers of an operation (see mockserver.scripts.Scripts.respond)."""
        if body is not ...:
            options["body"] = body
        return self.mock.scripts.respond(operation_id, status, **options)

    def reset(self) -> None:
        """Forget scripts, the call log, created keys and usage."""
        self.mock.reset()

    def transport(self, flavor: ModuleType = httpx) -> Any:
        """An in-process sync transport for `flavor` (httpx, or httpx2 for the openai SDK)."""
        return sync_transport(self.app, flavor)

    def async_transport(self) -> httpx.ASGITransport:
        """httpx's own ASGI transport for async clients (it buffers whole answers: a cut stream
        looks complete through it)."""
        return httpx.ASGITransport(app=self.app)

    def http_client(self, flavor: ModuleType = httpx, **options: Any) -> Any:
        """A `flavor.Client` for this mock: in-process, or through loopback in server mode."""
        transport = self.transport(flavor) if self._server is None else None
        return flavor.Client(transport=transport, base_url=self.base_url, **options)

    def openai_client(self, **options: Any) -> Any:
        """An `openai.OpenAI` client for this mock (in-process in that mode)."""
        import httpx2
        import openai

        options.setdefault("api_key", "test-key")
        if self._server is None:
            options.setdefault("http_client", httpx2.Client(transport=self.transport(httpx2)))
        return openai.OpenAI(base_url=self.base_url, **options)

    def assert_conforms(self) -> None:
        assert_client_conforms(self.calls, self.mock.spec)
