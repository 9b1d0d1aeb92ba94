"""Behaviors never make an answer invalid, however the spec evolves (issue 13).

The bundled spec is evolved the ways real specs evolve: new required response fields (at the top or
nested), new enum values in parameters (sent) and in answers, new optional request fields (sent),
new operations, new response media types (asked for), and removed optional response fields in an
object that becomes closed. The mock then serves the evolved file with behaviors on, and every
operation's success answers, for every media type, must be valid under openapi-core reading the
same evolved document. A failure names the evolutions, the operation and openapi-core's reason.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from mockserver import Mock, Settings, create_app, load_spec
from mockserver.specfile import read_document
from mockserver.specload import default_spec_path
from tests.helpers import reference_check_response, reference_for, sse_data, valid_request

Location = tuple[str | int, ...]

# Read as the mock reads it (YAML 1.2: dates stay strings), so it can be written back as JSON.
BUNDLED: dict[str, Any] = read_document(default_spec_path())[0]

# Schemas a new field or operation may have: each kind of value a behavior would have to fill in.
NEW_SCHEMAS: tuple[dict[str, Any], ...] = (
    {"type": "string", "minLength": 3},
    {"type": "integer", "minimum": 7, "maximum": 9},
    {"type": "string", "enum": ["alpha", "beta"]},
    {"type": "boolean"},
    {"type": "array", "items": {"type": "string"}, "minItems": 1},
    {"type": "object", "properties": {"inner": {"type": "number"}}, "required": ["inner"]},
)


def _node(document: Any, location: Location) -> Any:
    for token in location:
        document = document[token]
    return document


def _ref_location(ref: str) -> Location:
    return tuple(ref.lstrip("#/").split("/"))


def _objects(document: dict[str, Any], start: Location) -> Iterator[Location]:
    """Locations of the object schemas (with `properties`) reachable from `start`, refs followed."""
    seen: set[Location] = set()
    todo = [start]
    while todo:
        location = todo.pop()
        if location in seen:
            continue
        seen.add(location)
        schema = _node(document, location)
        if not isinstance(schema, dict):
            continue
        if "$ref" in schema:
            todo.append(_ref_location(schema["$ref"]))
            continue
        if isinstance(schema.get("properties"), dict):
            yield location
            todo.extend((*location, "properties", name) for name in schema["properties"])
        if isinstance(schema.get("items"), dict):
            todo.append((*location, "items"))
        for key in ("allOf", "anyOf", "oneOf"):
            for index, _ in enumerate(schema.get(key) or ()):
                todo.append((*location, key, index))


def _success_schemas(document: dict[str, Any]) -> Iterator[Location]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, response in operation["responses"].items():
                content = response.get("content") or {}
                if str(status).startswith("2") and "application/json" in content:
                    yield (
                        "paths",
                        path,
                        method,
                        "responses",
                        status,
                        "content",
                        "application/json",
                        "schema",
                    )


def _all_locations(predicate: Any) -> list[Location]:
    found: set[Location] = set()
    for start in _success_schemas(BUNDLED):
        found.update(loc for loc in _objects(BUNDLED, start) if predicate(_node(BUNDLED, loc)))
    return sorted(found, key=str)


RESPONSE_OBJECTS = _all_locations(lambda s: True)
WITH_OPTIONAL = _all_locations(lambda s: set(s["properties"]) - set(s.get("required") or ()))
RESPONSE_ENUMS = sorted(
    {
        (*loc, "properties", name)
        for loc in RESPONSE_OBJECTS
        for name, sub in _node(BUNDLED, loc)["properties"].items()
        if isinstance(sub, dict) and isinstance(sub.get("enum"), list) and sub.get("type") == "string"
    },
    key=str,
)
QUERY_ENUMS = sorted(
    (
        ("paths", path, method, "parameters", index)
        for path, item in BUNDLED["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict)
        for index, param in enumerate(operation.get("parameters") or ())
        if param.get("in") == "query" and isinstance((param.get("schema") or {}).get("enum"), list)
    ),
    key=str,
)
REQUEST_BODIES = sorted(
    (
        ("paths", path, method, "requestBody", "content", "application/json", "schema")
        for path, item in BUNDLED["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict)
        and "application/json" in ((operation.get("requestBody") or {}).get("content") or {})
    ),
    key=str,
)


def _body_enums() -> Iterator[Location]:
    for body in REQUEST_BODIES:
        location: Location = body
        schema = _node(BUNDLED, location)
        if "$ref" in schema:
            location = _ref_location(schema["$ref"])
            schema = _node(BUNDLED, location)
        for name, sub in (schema.get("properties") or {}).items():
            if isinstance(sub, dict) and isinstance(sub.get("enum"), list) and sub.get("type") == "string":
                yield (*location, "properties", name)


BODY_ENUMS = sorted(set(_body_enums()), key=str)
SUCCESSES = sorted(
    (
        ("paths", path, method, "responses", status, "content")
        for path, item in BUNDLED["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict)
        for status, response in (operation.get("responses") or {}).items()
        if str(status).startswith("2") and response.get("content")
    ),
    key=str,
)
# Media types the mock can make real bodies of, as a later spec might add them to an answer.
NEW_MEDIA: tuple[tuple[str, dict[str, Any]], ...] = (
    ("text/plain", {"type": "string"}),
    ("application/octet-stream", {"type": "string", "format": "binary"}),
    ("text/csv", {"type": "string"}),
)


@dataclass(frozen=True)
class Evolution:
    """One change a later spec makes, and (for parameters) the value a client then sends."""

    kind: str
    location: Location
    detail: Any = None

    def apply(self, document: dict[str, Any], index: int) -> None:
        target = _node(document, self.location)
        name = f"evolved_{index}"
        if self.kind == "required-response-field":
            target["properties"][name] = copy.deepcopy(self.detail)
            target["required"] = [*target.get("required", ()), name]
        elif self.kind == "closed-without-optional-field":
            optional = sorted(set(target["properties"]) - set(target.get("required") or ()))
            if optional:  # an earlier evolution may have taken the last one
                del target["properties"][optional[self.detail % len(optional)]]
            target["additionalProperties"] = False
        elif self.kind in ("response-enum-value", "body-enum-value"):
            target["enum"] = [*target["enum"], name]
        elif self.kind == "query-enum-value":
            target["schema"]["enum"] = [*target["schema"]["enum"], name]
        elif self.kind == "optional-request-field":
            schema = target if "$ref" not in target else _node(document, _ref_location(target["$ref"]))
            if isinstance(schema.get("properties"), dict):
                schema["properties"][name] = copy.deepcopy(self.detail)
        elif self.kind == "response-media-type":
            media_type, schema = self.detail
            target.setdefault(media_type, {"schema": copy.deepcopy(schema)})
        elif self.kind == "new-operation":
            document["paths"][f"/evolved/{name}"] = {
                "get": {
                    "operationId": f"getEvolved{index}",
                    "responses": {
                        "200": {
                            "description": "a later spec's new operation",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {"value": copy.deepcopy(self.detail)},
                                        "required": ["value"],
                                    }
                                }
                            },
                        }
                    },
                }
            }


evolutions = st.one_of(
    st.builds(
        Evolution,
        st.just("required-response-field"),
        st.sampled_from(RESPONSE_OBJECTS),
        st.sampled_from(NEW_SCHEMAS),
    ),
    st.builds(
        Evolution,
        st.just("closed-without-optional-field"),
        st.sampled_from(WITH_OPTIONAL),
        st.integers(0, 50),
    ),
    st.builds(Evolution, st.just("response-enum-value"), st.sampled_from(RESPONSE_ENUMS)),
    st.builds(Evolution, st.just("query-enum-value"), st.sampled_from(QUERY_ENUMS)),
    st.builds(Evolution, st.just("body-enum-value"), st.sampled_from(BODY_ENUMS)),
    st.builds(
        Evolution,
        st.just("optional-request-field"),
        st.sampled_from(REQUEST_BODIES),
        st.sampled_from(NEW_SCHEMAS),
    ),
    st.builds(
        Evolution, st.just("response-media-type"), st.sampled_from(SUCCESSES), st.sampled_from(NEW_MEDIA)
    ),
    st.builds(Evolution, st.just("new-operation"), st.just(()), st.sampled_from(NEW_SCHEMAS)),
)


Sent = dict[tuple[str, str, str], dict[str, str]]  # (path, method, "query"|"body") -> name -> value


def _body_owners(schema_location: Location) -> Iterator[tuple[str, str]]:
    """The operations whose JSON request body is the schema at `schema_location`."""
    for location in REQUEST_BODIES:
        schema = _node(BUNDLED, location)
        if location == schema_location or _ref_location(schema.get("$ref", "")) == schema_location:
            yield str(location[1]), str(location[2])


def evolve(changes: list[Evolution]) -> tuple[dict[str, Any], Sent]:
    """The evolved document, and what clients send because of it (the new enum values)."""
    document = copy.deepcopy(BUNDLED)
    sent: Sent = {}
    for index, change in enumerate(changes):
        change.apply(document, index)
        if change.kind == "query-enum-value":
            _, path, method, _, _ = change.location
            param = _node(document, change.location)
            sent.setdefault((str(path), str(method), "query"), {})[param["name"]] = f"evolved_{index}"
        elif change.kind == "body-enum-value":
            for path, method in _body_owners(change.location[:-2]):
                sent.setdefault((path, method, "body"), {})[str(change.location[-1])] = f"evolved_{index}"
    return document, sent


def _answers(mock: Mock, sent: Sent) -> Iterator[tuple[Any, Any, Any]]:
    """(operation, request, response) for every operation's success status and media type."""
    rng = random.Random(0)
    with TestClient(create_app(mock=mock), base_url="http://localhost") as client:
        for op in mock.spec.operations:
            status = min((int(s) for s in op.responses if str(s).startswith("2")), default=None)
            if status is None:
                continue
            media_types: list[str | None] = [*op.responses[str(status)].content] or [None]
            for media_type in media_types:
                request = valid_request(op, rng.randrange(1000), mock.synthesizer, media_type)
                request.query.update(sent.get((op.path, op.method.lower(), "query"), {}))
                if isinstance(request.json, dict):
                    request.json.update(sent.get((op.path, op.method.lower(), "body"), {}))
                request.headers["Prefer"] = f"code={status}"
                if media_type:
                    request.headers["Accept"] = media_type
                response = client.request(
                    request.method,
                    request.url(mock.base_path),
                    headers=request.headers,
                    content=request.body() or None,
                )
                yield op, request, response


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(evolutions, min_size=1, max_size=6))
def test_every_answer_stays_valid_however_the_spec_evolves(tmp_path: Path, changes: list[Evolution]) -> None:
    document, sent = evolve(changes)
    path = tmp_path / "evolved.json"
    path.write_text(json.dumps(document))
    mock = Mock(Settings(seed=3), spec=load_spec(path))
    reference = reference_for(mock.spec)
    for op, request, response in _answers(mock, sent):
        where = f"{op.operation_id} {response.status_code} after {changes}"
        assert response.status_code < 300, f"{where}: {response.text[:500]}"
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            media = op.responses[str(response.status_code)].content["text/event-stream"]
            *events, done = sse_data(response.text)
            assert done == "[DONE]", where
            for event in events:
                assert media.sse_data is None or media.sse_data.is_valid(json.loads(event)), (where, event)
            continue
        try:
            reference_check_response(
                reference,
                mock.base_path,
                request,
                response.status_code,
                dict(response.headers),
                response.content,
            )
        except Exception as exc:  # openapi-core's reason, with what led to it
            reasons = [e.message for e in getattr(exc.__cause__, "schema_errors", ())][:5] or [repr(exc)]
            pytest.fail(f"{where}: {reasons}\n{response.text[:300]}")


def test_the_evolutions_reach_every_kind_of_place() -> None:
    """The strategy's raw material is not empty: each kind of evolution has places to happen."""
    for places in (
        RESPONSE_OBJECTS,
        WITH_OPTIONAL,
        RESPONSE_ENUMS,
        QUERY_ENUMS,
        BODY_ENUMS,
        REQUEST_BODIES,
        SUCCESSES,
    ):
        assert places
    assert any(loc[1] == "/chat/completions" for loc in RESPONSE_OBJECTS)
    assert any(_node(BUNDLED, loc)["name"] == "type" for loc in QUERY_ENUMS)
    assert all(list(_body_owners(loc[:-2])) for loc in BODY_ENUMS)  # each new value is sent somewhere
    assert any(loc[-1] == "response_format" for loc in BODY_ENUMS)
