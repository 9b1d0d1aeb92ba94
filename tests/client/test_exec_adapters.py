"""Adapters that declare what they cover, and adapters that cannot start: the first are judged
only on what they declare (`unsupported` is never a bug), the second are usage errors."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from contracts.cli import main
from contracts.client.adapters import AdapterLoadError, load
from contracts.client.adapters.base import Target
from contracts.client.suite import ClientOptions, run_client_suite

HELLO_ADAPTER = (
    f"exec:{shlex.quote(sys.executable)} {shlex.quote(str(Path(__file__).with_name('hello_adapter.py')))}"
)


def test_a_hello_line_declares_operations_and_that_the_client_does_not_stream() -> None:
    report = run_client_suite(HELLO_ADAPTER, ClientOptions(max_examples=3, slow_first_byte=0.05))
    verdicts = {op.operation: op.verdict for op in report.operations}
    assert {name for name, v in verdicts.items() if v != "unsupported"} == {
        "listModels",
        "createChatCompletion",
    }
    assert report.findings == [], report.text()
    assert report.passed
    chat = report.operation("createChatCompletion")
    assert verdicts["createChatCompletion"] == "pass"
    assert chat.skipped == [
        "responses 200 text/event-stream: the adapter declares that its client does not stream",
        "resilience cut-stream: the adapter declares that its client does not stream",
    ]
    # Requests with stream: true were answered `unsupported`: a note, never a failure.
    assert [(n.rule, n.attribution, n.title) for n in chat.notes] == [
        ("unsupported", "allowed", "the adapter answered unsupported for these arguments")
    ]
    assert chat.coverage is not None
    assert "text/event-stream" not in chat.coverage.media_types


@pytest.mark.parametrize(
    ("adapter", "message"),
    [
        (
            "exec:no-such-command-anywhere --flag",
            "cannot start adapter command 'no-such-command-anywhere --flag'",
        ),
        (
            f"exec:{shlex.quote(sys.executable)} -c 'import no_such_module_anywhere'",
            "ModuleNotFoundError: No module named 'no_such_module_anywhere'",
        ),
        ("tests.client.test_exec_adapters:Refuses", "failed to start: RuntimeError: no credentials"),
    ],
)
def test_an_adapter_that_cannot_start_is_a_usage_error_in_one_line(
    adapter: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["client", "--adapter", adapter, "--operations", "listModels", "--no-progress"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith("venice-contracts client: error: ")
    assert message in line


class Refuses:
    def __init__(self, target: Target) -> None:
        raise RuntimeError("no credentials")


def test_module_factory_imports_from_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "my_local_adapter.py").write_text(
        "from contracts.client.adapters.httpx_client import HttpxAdapter\n\n\n"
        "class Adapter(HttpxAdapter):\n    pass\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    monkeypatch.delitem(sys.modules, "my_local_adapter", raising=False)
    adapter = load("my_local_adapter:Adapter", Target("http://127.0.0.1:9/api/v1"))
    assert type(adapter).__name__ == "Adapter"
    adapter.close()
    with pytest.raises(AdapterLoadError, match="ModuleNotFoundError"):
        load("not_here_either:Adapter", Target("http://127.0.0.1:9/api/v1"))
