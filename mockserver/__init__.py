"""venice-mockkit's server: a spec-driven fake of the Venice.ai API.

Public API: `create_app` (an ASGI app), `Mock` (the pipeline and its request log), `Settings`,
`load_spec` and the values they return. Everything else is internal.
"""

from mockserver.app import MockApp, create_app
from mockserver.calls import Call, CallLog
from mockserver.errors import MockServerError, Violation
from mockserver.pipeline import Mock
from mockserver.settings import Settings
from mockserver.spec import Operation, Spec, SpecWarning, load_spec
from mockserver.specfile import SpecLoadError

__all__ = [
    "Call",
    "CallLog",
    "Mock",
    "MockApp",
    "MockServerError",
    "Operation",
    "Settings",
    "Spec",
    "SpecLoadError",
    "SpecWarning",
    "Violation",
    "__version__",
    "create_app",
    "load_spec",
]

__version__ = "0.1.0"
