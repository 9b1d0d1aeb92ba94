"""Any real-world OpenAPI document loads: 3.1 / 2020-12 constructs are served, 3.0 habits and
mistakes become one spec warning each at their location, and every operation still answers
bodies that openapi-core accepts (over the document as the mock read it)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver import Mock, Settings, load_spec
from mockserver.types import Incoming
from tests.helpers import Request, reference_check_response, reference_for


def document(
    version: str, schemas: dict[str, Any], components: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One GET operation per named response schema, at /<name>."""
    return {
        "openapi": version,
        "info": {"title": "t", "version": "1"},
        "paths": {
            f"/{name}": {
                "get": {
                    "operationId": name,
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": schema}}}
                    },
                }
            }
            for name, schema in schemas.items()
        },
        "components": {"schemas": components or {}},
    }


def where(name: str) -> str:
    return f"paths./{name}.get.responses.200.content.application/json.schema"


def serve_all(path: Path) -> dict[str, Any]:
    """Load the spec, answer every operation once; each answer checked by openapi-core."""
    spec = load_spec(path, default_overlay=False)
    mock = Mock(Settings(spec=str(path), default_overlay=False, behaviors=False), spec=spec)
    reference = reference_for(spec)
    bodies = {}
    for op in spec.operations:
        reply = mock.handle(Incoming("GET", spec.base_path + op.path, "", {}, b""))
        assert reply.status == 200, (op.operation_id, reply.body)
        headers = dict(reply.headers)
        reference_check_response(reference, spec.base_path, Request("GET", op.path), 200, headers, reply.body)
        bodies[op.operation_id] = json.loads(reply.body)
    return bodies


def write(tmp: Path, doc: dict[str, Any]) -> Path:
    path = tmp / "spec.json"
    path.write_text(json.dumps(doc))
    return path


CONSTRUCTS_31: dict[str, Any] = {
    "const": {"type": "object", "properties": {"kind": {"const": "pet"}}, "required": ["kind"]},
    "tuple": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": False},
    "defs": {"$ref": "#/components/schemas/Box"},
    "typearray": {"type": ["integer", "null"], "minimum": 3, "maximum": 4},
    "closed": {
        "allOf": [{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}],
        "unevaluatedProperties": False,
    },
    "bytes": {"type": "string", "contentEncoding": "base64", "contentMediaType": "image/png"},
}
BOX = {
    "Box": {
        "$defs": {"Inner": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}},
        "type": "object",
        "properties": {"inner": {"$ref": "#/components/schemas/Box/$defs/Inner"}},
        "required": ["inner"],
    }
}


def test_oas31_constructs_load_without_warnings_and_answer_valid_bodies(tmp_path: Path) -> None:
    path = write(tmp_path, document("3.1.0", CONSTRUCTS_31, BOX))
    assert load_spec(path, default_overlay=False).warnings == ()
    bodies = serve_all(path)
    assert bodies["const"] == {"kind": "pet"}
    assert [type(v) for v in bodies["tuple"]] == [str, int]
    assert isinstance(bodies["defs"]["inner"]["n"], int)
    assert set(bodies["closed"]) == {"a"}


# A habit or mistake per operation: (schema, the location of the one warning, its message start).
PROBLEMS_31: dict[str, tuple[Any, str, str]] = {
    "exclusive": (
        {"type": "integer", "minimum": 0, "maximum": 2, "exclusiveMinimum": True},
        "exclusiveMinimum",
        "a boolean is OAS 3.0; read as `exclusiveMinimum: 0`",
    ),
    "nullable": (
        {"type": "string", "nullable": True},
        "nullable",
        "`nullable` is OAS 3.0; read as `type` allowing null",
    ),
    "file": ({"type": "file"}, "type", "'file' is not a JSON Schema type (Swagger 2.0's `file`"),
    "pattern": ({"type": "string", "pattern": "(["}, "pattern", "'([' is not a regular expression"),
    "negative": ({"type": "string", "minLength": -1}, "minLength", "-1 is not a non-negative integer"),
    "flagged": (
        {"type": "object", "properties": {"a": {"type": "string", "required": True}}},
        "properties.a.required",
        "a boolean here is Swagger 2.0",
    ),
    "tuple4": ({"type": "array", "items": [{"type": "string"}]}, "items", "a list of schemas is the draft-4"),
    "badref": (
        {"$ref": "#/components/schemas/Nope"},
        "",
        "$ref '#/components/schemas/Nope' does not resolve",
    ),
}


def test_each_habit_and_mistake_is_one_warning_at_its_location_and_still_served(tmp_path: Path) -> None:
    path = write(tmp_path, document("3.1.0", {name: schema for name, (schema, _, _) in PROBLEMS_31.items()}))
    warnings = load_spec(path, default_overlay=False).warnings
    expected = {
        name: ".".join(p for p in (where(name), suffix) if p) for name, (_, suffix, _) in PROBLEMS_31.items()
    }
    assert sorted(w.location for w in warnings) == sorted(expected.values())
    for name, (_, _, start) in PROBLEMS_31.items():
        (warning,) = [w for w in warnings if w.location == expected[name]]
        assert warning.message.startswith(start), (name, warning.message)
    bodies = serve_all(path)
    assert bodies["exclusive"] in (1, 2)  # the 3.0 meaning (> 0) is what is served


# More mistakes, each with the whole warning it must give: (schema, location suffix, message).
FURTHER_MISTAKES: dict[str, dict[str, tuple[Any, str, str]]] = {
    "3.0.3": {
        "max_text": ({"type": "integer", "maximum": "10"}, "maximum", "'10' is not a number; ignored"),
        "multiple": (
            {"type": "integer", "multipleOf": 0},
            "multipleOf",
            "0 is not a positive number; ignored",
        ),
        "enum_empty": ({"type": "string", "enum": []}, "enum", "[] is not a non-empty list; ignored"),
        "enum_twice": (
            {"type": "string", "enum": ["a", "a", "b"]},
            "enum",
            "lists a value twice (OAS 3.0 wants unique values); duplicates dropped",
        ),
        "format_num": ({"type": "string", "format": 5}, "format", "5 is not a string; ignored"),
        "required_empty": (
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": []},
            "required",
            "an empty list is not allowed in OAS 3.0 (draft 4); ignored",
        ),
        "required_twice": (
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a", "a"]},
            "required",
            "names a property twice; duplicates dropped",
        ),
        "required_mixed": (
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a", 5]},
            "required",
            "['a', 5] is not a list of property names; names kept: ['a']",
        ),
        "props_list": (
            {"type": "object", "properties": [1]},
            "properties",
            "[1] is not a mapping of schemas; ignored",
        ),
        "prop_number": (
            {"type": "object", "properties": {"a": 5}, "required": ["a"]},
            "properties",
            "'a' is 5, not a schema; read as any value",
        ),
        "union_empty": ({"anyOf": []}, "anyOf", "[] is not a non-empty list of schemas; ignored"),
        "union_junk": (
            {"oneOf": [{"type": "string"}, 5]},
            "oneOf",
            "lists something that is not a schema; dropped",
        ),
        "extra_text": (
            {"type": "object", "additionalProperties": "no"},
            "additionalProperties",
            "'no' is neither a boolean nor a schema; ignored",
        ),
        "items_number": ({"type": "array", "items": 5}, "items", "5 is not a schema; ignored"),
        "exclusive_text": (
            {"type": "integer", "exclusiveMinimum": "0"},
            "exclusiveMinimum",
            "'0' is neither a boolean nor a number; ignored",
        ),
        "pattern_number": (
            {"type": "string", "pattern": 5},
            "pattern",
            "5 is not a regular expression the validator accepts; ignored",
        ),
    },
    "3.1.0": {
        "exclusive_alone": (
            {"type": "integer", "exclusiveMaximum": True},
            "exclusiveMaximum",
            "a boolean is OAS 3.0 and bounds nothing here; ignored",
        ),
        "nullable_list": (
            {"type": ["string", "integer"], "nullable": True},
            "nullable",
            "`nullable` is OAS 3.0; read as `type` allowing null in this 3.1 document",
        ),
        "type_mixed": (
            {"type": ["string", "file"]},
            "type",
            "['string', 'file'] is not a JSON Schema type (Swagger 2.0's `file` is `type: string, "
            "format: binary`); only ['string'] kept",
        ),
    },
}


@pytest.mark.parametrize("version", sorted(FURTHER_MISTAKES))
def test_each_further_mistake_is_one_whole_warning_and_still_served(version: str, tmp_path: Path) -> None:
    mistakes = FURTHER_MISTAKES[version]
    path = write(tmp_path, document(version, {name: schema for name, (schema, _, _) in mistakes.items()}))
    warnings = {w.location: w.message for w in load_spec(path, default_overlay=False).warnings}
    assert warnings == {f"{where(name)}.{suffix}": message for name, (_, suffix, message) in mistakes.items()}
    bodies = serve_all(path)  # each answer valid under the repaired schema (openapi-core)
    assert set(bodies) == set(mistakes)
    if version == "3.0.3":
        assert bodies["enum_twice"] in ("a", "b")
        assert set(bodies["required_twice"]) == {"a"}
        assert set(bodies["required_mixed"]) == {"a"}
        assert "a" in bodies["prop_number"]
    else:
        assert bodies["nullable_list"] is None or isinstance(bodies["nullable_list"], (str, int))
        assert isinstance(bodies["type_mixed"], str)


def test_oas31_numbers_in_a_30_document_keep_their_meaning(tmp_path: Path) -> None:
    schemas = {
        "exclusive": {"type": "integer", "exclusiveMinimum": 0, "maximum": 1},
        "const": {"const": "only"},
    }
    path = write(tmp_path, document("3.0.3", schemas))
    warnings = {w.location: w.message for w in load_spec(path, default_overlay=False).warnings}
    assert set(warnings) == {f"{where('exclusive')}.exclusiveMinimum", f"{where('const')}.const"}
    assert serve_all(path) == {"exclusive": 1, "const": "only"}


def test_an_unusable_document_stops_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: 5\n")
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "--spec", str(path), "--no-behaviors", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"venice-mock: error: cannot load the spec: {path}: "
        "`paths` must be a mapping of path templates, found 5"
    ]


# ---- generated documents ------------------------------------------------------------------

NAMES = st.sampled_from(["id", "name", "count", "createdAt", "url", "tags", "score", "kind"])


def leaves(version: str) -> st.SearchStrategy[dict[str, Any]]:
    common: list[st.SearchStrategy[dict[str, Any]]] = [
        st.just({"type": "string"}),
        st.integers(-5, 5).map(lambda lo: {"type": "integer", "minimum": lo, "maximum": lo + 10}),
        st.just({"type": "number", "minimum": 0}),
        st.just({"type": "boolean"}),
        st.lists(st.sampled_from(["a", "b", "c", "on", "off"]), min_size=1, max_size=3, unique=True).map(
            lambda values: {"type": "string", "enum": values}
        ),
        st.just({"type": "string", "format": "date-time"}),
        st.just({"type": "string", "pattern": "^[a-z]{3}[0-9]$"}),
    ]
    if version.startswith("3.1"):
        common += [
            st.just({"const": 7}),
            st.just({"type": ["string", "null"]}),
            st.just({"type": "string", "contentEncoding": "base64"}),
            st.just({"type": "integer", "exclusiveMinimum": 0, "maximum": 9}),
        ]
    else:
        common += [
            st.just({"type": "string", "nullable": True}),
            st.just({"type": "integer", "minimum": 0, "exclusiveMinimum": True, "maximum": 9}),
        ]
    return st.one_of(common)


def schemas(version: str) -> st.SearchStrategy[dict[str, Any]]:
    def extend(inner: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        objects = st.dictionaries(NAMES, inner, min_size=1, max_size=4).flatmap(
            lambda props: st.sets(st.sampled_from(sorted(props))).map(
                lambda required: (
                    {"type": "object", "properties": props}
                    | ({"required": sorted(required)} if required else {})
                )
            )
        )
        options = [
            objects,
            st.builds(
                lambda items, low: {"type": "array", "items": items, "minItems": low},
                inner,
                st.integers(0, 2),
            ),
            st.just({"oneOf": [{"type": "string"}, {"type": "integer"}]}),
            objects.map(lambda o: {"allOf": [o, {"type": "object"}]}),
        ]
        if version.startswith("3.1"):
            options += [
                st.lists(inner, min_size=1, max_size=3).map(
                    lambda parts: {"type": "array", "prefixItems": parts}
                ),
                objects.map(lambda o: {"allOf": [o], "unevaluatedProperties": False}),
            ]
        return st.one_of(options)

    return st.recursive(leaves(version), extend, max_leaves=8)


MISTAKES: dict[str, tuple[dict[str, Any], str]] = {
    "type file": ({"type": "file"}, "type"),
    "negative length": ({"type": "string", "minLength": -1}, "minLength"),
    "broken pattern": ({"type": "string", "pattern": "(["}, "pattern"),
    "required flag": (
        {"type": "object", "properties": {"a": {"type": "string", "required": True}}},
        "properties.a.required",
    ),
    "dangling ref": ({"$ref": "#/components/schemas/Nowhere"}, ""),
    "empty enum": ({"type": "string", "enum": []}, "enum"),
}
HABITS_31 = {
    "boolean exclusive": (
        {"type": "integer", "minimum": 1, "maximum": 5, "exclusiveMinimum": True},
        "exclusiveMinimum",
    ),
    "nullable": ({"type": "integer", "nullable": True}, "nullable"),
}
HABITS_30 = {
    "numeric exclusive": ({"type": "integer", "exclusiveMinimum": 1, "maximum": 5}, "exclusiveMinimum")
}


@st.composite
def documents(draw: st.DrawFn) -> tuple[dict[str, Any], str | None]:
    """A document (3.0 or 3.1) of 1-4 operations and, maybe, one mistake in one of them: the
    document and where its one warning must be."""
    version = draw(st.sampled_from(["3.0.3", "3.1.0"]))
    bodies = draw(st.lists(schemas(version), min_size=1, max_size=4))
    named = {f"op{i}": body for i, body in enumerate(bodies)}
    problems = {**MISTAKES, **(HABITS_31 if version.startswith("3.1") else HABITS_30)}
    problem = draw(st.none() | st.sampled_from(sorted(problems)))
    if problem is None:
        return document(version, named), None
    target = draw(st.sampled_from(sorted(named)))
    bad, suffix = problems[problem]
    named[target] = {
        "type": "object",
        "properties": {"ok": named[target], "bad": bad},
        "required": ["ok", "bad"],
    }
    location = ".".join(p for p in (where(target), "properties.bad", suffix) if p)
    return document(version, named), location


@given(documents())
def test_generated_documents_load_with_one_warning_per_problem_and_answer_validly(
    case: tuple[dict[str, Any], str | None],
) -> None:
    doc, location = case
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), doc)
        warnings = load_spec(path, default_overlay=False).warnings
        assert [w.location for w in warnings] == ([location] if location else []), [str(w) for w in warnings]
        serve_all(path)
