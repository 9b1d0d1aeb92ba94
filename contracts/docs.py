"""Where the kit's documentation is on this machine, for `--help` texts that point to it.

The wheel carries docs/ inside the package (contracts/docs/, see pyproject's force-include), so
the path `--help` prints exists wherever the kit is installed; a source checkout has docs/ beside
the package.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def doc_path(name: str) -> Path:
    """The installed copy of docs/NAME, else the checkout's (the path is printed either way)."""
    installed = _HERE / "docs" / name
    return installed if installed.exists() else _HERE.parent / "docs" / name
