"""The distribution as a newcomer gets it: an sdist, a wheel built from that sdist, installed in a
fresh virtualenv, and then both CLIs and the pytest plugin run from there (issue 12: the sdist
once lacked `contracts/` and `docs/`, so its wheel shipped no venice-contracts).

Bounded and offline: the build runs without isolation (build and hatchling come with the test
extras), and the fresh venv borrows this environment's dependencies through a path entry, so
nothing is downloaded; the project itself comes only from the wheel."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import sysconfig
import tarfile
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
_CLEAN_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def run(*args: str | Path, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    # Never the worktree as the working directory, nor PYTHONPATH (a developer's may name a
    # checkout): either would shadow the installed packages.
    result = subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        cwd=cwd or "/",
        timeout=timeout,
        check=False,
        env=_CLEAN_ENV,
    )
    assert result.returncode == 0, f"{args}: {result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin directory of a fresh venv with the wheel built from the sdist."""
    work = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", work / "sdist", ROOT)
    (sdist,) = (work / "sdist").glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
        archive.extractall(work / "src", filter="data")
    top = names[0].split("/")[0]
    for needed in ("contracts/plugin.py", "contracts/cli.py", "docs/client-kit.md", "mockserver/cli.py"):
        assert f"{top}/{needed}" in names, needed
    run(
        sys.executable,
        "-m",
        "build",
        "--wheel",
        "--no-isolation",
        "--outdir",
        work / "wheel",
        work / "src" / top,
    )
    (wheel,) = (work / "wheel").glob("*.whl")
    venv = work / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    purelib = Path(sysconfig.get_paths(vars={"base": str(venv), "platbase": str(venv)})["purelib"])
    run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q", "--no-deps", wheel)
    # The dependencies, from this environment: a plain path entry (its own .pth files, such as an
    # editable install of this project, are not processed), after the venv's own site-packages.
    # Written only after the install: where this environment holds the project as a wheel (tox),
    # pip would otherwise see it through the entry, call it satisfied and install nothing.
    (purelib / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


def test_the_installed_packages_come_from_the_wheel(installed: Path) -> None:
    where = run(
        installed / "python",
        "-c",
        "import mockserver, contracts; print(mockserver.__file__, contracts.__file__)",
    )
    for path in where.stdout.split():
        assert path.startswith(str(installed.parent)), path


def test_both_clis_run_from_the_fresh_venv(installed: Path) -> None:
    assert "venice-mock" in run(installed / "venice-mock", "--help").stdout
    assert "server" in run(installed / "venice-contracts", "--help").stdout
    # The client help points to the JSON-lines protocol: a file that the wheel installed.
    helped = re.search(
        r"the protocol:\s+(\S+client-kit\.md)", run(installed / "venice-contracts", "client", "--help").stdout
    )
    assert helped, "client --help names no protocol document"
    assert Path(helped[1]).is_file()
    assert Path(helped[1]).is_relative_to(installed.parent)
    assert "exec:COMMAND" in Path(helped[1]).read_text()
    suite = run(
        installed / "venice-contracts", "server", "--operations", "listModels", "--max-examples", "3",
        "--report-dir", installed.parent / "reports",
    )  # fmt: skip
    assert re.search(r"\b0 failure", suite.stdout + suite.stderr), suite.stdout[-1500:]


def test_the_served_mock_passes_the_server_suite_as_the_readme_prints_it(installed: Path) -> None:
    mock = subprocess.Popen(
        [installed / "venice-mock", "--port", "0", "--api-key", "KEY", "--log-level", "warning"],
        cwd="/",
        env=_CLEAN_ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert mock.stdout is not None
        announced = re.search(r"at (http://\S+)$", mock.stdout.readline().strip())
        assert announced, mock.stderr.read() if mock.stderr else ""
        base_url = announced.group(1)
        assert httpx.get(f"{base_url}/models", headers={"Authorization": "Bearer KEY"}).status_code == 200
        suite = run(
            installed / "venice-contracts", "server", "--base-url", base_url, "--api-key", "KEY",
            "--report", "junit,json,md", "--max-examples", "3", "--report-dir", installed.parent / "r2",
        )  # fmt: skip
        assert re.search(r"\b0 failure", suite.stdout + suite.stderr), suite.stdout[-1500:]
    finally:
        mock.send_signal(signal.SIGTERM)
        mock.communicate(timeout=60)


def test_the_pytest_plugin_loads_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "test_client.py").write_text(
        "import httpx\n\n"
        "def test_models(venice_mock, venice_calls):\n"
        "    response = httpx.get(venice_mock.base_url + '/models', headers={'Authorization': 'Bearer k'})\n"
        "    assert response.status_code == 200\n"
        "    assert [c.operation_id for c in venice_calls] == ['listModels']\n"
    )
    result = run(installed / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", tmp_path, cwd=tmp_path)
    assert "1 passed" in result.stdout
