"""JSON request bodies: the fast parser (orjson) and the stdlib parser agree on every body,
value for value (1, 1.0 and true stay apart) and error for error, and the stdlib one takes what
orjson cannot read the same way (integers past 64 bits, Infinity by overflow, lone surrogates)."""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mockserver import bodies
from mockserver.bodies import BodyError, parse_json, parse_json_stdlib

VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)
# Characters JSON is made of, and a few it is not: the near misses are where parsers disagree.
NEAR_JSON = st.text(
    alphabet=' \t\n\r{}[]",:0123456789.eE+-truefalsnNaIiy\\u\x00\x01\ufeff\u00e9\ud800', max_size=30
)


def outcome(parse: object, body: bytes) -> tuple[str, str]:
    """What a parser makes of a body: its value (repr keeps 1, 1.0 and True apart) or its error."""
    assert callable(parse)
    try:
        return "value", repr(parse(body))
    except BodyError as exc:
        return "error", str(exc)


@given(VALUES, st.booleans())
def test_both_parsers_read_any_json_value_alike(value: object, ascii_only: bool) -> None:
    body = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert outcome(parse_json, body) == outcome(parse_json_stdlib, body)
    assert outcome(parse_json, body)[0] == "value"


@given(NEAR_JSON)
@example("18446744073709551616")
@example("[-9223372036854775809]")
@example("1e400")
@example("NaN")
@example("[Infinity]")
@example('"\ud800"')
@example("\ufeff[1]")
@example("[1,]")
@example('{"a":1,"a":2}')
@example("-0.0")
@example("1" * 4301)
@example("[" * 101 + "]" * 101)
@example("[" * 100 + "]" * 100)
@example("[" * 2000 + "]" * 2000)
def test_both_parsers_agree_on_near_json_text(text: str) -> None:
    body = text.encode("utf-8", "surrogatepass")
    assert outcome(parse_json, body) == outcome(parse_json_stdlib, body)


@given(st.binary(max_size=30))
@example(b'{"a":"\xff"}')
@example(b"\xc3")
def test_both_parsers_agree_on_any_bytes(body: bytes) -> None:
    assert outcome(parse_json, body) == outcome(parse_json_stdlib, body)


def test_a_big_integer_stays_an_integer() -> None:
    assert parse_json(b'{"n": 18446744073709551616}') == {"n": 2**64}
    assert isinstance(parse_json(b"[123456789012345678901234567890]")[0], int)


def test_a_plain_chat_body_never_reaches_the_stdlib_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(body: bytes) -> object:
        raise AssertionError("the stdlib parser was used")

    monkeypatch.setattr(bodies, "parse_json_stdlib", refuse)
    body = b'{"model":"venice-uncensored","temperature":0.7,"messages":[{"role":"user","content":"Say hi"}]}'
    assert parse_json(body) == json.loads(body)
