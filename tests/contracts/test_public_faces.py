"""The kit's public faces: every name in `__all__` resolves (lazily loaded ones too), nothing else
does, the lazy tables and the type-checking imports agree, and both packages say they are typed."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

FACES = ["contracts", "contracts.client", "contracts.plugin"]


@pytest.mark.parametrize("name", FACES)
def test_every_public_name_resolves_in_a_fresh_interpreter(name: str) -> None:
    # A fresh process: in this one, other tests may already have imported the lazy modules.
    script = (
        "import importlib, sys\n"
        f"m = importlib.import_module({name!r})\n"
        "missing = [n for n in m.__all__ if getattr(m, n, None) is None]\n"
        "print(','.join(missing))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


@pytest.mark.parametrize("name", FACES)
def test_nothing_private_is_reachable_through_the_lazy_table(name: str) -> None:
    module = importlib.import_module(name)
    with pytest.raises(AttributeError):
        module.__getattr__("_LAZY_NOT_A_NAME")
    lazy = getattr(module, "_LAZY", {})
    assert set(lazy) <= set(module.__all__)
    assert module.__all__ == sorted(module.__all__, key=lambda n: (not n.isupper(), n))


@pytest.mark.parametrize("name", ["contracts", "contracts.client"])
def test_each_lazy_name_lives_where_its_table_says(name: str) -> None:
    module = importlib.import_module(name)
    for attribute, home in module._LAZY.items():
        assert getattr(importlib.import_module(home), attribute) is getattr(module, attribute)


@pytest.mark.parametrize("package", ["mockserver", "contracts"])
def test_both_packages_ship_py_typed(package: str) -> None:
    root = Path(importlib.import_module(package).__file__ or "").parent
    assert (root / "py.typed").is_file()
