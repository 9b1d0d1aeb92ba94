"""The JUnit XML report: one testcase per operation, a <failure> per failing check."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from contracts.failures import Failure
from contracts.server.results import SuiteResult


def _evidence(failure: Failure) -> str:
    lines = [f"{failure.name}: {failure.title}"]
    if failure.status is not None:
        lines.append(f"status: {failure.status}")
    if failure.expected:
        lines.append(f"expected: {failure.expected}")
    if failure.received:
        lines.append(f"received: {failure.received}")
    if failure.curl:
        lines.append(f"reproduce: {failure.curl}")
    return "\n".join(lines)


def render_junit(result: SuiteResult) -> str:
    counts = result.verdicts()
    suite = ET.Element(
        "testsuite",
        name="venice-contracts server",
        tests=str(len(result.operations)),
        failures=str(counts.get("failed", 0)),
        errors=str(counts.get("errored", 0)),
        skipped=str(counts.get("skipped", 0)),
        time=f"{result.seconds:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (("base_url", result.base_url), ("spec", result.spec), ("seed", str(result.seed))):
        ET.SubElement(properties, "property", name=name, value=value)
    for op in result.operations:
        case = ET.SubElement(
            suite,
            "testcase",
            classname="venice-contracts.server",
            name=f"{op.operation_id} ({op.label})",
            time=f"{op.seconds:.3f}",
        )
        for failure in op.failures:
            element = ET.SubElement(
                case, "failure", message=f"{failure.name}: {failure.title}", type=failure.check
            )
            element.text = _evidence(failure)
        if op.verdict == "skipped":
            ET.SubElement(case, "skipped", message=op.reason)
        elif op.verdict == "errored":
            ET.SubElement(case, "error", message=op.reason)
        if op.warnings:
            ET.SubElement(case, "system-out").text = "\n".join(op.warnings)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
