"""instructor against venice-mock: TOOLS, JSON, MD_JSON and JSON_SCHEMA modes, partial streaming."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import instructor
import openai
import pytest

from tests.frameworks.conftest import KEY, MODEL
from tests.frameworks.models import PROMPT, City, Trip

MODES = [instructor.Mode.TOOLS, instructor.Mode.JSON, instructor.Mode.MD_JSON, instructor.Mode.JSON_SCHEMA]


@pytest.fixture
def sdk(base_url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=base_url, api_key=KEY, max_retries=0) as client:
        yield client


@pytest.mark.parametrize("mode", MODES, ids=[m.name for m in MODES])
def test_mode(sdk: openai.OpenAI, mode: instructor.Mode) -> None:
    client = instructor.from_openai(sdk, mode=mode)
    trip = client.chat.completions.create(
        model=MODEL,
        response_model=Trip,
        max_retries=0,  # a first answer that does not validate must fail the test, not be retried
        messages=[{"role": "user", "content": "Plan a trip through Italy"}],
    )
    assert isinstance(trip, Trip)
    assert len(trip.cities) >= 2


@pytest.mark.parametrize("mode", MODES, ids=[m.name for m in MODES])
def test_partial_streaming_grows_to_a_whole_answer(sdk: openai.OpenAI, mode: instructor.Mode) -> None:
    client = instructor.from_openai(sdk, mode=mode)
    partials = [
        p.model_dump(exclude_none=True)
        for p in client.chat.completions.create_partial(
            model=MODEL, response_model=City, max_retries=0, messages=[{"role": "user", "content": PROMPT}]
        )
    ]
    assert len(partials) > 1
    assert partials[0] != partials[-1]
    for earlier, later in itertools.pairwise(partials):
        assert set(earlier) <= set(later)  # fields only ever appear
    City.model_validate(partials[-1])  # and the last partial is the whole answer
