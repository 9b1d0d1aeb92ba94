"""The pytest plugin's cassettes: venice_mock(replay=DIR) and --venice-record-mode, run by
pytest itself (pytester) against an upstream mock on loopback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mockserver import Mock
from tests.conftest import LiveServer

pytest_plugins = ["pytester"]

SAMPLE = """
import httpx
import pytest

CHAT = {"model": "venice-uncensored", "messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.venice_mock(replay=%(folder)r)
def test_chat(venice_mock):
    with venice_mock.openai_client() as sdk:
        answer = sdk.chat.completions.create(**CHAT)
        chunks = sdk.chat.completions.create(**CHAT, stream=True)
        streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    print("ANSWER", answer.id, answer.choices[0].message.content, "STREAMED", streamed)
    %(extra)s
"""


def _sample(folder: Path, extra: str = "") -> str:
    return SAMPLE % {"folder": str(folder), "extra": extra or "pass"}


def _answers(result: pytest.RunResult) -> list[str]:
    return [line[line.index("ANSWER") :] for line in result.outlines if "ANSWER" in line]


@pytest.mark.parametrize("mode", ["server", "inprocess"])
def test_record_once_then_replay_without_the_upstream(
    pytester: pytest.Pytester, make_mock: Callable[..., Mock], tmp_path: Path, mode: str
) -> None:
    folder = tmp_path / "cassettes"
    pytester.makepyfile(test_sample=_sample(folder))
    with LiveServer(make_mock(seed=7)) as upstream:
        recorded = pytester.runpytest_inprocess(
            "-s",
            f"--venice-mock-mode={mode}",
            "--venice-record-mode=once",
            f"--venice-upstream={upstream.base_url}",
        )
        recorded.assert_outcomes(passed=1)
        assert len(upstream.mock.calls) == 2
    assert len(list(folder.glob("*.json"))) == 2
    replayed = pytester.runpytest_inprocess("-s", f"--venice-mock-mode={mode}")  # none: the upstream is gone
    replayed.assert_outcomes(passed=1)
    assert _answers(replayed) == _answers(recorded)
    assert "STREAMED" in _answers(replayed)[0]


def test_none_refuses_what_no_cassette_holds(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makepyfile(test_sample=_sample(tmp_path / "empty"))
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*NotFoundError: Error code: 404*"])


def test_new_episodes_records_only_what_is_missing(
    pytester: pytest.Pytester, make_mock: Callable[..., Mock], tmp_path: Path
) -> None:
    folder = tmp_path / "cassettes"
    extra = 'httpx.get(venice_mock.base_url + "/models", headers={"Authorization": "Bearer k"})'
    extra += ".raise_for_status()"
    with LiveServer(make_mock()) as upstream:
        pytester.makepyfile(test_sample=_sample(folder))
        args = ["--venice-record-mode=new_episodes", f"--venice-upstream={upstream.base_url}"]
        pytester.runpytest_inprocess(*args).assert_outcomes(passed=1)
        pytester.makepyfile(test_sample=_sample(folder, extra))
        pytester.runpytest_inprocess(*args).assert_outcomes(passed=1)
        assert [c.operation_id for c in upstream.mock.calls] == ["createChatCompletion"] * 2 + ["listModels"]
    assert len(list(folder.glob("*.json"))) == 3


def test_recording_without_an_upstream_is_a_usage_error(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makepyfile(test_sample=_sample(tmp_path / "cassettes"))
    result = pytester.runpytest_inprocess("--venice-record-mode=all")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*--venice-upstream URL*"])
