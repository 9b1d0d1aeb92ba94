"""Reading spec files: YAML 1.2 scalars, broken or unreadable files, line lookup, JSON pointers and
$ref resolution."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from mockserver.exceptions import SpecLoadError
from mockserver.specfile import line_of, parse_document, pointer_tokens, read_document, resolve_refs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("v: on", "on", id="on stays a string"),
        pytest.param("v: off", "off", id="off stays a string"),
        pytest.param("v: yes", "yes", id="yes stays a string"),
        pytest.param("v: true", True, id="true is a boolean"),
        pytest.param("v: False", False, id="False is a boolean"),
        pytest.param("v: 2024-12-31T23:59:59Z", "2024-12-31T23:59:59Z", id="timestamps stay strings"),
        pytest.param("v: 2024-01-01", "2024-01-01", id="dates stay strings"),
        pytest.param("v: 1e5", 100000.0, id="exponent without a dot is a float"),
        pytest.param("v: 017", 17, id="leading zero is decimal"),
        pytest.param("v: 0o17", 15, id="0o is octal"),
        pytest.param("v: 0x1F", 31, id="0x is hex"),
        pytest.param("v: 1_000", "1_000", id="underscores make a string"),
        pytest.param("v: 1:20", "1:20", id="sexagesimal is a string"),
        pytest.param("v: ~", None, id="tilde is null"),
        pytest.param("v: -.inf", float("-inf"), id="negative infinity"),
    ],
)
def test_plain_scalars_follow_yaml_1_2(text: str, expected: object) -> None:
    assert parse_document(text, "t.yaml") == {"v": expected}


def test_the_bundled_spec_keeps_on_and_off_as_strings(spec: object) -> None:
    from mockserver import Spec

    assert isinstance(spec, Spec)
    request = spec.document["components"]["schemas"]["ChatCompletionRequest"]
    search = request["properties"]["venice_parameters"]["properties"]["enable_web_search"]
    assert search["enum"] == ["auto", "off", "on"]
    assert search["default"] == "off"


def test_json_documents_parse_too() -> None:
    assert parse_document('{"openapi": "3.1.0"}', "t.json") == {"openapi": "3.1.0"}


def test_broken_yaml_names_file_line_and_column() -> None:
    # The parser notices the unclosed list where the next line starts.
    with pytest.raises(SpecLoadError, match=r"t\.yaml:3:2: invalid YAML: did not find expected ','"):
        parse_document("a: 1\nb: [1, 2\nc: 3\n", "t.yaml")


def test_line_of_finds_nested_keys_and_indexes() -> None:
    text = "a:\n  b:\n    - x\n    - y: 1\n"
    assert line_of(text, ["a", "b", 1, "y"]) == 4
    assert line_of(text, ["a", "b", 0]) == 3
    assert line_of(text, ["a", "missing"]) == 2  # the deepest node found: the value of `a`


def test_pointer_tokens_unescape() -> None:
    assert pointer_tokens("/paths/~1chat~1completions/x~0y") == ["paths", "/chat/completions", "x~y"]


def test_local_refs_are_inlined_and_shared(tmp_path: Path) -> None:
    document = {"a": {"$ref": "#/defs/x"}, "b": {"$ref": "#/defs/x"}, "defs": {"x": {"type": "string"}}}
    resolved, recursive = resolve_refs(document, tmp_path / "spec.yaml")
    assert resolved["a"] == {"type": "string"}
    assert resolved["a"] is resolved["b"]
    assert recursive == {}


def test_external_file_refs_resolve_relative_to_the_spec(tmp_path: Path) -> None:
    (tmp_path / "schemas.yaml").write_text("Name:\n  type: string\n  minLength: 1\n")
    resolved, _ = resolve_refs({"s": {"$ref": "schemas.yaml#/Name"}}, tmp_path / "spec.yaml")
    assert resolved["s"] == {"type": "string", "minLength": 1}


def test_recursive_refs_stay_refs_and_are_listed(tmp_path: Path) -> None:
    node = {"type": "object", "properties": {"child": {"$ref": "#/defs/Node"}}}
    resolved, recursive = resolve_refs(
        {"root": {"$ref": "#/defs/Node"}, "defs": {"Node": node}}, tmp_path / "s"
    )
    assert resolved["root"]["properties"]["child"] == {"$ref": "/defs/Node"}
    assert "/defs/Node" in recursive


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("#/nowhere", "does not resolve"),
        ("https://example.com/s.yaml#/x", "remote \\$ref"),
        ("missing.yaml#/x", "no such file"),
    ],
)
def test_unresolvable_refs_say_why(tmp_path: Path, ref: str, message: str) -> None:
    with pytest.raises(SpecLoadError, match=message):
        resolve_refs({"paths": {"x": {"$ref": ref}}}, tmp_path / "spec.yaml")


def test_nan_is_a_float_that_is_not_equal_to_itself() -> None:
    value = parse_document("v: .nan", "t.yaml")["v"]
    assert isinstance(value, float)
    assert math.isnan(value)


def test_broken_json_and_unreadable_files_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(SpecLoadError) as broken:
        parse_document('{"openapi": ', "t.json")
    assert str(broken.value) == "t.json: cannot parse: Expecting value: line 1 column 13 (char 12)"
    latin = tmp_path / "spec.yaml"
    latin.write_bytes(b"info: {title: caf\xe9}\n")
    with pytest.raises(SpecLoadError) as unreadable:
        read_document(latin)
    assert str(unreadable.value) == (
        f"{latin}: cannot read: 'utf-8' codec can't decode byte 0xe9 in position 17: "
        "invalid continuation byte"
    )


def test_line_of_is_none_for_broken_yaml_and_stops_at_an_index_past_the_end() -> None:
    assert line_of("a: [1, 2\n", ["a"]) is None
    assert line_of("a:\n  - x\n", ["a", 5]) == 2  # the deepest node found: the list


def test_pointers_are_empty_or_start_with_a_slash() -> None:
    assert pointer_tokens("") == []
    with pytest.raises(SpecLoadError, match=r"^invalid JSON pointer 'paths/x'$"):
        pointer_tokens("paths/x")


def test_a_ref_may_index_into_a_list(tmp_path: Path) -> None:
    document = {"s": {"$ref": "#/defs/1"}, "defs": [{"type": "string"}, {"type": "integer"}]}
    resolved, _ = resolve_refs(document, tmp_path / "spec.yaml")
    assert resolved["s"] == {"type": "integer"}
