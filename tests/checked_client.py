"""A test client for stateful scenarios (keys, billing, rate limits) that has openapi-core check
every answer against the spec, so the meaningful answers are proven valid, not only synthesized
ones; and a fixtures directory with a rate_limits.yaml of a test's own."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from openapi_core import OpenAPI
from starlette.testclient import TestClient

from mockserver import Mock, create_app
from mockserver.catalogfile import default_fixtures_dir
from tests.helpers import Request, reference_check_response


class CheckedClient:
    def __init__(self, mock: Mock, reference: OpenAPI) -> None:
        self.mock = mock
        self.reference = reference
        self.client = TestClient(create_app(mock=mock), base_url="http://localhost")

    def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        query: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:  # an httpx or httpx2 response: TestClient uses httpx2 when it is installed
        sent = {"Accept-Encoding": "identity", **(headers or {})}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if json is not None:
            sent["Content-Type"] = "application/json"
        request = Request(method, path, dict(query or {}), sent, json, json is not None)
        response = self.client.request(
            method, request.url(self.mock.base_path), headers=sent, content=request.body() or None
        )
        # A stream's events are checked by the chat tests (the spec documents only JSON answers).
        if not response.headers.get("content-type", "").startswith("text/event-stream"):
            reference_check_response(
                self.reference,
                self.mock.base_path,
                request,
                response.status_code,
                dict(response.headers),
                response.content,
            )
        return response

    def create_key(self, token: str, key_type: str = "ADMIN", **fields: Any) -> dict[str, Any]:
        body = {"apiKeyType": key_type, "description": f"a {key_type} key", **fields}
        response = self.call("POST", "/api_keys", token=token, json=body)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data


def fixtures_with_limits(directory: Path, rate_limits: str) -> str:
    """A copy of the bundled fixtures whose rate_limits.yaml is `rate_limits`."""
    target = directory / "fixtures"
    shutil.copytree(default_fixtures_dir(), target)
    (target / "rate_limits.yaml").write_text(rate_limits)
    return str(target)


CHAT = {"model": "llama-3.3-70b", "messages": [{"role": "user", "content": "Say hi"}]}
