"""`--state redis://`: two real `venice-mock` processes on one real Redis behave as one mock.

Keys created on one authenticate on the other and, deleted, are refused by both; usage billed
concurrently through both adds up exactly; the active-key limit and a rate-limit window hold
across them under concurrent requests; a script set on one answers on both, its `times=`
counted across them; a Redis restart mid-run gives 503s in the spec's error
shape, then recovery, and no crash. (The store's own interface is proven in tests/test_state.py.)
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.state import StateError
from mockserver.stores import open_state
from tests.checked_client import fixtures_with_limits
from tests.redis_server import RedisServer, redis_binary
from tests.test_state_file import CHAT, auth, create, serving


@contextmanager
def two_mocks(url: str, *args: str) -> Iterator[tuple[str, str]]:
    with ExitStack() as stack:
        first = stack.enter_context(serving("--state", url, *args))
        second = stack.enter_context(serving("--state", url, *args))
        yield first, second


def chat(base_url: str, token: str) -> int:
    return httpx.post(f"{base_url}/chat/completions", json=CHAT, headers=auth(token), timeout=30).status_code


def usage(base_url: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        answer = httpx.get(
            f"{base_url}/billing/usage",
            params={"limit": 500, "page": page},
            headers=auth("admin"),
            timeout=30,
        ).json()
        rows += answer["data"]
        if page >= answer["pagination"]["totalPages"]:
            return rows
        page += 1


def balances(base_url: str) -> dict[str, float]:
    answer = httpx.get(f"{base_url}/api_keys/rate_limits", headers=auth("admin"), timeout=30)
    assert answer.status_code == 200, answer.text
    result: dict[str, float] = answer.json()["data"]["balances"]
    return result


def test_a_key_created_on_one_authenticates_on_the_other_and_deleted_is_refused_by_both(
    redis_server: RedisServer,
) -> None:
    with two_mocks(redis_server.url(), "--api-key", "admin") as (first, second):
        key = create(first, "admin")
        assert httpx.get(f"{second}/api_keys", headers=auth(key["apiKey"])).status_code == 200
        listed = httpx.get(f"{second}/api_keys", headers=auth("admin")).json()["data"]
        assert [item["id"] for item in listed] == [key["id"]]
        assert listed[0]["lastUsedAt"] is not None  # used through the second process
        deleted = httpx.delete(f"{second}/api_keys", params={"id": key["id"]}, headers=auth("admin"))
        assert deleted.json() == {"success": True}
        for base_url in (first, second):
            assert httpx.get(f"{base_url}/api_keys", headers=auth(key["apiKey"])).status_code == 401
            assert chat(base_url, key["apiKey"]) == 401


def test_usage_billed_concurrently_through_both_adds_up_exactly(redis_server: RedisServer) -> None:
    calls = 120
    with two_mocks(redis_server.url(), "--api-key", "admin") as (first, second):
        assert chat(first, "admin") == 200
        per_call = len(usage(first))
        assert per_call >= 1
        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(pool.map(lambda n: chat((first, second)[n % 2], "admin"), range(calls)))
        assert statuses == [200] * calls
        rows_first, rows_second = usage(first), usage(second)
        assert len(rows_first) == per_call * (calls + 1)
        assert rows_first == rows_second
        left_first, left_second = balances(first), balances(second)
        assert left_first == left_second
        start = {"USD": 250.0, "DIEM": 100.0, "VCU": 0.0}  # the bundled rate_limits.yaml
        for currency, left in left_first.items():
            charged = sum(-row["amount"] for row in rows_first if row["currency"] == currency)
            assert left == pytest.approx(start[currency] - charged, rel=0, abs=1e-9)


def test_the_key_limit_and_a_rate_window_hold_across_processes(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    limits = "scale: 1\napi_keys: {RPM: 1000, max_active: 5}\ntypes: {text: {RPM: 100000, RPD: 30}}\n"
    fixtures = fixtures_with_limits(tmp_path, limits)
    with two_mocks(redis_server.url(), "--api-key", "admin", "--fixtures", fixtures) as (first, second):

        def attempt(n: int) -> int:
            response = httpx.post(
                f"{(first, second)[n % 2]}/api_keys",
                json={"apiKeyType": "INFERENCE", "description": f"k{n}"},
                headers=auth("admin"),
                timeout=30,
            )
            return response.status_code

        with ThreadPoolExecutor(max_workers=16) as pool:
            created = Counter(pool.map(attempt, range(40)))
        assert created == {200: 5, 400: 35}
        assert len(httpx.get(f"{second}/api_keys", headers=auth("admin")).json()["data"]) == 5
        # 30 requests a day for this key and model, counted once for both processes.
        with ThreadPoolExecutor(max_workers=16) as pool:
            answered = Counter(pool.map(lambda n: chat((first, second)[n % 2], "admin"), range(45)))
        assert answered == {200: 30, 429: 15}


def test_a_redis_restart_gives_503s_in_the_error_shape_then_recovery() -> None:
    redis = RedisServer().start()  # its own server: this test stops it
    try:
        with two_mocks(redis.url()) as (first, second):
            assert chat(first, "anyone") == 200
            redis.stop()
            for base_url in (first, second):
                for _ in range(3):  # every request answered, none hangs
                    down = httpx.post(
                        f"{base_url}/chat/completions", json=CHAT, headers=auth("k"), timeout=30
                    )
                    assert down.status_code == 503
                    body = down.json()
                    assert set(body) == {"error", "details"}
                    assert "Redis" in body["error"]
                    assert down.headers["retry-after"] == "1"
                health = httpx.get(base_url.rsplit("/api/", 1)[0] + "/__mock/health", timeout=30)
                assert health.status_code == 200  # the process lives on
            redis.start()
            for base_url in (first, second):
                assert chat(base_url, "anyone") == 200
            key = create(first, "anyone")  # the state works again, shared again
            assert httpx.get(f"{second}/api_keys", headers=auth(key["apiKey"])).status_code == 200
    finally:
        redis.close()


def test_an_unreachable_redis_at_start_is_one_line_and_exit_code_2() -> None:
    from tests.redis_server import free_port

    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "--port", "0", "--state", f"redis://127.0.0.1:{free_port()}/0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("venice-mock: error: cannot reach the Redis store at redis://127.0.0.1:")


def test_an_unknown_state_url_is_refused_at_start() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "--port", "0", "--state", "mongodb://x"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "unknown state store 'mongodb://x'; known: memory://, sqlite:///PATH" in result.stderr


def test_a_hung_redis_answers_503_without_blocking_the_event_loop() -> None:
    redis = RedisServer().start()
    try:
        with serving("--state", redis.url()) as base_url:
            assert chat(base_url, "anyone") == 200
            assert redis.process is not None
            redis.process.send_signal(signal.SIGSTOP)  # accepts nothing, answers nothing
            try:
                with ThreadPoolExecutor(max_workers=1) as pool:
                    pending = pool.submit(
                        httpx.post, f"{base_url}/chat/completions", json=CHAT, headers=auth("k"), timeout=30
                    )
                    # The chat waits on Redis (its socket timeout) in the pipeline's thread; the
                    # event loop still answers admin routes meanwhile.
                    health = httpx.get(base_url.rsplit("/api/", 1)[0] + "/__mock/health", timeout=30)
                    assert health.status_code == 200
                    assert not pending.done()
                    answer = pending.result()
                assert answer.status_code == 503
                assert set(answer.json()) == {"error", "details"}
            finally:
                redis.process.send_signal(signal.SIGCONT)
            assert chat(base_url, "anyone") == 200
    finally:
        redis.close()


def test_a_missing_redis_server_fails_the_tests_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="redis-server is not installed: apt-get install"):
        redis_binary()


def test_the_redis_store_without_its_client_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import mockserver.state_redis

    monkeypatch.setattr(mockserver.state_redis, "aioredis", None)
    with pytest.raises(StateError, match=r"pip install 'venice-mockkit\[redis\]'"):
        open_state("redis://127.0.0.1:1/0")


def test_a_script_set_on_one_process_answers_on_both_and_times_counts_across_them(
    redis_server: RedisServer,
) -> None:
    with two_mocks(redis_server.url()) as (first, second):
        admin = first.rsplit("/api/", 1)[0] + "/__mock/scripts"
        script = {"operation_id": "createChatCompletion", "status": 503, "times": 3}
        assert httpx.post(admin, json=script).status_code == 201
        listed = httpx.get(second.rsplit("/api/", 1)[0] + "/__mock/scripts").json()
        assert [(s["operation_id"], s["status"], s["remaining"]) for s in listed] == [
            ("createChatCompletion", 503, 3)
        ]
        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = Counter(pool.map(lambda n: chat((first, second)[n % 2], "anyone"), range(8)))
        assert statuses == {503: 3, 200: 5}
        assert httpx.get(second.rsplit("/api/", 1)[0] + "/__mock/scripts").json() == []


def test_shared_scripts_keep_what_was_scripted_and_count_exactly(redis_server: RedisServer) -> None:
    from mockserver.scripts_redis import SharedScripts
    from mockserver.state_redis import RedisState

    url = redis_server.url()
    stores = [RedisState(url) for _ in range(4)]
    try:
        shared = [SharedScripts(store) for store in stores]
        first = shared[0]
        raw = first.respond("createSpeech", 200, b"\x00\x01binary", times=None, validate=False)
        streamed = first.respond(
            "createChatCompletion", stream=[{"a": 1}, "raw chunk", b"\xff bytes"], times=10, validate=False
        )
        assert shared[1].pending() == [(streamed, 10), (raw, None)]  # queues sorted by operation
        assert shared[2].take("createSpeech") == raw
        assert shared[3].take("createSpeech") == raw  # times=None: every call
        barrier = threading.Barrier(len(shared))

        def take(n: int) -> int:
            barrier.wait()
            return sum(shared[n].take("createChatCompletion") == streamed for _ in range(5))

        with ThreadPoolExecutor(max_workers=len(shared)) as pool:
            assert sum(pool.map(take, range(len(shared)))) == 10
        assert shared[1].active()
        shared[2].clear("createSpeech")
        assert not shared[0].active()
        assert shared[0].pending() == []
    finally:
        for store in stores:
            store.close()


def test_the_request_log_lists_the_calls_of_both_processes(redis_server: RedisServer) -> None:
    with two_mocks(redis_server.url(), "--log-size", "5") as (first, second):
        admin = [base.rsplit("/api/", 1)[0] + "/__mock" for base in (first, second)]
        for n in range(4):
            assert chat((first, second)[n % 2], "anyone") == 200
        streamed = httpx.post(
            f"{second}/chat/completions", json={**CHAT, "stream": True}, headers=auth("anyone"), timeout=30
        )
        assert streamed.status_code == 200
        bad = httpx.post(f"{first}/chat/completions", json={**CHAT, "temperature": 9}, headers=auth("x"))
        assert bad.status_code == 400
        logs = [httpx.get(f"{a}/requests", timeout=30).json() for a in admin]
        assert logs[0] == logs[1]
        # One numbering (the start-up probes of GET /models came first), capped at --log-size.
        seqs = [c["seq"] for c in logs[0]]
        assert seqs == list(range(seqs[0], seqs[0] + 5))
        assert {(c["method"], c["operation_id"]) for c in logs[0]} == {("POST", "createChatCompletion")}
        assert logs[0][-1]["violations"][0]["location"] == "temperature"
        # The stream served by the second process, read through the first (the inspector's view).
        # Its bytes are written without delaying the stream's end: wait for them (bounded).
        for _ in range(100):
            detail = httpx.get(f"{admin[0]}/requests/{seqs[-2]}", timeout=30).json()
            if detail["response"]["body"]:
                break
            time.sleep(0.02)
        assert detail["response"]["streamed"] is True
        assert detail["response"]["body"].rstrip().endswith("data: [DONE]")
        assert httpx.delete(f"{admin[1]}/requests").status_code == 204
        assert httpx.get(f"{admin[0]}/requests").json() == []


def test_a_proxy_on_the_redis_store_logs_the_upstreams_drift(
    redis_server: RedisServer, make_mock: Any
) -> None:
    from tests.conftest import LiveServer

    with ExitStack() as stack:
        upstream = stack.enter_context(LiveServer(make_mock(faults=("wrong-field-type",))))
        front = stack.enter_context(serving("--state", redis_server.url(), "--proxy", upstream.base_url))
        assert httpx.get(f"{front}/models", headers=auth("anyone"), timeout=30).status_code == 200
        stream = {**CHAT, "stream": True}
        answer = httpx.post(f"{front}/chat/completions", json=stream, headers=auth("anyone"), timeout=30)
        assert answer.status_code == 200
        calls = httpx.get(front.rsplit("/api/", 1)[0] + "/__mock/requests", timeout=30).json()
    relayed = [c for c in calls if c["operation_id"] == "listModels"][-1]  # after the start-up probe
    assert [v["rule"] for v in relayed["response_violations"]] == ["type"]
    streamed = [c for c in calls if c["operation_id"] == "createChatCompletion"][-1]
    assert streamed["response_violations"] == []
