"""The terminal report: replay commands are never cut (a long case goes to a file under the
report directory, and the command reads it from there), and what it prints fits 100 columns; the
Markdown report carries the same findings and resilience outcomes as the JSON one."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from contracts.cli import main
from contracts.client.report import LONG_CASE, WIDTH

ADAPTER = "tests.client.planted:PlantedAdapter"
ARGS = [
    "--operations",
    "createChatCompletion",
    "--phases",
    "responses",
    "--max-examples",
    "2",
    "--no-progress",
]


def test_a_long_case_is_written_to_a_file_and_its_replay_command_reads_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["client", "--adapter", ADAPTER, *ARGS, "--report-dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    replays = [line.strip().removeprefix("replay: ") for line in out.splitlines() if "replay: " in line]
    assert replays
    from_files = [r for r in replays if " --replay @" in r]
    assert from_files, out  # the chat answers of these cases are longer than LONG_CASE
    for command in from_files:
        argv = shlex.split(command)
        assert argv[:4] == ["venice-contracts", "client", "--adapter", ADAPTER]
        path = Path(argv[-1].removeprefix("@"))
        assert path.parent == tmp_path / "replays"
        case = json.loads(path.read_text(encoding="utf-8"))
        assert len(json.dumps(case, ensure_ascii=False, separators=(",", ":"))) > LONG_CASE
        assert main(argv[1:]) == 1  # the command as printed reproduces the finding
        assert "[client]" in capsys.readouterr().out
    for command in replays:
        assert len(command) < 2 * LONG_CASE  # short inline cases, or @FILE
    assert all(len(line) <= WIDTH for line in out[out.index("\ncoverage") :].splitlines()), out


def test_the_markdown_report_shows_each_finding_with_its_replay_and_each_resilience_outcome(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    adapter = "tests.client.broken_adapters:IgnoresRetryAfterAdapter"
    argv = ["client", "--adapter", adapter, "--operations", "createApiKey", "--phases", "resilience"]
    quick = ["--max-examples", "0", "--slow-first-byte", "0.05", "--no-progress"]
    assert main([*argv, *quick, "--report", "json,md", "--report-dir", str(tmp_path)]) == 1
    capsys.readouterr()
    (operation,) = json.loads((tmp_path / "client-report.json").read_text(encoding="utf-8"))["operations"]
    markdown = (tmp_path / "client-report.md").read_text(encoding="utf-8")
    (finding,) = operation["findings"]
    assert finding["rule"] == "resilience.retry-after"
    case = json.dumps(finding["case"], ensure_ascii=False, separators=(",", ":"))
    section = markdown[markdown.index("## Findings") : markdown.index("## Resilience")]
    assert section.split("\n") == [
        "## Findings",
        "",
        "### `createApiKey` resilience.retry-after (client bug)",
        "",
        finding["title"],
        "",
        *[f"- {line}" for line in finding["evidence"]],
        "",
        "```",
        f"venice-contracts client --adapter {adapter} --replay {shlex.quote(case)}",
        "```",
        "",
        "",
        "",
    ]
    rows = markdown[markdown.index("## Resilience") : markdown.index("## Coverage")].strip().split("\n")[4:]
    assert rows == [
        f"| `createApiKey` | {o['scenario']} | {'yes' if o['passed'] else 'no'} | {o['outcome']} |"
        for o in operation["observations"]
    ]
    first = operation["observations"][0]
    assert (first["scenario"], first["passed"]) == ("rate-limit", False)
