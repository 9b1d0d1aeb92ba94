"""Services: what behaviors may use besides the exchange (the spec, catalog, state, settings)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from mockserver.catalog import Catalog
from mockserver.settings import Settings
from mockserver.spec import Spec
from mockserver.state import State
from mockserver.synthesis import Synthesizer


@dataclass
class Services:
    spec: Spec
    synthesizer: Synthesizer
    settings: Settings
    catalog: Catalog
    state: State
    # Wall-clock seconds, for things that are about *when* (billing timestamps, key creation).
    # Synthesized bodies never read it: they stay a pure function of (spec, seed, request).
    clock: Callable[[], float] = field(default=time.time)
