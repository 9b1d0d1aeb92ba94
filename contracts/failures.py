"""Failure: one broken promise of the contract, with the evidence a reader needs to act on it."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class Failure:
    """What a check found. Checks fill check/rule/title/expected/received; the runner adds where
    it happened (operation, status) and how to reproduce it (curl, with the key redacted)."""

    check: str  # "sse_stream", "response_schema_conformance", ...
    title: str  # one line: "chunk id changed"
    expected: str = ""  # what the contract says
    received: str = ""  # what the server sent
    rule: str = ""  # a finer name inside a check family ("same_id"); "" when there is one rule
    operation: str = ""  # operationId
    status: int | None = None
    curl: str = ""
    field: str = ""  # where in the request or answer ("choices[0].finish_reason", a header name)

    @property
    def name(self) -> str:
        """`check` or `check.rule`: what the failure is reported as."""
        return f"{self.check}.{self.rule}" if self.rule else self.check

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes two failures the same finding: the operation, the rule, the field."""
        return (self.operation, self.name, self.field)

    def at(self, operation: str, status: int | None, curl: str) -> Failure:
        return replace(self, operation=operation, status=status, curl=curl)

    def as_json(self) -> dict[str, object]:
        return {
            "check": self.check,
            "rule": self.rule,
            "name": self.name,
            "title": self.title,
            "expected": self.expected,
            "received": self.received,
            "operation": self.operation,
            "status": self.status,
            "curl": self.curl,
            "field": self.field,
        }


def excerpt(value: object, limit: int = 200) -> str:
    """A short printable form of a value for evidence (long values are cut, marked with ...)."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=repr)
        except ValueError:  # circular structures: never from parsed JSON, but be safe
            text = repr(value)
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    return text if len(text) <= limit else text[: limit - 3] + "..."


_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/x-www-form-urlencoded")


def printable(content: bytes, media_type: str = "", limit: int = 300) -> str:
    """A body as evidence: text as (cut) text; anything else as its length and first bytes in
    hex, so binary never reaches a terminal raw."""
    media_type = media_type.split(";")[0].strip().lower()
    texty = media_type.startswith(_TEXT_TYPES) or media_type.endswith(("+json", "+xml"))
    if texty or not media_type:
        try:
            return excerpt(content.decode("utf-8"), limit)
        except UnicodeDecodeError:
            pass
    kind = f", {media_type}" if media_type else ""
    more = " ..." if len(content) > 16 else ""
    return f"<{len(content)} bytes{kind}: {content[:16].hex(' ')}{more}>"
