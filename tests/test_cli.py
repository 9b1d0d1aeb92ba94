"""`venice-mock` as a real process: announces its URL, serves, stops cleanly; bad input exits 2."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from mockserver.catalogfile import default_fixtures_dir
from mockserver.cli import main
from mockserver.flags import parser


def start(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--port", "0", *args],
        env=None if env is None else {**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        found = re.search(r"at (http://\S+)$", line.strip())
        if found:
            return process, found.group(1)
        if process.poll() is not None:
            break
    process.kill()
    _, stderr = process.communicate()
    raise AssertionError(f"no announcement; stderr: {stderr}")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serves_the_bundled_spec_and_stops_cleanly(stop: signal.Signals) -> None:
    process, base_url = start("--log-level", "warning")
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api/v1", base_url)
        response = httpx.get(f"{base_url}/models", timeout=10)
        assert response.status_code == 200
        assert response.json()["object"] == "list"
    finally:
        process.send_signal(stop)
        process.communicate(timeout=20)
    assert process.returncode == 0


def test_spec_warnings_are_one_summary_line_on_stderr() -> None:
    process, _ = start("--log-level", "warning")
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=20)
    warnings = [line for line in stderr.splitlines() if "spec warning" in line]
    assert warnings == ["venice-mock: 4 spec warnings (details: --log-level debug or GET /__mock/spec)"]


def test_spec_warnings_are_listed_one_by_one_at_debug() -> None:
    process, _ = start("--log-level", "debug")
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=20)
    warnings = [line for line in stderr.splitlines() if line.startswith("venice-mock: spec warning: ")]
    assert len(warnings) == 4


def test_api_key_and_base_path_flags_apply() -> None:
    process, base_url = start("--api-key", "k1", "--base-path", "/v9", "--log-level", "warning")
    try:
        assert base_url.endswith("/v9")
        body = {"model": "venice-uncensored", "messages": [{"role": "user", "content": "hi"}]}
        ok = httpx.post(
            f"{base_url}/chat/completions", json=body, headers={"Authorization": "Bearer k1"}, timeout=10
        )
        no = httpx.post(
            f"{base_url}/chat/completions", json=body, headers={"Authorization": "Bearer k2"}, timeout=10
        )
        assert (ok.status_code, no.status_code) == (200, 401)
    finally:
        process.terminate()
        process.communicate(timeout=20)


def test_keys_from_the_environment_stay_out_of_the_command_line() -> None:
    env = {"VENICE_MOCK_API_KEYS": "env-key-1, env-key-2", "VENICE_MOCK_ADMIN_TOKEN": "env-admin"}
    process, base_url = start("--api-key", "flag-key", "--log-level", "warning", env=env)
    try:
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode()
        assert "env-key" not in cmdline
        assert "env-admin" not in cmdline

        def status(url: str, token: str) -> int:
            headers = {"Authorization": f"Bearer {token}"}
            return httpx.get(url, headers=headers, timeout=10).status_code

        keys = ("flag-key", "env-key-1", "env-key-2", "other")
        assert [status(f"{base_url}/api_keys/rate_limits", k) for k in keys] == [200, 200, 200, 401]
        origin = base_url.rsplit("/api/", 1)[0]
        assert status(f"{origin}/__mock/health", "env-admin") == 200
        # The admin token replaces the default (the first key): the key alone no longer opens it.
        assert status(f"{origin}/__mock/requests", "flag-key") == 401
        assert status(f"{origin}/__mock/requests", "env-admin") == 200
    finally:
        process.terminate()
        process.communicate(timeout=20)


def test_workers_share_one_announced_port_that_answers_once_announced() -> None:
    process, base_url = start("--workers", "2", "--log-level", "warning")
    try:
        assert not base_url.startswith("http://127.0.0.1:0/")
        # The line is printed once a worker answered: the first request needs no retry.
        assert httpx.get(f"{base_url}/models", timeout=10).status_code == 200
    finally:
        process.terminate()
        process.communicate(timeout=30)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "the file is empty"),
        ("openapi: [3.1.0\n", "invalid YAML"),
        ("info: {title: x}\npaths: {}\n", "`openapi` must be 3.0.x or 3.1.x, found None"),
        ("openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths: 5\n", "`paths` must be a mapping"),
        ("- just\n- a list\n", "the top level is not a mapping"),
    ],
)
def test_an_unusable_spec_gives_one_line_and_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, why: str
) -> None:
    # Only a document nothing can be served from stops the start; mistakes are warnings.
    spec = tmp_path / "bad.yaml"
    spec.write_text(text)
    assert main(["--spec", str(spec)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith(f"venice-mock: error: cannot load the spec: {spec}")
    assert why in err


def test_a_missing_spec_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--spec", str(tmp_path / "nope.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_a_broken_rate_limits_file_stops_the_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Read at start: a typo must not wait for the first inference call to surface as a 500.
    shutil.copy(default_fixtures_dir() / "models.yaml", tmp_path)
    (tmp_path / "rate_limits.yaml").write_text("scale: lots\n")
    assert main(["--fixtures", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("venice-mock: error: cannot load the fixtures: ")
    assert "rate_limits.yaml" in err


def test_an_unusable_state_file_gives_one_line_and_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state.db"
    state.write_bytes(b"this is not a sqlite database, not even close" * 100)
    assert main(["--state-file", str(state)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("venice-mock: error: cannot use ")
    assert str(state) in err


@pytest.mark.parametrize(
    "argv", [["--bogus"], ["--port", "x"], ["--max-body-size", "lots"], ["--workers", "0"]]
)
def test_bad_flags_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2


def test_help_lists_every_flag_the_issue_names() -> None:
    text = parser().format_help()
    for flag in (
        "--host",
        "--port",
        "--spec",
        "--seed",
        "--api-key",
        "--base-path",
        "--check-responses",
        "--workers",
        "--log-level",
        "--max-body-size",
        "--overlay",
        "--strict-accept",
    ):
        assert flag in text


def test_python_dash_m_is_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 0
    assert result.stdout.startswith("usage: venice-mock")
