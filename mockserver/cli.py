"""`venice-mock` (= `python -m mockserver`): parse flags, load the spec once, serve with uvicorn."""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import Sequence

from mockserver import serving
from mockserver.exceptions import MockServerError, one_line
from mockserver.flags import parser, settings_from
from mockserver.pipeline import Mock
from mockserver.proxy import Upstream


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


def spec_warning_lines(warnings: Sequence[object], debug: bool) -> list[str]:
    """What start-up says about spec warnings: one summary line, each warning only at debug."""
    if not warnings:
        return []
    count = f"{len(warnings)} spec warning{'s' if len(warnings) != 1 else ''}"
    if debug:
        return [f"venice-mock: spec warning: {w}" for w in warnings]
    return [f"venice-mock: {count} (details: --log-level debug or GET /__mock/spec)"]


def main(argv: Sequence[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.workers < 1:
        p.error("--workers must be at least 1")
    if args.state and args.state_file:
        p.error("--state and --state-file name the same thing: give one")
    if args.record and not args.proxy:
        p.error("--record needs --proxy URL: it records what the upstream answers")
    if args.replay and not args.record and not os.path.isdir(args.replay):
        p.error(f"--replay: no directory {args.replay!r} (with --record DIR too, it is created)")
    if args.proxy:
        try:
            Upstream(args.proxy, settings_from(args).upstream_api_key, 1.0, 1.0)
        except ValueError as exc:
            p.error(str(exc))
    settings = settings_from(args)
    try:
        mock = Mock(settings)
        sock = serving.listen(args.host, args.port)
    except MockServerError as exc:  # every error meant for people (mockserver/exceptions.py)
        print(f"venice-mock: error: {one_line(exc)}", file=sys.stderr)
        return 2
    for line in spec_warning_lines(mock.spec.warnings, args.log_level == "debug"):
        print(line, file=sys.stderr)
    exposed = exposure_warning(args.host, settings.api_keys)
    if exposed:
        print(exposed, file=sys.stderr)
    serve = serving.Serve(
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        header_limit=args.max_header_size,
        header_timeout=args.header_timeout,
        graceful_timeout=args.graceful_timeout,
    )
    with sock:
        return serving.run(mock, serve, sock)
