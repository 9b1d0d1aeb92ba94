"""The openai Node SDK and the Vercel AI SDK (`ai` + `@ai-sdk/openai`) against venice-mock.

The cases live in node/matrix.mjs; node/package.json pins the tested versions. They are
installed by npm into VENICE_NODE_DIR (tox: inside the env's directory; by default the
git-ignored .frameworks-node/ at the repository root), never into the source tree. Where Node
is absent the tests are skipped, and pytest prints that reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "node"
ROOT = Path(__file__).parents[2]
CASES = [
    "openai-chat",
    "openai-stream",
    "openai-tools",
    "openai-embeddings",
    "ai-generateText",
    "ai-streamText",
    "ai-generateObject",
    "ai-output-object",
    "ai-tools",
    "ai-embed",
    "ai-error-shape",
]


@pytest.fixture(scope="session")
def node_dir() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("Node.js (node and npm) is not installed: the Node framework cases need it")
    target = Path(os.environ.get("VENICE_NODE_DIR", ROOT / ".frameworks-node"))
    target.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "matrix.mjs"):
        shutil.copyfile(HERE / name, target / name)
    installed = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=target,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stderr
    return target


def node(node_dir: Path, base_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", "matrix.mjs", *args],
        cwd=node_dir,
        env={**os.environ, "VENICE_BASE_URL": base_url, "AI_SDK_LOG_WARNINGS": "false"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_case_of_the_script_is_run_here(node_dir: Path, base_url: str) -> None:
    listed = node(node_dir, base_url, "--list")
    assert listed.stdout.split() == CASES


@pytest.mark.parametrize("case", CASES)
def test_case(node_dir: Path, base_url: str, case: str) -> None:
    result = node(node_dir, base_url, case)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"ok {case}"
