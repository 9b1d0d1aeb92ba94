"""`venice-contracts client`: the command line of the client suite."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from contracts.cli import main

QUICK = ["--max-examples", "2", "--slow-first-byte", "0.05", "--no-progress"]


def test_a_passing_client_exits_0_and_writes_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "client",
            "--adapter",
            "httpx",
            "--operations",
            "listModels",
            *QUICK,
            "--report",
            "json,md",
            "--report-dir",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "result: PASS" in out
    data = json.loads((tmp_path / "client-report.json").read_text())
    assert data["passed"] is True
    assert [op["operation"] for op in data["operations"]] == ["listModels"]
    assert "| `listModels`" in (tmp_path / "client-report.md").read_text()


def test_a_failing_client_exits_1_and_its_replay_command_runs(capsys: pytest.CaptureFixture[str]) -> None:
    adapter = "tests.client.broken_adapters:DropsFieldAdapter"
    code = main(
        [
            "client",
            "--adapter",
            adapter,
            "--operations",
            "createChatCompletion",
            "--phases",
            "requests",
            *QUICK,
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    replay = next(line.strip() for line in out.splitlines() if line.strip().startswith("replay: "))
    argv = shlex.split(replay.removeprefix("replay: "))
    assert argv[:4] == ["venice-contracts", "client", "--adapter", adapter]
    assert main(argv[1:]) == 1
    assert "createChatCompletion  request.dropped  [client]" in capsys.readouterr().out
    assert main(["client", "--adapter", "httpx", *argv[4:]]) == 0
    assert "the case passes now" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--adapter", "nonsense"], "unknown adapter 'nonsense'"),
        (["--adapter", "no.such.module:Adapter"], "cannot load adapter"),
        (["--adapter", "httpx", "--operations", "listModel"], "unknown operation(s): listModel"),
        (["--adapter", "httpx", "--report", "pdf"], "unknown report format pdf"),
        (["--adapter", "httpx", "--replay", "{not json"], "error"),
    ],
)
def test_usage_errors_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["client", *argv, "--no-progress"]) == 2
    assert message in capsys.readouterr().err


def test_unknown_phases_and_scenarios_are_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["client", "--adapter", "httpx", "--phases", "requests,vibes"])
    assert info.value.code == 2
    assert "unknown phase vibes" in capsys.readouterr().err
