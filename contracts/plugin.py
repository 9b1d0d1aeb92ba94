"""pytest plugin for clients of the Venice API (registered as the `venice` pytest11 entry point).

Fixtures:
  venice_mock   a fresh mock per test (`contracts.client.live.VeniceMock`): `base_url`, `calls`,
                `respond(operation_id, status=..., body=..., stream=..., times=...)`, `reset()`,
                `transport()`/`http_client()`/`openai_client()` for in-process use,
                `assert_conforms()`
  venice_calls  the mock's request log (every request: operation_id, status, violations, ...)
  venice_spec   the loaded spec, once per session

Mode: a real server on 127.0.0.1 (default) or in-process (`--venice-mock-mode=inprocess`, the
`venice_mock_mode` ini option, or `@pytest.mark.venice_mock(mode="inprocess")`). The marker's
other keywords are mockserver Settings: `@pytest.mark.venice_mock(seed=3, scenarios=("rate-limit:0.5",))`.
Spec: the bundled swagger.yaml, or `--venice-spec PATH` / the `venice_spec` ini option for the
whole run, or `@pytest.mark.venice_mock(spec="later.yaml")` for one test.

Cassettes: `@pytest.mark.venice_mock(replay="tests/cassettes")` answers from the cassettes in
that directory (relative to the rootdir); `--venice-record-mode` (or the `venice_record_mode`
ini option) says what is recorded, as pytest-recording does: `none` (default: replay only, an
unmatched request gets a 404), `once` (record all if the directory has no cassette yet, else
like none), `new_episodes` (replay what is there, record what is missing), `all` (record
everything again). Recording forwards to `--venice-upstream URL` (or the marker's `proxy=`),
with `--venice-upstream-api-key KEY` if given (or the VENICE_API_KEY environment variable).

`assert_client_conforms(calls)` fails listing each request that broke the contract.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from contracts.client.conformance import assert_client_conforms

if TYPE_CHECKING:
    from contracts.client.live import VeniceMock
    from mockserver import CallLog, Spec

__all__ = ["VeniceMock", "assert_client_conforms"]


def __getattr__(name: str) -> Any:
    # Loaded by every pytest run in an environment that has the package: keep start-up light and
    # import the mock only when a test asks for it.
    if name == "VeniceMock":
        from contracts.client.live import VeniceMock

        return VeniceMock
    raise AttributeError(name)


MODES = ("server", "inprocess")
RECORD_MODES = ("none", "once", "new_episodes", "all")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("venice", "venice-mockkit: a Venice API mock for client tests")
    group.addoption(
        "--venice-mock-mode",
        choices=MODES,
        default=None,
        help="venice_mock fixture: a loopback server (default) or in-process (no socket)",
    )
    parser.addini("venice_mock_mode", "venice_mock fixture: server (default) or inprocess", default="server")
    group.addoption(
        "--venice-spec",
        default=None,
        metavar="PATH",
        help="venice_mock fixture: serve this OpenAPI document instead of the bundled swagger.yaml "
        "(the same file `venice-contracts server --spec` and `venice-mock --spec` take)",
    )
    parser.addini("venice_spec", "venice_mock fixture: path of the OpenAPI document to serve", default="")
    group.addoption(
        "--venice-record-mode",
        choices=RECORD_MODES,
        default=None,
        help="venice_mock(replay=DIR): none (default: replay only), once (record if DIR has no "
        "cassette), new_episodes (record what is missing), all (record everything again)",
    )
    parser.addini(
        "venice_record_mode", "venice_mock(replay=DIR): none, once, new_episodes or all", default="none"
    )
    group.addoption(
        "--venice-upstream",
        default=None,
        metavar="URL",
        help="venice_mock(replay=DIR): the real API cassettes are recorded from "
        "(e.g. https://api.venice.ai/api/v1)",
    )
    group.addoption(
        "--venice-upstream-api-key",
        default=None,
        metavar="KEY",
        help="the key sent upstream while recording (default: $VENICE_API_KEY, else the client's own)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "venice_mock(mode='server'|'inprocess', replay=DIR, **settings): how the venice_mock fixture "
        "runs; settings are mockserver.Settings fields (seed, scenarios, api_keys, any_model, ...)",
    )


def _spec_path(config: pytest.Config) -> str | None:
    chosen = config.getoption("venice_spec") or config.getini("venice_spec")
    return str(chosen) if chosen else None


@pytest.fixture(scope="session")
def venice_spec(request: pytest.FixtureRequest) -> Spec:
    from mockserver import load_spec

    return load_spec(_spec_path(request.config))


@pytest.fixture
def venice_mock(request: pytest.FixtureRequest, venice_spec: Spec) -> Iterator[VeniceMock]:
    from contracts.client.live import VeniceMock
    from mockserver import Settings

    marker = request.node.get_closest_marker("venice_mock")
    options = dict(marker.kwargs) if marker is not None else {}
    mode = (
        options.pop("mode", None)
        or request.config.getoption("venice_mock_mode")
        or request.config.getini("venice_mock_mode")
    )
    if mode not in MODES:
        raise pytest.UsageError(f"venice_mock mode must be one of {', '.join(MODES)}, not {mode!r}")
    for name in ("scenarios", "api_keys", "overlays", "faults"):
        if isinstance(options.get(name), (list, str)):
            value = options[name]
            options[name] = (value,) if isinstance(value, str) else tuple(value)
    if options.get("replay") is not None:
        options.update(_cassette_settings(request.config, options))
    own_spec = "spec" in options or "overlays" in options
    if not own_spec:
        options["spec"] = _spec_path(request.config)  # what venice_spec loaded, for the mock's own checks
    with VeniceMock(
        Settings(**options), None if own_spec else venice_spec, inprocess=mode == "inprocess"
    ) as mock:
        yield mock


@pytest.fixture
def venice_calls(venice_mock: VeniceMock) -> CallLog:
    return venice_mock.calls


def _cassette_settings(config: pytest.Config, options: dict[str, Any]) -> dict[str, Any]:
    """The Settings a record mode means for `venice_mock(replay=DIR)` (pytest-recording's modes)."""
    folder = Path(str(options["replay"]))
    if not folder.is_absolute():
        folder = config.rootpath / folder
    mode = config.getoption("venice_record_mode") or config.getini("venice_record_mode") or "none"
    if mode not in RECORD_MODES:
        raise pytest.UsageError(f"venice_record_mode must be one of {', '.join(RECORD_MODES)}, not {mode!r}")
    if mode == "once" and any(folder.glob("*.json")):
        mode = "none"
    if mode == "none":
        return {"replay": str(folder), "replay_strict": options.get("replay_strict", True), "proxy": None}
    upstream = options.get("proxy") or config.getoption("venice_upstream")
    if not upstream:
        raise pytest.UsageError(
            f"--venice-record-mode={mode} records from the real API: give --venice-upstream URL "
            "(or venice_mock(proxy=URL))"
        )
    key = options.get("upstream_api_key") or config.getoption("venice_upstream_api_key")
    key = key or os.environ.get("VENICE_API_KEY") or None
    return {
        "proxy": upstream,
        "upstream_api_key": key,
        "record": str(folder),
        "replay": str(folder) if mode == "new_episodes" else None,
    }
