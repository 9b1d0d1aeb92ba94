"""Test helpers: valid requests made from the spec, and openapi-core as the reference validator."""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from mockserver import Spec
from mockserver.spec import Operation
from mockserver.synthesis import Synthesizer

AUTH = {"Authorization": "Bearer test-key"}


def reference_for(spec: Spec) -> OpenAPI:
    """openapi-core over the same document; servers made relative so any host matches."""
    document = copy.deepcopy(spec.document)
    document["servers"] = [{"url": spec.base_path or "/"}]
    return OpenAPI.from_dict(document)


@dataclass
class Request:
    method: str
    path: str  # relative to the base path
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    has_body: bool = False

    def url(self, base_path: str) -> str:
        return base_path + self.path + (f"?{urlencode(self.query, doseq=True)}" if self.query else "")

    def body(self) -> bytes:
        return json.dumps(self.json).encode() if self.has_body else b""


def valid_request(op: Operation, seed: int = 0, synthesizer: Synthesizer | None = None) -> Request:
    """A request that satisfies the operation's contract, drawn from its own schemas."""
    synthesizer = synthesizer or Synthesizer()
    rng = random.Random(seed)
    request = Request(op.method, op.path, headers=dict(AUTH))
    for param in op.parameters:
        if param.location == "path" and param.schema is not None:
            value = synthesizer.valid_value(param.schema, rng)
            request.path = request.path.replace("{" + param.name + "}", str(value))
        elif param.required and param.location == "query" and param.schema is not None:
            request.query[param.name] = synthesizer.valid_value(param.schema, rng)
    if op.request_body is not None and "application/json" in op.request_body.content:
        media = op.request_body.content["application/json"]
        if media.schema is not None:
            request.json = synthesizer.valid_value(media.schema, rng)
            request.has_body = True
            request.headers["Content-Type"] = "application/json"
    return request


def reference_check_response(
    reference: OpenAPI, base_path: str, request: Request, status: int, headers: dict[str, str], body: bytes
) -> None:
    """Raise if openapi-core finds the response invalid for the request."""
    args = {k: v if len(v) > 1 else v[0] for k, v in parse_qs(urlencode(request.query, doseq=True)).items()}
    mock_request = MockRequest(
        "http://localhost",
        request.method.lower(),
        base_path + request.path,
        args=args,
        headers=request.headers,
        data=request.body() or None,
    )
    content_type = headers.get("content-type", "")
    # openapi-core hands undecoded bytes of text media types to the schema, which then is not a
    # string; give it text, as a client would read it.
    data: Any = body.decode() if content_type.startswith("text/") else body
    mock_response = MockResponse(
        data, status_code=status, headers=headers, content_type=content_type.split(";")[0].strip()
    )
    reference.validate_response(mock_request, mock_response)
