"""The pytest plugin as pytest itself loads it (entry point `venice`), seen from outside."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

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


LATER_SAMPLE = """
import pytest


def test_the_later_operation_is_served(venice_mock, venice_spec):
    assert venice_spec.operation("getPing") is not None
    with venice_mock.http_client(headers={"Authorization": "Bearer k"}) as http:
        answer = http.get("/ping")
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) == {"pong"}


@pytest.mark.venice_mock(spec=None)
def test_the_marker_can_go_back_to_the_bundled_spec(venice_mock):
    with venice_mock.http_client(headers={"Authorization": "Bearer k"}) as http:
        assert http.get("/ping").status_code == 404
"""


def _later_spec(directory: Any) -> Any:
    import json

    from mockserver.specfile import read_document
    from mockserver.specload import default_spec_path

    document = read_document(default_spec_path())[0]
    answer = {"type": "object", "properties": {"pong": {"type": "boolean"}}, "required": ["pong"]}
    document["paths"]["/ping"] = {
        "get": {
            "operationId": "getPing",
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": answer}}}},
        }
    }
    path = directory / "later.json"
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize("how", ["option", "ini"])
def test_the_plugin_serves_the_spec_it_is_given(pytester: pytest.Pytester, how: str) -> None:
    later = _later_spec(pytester.path)
    pytester.makepyfile(test_later=LATER_SAMPLE)
    if how == "ini":
        pytester.makeini(f"[pytest]\nvenice_spec = {later}\n")
        result = pytester.runpytest_inprocess()
    else:
        result = pytester.runpytest_inprocess(f"--venice-spec={later}")
    result.assert_outcomes(passed=2)


def test_the_marker_alone_chooses_a_spec_for_one_test(pytester: pytest.Pytester) -> None:
    later = _later_spec(pytester.path)
    pytester.makepyfile(
        test_marker=f"""
import pytest

@pytest.mark.venice_mock(spec={str(later)!r})
def test_later(venice_mock):
    with venice_mock.http_client(headers={{"Authorization": "Bearer k"}}) as http:
        assert http.get("/ping").json()["pong"] in (True, False)

def test_bundled(venice_mock):
    with venice_mock.http_client(headers={{"Authorization": "Bearer k"}}) as http:
        assert http.get("/ping").status_code == 404
"""
    )
    pytester.runpytest_inprocess().assert_outcomes(passed=2)
