"""Every error this package raises for people to read, in one tree.

    MockServerError                 catch this one to catch them all (`venice-mock` does, once)
    ├── SpecLoadError               the spec file cannot be read, parsed or resolved
    ├── CatalogError (ValueError)   a fixtures file is missing, unreadable or inconsistent
    ├── StateError (RuntimeError)   the store named by --state cannot be opened
    │   ├── StateFileError          the SQLite file cannot be opened or is not a mock state file
    │   └── StoreUnavailable        a shared store (Redis) did not answer in time: that request
    │                               gets a 503 in the spec's error shape, the next one tries again
    ├── ListenError (OSError)       the address cannot be listened on
    ├── SelectionError (ValueError) a mock control names something the spec does not document
    │                               (a Prefer code or example, a fault, a scenario)
    ├── ScriptError (ValueError)    a scripted answer cannot be served as asked
    ├── CassetteError               a --replay file is not a cassette
    └── SynthesisError              no valid value can be made for a (contradictory) schema

Each message names the file, flag or field and what is wrong with it. The classes live here, in
one module that imports nothing, so that value modules can raise them without import cycles;
the modules that raise them re-export their own (`mockserver.specfile.SpecLoadError`).
"""

from __future__ import annotations

from collections.abc import Sequence


class MockServerError(Exception):
    """Base class of the errors this package raises for users to read."""

    # What failed, for one-line reports ("cannot load the spec: <message>"); empty where the
    # message already says it ("cannot listen on 127.0.0.1:8000: ...").
    summary = ""


class SpecLoadError(MockServerError):
    """The spec file cannot be read, parsed or resolved. The message names the location."""

    summary = "cannot load the spec"


class CatalogError(MockServerError, ValueError):
    """A fixtures file is missing, unreadable or inconsistent. The message names file and location."""

    summary = "cannot load the fixtures"


class StateError(MockServerError, RuntimeError):
    """The store named at start cannot be opened (a start-up error: one line, exit code 2)."""


class StateFileError(StateError):
    """The state file cannot be opened or is not a mock state file."""

    summary = ""  # "cannot use PATH as the state file: ..."


class StoreUnavailable(StateError):
    """A shared store did not answer in time (Redis down or unreachable): the request gets a 503
    in the spec's error shape, and the next one tries again."""


class ListenError(MockServerError, OSError):
    """The address cannot be listened on (taken, not ours, not an address)."""

    summary = ""  # "cannot listen on HOST:PORT: ..."


class SelectionError(MockServerError, ValueError):
    """The client asked for something the spec does not document (a mock-control mistake)."""

    summary = "unknown name"

    def __init__(self, message: str, documented: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.documented = tuple(documented)


class ScriptError(MockServerError, ValueError):
    """A script that cannot be served as asked (or that breaks the contract, with validate on)."""

    summary = "bad script"


class CassetteError(MockServerError):
    """A file in the --replay directory that is not a cassette (named, with the reason)."""

    summary = "cannot read the cassettes"


class SynthesisError(MockServerError):
    """No valid value could be made (contradictory schema); the message lists what failed."""

    summary = "cannot make a value"


def one_line(error: MockServerError) -> str:
    """ "<summary>: <message>" on one line (its lines joined by " | "), for a command line's error."""
    message = " | ".join(line.strip() for line in str(error).strip().splitlines()) or type(error).__name__
    return f"{error.summary}: {message}" if error.summary else message
