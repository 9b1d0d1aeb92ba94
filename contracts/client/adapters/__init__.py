"""Adapters: how the client suite drives a client. See base.py for the protocol.

`load("openai" | "httpx" | "package.module:factory" | "exec:COMMAND", target)`: a built-in
adapter, a Python factory called with the Target (a class taking it is a factory), or a
subprocess speaking JSON lines (see subprocess.py).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping
from typing import Any

from contracts.client.adapters.base import (
    Adapter,
    AdapterLoadError,
    Arguments,
    ClientError,
    PerOperation,
    Result,
    Target,
    Unsupported,
    as_adapter,
    as_result,
    error_of,
)
from contracts.client.adapters.subprocess import SubprocessAdapter

__all__ = [
    "BUILTIN",
    "Adapter",
    "AdapterLoadError",
    "Arguments",
    "ClientError",
    "PerOperation",
    "Result",
    "SubprocessAdapter",
    "Target",
    "Unsupported",
    "as_adapter",
    "as_result",
    "error_of",
    "load",
]

BUILTIN: Mapping[str, str] = {
    "openai": "contracts.client.adapters.openai_sdk:OpenAIAdapter",
    "httpx": "contracts.client.adapters.httpx_client:HttpxAdapter",
}


def load(name: str, target: Target) -> Any:
    """The adapter `name` names, ready to call against `target`."""
    if name.startswith("exec:"):
        command = name.removeprefix("exec:").strip()
        if not command:
            raise AdapterLoadError("exec: needs a command, e.g. exec:node adapter.mjs")
        adapter = SubprocessAdapter(command, target)
        adapter.start()
        return adapter
    path = BUILTIN.get(name, name)
    module_name, _, attribute = path.partition(":")
    if not attribute:
        known = ", ".join(BUILTIN)
        raise AdapterLoadError(f"unknown adapter {name!r}: use {known}, MODULE:FACTORY or exec:COMMAND")
    # As pytest does: a module in the current directory is importable without PYTHONPATH=.
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise AdapterLoadError(f"cannot load adapter {name!r}: {type(exc).__name__}: {exc}") from None
    try:
        return as_adapter(factory(target) if callable(factory) else factory)
    except Exception as exc:  # the adapter's own constructor failed: it cannot start
        raise AdapterLoadError(f"adapter {name!r} failed to start: {type(exc).__name__}: {exc}") from None
