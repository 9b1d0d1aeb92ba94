"""`venice-contracts server --from-cassettes DIR`: the answers a real API gave (recorded by
`venice-mock --proxy URL --record DIR`) judged offline, without a key, by the same checks as a
live run. Each cassette's request is sent to an in-process mock replaying the directory, and
the answer (the recorded bytes, streams included) read and judged like a live one."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs

import requests
import schemathesis

from contracts.checks.reader import Limits, is_event_stream
from contracts.checks.streams import StreamChecker, chat_stream_checker
from contracts.failures import Failure
from contracts.safety import Budget, Redactor
from contracts.server import builtin
from contracts.server.judging import judge
from contracts.server.local import LocalMock
from contracts.server.results import OperationResult, SuiteResult
from contracts.server.transport import NoAnswer, Transport
from mockserver import SCRUBBED, Cassette, Mock, Operation, Settings, Spec, load_cassettes

# The recorded credential was scrubbed; the replaying mock only needs one to be present.
_REPLAY_CREDENTIAL = "Bearer recorded-cassette"


def _request(base_url: str, cassette: Cassette) -> requests.PreparedRequest:
    headers = {
        name: _REPLAY_CREDENTIAL if name == "authorization" and value == SCRUBBED else value
        for name, value in cassette.request_headers
    }
    url = base_url + cassette.path + (f"?{cassette.query}" if cassette.query else "")
    return requests.Request(
        cassette.method, url, headers=headers, data=cassette.request_body or None
    ).prepare()


def _case(st_op: Any, cassette: Cassette, body: Any) -> Any:
    """The schemathesis case the recorded request is (schemathesis' own checks need one)."""
    from schemathesis.core import NOT_SET

    query = {
        k: v if len(v) > 1 else v[0] for k, v in parse_qs(cassette.query, keep_blank_values=True).items()
    }
    return st_op.Case(
        body=NOT_SET if body is None else body,
        query=query,
        headers=dict(cassette.request_headers),
        media_type="application/json" if body is not None else None,
    )


def _body(cassette: Cassette) -> Any:
    try:
        value = json.loads(cassette.request_body) if cassette.request_body else None
    except ValueError:
        return None
    return value if isinstance(value, (dict, list)) else None


def _checker_for(spec: Spec, op: Operation, body: Any) -> Callable[[int, str], StreamChecker | None]:
    """The stream checker for an answer, as a live run picks it (chat streams event by event)."""

    def checker_for(status: int, content_type: str) -> StreamChecker | None:
        response = op.response(status)
        media = response.content.get("text/event-stream") if response is not None else None
        if is_event_stream(content_type) and media is not None and media.sse_data is not None:
            return chat_stream_checker(spec, body if isinstance(body, dict) else None, op.operation_id)
        return None

    return checker_for


def judge_cassettes(folder: str, spec: Spec, limits: Limits, redact: Redactor) -> SuiteResult:
    """One OperationResult per recorded operation: every check on every recorded answer."""
    started = time.monotonic()
    recorded = load_cassettes(folder)
    ops = {op.operation_id: op for op in spec.operations}
    mock = Mock(Settings(spec=spec.source, replay=folder, replay_strict=True, replay_pace="none"), spec=spec)
    by_operation: dict[str, list[Failure]] = {}
    counts: dict[str, int] = {}
    notes: dict[str, dict[str, None]] = {}
    unknown: list[str] = []
    schema = schemathesis.openapi.from_dict(spec.document, config=builtin.config({}))
    with LocalMock(mock) as local:
        transport = Transport(local.base_url, limits, Budget(None), redact, max_wait=0.0)
        try:
            for cassette in recorded:
                op = ops.get(cassette.operation_id)
                if op is None:
                    unknown.append(cassette.file_name)
                    continue
                body = _body(cassette)

                prepared = _request(local.base_url, cassette)
                try:
                    call = transport.send(prepared, _checker_for(spec, op, body))
                except NoAnswer as exc:
                    failure = Failure("replay", f"{cassette.file_name} could not be replayed: {exc}", "", "")
                    by_operation.setdefault(op.operation_id, []).append(failure.at(op.operation_id, None, ""))
                    continue
                case = _case(schema[op.path][op.method], cassette, body)
                kept, note = judge(op, case, call, "positive")
                if note:
                    notes.setdefault(op.operation_id, {})[note] = None
                placed = [replace(f, curl=f"{cassette.file_name}: {f.curl}") for f in kept]
                by_operation.setdefault(op.operation_id, []).extend(placed)
                counts[op.operation_id] = counts.get(op.operation_id, 0) + 1
        finally:
            transport.close()
    results = [
        OperationResult(
            operation_id=oid,
            label=ops[oid].label,
            verdict="failed" if by_operation.get(oid) else "passed",
            cases=counts.get(oid, 0),
            requests=counts.get(oid, 0),
            failures=tuple(_first_of_each(by_operation.get(oid, []))),
            warnings=tuple(notes.get(oid, {})),
        )
        for oid in sorted(set(counts) | set(by_operation))
    ]
    results += [
        OperationResult(name, name, "errored", reason="the cassette's operation is not in the spec")
        for name in unknown
    ]
    return SuiteResult(
        base_url=f"cassettes in {folder}",
        spec=f"{spec.title} {spec.version}",
        seed=0,
        operations=tuple(results),
        requests=sum(counts.values()),
        seconds=time.monotonic() - started,
    )


def _first_of_each(failures: list[Failure]) -> list[Failure]:
    """As a live run keeps them: the first failure per (operation, rule, field)."""
    seen: dict[tuple[str, str, str], Failure] = {}
    for failure in failures:
        seen.setdefault(failure.key, failure)
    return list(seen.values())
