"""rate_limits.yaml: per-model rate limits, the API tier, the account's starting balances.

Read from the fixtures directory (`--fixtures DIR`), falling back to the bundled file; see the
bundled fixtures/rate_limits.yaml for what each section means. Read on first use, then kept for
the life of the process (the catalog too is read once, when the mock starts).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from mockserver.catalog import MODEL_TYPES
from mockserver.exceptions import CatalogError, SpecLoadError
from mockserver.specfile import parse_document

if TYPE_CHECKING:
    from mockserver.services import Services

LIMITS_FILE = "rate_limits.yaml"
CURRENCIES = ("USD", "DIEM", "VCU")
LIMIT_TYPES = ("RPM", "RPD", "TPM")
WINDOW_SECONDS: Mapping[str, int] = MappingProxyType({"RPM": 60, "RPD": 86_400})  # the enforced ones
_SECTIONS = ("scale", "tier", "charged", "balances", "charge_order", "api_keys", "types", "models")


@dataclass(frozen=True, slots=True)
class Limits:
    tier: str
    charged: bool
    balances: Mapping[str, float]  # every currency of CURRENCIES
    charge_order: tuple[str, ...]
    key_creation_rpm: int
    max_active_keys: int
    by_type: Mapping[str, Mapping[str, int]]  # already scaled
    by_model: Mapping[str, Mapping[str, int]]  # already scaled
    source: str

    def for_model(self, model_id: str, model_type: str) -> dict[str, int]:
        """The limits of one model, in LIMIT_TYPES order (types the file gives no number for are absent)."""
        merged = {**self.by_type.get(model_type, {}), **self.by_model.get(model_id, {})}
        return {kind: merged[kind] for kind in LIMIT_TYPES if kind in merged}


def load_limits(services: Services) -> Limits:
    return _for_directory(services.settings.fixtures)


@functools.lru_cache(maxsize=32)
def _for_directory(directory: str | None) -> Limits:
    # Read once per fixtures directory and process, like the catalog (read when the mock starts):
    # the limits are consulted on every inference request.
    from mockserver.catalogfile import default_fixtures_dir

    bundled = default_fixtures_dir() / LIMITS_FILE
    path = Path(directory) / LIMITS_FILE if directory is not None else bundled
    if not path.is_file():
        path = bundled
    try:
        data = parse_document(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError, SpecLoadError) as exc:
        raise CatalogError(f"{path}: cannot read: {exc}") from None
    return parse_limits(data, str(path))


def parse_limits(data: Any, source: str) -> Limits:
    """Check and scale one file's content. Raises CatalogError naming the file and the entry."""

    def fail(where: str, message: str) -> CatalogError:
        return CatalogError(f"{source}: {where}: {message}")

    if not isinstance(data, dict):
        raise fail("top level", f"expected a mapping with: {', '.join(_SECTIONS)}")
    for key in data:
        if key not in _SECTIONS:
            raise fail(str(key), f"unknown section; expected: {', '.join(_SECTIONS)}")
    scale = _number(data.get("scale", 1), "scale", fail)
    if scale <= 0:
        raise fail("scale", "must be greater than 0")

    def table(raw: Any, where: str, kinds: tuple[str, ...]) -> dict[str, int]:
        if not isinstance(raw, dict):
            raise fail(where, f"expected a mapping of {'/'.join(kinds)} to numbers")
        out = {}
        for kind, value in raw.items():
            if kind not in kinds:
                raise fail(f"{where}.{kind}", f"unknown limit; expected one of: {', '.join(kinds)}")
            number = _number(value, f"{where}.{kind}", fail)
            out[str(kind)] = max(1, round(number * scale)) if kind != "max_active" else round(number)
        return out

    types = data.get("types") or {}
    if not isinstance(types, dict) or any(t not in MODEL_TYPES for t in types):
        raise fail("types", f"expected a mapping keyed by model type: {', '.join(MODEL_TYPES)}")
    models = data.get("models") or {}
    if not isinstance(models, dict):
        raise fail("models", "expected a mapping of model id to limits")
    keys = table(data.get("api_keys") or {}, "api_keys", ("RPM", "max_active"))
    balances = data.get("balances") or {}
    if not isinstance(balances, dict) or any(c not in CURRENCIES for c in balances):
        raise fail("balances", f"expected a mapping keyed by currency: {', '.join(CURRENCIES)}")
    order = data.get("charge_order", ["DIEM", "USD"])
    if not isinstance(order, list) or not order or any(c not in CURRENCIES for c in order):
        raise fail("charge_order", f"expected a non-empty list of: {', '.join(CURRENCIES)}")
    return Limits(
        tier=str(data.get("tier", "paid")),
        charged=data.get("charged", True) is not False,
        balances=MappingProxyType(
            {c: _number(balances.get(c, 0), f"balances.{c}", fail) for c in CURRENCIES}
        ),
        charge_order=tuple(order),
        key_creation_rpm=keys.get("RPM", max(1, round(20 * scale))),  # the spec: 20 per minute
        max_active_keys=keys.get("max_active", 500),
        by_type=MappingProxyType(
            {str(t): MappingProxyType(table(v, f"types.{t}", LIMIT_TYPES)) for t, v in types.items()}
        ),
        by_model=MappingProxyType(
            {str(m): MappingProxyType(table(v, f"models.{m}", LIMIT_TYPES)) for m, v in models.items()}
        ),
        source=source,
    )


def _number(value: Any, where: str, fail: Callable[[str, str], CatalogError]) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise fail(where, f"expected a number >= 0, got {value!r}")
    return float(value)
