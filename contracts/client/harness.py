"""One client call under test: script the mock, let the adapter's client make the call (bounded
in time), and collect what the mock saw."""

from __future__ import annotations

import base64
import concurrent.futures
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from contracts.client.adapters.base import (
    AdapterLoadError,
    ClientError,
    Result,
    Unsupported,
    as_result,
    error_of,
)
from mockserver import Call, Mock


@dataclass(frozen=True, slots=True)
class Outcome:
    result: Result
    calls: tuple[Call, ...]  # every request the mock saw during the call, in order
    seconds: float


def script_options(script: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON script (as cases carry them) as keyword arguments of `Scripts.respond`."""
    options = {k: v for k, v in script.items() if k not in ("body_base64",)}
    if "body_base64" in script:
        options["body"] = base64.b64decode(script["body_base64"])
    return options


class Harness:
    def __init__(self, mock: Mock, adapter: Any, timeout: float) -> None:
        self.mock = mock
        self.adapter = adapter
        self.timeout = timeout
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="client-under-test")

    def allowances(self, operation_id: str) -> Mapping[str, str]:
        declared = getattr(self.adapter, "allowances", None) or {}
        return declared.get(operation_id, {}) if isinstance(declared, Mapping) else {}

    def supports(self, operation_id: str) -> bool | None:
        """What the adapter declares (None: it does not say; try)."""
        declared = getattr(self.adapter, "operations", None)
        return None if declared is None else operation_id in declared

    def streams(self) -> bool:
        """Whether the adapter's client reads event streams (it may declare it does not)."""
        declared = getattr(self.adapter, "capabilities", None) or {}
        return not (isinstance(declared, Mapping) and declared.get("streaming") is False)

    def run(
        self, operation_id: str, arguments: Mapping[str, Any], scripts: Sequence[Mapping[str, Any]]
    ) -> Outcome:
        self.mock.calls.clear()
        self.mock.scripts.clear()
        for script in scripts:
            self.mock.scripts.respond(operation_id, **{"times": 1, **script_options(script)})
        started = time.monotonic()
        result = self._call(operation_id, dict(arguments))
        seconds = time.monotonic() - started
        return Outcome(result, tuple(self.mock.calls), seconds)

    def _call(self, operation_id: str, arguments: dict[str, Any]) -> Result:
        future = self._pool.submit(self.adapter.call, operation_id, arguments)
        try:
            return as_result(future.result(timeout=self.timeout + 5))
        except concurrent.futures.TimeoutError:
            # The client is stuck; leave its thread behind and carry on with a fresh one.
            self._pool.shutdown(wait=False)
            self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="client-under-test")
            return Result(
                error=ClientError("SuiteTimeout", f"the call did not return within {self.timeout + 5:g} s")
            )
        except (Unsupported, NotImplementedError):
            return Result(unsupported=True)
        except AdapterLoadError:
            raise  # the adapter cannot run at all: a usage error, not an outcome
        except Exception as exc:  # the client reported an error: that is an outcome, not a crash
            return Result(error=error_of(exc))

    def close(self) -> None:
        close = getattr(self.adapter, "close", None)
        if callable(close):
            close()
        self._pool.shutdown(wait=False)
