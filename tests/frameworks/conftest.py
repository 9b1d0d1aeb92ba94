"""The framework matrix runs against the real thing: `venice-mock` started as a user starts it
(default settings, a free loopback port), shared by every framework test of the session.

These tests need the frameworks installed (tox -e frameworks); the core run does not collect this
directory (`norecursedirs` in pyproject.toml).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

# litellm fetches a model-cost map from the internet at import unless told to use its bundled copy;
# only loopback traffic is allowed here, and a test must not depend on the network.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_TELEMETRY", "False")

MODEL = "venice-uncensored"
EMBEDDING_MODEL = "text-embedding-bge-m3"
KEY = "framework-test-key"


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    """`venice-mock --port 0` in a subprocess; its announced API base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--port", "0", "--log-level", "warning"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    url = None
    while url is None and time.monotonic() < deadline and process.poll() is None:
        found = re.search(r" at (http://\S+)$", process.stdout.readline().strip())
        url = found.group(1) if found else None
    if url is None:
        process.kill()
        raise RuntimeError("venice-mock did not announce its address")
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The project turns every warning into an error; the frameworks' own deprecation notices
    and pydantic's notices about their types are theirs to fix, so they are shown, not raised.
    Everything else (a leaked socket above all) stays an error."""
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            for category in ("DeprecationWarning", "PendingDeprecationWarning"):
                item.add_marker(pytest.mark.filterwarnings(f"default::{category}"))
            item.add_marker(pytest.mark.filterwarnings("default::UserWarning:pydantic._internal.*"))
