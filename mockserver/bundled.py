"""Where the bundled swagger.yaml and fixtures/ are: inside the installed wheel (which
force-includes them as mockserver/bundled/...) or, in a source checkout, at the repository root."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled(name: str) -> Path:
    """`swagger.yaml` or `fixtures`: the installed copy if present, else the repository's."""
    installed = _PACKAGE / "bundled" / name
    return installed if installed.exists() else _PACKAGE.parent / name
