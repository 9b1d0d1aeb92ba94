"""The embeddings judge at its edges, each case compared as whole failures: encodings that are not
what was asked, a bad vector next to a good one, non-finite values, base64 float32 vs float64,
cosine at and just under the agreement bound, and the cosine itself on degenerate vectors."""

from __future__ import annotations

import base64
import math
import struct
from typing import Any

import pytest

from contracts.checks.embeddings import as_floats, check_agreement, check_embeddings, cosine
from contracts.failures import Failure

EXPECTED_AGREEMENT = "cosine >= 0.99 between the two encodings of the same input"


def b64(values: list[float], fmt: str = "<{}f") -> str:
    return base64.b64encode(struct.pack(fmt.format(len(values)), *values)).decode()


def answer(*vectors: Any) -> dict[str, Any]:
    return {"data": [{"index": i, "embedding": v} for i, v in enumerate(vectors)]}


def encoding_failure(number: int, encoding: str, why: str, received: str) -> Failure:
    where = f"data[{number}].embedding"
    title = f"{where} is not a {encoding} embedding: {why}"
    return Failure("embeddings", title, f"{encoding} embedding", received, "encoding", field=where)


def test_an_answer_that_is_not_an_object_or_has_no_list_has_no_vectors() -> None:
    none = Failure(
        "embeddings", "0 embedding(s) for 1 input(s)", "1 embedding(s)", "0", "count", field="data"
    )
    for wrong in (["not", "an object"], {"data": None}, {"data": "vectors"}):
        assert check_embeddings({"input": "a"}, wrong) == [none], wrong


def test_a_float_answer_that_is_not_a_list_of_numbers_is_named_with_the_encoding_asked() -> None:
    # No encoding_format: the default is float, and the failure says so.
    for wrong, received in (
        (None, "null"),
        ("", ""),
        ([0.5, True], "[0.5, true]"),
        ([0.5, "1"], '[0.5, "1"]'),
    ):
        assert check_embeddings({"input": "a"}, answer(wrong)) == [
            encoding_failure(0, "float", "not a list of numbers", received)
        ], wrong


def test_a_base64_answer_that_is_a_list_is_not_a_base64_string() -> None:
    body = {"input": "a", "encoding_format": "base64"}
    assert check_embeddings(body, answer([1.0, 2.0])) == [
        encoding_failure(0, "base64", "not a base64 string", "[1.0, 2.0]")
    ]


def test_base64_with_characters_outside_its_alphabet_is_not_base64() -> None:
    body = {"input": "a", "encoding_format": "base64"}
    spaced = "AACA Pw=="  # 1.0 as float32 once the space were dropped: it must not be
    assert check_embeddings(body, answer(spaced)) == [
        encoding_failure(0, "base64", "not base64: Only base64 data is allowed", spaced)
    ]


def test_a_long_bad_embedding_is_shown_cut_to_80_characters() -> None:
    long = "x" * 100
    assert check_embeddings({"input": "a"}, answer(long)) == [
        encoding_failure(0, "float", "not a list of numbers", "x" * 77 + "...")
    ]


def test_a_bad_vector_does_not_hide_what_is_wrong_with_the_next() -> None:
    body = {"input": ["a", "b", "c"], "dimensions": 2}
    got = check_embeddings(body, answer("oops", [0.1, 0.2, 0.3], [0.1, float("inf")]))
    assert got == [
        encoding_failure(0, "float", "not a list of numbers", "oops"),
        Failure(
            "embeddings",
            "data[1].embedding has 3 dimensions, 2 were asked for",
            "2",
            "3",
            "dimensions",
            field="data[1].embedding",
        ),
        Failure(
            "embeddings",
            "data[2].embedding holds inf",
            "finite values",
            "inf",
            "finite",
            field="data[2].embedding",
        ),
    ]


def test_a_base64_float64_answer_is_named_by_its_size() -> None:
    values = [0.25, -0.5, 0.125]
    assert check_agreement(answer(values), answer(b64(values, "<{}d"))) == [
        Failure(
            "embeddings",
            "data[0].embedding: base64 decodes to 6 float32 values, the float answer has 3",
            "3 little-endian float32 values (12 bytes)",
            "24 bytes",
            "base64",
            field="data[0].embedding",
        )
    ]


def test_cosine_exactly_at_the_bound_agrees_and_just_under_disagrees() -> None:
    # 0.99 / |(0.99, q)| is exactly 0.99 in float arithmetic for this q (found by search).
    at_bound = [0.99, 0.14106735979665877]
    assert cosine(at_bound, [1.0, 0.0]) == 0.99
    assert check_agreement(answer(at_bound), answer(b64([1.0, 0.0]))) == []
    under = [0.989, math.sqrt(1 - 0.989**2)]
    assert check_agreement(answer(under), answer(b64([1.0, 0.0]))) == [
        Failure(
            "embeddings",
            "data[0].embedding: the base64 answer disagrees with the float answer (cosine 0.989)",
            EXPECTED_AGREEMENT,
            "0.9890",
            "agreement",
            field="data[0].embedding",
        )
    ]


def test_agreement_skips_vectors_either_side_got_wrong_and_judges_the_rest() -> None:
    good = [0.25, -0.5, 0.125]
    floats = answer(good, [1.0, 0.0])
    # data[0]: the base64 side is not base64 (check_embeddings names it); data[1] disagrees.
    assert check_agreement(floats, answer("not base64!", b64([0.0, 1.0]))) == [
        Failure(
            "embeddings",
            "data[1].embedding: the base64 answer disagrees with the float answer (cosine 0.000)",
            EXPECTED_AGREEMENT,
            "0.0000",
            "agreement",
            field="data[1].embedding",
        )
    ]
    assert check_agreement(answer("oops"), answer(b64(good))) == []


def test_agreement_with_fewer_vectors_on_one_side_judges_the_pairs_it_has() -> None:
    values = [0.25, -0.5, 0.125]
    assert check_agreement(answer(values, values), answer(b64(values))) == []
    assert check_agreement(answer(values), answer(b64(values), b64(values))) == []


def test_cosine_of_degenerate_vectors_is_zero() -> None:
    assert cosine([1.0, 0.0], [1.0, 0.0]) == 1.0  # unit vectors: the norm is exactly 1
    assert cosine([1.0, 2.0], [3.0, 4.0]) == pytest.approx(11 / (math.sqrt(5) * 5))
    assert cosine([0.0, 0.0], [1.0, 0.0]) == 0.0
    assert cosine([math.inf, 1.0], [1.0, 1.0]) == 0.0
    with pytest.raises(ValueError, match="zip"):  # unequal lengths are a dimensions failure, never truncated
        cosine([1.0, 2.0], [1.0])


def test_as_floats_reads_ints_as_floats_and_base64_as_little_endian_float32() -> None:
    assert as_floats([1, 2.5], "float") == [1.0, 2.5]
    assert as_floats(b64([1.0, -2.0]), "base64") == [1.0, -2.0]
    assert as_floats(b64([1.0, -2.0], ">{}f"), "base64") != [1.0, -2.0]


def test_an_all_zero_vector_is_named_once_per_rule() -> None:
    zero = Failure(
        "embeddings",
        "data[0].embedding is all zeros",
        "a vector that is not all zero",
        "0.0 ...",
        "zero",
        field="data[0].embedding",
    )
    assert check_embeddings({"input": ["a", "b"]}, answer([0.0, -0.0], [0.0, 0.0])) == [zero]


def test_the_same_rule_broken_by_several_vectors_is_reported_for_the_first() -> None:
    body = {"input": ["a", "b"], "dimensions": 2}
    assert check_embeddings(body, answer([0.1, 0.2, 0.3], [0.1])) == [
        Failure(
            "embeddings",
            "data[0].embedding has 3 dimensions, 2 were asked for",
            "2",
            "3",
            "dimensions",
            field="data[0].embedding",
        )
    ]


def test_a_cosine_just_under_the_bound_never_reads_as_the_bound() -> None:
    # Rounded to 3 or 4 places 0.98994 reads "0.990", which is no evidence of "< 0.99".
    for cos, shown, received in ((0.98994, "0.9899", "0.9899"), (0.989996, "0.989996", "0.989996")):
        floats = answer([cos, math.sqrt(1 - cos**2)])
        assert check_agreement(floats, answer(b64([1.0, 0.0]))) == [
            Failure(
                "embeddings",
                f"data[0].embedding: the base64 answer disagrees with the float answer (cosine {shown})",
                EXPECTED_AGREEMENT,
                received,
                "agreement",
                field="data[0].embedding",
            )
        ], cos
