"""Our format checks agree with the reference (jsonschema's FormatChecker, as openapi-core uses it)."""

from __future__ import annotations

import random
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openapi_schema_validator._format import oas30_format_checker

from mockserver.formats import CHECKERS, example_for

URI_PIECES = st.sampled_from([*"abcAZ09:/?#[]@!$&'()*+,;=-._~% \u00e9\ue000\n", "%20", "%zz", "::1", "//"])
SAMPLES = st.one_of(
    st.text(max_size=40),
    st.lists(URI_PIECES, max_size=20).map("".join),
    st.from_regex(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))?", fullmatch=True),
    st.uuids().map(str),
    st.ip_addresses().map(str),
    st.sampled_from(
        [
            "http://[::1]:80/x",
            "http://[v1.x]/",
            "//a/b",
            "a:b",
            "mailto:x@y",
            "aGk=",
            "a===",
            "2024-02-30",
            "2024-13-01T00:00:00Z",
            "^(a",
            "[a-z]+",
            "fe80::1%eth0",
        ]
    ),
)

# jsonschema raises instead of answering False for non-ASCII `byte` values (not in the raises tuple).
REFERENCE_RAISES = {"byte"}


def reference(fmt: str, value: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # re.compile's FutureWarnings about odd but valid patterns
            return bool(oas30_format_checker.conforms(value, fmt))
    except UnicodeEncodeError:
        assert fmt in REFERENCE_RAISES
        return False


@pytest.mark.parametrize("fmt", sorted(CHECKERS))
@given(value=SAMPLES)
def test_checker_agrees_with_the_reference(fmt: str, value: str) -> None:
    assert CHECKERS[fmt](value) == reference(fmt, value), (fmt, value)


def test_every_checked_format_is_checked_by_the_reference_too() -> None:
    assert set(CHECKERS) <= set(oas30_format_checker.checkers)


@pytest.mark.parametrize("fmt", sorted(CHECKERS))
def test_synthesized_examples_are_valid(fmt: str) -> None:
    rng = random.Random(1)
    for _ in range(50):
        value = example_for(fmt, rng)
        assert value is not None
        assert CHECKERS[fmt](value), value
