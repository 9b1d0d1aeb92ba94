"""Venice semantics, one module per API area, keyed by operationId.

The generic engine answers any spec with valid synthesized values; a Behavior makes those values
mean something (echo the model, one embedding per input, ...). Every behavior must keep its
output valid against the spec: tests/test_selfcheck.py validates what they produce.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from mockserver.errors import Violation
from mockserver.exchange import Exchange
from mockserver.spec import Operation
from mockserver.types import JSON
from mockserver.validation import RequestData

# (operation, request) -> the media type the request itself implies, e.g. return_binary -> image/png
Implied = Callable[[Operation, RequestData], "str | None"]
# (operation, request, services) -> semantic violations (unknown model, ...) answered with a 400
Check = Callable[[Operation, RequestData, Any], list[Violation]]
# (exchange, synthesized value, services) -> the refined value; must stay valid
Refine = Callable[[Exchange, JSON, Any], JSON]
# (exchange, final value, services) -> values for documented (or extra) response headers
Headers = Callable[[Exchange, JSON, Any], Mapping[str, JSON]]


@dataclass(frozen=True, slots=True)
class Behavior:
    implied: Implied | None = None
    check: Check | None = None
    refine: Refine | None = None
    headers: Headers | None = None


REGISTRY: Mapping[str, Behavior] = MappingProxyType({})


def lookup(operation_id: str) -> Behavior | None:
    return REGISTRY.get(operation_id)
