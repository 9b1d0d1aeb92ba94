"""The request inspector (/__mock/) in a real headless browser: Debian's Chromium driven by
playwright (launched with the system browser's path: no browser download).

A call made with the openai SDK, a stream and an invalid call appear without a reload; the
filters work; the invalid call shows its violation with the field path and rule; "copy as curl"
gives a command that, run by a real shell and curl with $VENICE_API_KEY, reproduces the call.
Under CI (CI=true) a missing Chromium fails the test; elsewhere it is skipped with the reason.
`INSPECTOR_SCREENSHOT=docs/inspector.png` saves the README's screenshot.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from openai.types.chat import ChatCompletionMessageParam

from mockserver import Mock
from mockserver.admin_inspector import PAGE_DIR
from tests.conftest import LiveServer

TOKEN = "inspector-admin-token"
CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
MODEL, QUESTION = "venice-uncensored", "Why is the sky blue?"
CHAT = {"model": MODEL, "messages": [{"role": "user", "content": QUESTION}]}


def chromium() -> str:
    found = next((path for path in CHROMIUM if os.access(path, os.X_OK)), None)
    if found is None:
        reason = (
            "Chromium is not installed: apt-get install -y chromium (.ci/run does it where it is missing)"
        )
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


@pytest.fixture
def served(make_mock: Callable[..., Mock]) -> Iterator[LiveServer]:
    with LiveServer(make_mock(api_keys=(TOKEN,))) as server:
        yield server


@contextmanager
def browsing(origin: str) -> Iterator[Any]:
    """A page of headless Chromium (the system's, through playwright) allowed the clipboard."""
    from playwright.sync_api import sync_playwright

    executable = chromium()
    args = ["--no-sandbox"] if os.geteuid() == 0 else []  # root (CI containers): no user namespaces
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=executable, args=args)
        context = browser.new_context(viewport={"width": 1500, "height": 900})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


@pytest.fixture
def page(served: LiveServer) -> Iterator[Any]:
    with browsing(served.origin) as opened:
        yield opened


def open_row(page: Any, row: Any) -> None:
    """Click a row and wait until the detail pane shows that call (not the one shown before)."""
    seq = row.locator("td").first.inner_text()
    row.click()
    page.locator("#detail h2", has_text=f"#{seq} ").wait_for()


def test_the_page_shows_live_calls_their_violations_and_a_curl_that_reproduces_them(
    served: LiveServer, page: Any
) -> None:
    import openai

    # The admin guard: the page needs the token once (asked with httpx: a browser would also ask
    # for /favicon.ico after a JSON answer, and that 404 would be in the log).
    assert httpx.get(f"{served.origin}/__mock/").status_code == 401
    assert page.goto(f"{served.origin}/__mock/?token={TOKEN}").status == 200
    page.wait_for_selector("#live")

    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": QUESTION}]
    with openai.OpenAI(base_url=served.base_url, api_key=TOKEN, max_retries=0) as sdk:
        answer = sdk.chat.completions.create(model=MODEL, messages=messages)
        assert answer.choices[0].message.content
        chunks = list(sdk.chat.completions.create(model=MODEL, messages=messages, stream=True))
        assert chunks
    invalid = httpx.post(
        f"{served.base_url}/chat/completions",
        json={**CHAT, "temperature": 9},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert invalid.status_code == 400

    # New calls appear without a reload (the page polls the log); the cookie carries the token.
    rows = page.locator("#calls tbody tr")
    rows.nth(2).wait_for()
    texts = [rows.nth(n).inner_text() for n in range(rows.count())]
    assert len(texts) == 3, texts
    assert "400" in texts[0]
    assert "createChatCompletion" in texts[0]
    assert all("200" in text for text in texts[1:])

    page.check("#f-viol")  # "has violations": only the invalid call
    assert rows.count() == 1
    open_row(page, rows.first)
    violation = page.locator("#violations .violation")
    violation.wait_for()
    assert violation.locator(".field").inner_text() == "temperature"
    assert violation.locator(".rule").inner_text() == "maximum"
    page.locator("#spec").wait_for()
    page.uncheck("#f-viol")
    page.select_option("#f-status", "4")
    assert rows.count() == 1
    page.select_option("#f-status", "")

    open_row(page, rows.nth(1))  # the stream: its events listed
    page.get_by_text("stream events").wait_for()
    assert page.locator("#response-body .event").count() == len(chunks) + 1  # and [DONE]

    open_row(page, rows.nth(2))  # the SDK's call
    page.locator("#request-body").wait_for()
    assert json.loads(page.locator("#request-body").inner_text()) == CHAT
    page.click("#copy-curl")
    page.get_by_text("copied").wait_for()
    command = page.evaluate("navigator.clipboard.readText()")
    assert command == page.locator("#curl").inner_text()
    assert '-H "Authorization: Bearer $VENICE_API_KEY"' in command
    assert TOKEN not in command

    shot = os.environ.get("INSPECTOR_SCREENSHOT")
    if shot:  # the README's picture: the invalid call, its violation and its answer
        open_row(page, rows.first)
        page.screenshot(path=shot)

    # The copied command, run by a shell with curl, makes the same call again.
    assert shutil.which("curl") is not None, "curl is needed: apt-get install -y curl (.ci/run does it)"
    env = {**os.environ, "VENICE_API_KEY": TOKEN}
    run = subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["object"] == "chat.completion"
    log = httpx.get(f"{served.origin}/__mock/requests", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    again, first = log[-1], log[0]
    assert again["operation_id"] == first["operation_id"] == "createChatCompletion"
    assert again["status"] == 200
    assert json.loads(again["body"]) == json.loads(first["body"])
    assert again["headers"]["authorization"].endswith(TOKEN[-4:])
    assert again["headers"]["content-type"] == first["headers"]["content-type"]


def test_the_mock_tab_lists_warnings_faults_scenarios_and_scripts(
    make_mock: Callable[..., Mock], page: Any
) -> None:
    mock = make_mock(scenarios=("rate-limit:0.1",), faults=("wrong-content-type",))
    with LiveServer(mock) as server:
        mock.scripts.respond("createChatCompletion", status=503, times=2)
        page.goto(f"{server.origin}/__mock/")
        page.click("#tab-mock")
        page.locator("#scripts li").first.wait_for()
        assert "createChatCompletion: 503 (2 left)" in page.locator("#scripts").inner_text()
        active = page.locator("#active").inner_text()
        assert "fault wrong-content-type" in active
        assert "scenario rate-limit:0.1" in active
        assert page.locator("#scenarios li").count() >= 3
        assert page.locator("#warnings li").count() >= 1
        assert "Venice" in page.locator("#spec-title").inner_text()


def test_the_page_loads_nothing_from_elsewhere() -> None:
    names = {p.name for p in PAGE_DIR.iterdir()}
    assert names >= {"index.html", "app.js", "style.css"}
    for path in PAGE_DIR.iterdir():
        text = path.read_text()
        for remote in ("http://", "https://", "//cdn"):
            assert remote not in text, path.name


def test_images_are_shown_and_audio_plays(served: LiveServer, page: Any) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    image = {"model": "venice-sd35", "prompt": "a lighthouse", "width": 256, "height": 256}
    assert httpx.post(f"{served.base_url}/image/generate", json=image, headers=auth).status_code == 200
    speech = {"model": "tts-kokoro", "voice": "af_sky", "input": "Hello there.", "response_format": "wav"}
    spoken = httpx.post(f"{served.base_url}/audio/speech", json=speech, headers=auth)
    assert spoken.status_code == 200
    assert spoken.headers["content-type"].startswith("audio/wav")
    page.goto(f"{served.origin}/__mock/?token={TOKEN}")
    rows = page.locator("#calls tbody tr")
    rows.nth(1).wait_for()

    open_row(page, rows.nth(1))  # the image: the browser decodes the PNG inside the JSON answer
    shown = page.locator("#response-body img")
    shown.wait_for()
    assert shown.evaluate("img => img.decode().then(() => [img.naturalWidth, img.naturalHeight])") == [
        256,
        256,
    ]

    open_row(page, rows.nth(0))  # the speech: Chromium reads the WAV and knows how long it plays
    player = page.locator("#response-body audio")
    player.wait_for(state="attached")
    duration = player.evaluate(
        "a => new Promise((ok, fail) => { if (a.readyState >= 1) ok(a.duration);"
        " a.onloadedmetadata = () => ok(a.duration);"
        " a.onerror = () => fail(String(a.error && a.error.code)); })"
    )
    assert duration > 0


def test_a_proxied_answer_that_breaks_the_spec_shows_its_drift(make_mock: Callable[..., Mock]) -> None:
    # The mock as a validating proxy in front of an upstream whose /models items have a field of
    # the wrong type: the page counts and lists what the upstream got wrong.
    with (
        LiveServer(make_mock(faults=("wrong-field-type",))) as upstream,
        LiveServer(make_mock(proxy=upstream.base_url)) as front,
        browsing(front.origin) as page,
    ):
        assert httpx.get(f"{front.base_url}/models", headers={"Authorization": "Bearer k"}).status_code == 200
        page.goto(f"{front.origin}/__mock/")
        row = page.locator("#calls tbody tr").first
        row.wait_for()
        assert row.locator("td").nth(5).inner_text() != ""  # counted beside the request's own
        page.check("#f-viol")  # "has violations" keeps it: drift counts
        open_row(page, page.locator("#calls tbody tr").first)
        drift = page.locator("#response-violations .violation").first
        drift.wait_for()
        assert drift.locator(".rule").inner_text() == "type"
        assert page.locator("#violations .violation").count() == 0  # the request itself was fine


def test_the_routes_behind_the_page(client: httpx.Client) -> None:
    auth = {"Authorization": "Bearer anyone"}
    assert client.post("/api/v1/chat/completions", json=CHAT, headers=auth).status_code == 200
    created = client.post(
        "/api/v1/api_keys", json={"apiKeyType": "INFERENCE", "description": "x"}, headers=auth
    )
    secret = created.json()["data"]["apiKey"]
    first, second = client.get("/__mock/requests").json()
    assert [c["seq"] for c in client.get("/__mock/requests", params={"after": first["seq"]}).json()] == [
        second["seq"]
    ]
    detail = client.get(f"/__mock/requests/{first['seq']}").json()
    assert json.loads(detail["body"]) == CHAT
    assert json.loads(detail["response"]["body"])["object"] == "chat.completion"
    assert detail["response"]["headers"]["content-type"] == "application/json"
    # A created key's secret is shown to its client once, and never by the log.
    key_answer = client.get(f"/__mock/requests/{second['seq']}").json()["response"]["body"]
    assert secret not in key_answer
    assert json.loads(key_answer)["data"]["apiKey"] == "***" + secret[-4:]
    assert client.get("/__mock/requests/999").status_code == 404
    excerpt = client.get("/__mock/spec/operations/createChatCompletion").json()
    assert (excerpt["method"], excerpt["path"]) == ("POST", "/chat/completions")
    assert "requestBody" in excerpt["spec"]
    assert client.get("/__mock/spec/operations/nope").status_code == 404
    assert client.get("/__mock/config").json()["state"] == "MemoryState"
    page = client.get("/__mock/")
    assert page.headers["content-type"].startswith("text/html")
    assert client.get("/__mock/inspector/app.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/__mock/inspector/..%2Fadmin.py").status_code == 404
