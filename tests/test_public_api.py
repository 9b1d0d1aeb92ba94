"""The public API is exactly what __all__ says, sorted (as httpx tests its own)."""

from __future__ import annotations

import mockserver


def test_all_is_exact_and_sorted() -> None:
    public = {name for name in dir(mockserver) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(mockserver, name)).__name__ == "module"}
    assert set(mockserver.__all__) == (public - modules) | {"__version__"}
    # isort style, as ruff's RUF022 keeps it: CONSTANTS first, then everything else by name
    assert mockserver.__all__ == sorted(mockserver.__all__, key=lambda name: (not name.isupper(), name))
