"""The documented Node adapter (built-in fetch, JSON lines over a subprocess) passes the suite,
and the documentation shows exactly the file that is tested; the JSON-lines protocol itself
(contracts/client/adapters/subprocess.py): result lines, hello lines, and processes that babble,
stay silent or die."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from contracts.client.adapters.base import AdapterLoadError, Target
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


def _script(tmp_path: Path, source: str) -> list[str]:
    import sys

    script = tmp_path / "adapter.py"
    script.write_text(source, encoding="utf-8")
    return [sys.executable, str(script)]


def test_a_hello_line_declares_allowances_and_capabilities(tmp_path: Path) -> None:
    hello = {
        "operations": ["listModels"],
        "allowances": {"listModels": {"query.type": "always sent"}, "createSpeech": "not a map"},
        "capabilities": {"streaming": False},
    }
    command = _script(
        tmp_path,
        f"import json, sys\nprint(json.dumps({{'hello': {hello!r}}}), flush=True)\n"
        "for line in sys.stdin:\n    print(json.dumps({'ok': True, 'value': 1}), flush=True)\n",
    )
    adapter = SubprocessAdapter(command, Target("http://127.0.0.1:9/api/v1", timeout=5))
    try:
        adapter.start()
        assert adapter.operations == frozenset({"listModels"})
        assert adapter.allowances == {"listModels": {"query.type": "always sent"}}
        assert adapter.capabilities == {"streaming": False}
        assert adapter.call("listModels", {}).value == 1
    finally:
        adapter.close()


def test_an_adapter_that_writes_before_it_is_asked_cannot_start(tmp_path: Path) -> None:
    command = _script(tmp_path, "import sys\nprint('ready!', flush=True)\nsys.stdin.readline()\n")
    adapter = SubprocessAdapter(command, Target("http://127.0.0.1:9/api/v1", timeout=5))
    try:
        with pytest.raises(AdapterLoadError, match=r"wrote before it was asked: 'ready!\\n'"):
            adapter.start()
    finally:
        adapter.close()


def test_an_adapter_that_never_answers_is_killed_after_the_time_limit(tmp_path: Path) -> None:
    command = _script(tmp_path, "import sys, time\nsys.stdin.readline()\ntime.sleep(60)\n")
    adapter = SubprocessAdapter(command, Target("http://127.0.0.1:9/api/v1", timeout=5))
    try:
        result = adapter.call("listModels", {}, timeout=0.3)
        process = adapter._process
        assert process is not None
        assert process.poll() is not None, "the silent process was killed"
    finally:
        adapter.close()
    assert result.error is not None
    assert (result.error.type, result.error.message) == ("AdapterTimeout", "no answer line within 0.3 s")


def test_an_adapter_that_exits_before_its_first_answer_is_a_usage_error(tmp_path: Path) -> None:
    command = _script(
        tmp_path, "import sys\nsys.stdin.readline()\nprint('no client here', file=sys.stderr)\nsys.exit(4)\n"
    )
    adapter = SubprocessAdapter(command, Target("http://127.0.0.1:9/api/v1", timeout=5))
    try:
        with pytest.raises(AdapterLoadError, match=r"exited with status 4 before answering: no client here"):
            adapter.call("listModels", {})
    finally:
        adapter.close()
