"""`venice-mock` (= `python -m mockserver`): parse flags, load the spec once, serve with uvicorn."""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

import uvicorn

from mockserver.app import MockApp, create_app
from mockserver.catalog import CatalogError
from mockserver.faults import FAULTS
from mockserver.pipeline import Mock
from mockserver.scenarios import SCENARIOS, parse_entry
from mockserver.settings import DEFAULT_MAX_BODY, Settings
from mockserver.specfile import SpecLoadError
from mockserver.state_sqlite import StateFileError

# Worker processes read the parent's settings from a file only its user can read (0600), named
# by this variable: the settings hold the keys, and the environment is readable by others
# (/proc/PID/environ of the same user, `ps e`, crash reports).
_SETTINGS_ENV = "VENICE_MOCK_SETTINGS_FILE"


_EPILOG = """\
admin routes: GET/DELETE /__mock/requests (request log), GET /__mock/spec, GET /__mock/health,
              POST /__mock/reset (forget keys, usage, scripts and the log),
              GET/POST/DELETE /__mock/scripts (scripted answers), GET /__mock/scenarios;
              with --api-key they need the admin token: 'Authorization: Bearer TOKEN'
keys:         an --api-key is the account owner's ADMIN key; keys created through POST /api_keys
              are ADMIN or INFERENCE, and an INFERENCE key gets 401 on key management and billing
per request:  'Prefer: code=429' | 'Prefer: example=NAME' | 'Prefer: dynamic=false',
              'X-Mock-Seed: N', 'X-Mock-Pace: ttft=200ms, delay=20ms', 'X-Mock-Fault: NAME',
              'X-Mock-Scenario: NAME'
"""


def _size(text: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    text = text.strip().lower().removesuffix("b").removesuffix("i")
    try:
        if text and text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 32MiB, 512k or 1048576)") from None


def _scenario(text: str) -> str:
    try:
        parse_entry(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text.strip()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="venice-mock",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Serve a spec-driven fake of the Venice.ai API (or any OpenAPI 3.0/3.1 spec). "
        "Every request is validated against the spec; every answer is valid against it.",
        epilog=_EPILOG,
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default: %(default)s)")
    p.add_argument(
        "--port", type=int, default=8000, help="port to bind; 0 picks a free one (default: %(default)s)"
    )
    p.add_argument(
        "--spec", metavar="PATH", help="OpenAPI document to serve (default: the bundled swagger.yaml)"
    )
    p.add_argument(
        "--overlay",
        metavar="PATH",
        action="append",
        default=[],
        help="document merged into the spec after the bundled overlay: an RFC 7396 merge patch, or "
        "per operationId under `operations:` like fixtures/overlay.yaml; repeatable",
    )
    p.add_argument(
        "--no-default-overlay",
        dest="default_overlay",
        action="store_false",
        help="do not merge the bundled fixtures/overlay.yaml (chat's stream media type, ...)",
    )
    p.add_argument(
        "--seed", type=int, default=0, help="seed for every synthesized value (default: %(default)s)"
    )
    p.add_argument(
        "--api-key",
        metavar="KEY",
        action="append",
        default=[],
        help="accept only this bearer token (repeatable); without it any non-empty token is accepted",
    )
    p.add_argument(
        "--admin-token",
        metavar="TOKEN",
        help="token the /__mock/* admin routes require ('Authorization: Bearer TOKEN'; default: the "
        "first --api-key; without --api-key they are open)",
    )
    p.add_argument(
        "--base-path",
        metavar="PATH",
        help="serve the API under this path (default: the path of the spec's servers[0].url)",
    )
    p.add_argument(
        "--check-responses",
        action="store_true",
        help="validate every response before sending it; a violation becomes a 500 that explains it",
    )
    p.add_argument(
        "--strict-accept",
        action="store_true",
        help="answer 406 when Accept excludes the media type a request implies (default: lenient)",
    )
    p.add_argument(
        "--fixtures",
        metavar="DIR",
        help="directory with your own models.yaml (required), characters.yaml, "
        "image_styles.yaml (missing: none), rate_limits.yaml (missing: the bundled one)",
    )
    p.add_argument(
        "--state-file",
        metavar="PATH",
        help="SQLite file for API keys, usage and rate limits: survives restarts, shared by workers",
    )
    p.add_argument(
        "--any-model",
        action="store_true",
        help="accept model ids that are not in the catalog (default: 400 listing the valid ids)",
    )
    p.add_argument(
        "--no-behaviors",
        dest="behaviors",
        action="store_false",
        help="generic engine only: schema-valid answers without Venice semantics",
    )
    p.add_argument(
        "--stream-ttft",
        type=float,
        default=0.0,
        metavar="MS",
        help="streams: milliseconds before the first event (default: 0; per request: X-Mock-Pace)",
    )
    p.add_argument(
        "--stream-delay",
        type=float,
        default=0.0,
        metavar="MS",
        help="streams: milliseconds between events (default: 0)",
    )
    p.add_argument(
        "--max-body-size",
        type=_size,
        default=DEFAULT_MAX_BODY,
        metavar="SIZE",
        help="largest accepted request body, e.g. 32MiB (default); larger bodies get 413",
    )
    p.add_argument(
        "--log-size",
        type=int,
        default=1000,
        metavar="N",
        help="requests kept in the request log (default: %(default)s)",
    )
    p.add_argument(
        "--fault",
        metavar="NAME",
        action="append",
        default=[],
        choices=list(FAULTS),
        help="inject a contract violation into every answer, to prove a contract suite catches it "
        f"(repeatable; per request: 'X-Mock-Fault: NAME'): {', '.join(FAULTS)}",
    )
    p.add_argument(
        "--allow-fault-headers",
        action="store_true",
        help="let 'X-Mock-Fault' turn on faults that weaken security (auth-not-enforced) although "
        "--api-key is set (default: only --fault can)",
    )
    p.add_argument(
        "--scenario",
        metavar="NAME[:P]",
        action="append",
        default=[],
        type=_scenario,
        help="answer adversely, always or with probability P drawn from the seed (repeatable; per "
        f"request: 'X-Mock-Scenario: NAME'): {', '.join(SCENARIOS)}",
    )
    p.add_argument("--workers", type=int, default=1, help="worker processes (default: %(default)s)")
    p.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="server log level; 'debug' also logs every request (default: %(default)s)",
    )
    return p


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings(
        spec=os.path.abspath(args.spec) if args.spec else None,
        overlays=tuple(os.path.abspath(o) for o in args.overlay),
        default_overlay=args.default_overlay,
        base_path=args.base_path,
        seed=args.seed,
        api_keys=tuple(args.api_key),
        check_responses=args.check_responses,
        strict_accept=args.strict_accept,
        max_body_bytes=args.max_body_size,
        log_size=args.log_size,
        fixtures=os.path.abspath(args.fixtures) if args.fixtures else None,
        state_file=os.path.abspath(args.state_file) if args.state_file else None,
        any_model=args.any_model,
        behaviors=args.behaviors,
        stream_ttft_ms=args.stream_ttft,
        stream_delay_ms=args.stream_delay,
        faults=tuple(args.fault),
        scenarios=tuple(args.scenario),
        allow_fault_headers=args.allow_fault_headers,
        admin_token=args.admin_token,
    )


class _Server(uvicorn.Server):
    """uvicorn's server, announcing the real address (port 0 resolves here) once it listens."""

    def __init__(self, config: uvicorn.Config, mock: Mock) -> None:
        super().__init__(config)
        self.mock = mock

    def handle_exit(self, sig: int, frame: Any) -> None:
        super().handle_exit(sig, frame)
        # uvicorn re-raises a caught SIGINT/SIGTERM after its graceful shutdown, so the process
        # would end "killed by signal"; a requested stop is a clean exit (status 0) here.
        self._captured_signals.clear()

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets)
        if self.should_exit or not self.servers:
            return
        host, port = self.servers[0].sockets[0].getsockname()[:2]
        _announce(self.mock, f"http://{_url_host(host)}:{port}")


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _announce(mock: Mock, origin: str) -> None:
    spec = mock.spec
    print(
        f"venice-mock: serving {len(spec.operations)} operations of {spec.title} {spec.version} "
        f"at {origin}{mock.base_path}",
        flush=True,
    )


def exposure_warning(host: str, api_keys: Sequence[str]) -> str | None:
    """The start-up warning for an address other machines can reach (None for loopback)."""
    if _loopback(host):
        return None
    guard = (
        "--api-key guards the API and the admin routes" if api_keys else "no --api-key: anyone may call it"
    )
    return f"venice-mock: warning: listening on {host}, reachable beyond this machine ({guard})"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: it may resolve anywhere


def _free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def app_from_env() -> MockApp:
    """Factory for worker processes (uvicorn --workers): settings arrive in a private file."""
    with open(os.environ[_SETTINGS_ENV], encoding="utf-8") as handle:
        return create_app(Settings.from_json(handle.read()))


def _settings_file(settings: Settings) -> str:
    """The settings in a new file readable by this user only (mkstemp creates it 0600)."""
    descriptor, path = tempfile.mkstemp(prefix="venice-mock-", suffix=".json")
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(settings.to_json())
    return path


def _one_line(exc: Exception) -> str:
    return str(exc).replace("\n  ", " | ").replace("\n", " | ")


def main(argv: Sequence[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.workers < 1:
        p.error("--workers must be at least 1")
    settings = settings_from(args)
    try:
        mock = Mock(settings)
    except SpecLoadError as exc:
        print(f"venice-mock: error: cannot load the spec: {_one_line(exc)}", file=sys.stderr)
        return 2
    except CatalogError as exc:
        print(f"venice-mock: error: cannot load the fixtures: {_one_line(exc)}", file=sys.stderr)
        return 2
    except StateFileError as exc:
        print(f"venice-mock: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    for warning in mock.spec.warnings:
        print(f"venice-mock: spec warning: {warning}", file=sys.stderr)
    exposed = exposure_warning(args.host, settings.api_keys)
    if exposed:
        print(exposed, file=sys.stderr)
    access_log = args.log_level == "debug"
    if args.workers == 1:
        config = uvicorn.Config(
            create_app(mock=mock),
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            access_log=access_log,
            lifespan="on",
        )
        server = _Server(config, mock)
        server.run()
        return 0 if server.started or not server.should_exit else 1
    os.environ[_SETTINGS_ENV] = _settings_file(settings)
    try:
        port = args.port or _free_port(args.host)  # workers share one port; it must be known up front
        _announce(mock, f"http://{_url_host(args.host)}:{port}")
        uvicorn.run(
            "mockserver.cli:app_from_env",
            factory=True,
            host=args.host,
            port=port,
            workers=args.workers,
            log_level=args.log_level,
            access_log=access_log,
        )
    finally:
        os.unlink(os.environ.pop(_SETTINGS_ENV))
    return 0
