"""Reports of a server-suite run: JUnit XML and JSON for CI, a Markdown drift report for people.
Every text that leaves the process goes through the run's Redactor first."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from contracts.report.jsonreport import render_json
from contracts.report.junit import render_junit
from contracts.report.markdown import render_markdown
from contracts.safety import UsageError
from contracts.server.results import SuiteResult

Redact = Callable[[str], str]
FORMATS: dict[str, tuple[str, Callable[[SuiteResult], str]]] = {
    "junit": ("venice-contracts.junit.xml", render_junit),
    "json": ("venice-contracts.json", render_json),
    "md": ("venice-contracts.md", render_markdown),
}


def parse_formats(text: str) -> tuple[str, ...]:
    """ "junit,json,md" -> the formats; UsageError naming the unknown ones."""
    names = tuple(dict.fromkeys(n.strip().lower() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        raise UsageError(
            f"unknown report format(s): {', '.join(unknown) or text!r}; choose from {', '.join(FORMATS)}"
        )
    return names


def write_reports(result: SuiteResult, formats: Sequence[str], directory: Path, redact: Redact) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in formats:
        filename, render = FORMATS[name]
        path = directory / filename
        path.write_text(redact(render(result)), encoding="utf-8")
        written.append(path)
    return written
