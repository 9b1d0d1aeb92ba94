"""venice-mockkit's server: a spec-driven fake of the Venice.ai API.

Public API: `create_app` (an ASGI app), `Mock` (the pipeline, its request log and scripts),
`Settings`, `load_spec` and the values they return, the resilience scenario catalog, the
error tree under `MockServerError` (drawn in mockserver/exceptions.py), and the cassettes
`--record` writes (`load_cassettes`).
Everything else is internal; the contract kit (`contracts`) uses only these names.
"""

from mockserver.app import MockApp, create_app
from mockserver.calls import Call, CallLog
from mockserver.cassettes import Cassette
from mockserver.cassettes import load as load_cassettes
from mockserver.controls import RETRY_AFTER_SECONDS as SCENARIO_RETRY_AFTER
from mockserver.controls import SCENARIOS
from mockserver.errors import Violation
from mockserver.exceptions import (
    CassetteError,
    CatalogError,
    ListenError,
    MockServerError,
    ScriptError,
    SelectionError,
    SpecLoadError,
    StateError,
    StateFileError,
    StoreUnavailable,
    SynthesisError,
)
from mockserver.pipeline import Mock
from mockserver.scenarios import STATUSES as SCENARIO_STATUSES
from mockserver.scripts import Scripted
from mockserver.scrub import PLACEHOLDER as SCRUBBED
from mockserver.settings import Settings
from mockserver.spec import Operation, Spec, SpecWarning
from mockserver.specload import load_spec

__all__ = [
    "SCENARIOS",
    "SCENARIO_RETRY_AFTER",
    "SCENARIO_STATUSES",
    "SCRUBBED",
    "Call",
    "CallLog",
    "Cassette",
    "CassetteError",
    "CatalogError",
    "ListenError",
    "Mock",
    "MockApp",
    "MockServerError",
    "Operation",
    "ScriptError",
    "Scripted",
    "SelectionError",
    "Settings",
    "Spec",
    "SpecLoadError",
    "SpecWarning",
    "StateError",
    "StateFileError",
    "StoreUnavailable",
    "SynthesisError",
    "Violation",
    "__version__",
    "create_app",
    "load_cassettes",
    "load_spec",
]

__version__ = "0.1.0"
