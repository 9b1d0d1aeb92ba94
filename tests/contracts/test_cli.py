"""`venice-contracts server`: dry runs, reports, exit codes, and a key that never shows."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from contracts.cli import main
from mockserver import Mock
from tests.conftest import LiveServer

KEY = "sk-live-do-not-print-1234"


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, out)
    return code, out.getvalue()


@pytest.fixture
def faulty(make_mock: Callable[..., Mock]) -> Iterator[LiveServer]:
    """A real server on loopback that breaks listModels' schema and knows only KEY."""
    with LiveServer(make_mock(api_keys=(KEY,), faults=("wrong-field-type",))) as server:
        yield server


def test_a_dry_run_lists_what_would_be_called_and_sends_nothing() -> None:
    # Nothing listens on port 9: a dry run that connected would fail.
    code, out = run(
        [
            "server",
            "--dry-run",
            "--base-url",
            "http://127.0.0.1:9/api/v1",
            "--operations",
            "listModels",
            "createApiKey",
            "createChatCompletion",
        ]
    )
    assert code == 0
    would_call, would_skip = out.split("would skip")
    assert "listModels" in would_call
    assert "createChatCompletion" in would_call
    assert "createApiKey: mutating: pass --allow-mutations" in would_skip
    assert "getImageStyles: not named in --operations" in would_skip


def test_a_dry_run_against_a_real_server_keeps_to_read_only_operations() -> None:
    code, out = run(["server", "--dry-run", "--base-url", "https://api.example.test/api/v1"])
    assert code == 0
    assert "would call 10 operations" in out
    assert "costly: name it in --operations or pass --allow-costly" in out
    code, out = run(
        [
            "server",
            "--dry-run",
            "--base-url",
            "https://api.example.test/api/v1",
            "--allow-mutations",
            "--allow-costly",
        ]
    )
    assert "would call 20 operations" in out


def test_counts_are_said_in_english() -> None:
    code, out = run(["server", "--dry-run", "--operations", "listModels", "--max-examples", "1"])
    assert code == 0
    assert "; 1 case per operation and mode;" in out
    assert "would call 1 operation:" in out
    code, out = run(["server", "--dry-run", "--operations", "listModels", "--max-examples", "2"])
    assert "; 2 cases per operation and mode;" in out


def test_a_clean_run_exits_0_and_writes_the_three_reports(tmp_path: Path) -> None:
    argv = [
        "server",
        "--operations",
        "listModels,getImageStyles",
        "--max-examples",
        "5",
        "--seed",
        "3",
        "--api-key",
        KEY,
    ]
    code, out = run([*argv, "--no-progress", "--report", "junit,json,md", "--report-dir", str(tmp_path)])
    assert code == 0
    assert "PASS  GET /models" in out
    assert "0 failure(s)" in out
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["venice-contracts.json", "venice-contracts.junit.xml", "venice-contracts.md"]
    report = json.loads((tmp_path / "venice-contracts.json").read_text())
    assert report["exit_code"] == 0
    assert report["seed"] == 3
    suite = ET.parse(tmp_path / "venice-contracts.junit.xml").getroot().find("testsuite")
    assert suite is not None
    assert suite.get("tests") == "20"
    assert suite.get("failures") == "0"
    assert suite.get("skipped") == "18"
    assert "None found" in (tmp_path / "venice-contracts.md").read_text()
    for path in tmp_path.iterdir():
        assert KEY not in path.read_text()
    assert KEY not in out


def test_failures_exit_1_with_evidence_and_curl_and_no_key(faulty: LiveServer, tmp_path: Path) -> None:
    argv = [
        "server",
        "--base-url",
        faulty.base_url,
        "--api-key",
        KEY,
        "--operations",
        "listModels",
        "--max-examples",
        "5",
    ]
    code, out = run(
        [*argv, "--seed", "1", "--no-progress", "--report", "junit,json,md", "--report-dir", str(tmp_path)]
    )
    assert code == 1
    assert "FAIL  GET /models" in out
    assert "response_schema_conformance" in out
    assert "reproduce: curl -X GET" in out
    assert '-H "Authorization: Bearer $VENICE_API_KEY"' in out
    junit = ET.parse(tmp_path / "venice-contracts.junit.xml").getroot()
    failures = junit.findall(".//testcase/failure")
    assert [f.get("type") for f in failures] == ["response_schema_conformance"]
    drift = (tmp_path / "venice-contracts.md").read_text()
    assert "swagger.yaml says:" in drift
    assert "The server answered:" in drift
    assert "```sh\ncurl" in drift
    assert json.loads((tmp_path / "venice-contracts.json").read_text())["failures"] == 1
    for text in [out, *(p.read_text() for p in tmp_path.iterdir())]:
        assert KEY not in text


def test_the_budget_stops_the_run(make_mock: Callable[..., Mock]) -> None:
    with LiveServer(make_mock(api_keys=(KEY,))) as server:
        argv = [
            "server",
            "--base-url",
            server.base_url,
            "--api-key",
            KEY,
            "--max-requests",
            "3",
            "--no-progress",
        ]
        code, out = run([*argv, "--operations", "listModels", "listModelTraits", "--seed", "2"])
    assert "stopped early: --max-requests 3 reached" in out
    assert "; 3 requests in" in out
    assert "SKIP  GET /models/traits" in out  # not reached
    assert code == 0  # nothing found in what could be sent


@pytest.mark.parametrize(
    "argv",
    [
        ["server", "--base-url", "ftp://example.test"],
        ["server", "--operations", "noSuchOperation"],
        ["server", "--report", "pdf"],
        ["server", "--max-examples", "0"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv, io.StringIO()) == 2
    assert "venice-contracts: error:" in capsys.readouterr().err


def test_argparse_errors_exit_2_too() -> None:
    with pytest.raises(SystemExit) as caught:
        main(["server", "--max-examples", "many"], io.StringIO())
    assert caught.value.code == 2


def test_python_dash_m_contracts_is_the_same_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "contracts", "server", "--dry-run", "--api-key", KEY],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0
    assert "would call 20 operations" in done.stdout
    assert KEY not in done.stdout + done.stderr


def test_venice_mock_refuses_an_unknown_fault_with_the_list() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "--fault", "no-such-fault"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "no-such-fault" in done.stderr
    assert "sse-changing-id" in done.stderr


def test_an_unreachable_server_errors_once_and_stops_the_run() -> None:
    argv = [
        "server",
        "--base-url",
        "http://127.0.0.1:9/api/v1",
        "--no-progress",
        "--operations",
        "listModels",
        "getImageStyles",
    ]
    code, out = run([*argv, "--seed", "1"])
    assert code == 1
    assert "ERROR GET /image/styles" in out
    assert "cannot reach the server" in out
    assert "SKIP  GET /models" in out
    assert "not run: cannot reach the server" in out


def _serve(*args: str) -> tuple[subprocess.Popen[str], str]:
    """`venice-mock` as the README starts it, on a free port; its printed base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--port", "0", "--log-level", "warning", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if "http://" in line:
            url = line[line.index("http://") :].split()[0]
            return process, url
    process.kill()
    raise AssertionError(f"no URL printed: {process.stderr.read() if process.stderr else ''}")


def test_the_readme_example_passes_as_printed() -> None:
    """README: `venice-mock --api-key KEY &` then `venice-contracts server --base-url ... --api-key KEY`."""
    process, url = _serve("--api-key", KEY)
    try:
        code, out = run(
            ["server", "--base-url", url, "--api-key", KEY, "--no-progress", "--max-examples", "10"]
        )
    finally:
        process.terminate()
        process.communicate(timeout=30)  # also closes the pipes
    assert code == 0, out
    assert out.splitlines()[-1].startswith("0 failure(s), 0 error(s); operations: 10 passed, 10 skipped;")
    assert KEY not in out


def test_a_server_that_accepts_any_key_is_told_so_plainly() -> None:
    process, url = _serve()  # no --api-key: any bearer token is accepted
    try:
        code, out = run(
            [
                "server",
                "--base-url",
                url,
                "--api-key",
                KEY,
                "--no-progress",
                "--max-examples",
                "3",
                "--operations",
                "getApiKeys",
                "listCharacters",
            ]
        )
    finally:
        process.terminate()
        process.communicate(timeout=30)  # also closes the pipes
    assert code == 1
    assert (
        "  the server accepts a key nobody issued on 2 operation(s) (getApiKeys, listCharacters): it does "
        "not check keys (for the mock: start it with --api-key KEY)"
    ) in out.splitlines()


def test_spec_chooses_the_contract(tmp_path: Path) -> None:
    """`--spec PATH`: another document is the contract (here the bundled one without /models)."""
    from mockserver.bundled import bundled

    text = bundled("swagger.yaml").read_text(encoding="utf-8")
    start = text.index("\n  /models:\n")
    end = text.index("\n  /models/traits:\n")
    smaller = tmp_path / "smaller.yaml"
    smaller.write_text(text[:start] + text[end:], encoding="utf-8")
    code, out = run(["server", "--spec", str(smaller), "--dry-run"])
    assert code == 0
    assert "would call 19 operations:" in out
    assert "listModels" not in out
    assert "GET /models/traits" in out
    code, _ = run(["server", "--spec", str(tmp_path / "missing.yaml"), "--dry-run"])
    assert code == 2
