"""The client side of the contract kit: prove that a client follows the Venice contract.

Public API (loaded on first use):
  run_client_suite(adapter, ClientOptions(...)) -> ClientReport   the suite (see suite.py)
  replay(adapter, case)                                            one reported case again
  Adapter, Result, ClientError, Target, Unsupported, SubprocessAdapter   the adapter protocol
  VeniceMock                                                       a scriptable mock for client tests
  assert_client_conforms(calls)                                    a verdict from the call log
The pytest plugin (contracts.plugin) and the strategies (contracts.strategies) build on these.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contracts.client.adapters import (
        Adapter,
        ClientError,
        Result,
        SubprocessAdapter,
        Target,
        Unsupported,
    )
    from contracts.client.conformance import assert_client_conforms
    from contracts.client.live import VeniceMock
    from contracts.client.suite import ClientOptions, ClientReport, replay, run_client_suite

_LAZY = {
    "Adapter": "contracts.client.adapters",
    "ClientError": "contracts.client.adapters",
    "Result": "contracts.client.adapters",
    "SubprocessAdapter": "contracts.client.adapters",
    "Target": "contracts.client.adapters",
    "Unsupported": "contracts.client.adapters",
    "assert_client_conforms": "contracts.client.conformance",
    "VeniceMock": "contracts.client.live",
    "ClientOptions": "contracts.client.suite",
    "ClientReport": "contracts.client.suite",
    "replay": "contracts.client.suite",
    "run_client_suite": "contracts.client.suite",
}
__all__ = [
    "Adapter",
    "ClientError",
    "ClientOptions",
    "ClientReport",
    "Result",
    "SubprocessAdapter",
    "Target",
    "Unsupported",
    "VeniceMock",
    "assert_client_conforms",
    "replay",
    "run_client_suite",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'contracts.client' has no attribute {name!r}")
