"""The pytest plugin as pytest itself loads it (entry point `venice`), seen from outside."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

pytest_plugins = ["pytester"]

SAMPLE = """
import httpx
import pytest
from contracts.plugin import assert_client_conforms


def test_talks_to_the_mock(venice_mock, venice_calls):
    with venice_mock.http_client(headers={"Authorization": "Bearer k"}) as http:
        assert http.get("/models").status_code == 200
        http.post("/chat/completions", json={"model": "venice-uncensored", "messages": "hi"})
        http.get("/modelz")
    print("MODE", "inprocess" if venice_mock.inprocess else "server", venice_mock.base_url)
    assert_client_conforms(venice_calls)
"""


def test_the_plugin_is_registered_as_a_pytest11_entry_point() -> None:
    found = [e for e in entry_points(group="pytest11") if e.name == "venice"]
    assert [e.value for e in found] == ["contracts.plugin"]


@pytest.mark.parametrize(
    ("option", "mode"), [([], "server"), (["--venice-mock-mode=inprocess"], "inprocess")]
)
def test_a_downstream_failure_lists_each_bad_call(
    pytester: pytest.Pytester, option: list[str], mode: str
) -> None:
    pytester.makepyfile(test_sample=SAMPLE)
    result = pytester.runpytest_inprocess("-s", *option)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            f"*MODE {mode} http*/api/v1",
            "*2 of 3 request(s) broke the Venice API contract:",
            "*POST /api/v1/chat/completions (createChatCompletion) -> 400",
            "*messages: type (expected array, got string)",
            "*GET /api/v1/modelz -> 404: no documented operation; nearest: GET /api/v1/models (listModels)*",
        ]
    )


def test_the_ini_option_and_the_marker_choose_the_mode(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nvenice_mock_mode = inprocess\n")
    pytester.makepyfile(
        test_modes="""
import pytest

def test_ini(venice_mock):
    assert venice_mock.inprocess

@pytest.mark.venice_mock(mode="server", seed=5, scenarios="unavailable")
def test_marker(venice_mock):
    assert not venice_mock.inprocess
    assert venice_mock.mock.settings.seed == 5
    assert venice_mock.mock.settings.scenarios == ("unavailable",)

@pytest.mark.venice_mock(mode="sideways")
def test_bad_mode(venice_mock):
    pass
"""
    )
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*venice_mock mode must be one of server, inprocess, not 'sideways'*"])
