"""venice-mockkit's contract kit: check any implementation of the Venice API against the contract.

Public API: `run_suite` (the server suite against a base URL or the in-process mock) with its
`SuiteOptions` and `SuiteResult`; the stream checker that the mock's own tests reuse
(`StreamChecker`, `chat_stream_checker`, `check_recorded` for a recorded body); `Failure`, what
every check reports. The suite's modules load on first use, so importing the checker stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from contracts.checks.streams import StreamChecker, StreamRequest, chat_stream_checker, check_recorded
from contracts.failures import Failure

if TYPE_CHECKING:
    from contracts.server.results import SuiteOptions, SuiteResult
    from contracts.server.runner import run_suite

__all__ = [
    "Failure",
    "StreamChecker",
    "StreamRequest",
    "SuiteOptions",
    "SuiteResult",
    "chat_stream_checker",
    "check_recorded",
    "run_suite",
]

_LAZY = {
    "SuiteOptions": "contracts.server.results",
    "SuiteResult": "contracts.server.results",
    "run_suite": "contracts.server.runner",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'contracts' has no attribute {name!r}")
