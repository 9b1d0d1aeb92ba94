"""The documented Node adapter (built-in fetch, JSON lines over a subprocess) passes the suite,
and the documentation shows exactly the file that is tested."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from contracts.client.adapters.base import Target
from contracts.client.adapters.subprocess import ProtocolError, SubprocessAdapter, parse_line
from contracts.client.suite import ClientOptions, run_client_suite

ROOT = Path(__file__).resolve().parents[2]
ADAPTER = ROOT / "contracts" / "client" / "examples" / "node_fetch_adapter.mjs"
DOC = ROOT / "docs" / "client-kit.md"
NODE = shutil.which("node")


def test_the_documentation_shows_the_tested_adapter_verbatim() -> None:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("<!-- node-adapter:start -->\n```js\n", 1)[1].split(
        "```\n<!-- node-adapter:end -->", 1
    )[0]
    assert block == ADAPTER.read_text(encoding="utf-8")


def test_the_node_adapter_passes_the_suite() -> None:
    assert NODE is not None, "node is needed for this test (it is installed on the build machine)"
    operations = ("createChatCompletion", "listModels", "createSpeech", "getBillingUsage", "createApiKey")
    report = run_client_suite(
        f"exec:{NODE} {ADAPTER}", ClientOptions(operations=operations, max_examples=4, slow_first_byte=0.1)
    )
    assert report.passed, report.text()
    assert {op.verdict for op in report.operations} == {"pass"}
    chat = {o.scenario: o.outcome for o in report.operation("createChatCompletion").observations}
    assert chat["rate-limit"].startswith("surfaced VeniceError (status 429)")  # no retries: it says so
    assert chat["cut-stream"].startswith("reported a stream cut mid-way as an error")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"ok": true, "value": [1, "a"]}', "value [1,"),
        ('{"ok": true, "events": [{}, {}]}', "2 events"),
        ('{"ok": true, "binary": "SUQz"}', "3 bytes"),
        (
            '{"ok": false, "error": {"type": "Boom", "message": "m", "status": 503}}',
            "error Boom (status 503): m",
        ),
        ('{"unsupported": true}', "unsupported"),
    ],
)
def test_result_lines_are_read_as_documented(line: str, expected: str) -> None:
    assert parse_line(line).shown.startswith(expected)


@pytest.mark.parametrize(
    "line", ["not json", "[1]", '{"ok": "yes"}', '{"ok": true, "events": {}}', '{"ok": true, "binary": "%%"}']
)
def test_lines_that_break_the_protocol_are_refused(line: str) -> None:
    with pytest.raises(ProtocolError):
        parse_line(line)


def test_a_process_that_dies_or_babbles_is_an_error_not_a_hang(tmp_path: Path) -> None:
    script = tmp_path / "adapter.py"
    script.write_text(
        "import sys\n"
        "line = sys.stdin.readline()\n"
        "print('hello, I am not JSON', flush=True)\n"
        "sys.stdin.readline()\n"
        "print('dying', file=sys.stderr, flush=True)\n"
        "sys.exit(3)\n",
        encoding="utf-8",
    )
    import sys

    adapter = SubprocessAdapter([sys.executable, str(script)], Target("http://127.0.0.1:9/api/v1", timeout=5))
    try:
        first = adapter.call("listModels", {})
        second = adapter.call("listModels", {})
    finally:
        adapter.close()
    assert first.error is not None
    assert first.error.type == "AdapterProtocolError"
    assert second.error is not None
    assert second.error.type == "AdapterExited"
    assert "status 3" in second.error.message
    assert "dying" in second.error.message
