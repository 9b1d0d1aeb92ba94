"""`venice-contracts server --from-cassettes DIR`: answers recorded through the proxy from an
upstream (a second mock on loopback, clean or faulty), judged offline by the kit's checks."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from contracts.cli import main
from mockserver import Mock
from tests.helpers import AUTH
from tests.test_proxy import CHAT, relay

_SESSION: list[tuple[str, str, Any, dict[str, str]]] = [
    ("GET", "/models", None, {}),
    ("POST", "/chat/completions", CHAT, {}),
    ("POST", "/chat/completions", {**CHAT, "stream": True}, {"Accept-Encoding": "gzip"}),
    ("POST", "/image/generate", {"model": "hidream", "prompt": "a cat", "return_binary": True}, {}),
    ("POST", "/audio/speech", {"model": "tts-kokoro", "input": "Hello", "response_format": "wav"}, {}),
]


def _record(make_mock: Callable[..., Mock], folder: Path, faults: tuple[str, ...] = ()) -> None:
    with relay(make_mock, {"faults": faults}, record=str(folder)) as (_, front):
        for method, path, body, headers in _SESSION:
            httpx.request(method, front.base_url + path, json=body, headers={**AUTH, **headers}, timeout=30)
    assert len(list(folder.glob("*.json"))) == len(_SESSION)


def _judge(folder: Path, *extra: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["server", "--from-cassettes", str(folder), *extra], out)
    return code, out.getvalue()


def test_a_clean_recording_passes_offline(make_mock: Callable[..., Mock], tmp_path: Path) -> None:
    _record(make_mock, tmp_path)
    code, text = _judge(tmp_path)
    assert code == 0, text
    for operation in ("listModels", "createChatCompletion", "generateImage", "createSpeech"):
        assert operation in text
    assert "5 requests" in text


def test_a_faulty_recording_fails_offline_with_the_kits_findings(
    make_mock: Callable[..., Mock], tmp_path: Path
) -> None:
    _record(make_mock, tmp_path / "tapes", ("wrong-field-type", "sse-changing-id", "undecodable-audio"))
    code, text = _judge(tmp_path / "tapes", "--report", "md", "--report-dir", str(tmp_path / "out"))
    assert code == 1, text
    assert "FAIL listModels -> 200: response_schema_conformance" in text  # schemathesis' own check
    assert "FAIL createChatCompletion -> 200: sse_stream" in text
    assert "FAIL createSpeech -> 200" in text
    assert "createSpeech-" in text  # the finding names its cassette
    markdown = next((tmp_path / "out").glob("*.md")).read_text()
    assert "listModels" in markdown


def test_a_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    code, _ = _judge(tmp_path / "nowhere")
    assert code == 2
