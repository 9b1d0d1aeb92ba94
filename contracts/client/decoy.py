"""Where an in-process mock's `base_url` points: a loopback listener that explains the mistake.

An in-process `VeniceMock` has no server; clients must reach it through its transport. A client
that was not wired to the transport still connects to `base_url`. A made-up host name would send
it to DNS (off the machine) and fail with a bare connection error; this listener keeps it on
loopback and answers every request 421 with the spec's error shape, saying how to wire the client.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_BODY = json.dumps(
    {
        "error": "this VeniceMock runs in-process: its base_url is reached only through its transport",
        "details": {
            "fix": "pass http_client=venice.http_client(httpx) (or httpx2 for the openai SDK), "
            "transport=venice.transport(), or use venice.openai_client(); "
            "or start it as a loopback server: VeniceMock(inprocess=False)"
        },
    }
).encode()


class _Explain(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if 0 < length <= 1 << 20:
            self.rfile.read(length)  # read what was sent, so the client sees the answer, not a reset
        self.send_response(421)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(_BODY)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(_BODY)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass  # the answer itself is the message


class Decoy:
    """The listener, started on first use, stopped by close()."""

    def __init__(self) -> None:
        self._server: ThreadingHTTPServer | None = None

    @property
    def origin(self) -> str:
        if self._server is None:
            self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Explain)
            self._server.daemon_threads = True
            threading.Thread(target=self._server.serve_forever, name="venice-decoy", daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
