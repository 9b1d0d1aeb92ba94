"""`--state-file`: real `venice-mock` processes share keys through SQLite (two workers see each
other's writes) and keep them across a restart.

Which worker answered is read from the workers themselves: each keeps its own request log
(GET /__mock/requests), so the probes a log lists are the ones that worker served.
"""

from __future__ import annotations

import itertools
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

CHAT = {"model": "llama-3.3-70b", "messages": [{"role": "user", "content": "Say hi"}]}
_counter = itertools.count()


@contextmanager
def serving(*args: str) -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--port", "0", "--log-level", "warning", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        announced = re.search(r"at (http://\S+)$", process.stdout.readline().strip())
        if announced is None:
            process.kill()
            raise AssertionError(f"no announcement; stderr: {process.communicate()[1]}")
        base_url = announced.group(1)
        deadline = time.monotonic() + 30  # workers start after the announcement
        while True:
            try:
                httpx.get(f"{base_url}/models", timeout=5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield base_url
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)


def auth(token: str, probe: str = "") -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **({"X-Probe": probe} if probe else {})}


def create(base_url: str, token: str) -> dict[str, str]:
    response = httpx.post(
        f"{base_url}/api_keys", json={"apiKeyType": "ADMIN", "description": "shared"}, headers=auth(token)
    )
    assert response.status_code == 200, response.text
    data: dict[str, str] = response.json()["data"]
    return data


def origin(base_url: str) -> str:
    return base_url.rsplit("/api/", 1)[0]


def worker_logs(base_url: str, phase: str, attempts: int = 60) -> list[frozenset[str]]:
    """The distinct sets of this phase's probes that the workers' request logs list: a new
    connection per request, so the kernel hands them to either worker."""
    logs: set[frozenset[str]] = set()
    for _ in range(attempts):
        # The admin routes need the admin token (the first --api-key) when keys are configured.
        calls = httpx.get(f"{origin(base_url)}/__mock/requests", headers=auth("admin"), timeout=10).json()
        logs.add(
            frozenset(
                c["headers"]["x-probe"] for c in calls if c["headers"].get("x-probe", "").startswith(phase)
            )
        )
        if len(logs) == 2:
            break
    return sorted(logs, key=sorted)


def probe_until_both_workers_answered(base_url: str, token: str, expected: int) -> list[frozenset[str]]:
    """Concurrent requests with `token` until both workers' logs list some; each answer must be `expected`."""
    phase = f"p{next(_counter)}-"
    sent: set[str] = set()
    with ThreadPoolExecutor(max_workers=8) as pool:
        for batch in range(10):
            probes = [f"{phase}{batch}-{n}" for n in range(40)]

            def call(probe: str) -> int:
                return httpx.get(f"{base_url}/api_keys", headers=auth(token, probe), timeout=10).status_code

            assert set(pool.map(call, probes)) == {expected}
            sent.update(probes)
            logs = worker_logs(base_url, phase)
            if len(logs) == 2 and all(logs):
                assert logs[0].isdisjoint(logs[1])
                assert logs[0] | logs[1] == sent
                return logs
    raise AssertionError(f"the requests never reached both workers: {logs}")


def test_two_workers_share_keys_and_their_deletion(tmp_path: Path) -> None:
    state = str(tmp_path / "state.db")
    with serving("--workers", "2", "--state-file", state, "--api-key", "admin") as base_url:
        key = create(base_url, "admin")
        probe_until_both_workers_answered(base_url, key["apiKey"], 200)  # both see the new key
        listed = httpx.get(f"{base_url}/api_keys", headers=auth(key["apiKey"])).json()["data"]
        assert [item["id"] for item in listed] == [key["id"]]
        deleted = httpx.delete(f"{base_url}/api_keys", params={"id": key["id"]}, headers=auth("admin"))
        assert deleted.json() == {"success": True}
        probe_until_both_workers_answered(base_url, key["apiKey"], 401)  # and both see it deleted


def test_keys_usage_and_revocations_survive_a_restart(tmp_path: Path) -> None:
    state = str(tmp_path / "state.db")
    with serving("--state-file", state, "--api-key", "admin") as base_url:
        kept, dropped = create(base_url, "admin"), create(base_url, "admin")
        httpx.delete(f"{base_url}/api_keys", params={"id": dropped["id"]}, headers=auth("admin"))
        assert (
            httpx.post(f"{base_url}/chat/completions", json=CHAT, headers=auth(kept["apiKey"])).status_code
            == 200
        )
        before = httpx.get(f"{base_url}/billing/usage", headers=auth("admin")).json()
    # Restarted without --api-key: any unknown token passes now, but a deleted key still does not.
    with serving("--state-file", state) as base_url:
        listed = httpx.get(f"{base_url}/api_keys", headers=auth(kept["apiKey"]))
        assert listed.status_code == 200
        [item] = listed.json()["data"]
        assert item["id"] == kept["id"]
        assert item["lastUsedAt"] is not None
        assert httpx.get(f"{base_url}/api_keys", headers=auth(dropped["apiKey"])).status_code == 401
        assert httpx.get(f"{base_url}/api_keys", headers=auth("anyone")).status_code == 200
        assert httpx.get(f"{base_url}/billing/usage", headers=auth("admin")).json() == before
        assert before["pagination"]["total"] == 2
