"""Reports and console output from a hand-made result: what a reader of each one finds."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from contracts.failures import Failure
from contracts.report import parse_formats, write_reports
from contracts.safety import Redactor, UsageError
from contracts.server.console import print_result
from contracts.server.progress import Console
from contracts.server.results import OperationResult, SuiteResult

KEY = "sk-report-secret-000"
FAILURE = Failure(
    "sse_stream",
    "chunk id changed at event #3",
    "a (event #1)",
    "b",
    "same_id",
    "createChatCompletion",
    200,
    f"curl -H 'Authorization: Bearer {KEY}'",
)
RESULT = SuiteResult(
    "http://127.0.0.1:1/api/v1",
    "Venice.ai API 1",
    42,
    (
        OperationResult(
            "createChatCompletion",
            "POST /chat/completions",
            "failed",
            cases=3,
            requests=4,
            failures=(FAILURE,),
        ),
        OperationResult(
            "listModels",
            "GET /models",
            "passed",
            cases=10,
            requests=10,
            warnings=("spec gap: GET /models documents no 400",),
        ),
        OperationResult("createApiKey", "POST /api_keys", "skipped", "mutating: pass --allow-mutations"),
    ),
    14,
    1.5,
)


def test_formats_are_checked() -> None:
    assert parse_formats("junit, md,junit") == ("junit", "md")
    with pytest.raises(UsageError, match="pdf"):
        parse_formats("json,pdf")


def test_the_three_reports_say_the_same_thing_and_hide_the_key(tmp_path: Path) -> None:
    paths = write_reports(RESULT, ("junit", "json", "md"), tmp_path / "out", Redactor([KEY]))
    assert [p.name for p in paths] == [
        "venice-contracts.junit.xml",
        "venice-contracts.json",
        "venice-contracts.md",
    ]
    suite = ET.parse(paths[0]).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "1", "1")
    (failure,) = suite.findall("testcase/failure")
    assert failure.get("type") == "sse_stream"
    assert "expected: a (event #1)" in (failure.text or "")
    document = json.loads(paths[1].read_text())
    assert document["exit_code"] == 1
    assert document["operations"][0]["failures"][0]["name"] == "sse_stream.same_id"
    drift = paths[2].read_text()
    assert "### `createChatCompletion`: chunk id changed at event #3" in drift
    assert "swagger.yaml says:" in drift
    assert "spec gap: GET /models" in drift
    for path in paths:
        text = path.read_text()
        assert KEY not in text
        assert "$VENICE_API_KEY" in text  # the key, referred to as the variable that holds it


def test_the_console_verdict_lists_each_operation_and_each_failure() -> None:
    out = io.StringIO()
    print_result(RESULT, out, Redactor([KEY]))
    text = out.getvalue()
    assert "FAIL  POST /chat/completions" in text
    assert "SKIP  POST /api_keys" in text
    assert "FAIL createChatCompletion -> 200: sse_stream.same_id" in text
    assert KEY not in text


def test_progress_draws_a_bar_on_a_terminal_and_lines_elsewhere() -> None:
    terminal, log = io.StringIO(), io.StringIO()
    for stream, interactive in ((terminal, True), (log, False)):
        progress = Console(stream, interactive)
        progress.start(2)
        progress.operation("GET /models")
        progress.case(5)
        for result in RESULT.operations:
            progress.done(result)
        progress.finish()
    assert "\r[" in terminal.getvalue()
    assert "\r" not in log.getvalue()
    assert log.getvalue().splitlines()[0].startswith("[1/2] FAIL  POST /chat/completions")


ERRORED = SuiteResult(
    "http://127.0.0.1:1/api/v1",
    "Venice.ai API 1",
    7,
    (
        OperationResult("listModels", "GET /models", "errored", "internal error: ValueError: boom", cases=2),
        OperationResult("getImageStyles", "GET /image/styles", "passed", cases=1),
    ),
    3,
    0.2,
)


def test_an_error_is_never_summed_up_as_nothing_found() -> None:
    out = io.StringIO()
    print_result(ERRORED, out, Redactor([KEY]))
    lines = out.getvalue().splitlines()
    assert "ERROR listModels: internal error: ValueError: boom" in lines
    assert lines[-1] == "0 failure(s), 1 error(s); operations: 1 errored, 1 passed; 3 requests in 0.2 s"
    assert ERRORED.exit_code == 1


def test_the_drift_report_has_a_section_for_errored_operations() -> None:
    from contracts.report.markdown import render_markdown

    text = render_markdown(ERRORED)
    section = text.split("## Errors\n", 1)[1]
    assert section.startswith("\nOperations the suite could not finish judging:\n\n")
    assert "- `listModels` (GET /models): internal error: ValueError: boom\n" in section
    assert "## Errors" not in render_markdown(RESULT)


def test_binary_evidence_is_shown_as_its_length_and_first_bytes() -> None:
    from contracts.failures import printable

    png = b"\x89PNG\r\n\x1a\n" + bytes(range(30))
    assert printable(png, "image/png") == (
        "<38 bytes, image/png: 89 50 4e 47 0d 0a 1a 0a 00 01 02 03 04 05 06 07 ...>"
    )
    assert printable(b"\xff\xfe", "") == "<2 bytes: ff fe>"
    assert printable(b'{"a": 1}', "application/json; charset=utf-8") == '{"a": 1}'
    assert printable(b"x" * 400, "text/csv") == "x" * 297 + "..."
