"""`venice-mock`'s flags: the argument parser (what `--help` prints) and the Settings its
arguments make, with secrets also read from the environment."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from typing import NoReturn

from mockserver.controls import FAULTS, SCENARIOS, parse_entry
from mockserver.protocol import DEFAULT_HEADER_LIMIT, DEFAULT_HEADER_TIMEOUT
from mockserver.settings import DEFAULT_MAX_BODY, Settings

_EPILOG = """\
admin routes: GET/DELETE /__mock/requests (request log), GET /__mock/spec, GET /__mock/health,
              POST /__mock/reset (forget keys, usage, scripts and the log),
              GET/POST/DELETE /__mock/scripts (scripted answers), GET /__mock/scenarios,
              GET /__mock/drift[?format=markdown] (what relayed answers broke);
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


class _Parser(argparse.ArgumentParser):
    """A bad flag is a short usage line and one error line (argparse's usage lists every flag)."""

    def error(self, message: str) -> NoReturn:
        self.exit(
            2, f"usage: {self.prog} [options]  (see {self.prog} --help)\n{self.prog}: error: {message}\n"
        )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < 86_400:
        raise argparse.ArgumentTypeError(f"must be more than 0 and less than a day: {text!r}")
    return value


def _video_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"must be from 0 (ready at once) to 3600: {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="venice-mock",
        usage="%(prog)s [options]",
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
        help="accept only this bearer token (repeatable; more from $VENICE_MOCK_API_KEYS, comma-separated, "
        "which keeps them out of `ps`); without any, every non-empty token is accepted",
    )
    p.add_argument(
        "--admin-token",
        metavar="TOKEN",
        help="token the /__mock/* admin routes require ('Authorization: Bearer TOKEN'; or "
        "$VENICE_MOCK_ADMIN_TOKEN; default: the first --api-key; without keys they are open)",
    )
    p.add_argument(
        "--base-path",
        metavar="PATH",
        help="serve the API under this path (default: the path of the spec's servers[0].url)",
    )
    p.add_argument(
        "--check-responses",
        action="store_true",
        help="validate every response before sending it; a violation becomes a 500 that explains it "
        "(with --fault/X-Mock-Fault, the answer is checked before the fault breaks it)",
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
        "--state",
        metavar="URL",
        help="where API keys, usage and rate limits live: memory:// (default), sqlite:///PATH (survives "
        "restarts, shared by workers), redis://HOST:PORT/DB[?prefix=NAME] (shared by mock processes on "
        "any machines, with scripts and the request log; needs venice-mockkit[redis]; Redis down: "
        "503 until it is back)",
    )
    p.add_argument(
        "--state-file",
        metavar="PATH",
        help="SQLite file for API keys, usage and rate limits (same as --state sqlite:///PATH)",
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
        "--video-seconds",
        type=_video_seconds,
        default=2.0,
        metavar="S",
        help="video jobs (specs with /video/queue): seconds a job stays PROCESSING before "
        "/video/retrieve returns the MP4, each job within +-25%% of it, seeded (default: %(default)g)",
    )
    p.add_argument(
        "--max-body-size",
        type=_size,
        default=DEFAULT_MAX_BODY,
        metavar="SIZE",
        help="largest accepted request body, e.g. 32MiB (default); larger bodies get 413",
    )
    p.add_argument(
        "--max-header-size",
        type=_size,
        default=DEFAULT_HEADER_LIMIT,
        metavar="SIZE",
        help="largest request head (request line and headers), e.g. 64KiB (default); larger get 431",
    )
    p.add_argument(
        "--header-timeout",
        type=_seconds,
        default=DEFAULT_HEADER_TIMEOUT,
        metavar="S",
        help="seconds a connection may take to send a complete request head (default: %(default)g)",
    )
    p.add_argument(
        "--graceful-timeout",
        type=_seconds,
        default=5.0,
        metavar="S",
        help="on SIGTERM/SIGINT, seconds open answers and streams may take to finish before they "
        "are closed (default: %(default)g)",
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
    relay = p.add_argument_group(
        "proxy, record, replay",
        "validate real traffic in both directions, save it as cassettes, answer from them offline",
    )
    relay.add_argument(
        "--proxy",
        metavar="URL",
        help="forward every valid request to this upstream base URL (e.g. https://api.venice.ai/api/v1) "
        "and judge its answers against the spec on their way back (GET /__mock/drift)",
    )
    relay.add_argument(
        "--upstream-api-key",
        metavar="KEY",
        help="send 'Authorization: Bearer KEY' upstream instead of the client's own credential "
        "(or $VENICE_MOCK_UPSTREAM_API_KEY: the command line is visible to every user)",
    )
    relay.add_argument(
        "--forward-invalid",
        action="store_true",
        help="forward requests that break the contract too (default: the mock answers them 400)",
    )
    relay.add_argument(
        "--upstream-connect-timeout",
        type=_seconds,
        default=5.0,
        metavar="S",
        help="seconds to connect to the upstream before a 504 (default: %(default)g)",
    )
    relay.add_argument(
        "--upstream-timeout",
        type=_seconds,
        default=60.0,
        metavar="S",
        help="seconds the upstream may stay silent (before its answer, between stream chunks) "
        "before a 504 (default: %(default)g)",
    )
    relay.add_argument(
        "--record",
        metavar="DIR",
        help="with --proxy: save each exchange as a cassette (one JSON file, credentials scrubbed) in "
        "DIR; with --replay DIR too, only what no cassette answers yet",
    )
    relay.add_argument(
        "--replay",
        metavar="DIR",
        help="answer requests that match a cassette in DIR with its recorded answer, byte for byte; "
        "others are synthesized (or forwarded, with --proxy)",
    )
    relay.add_argument(
        "--replay-pace",
        choices=["recorded", "none"],
        default="recorded",
        help="replayed streams: chunks at their recorded times, or all at once (default: %(default)s)",
    )
    relay.add_argument(
        "--replay-strict",
        action="store_true",
        help="a request no cassette matches gets a 404 naming the nearest cassette (default: synthesized)",
    )
    relay.add_argument(
        "--replay-ignore",
        metavar="FIELD",
        action="append",
        default=None,
        help="top-level request body field that does not count when matching cassettes (repeatable; "
        "replaces the default: user, stream_options)",
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
        api_keys=secret_keys(args.api_key, os.environ),
        check_responses=args.check_responses,
        strict_accept=args.strict_accept,
        max_body_bytes=args.max_body_size,
        log_size=args.log_size,
        fixtures=os.path.abspath(args.fixtures) if args.fixtures else None,
        state_file=os.path.abspath(args.state_file) if args.state_file else None,
        state=_state_url(args.state),
        any_model=args.any_model,
        behaviors=args.behaviors,
        stream_ttft_ms=args.stream_ttft,
        stream_delay_ms=args.stream_delay,
        video_seconds=args.video_seconds,
        faults=tuple(args.fault),
        scenarios=tuple(args.scenario),
        allow_fault_headers=args.allow_fault_headers,
        admin_token=args.admin_token or os.environ.get(ADMIN_TOKEN_VARIABLE) or None,
        proxy=args.proxy,
        upstream_api_key=args.upstream_api_key or os.environ.get(UPSTREAM_KEY_VARIABLE) or None,
        forward_invalid=args.forward_invalid,
        upstream_connect_timeout=args.upstream_connect_timeout,
        upstream_read_timeout=args.upstream_timeout,
        record=os.path.abspath(args.record) if args.record else None,
        replay=os.path.abspath(args.replay) if args.replay else None,
        replay_pace=args.replay_pace,
        replay_strict=args.replay_strict,
        replay_ignore=tuple(args.replay_ignore) if args.replay_ignore is not None else Settings.replay_ignore,
    )


# Secrets on the command line are visible to every user of the machine (`ps`, /proc/PID/cmdline);
# the environment is the owner's only.
API_KEYS_VARIABLE = "VENICE_MOCK_API_KEYS"
ADMIN_TOKEN_VARIABLE = "VENICE_MOCK_ADMIN_TOKEN"
UPSTREAM_KEY_VARIABLE = "VENICE_MOCK_UPSTREAM_API_KEY"


def secret_keys(flags: Sequence[str], environ: Mapping[str, str]) -> tuple[str, ...]:
    """--api-key values, then those of $VENICE_MOCK_API_KEYS (comma-separated), each once."""
    from_env = (k.strip() for k in environ.get(API_KEYS_VARIABLE, "").split(","))
    return tuple(dict.fromkeys([*flags, *(k for k in from_env if k)]))


def _state_url(url: str | None) -> str | None:
    """`--state`: a relative SQLite path made absolute (workers may start elsewhere)."""
    if url is not None and url.startswith("sqlite://") and not url.startswith("sqlite:///"):
        return "sqlite://" + os.path.abspath(url.removeprefix("sqlite://"))
    return url
