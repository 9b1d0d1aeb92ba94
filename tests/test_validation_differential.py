"""The compiled fast path accepts and rejects exactly what openapi-core (the reference) does.

Requests come from schemathesis, in positive and negative mode, for every operation with a JSON
or parameter-only request. Multipart is excluded: openapi-core does not coerce form fields (see
research/libraries.md 2.5), so it wrongly rejects `scale=2`; tests/test_validation.py covers ours.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest
from schemathesis.generation import GenerationMode

from mockserver import Spec
from mockserver.routing import Match, Router
from mockserver.types import Incoming
from mockserver.validation import validate_request


@pytest.fixture(scope="module")
def schema(spec: Spec) -> Any:
    return schemathesis.openapi.from_dict(spec.document)


def _json_operations(spec: Spec) -> list[tuple[str, str]]:
    ops = []
    for op in spec.operations:
        media = list(op.request_body.content) if op.request_body else []
        if all(m == "application/json" for m in media):
            ops.append((op.path, op.method))
    return ops


def _as_request(case: Any, base_path: str) -> tuple[str, str, dict[str, str], bytes, str]:
    kwargs = case.as_transport_kwargs(base_url=f"http://localhost{base_path}")
    path = kwargs["url"].removeprefix("http://localhost")
    query = urlencode(kwargs.get("params") or {}, doseq=True)
    headers = {str(k).lower(): str(v) for k, v in (kwargs.get("headers") or {}).items()}
    if "json" in kwargs:
        body = json.dumps(kwargs["json"]).encode()
    else:
        data = kwargs.get("data")
        body = data if isinstance(data, bytes) else (str(data).encode() if data is not None else b"")
    return kwargs["method"], path, headers, body, query


def _reference_accepts(
    reference: OpenAPI, method: str, path: str, headers: dict[str, str], body: bytes, query: str
) -> bool:
    from urllib.parse import parse_qs

    args = {k: v if len(v) > 1 else v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
    request = MockRequest(
        "http://localhost",
        method.lower(),
        path,
        args=args,
        headers=headers,
        data=body or None,
        content_type=headers.get("content-type", "application/json"),
    )
    try:
        reference.validate_request(request)
    except Exception:
        return False
    return True


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_fast_path_agrees_with_openapi_core(
    spec: Spec, schema: Any, reference: OpenAPI, mode: GenerationMode
) -> None:
    router = Router.build(spec)
    strategies = [schema[path][method].as_strategy(mode) for path, method in _json_operations(spec)]

    @settings(max_examples=400, suppress_health_check=list(HealthCheck), deadline=None, database=None)
    @given(st.one_of(strategies))
    def check(case: Any) -> None:
        method, path, headers, body, query = _as_request(case, spec.base_path)
        # Token policy (an empty bearer token is refused) is the mock's own rule, beyond the schema;
        # openapi-core only checks that the scheme is present. Compare schema validation only.
        headers["authorization"] = "Bearer differential"
        relative = router.relative(path)
        assert relative is not None
        match = router.match(method, relative)
        if not isinstance(match, Match):
            return  # a negative path parameter that no longer routes: nothing to compare
        incoming = Incoming(method, path, query, headers, body)
        ours = validate_request(match.operation, incoming, match.path_params)
        theirs = _reference_accepts(reference, method, path, headers, body, query)
        assert ours.ok == theirs, (
            f"{match.operation.operation_id}: ours={'accept' if ours.ok else 'reject'} "
            f"openapi-core={'accept' if theirs else 'reject'}\n"
            f"query={query!r} headers={headers}\nbody={body[:2000]!r}\n"
            f"violations={[str(v) for v in ours.violations]}"
        )

    check()
