"""The mock itself, served in-process on a loopback port: what the suite checks when no
`--base-url` is given, so the mock is always the first implementation the suite runs against."""

from __future__ import annotations

import logging
import threading
import time
from types import TracebackType

import uvicorn

from mockserver import Mock, Settings, create_app


class LocalMock:
    """A uvicorn server for a Mock in a background thread, on 127.0.0.1 and a free port."""

    def __init__(self, mock: Mock | None = None, settings: Settings | None = None) -> None:
        self.mock = mock or Mock(settings)
        config = uvicorn.Config(
            create_app(mock=self.mock), host="127.0.0.1", port=0, log_level="critical", lifespan="on"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="venice-mock", daemon=True)
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.mock.base_path}"

    def __enter__(self) -> LocalMock:
        # The multipart parser logs every malformed part the negative cases send (at WARNING, to
        # the root logger): server-side noise that would interleave with the suite's own output.
        logging.getLogger("python_multipart").setLevel(logging.ERROR)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                self._server.should_exit = True
                raise RuntimeError("the in-process mock did not start")
            time.sleep(0.005)
        self.port = int(self._server.servers[0].sockets[0].getsockname()[1])
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)
