"""`venice-contracts` (= `python -m contracts`): run the contract suite from the command line.

Exit status: 0 no failure, 1 failures found, 2 a usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from contracts.checks.reader import Limits
from contracts.client import cli as client_cli
from contracts.report import parse_formats, write_reports
from contracts.safety import KEY_ENV, Redactor, UsageError, classify, plan
from contracts.server.console import print_result
from contracts.server.progress import Console, Silent
from contracts.server.recorded import judge_cassettes
from contracts.server.results import MODES, SuiteOptions
from contracts.server.runner import run_suite
from contracts.wording import counted
from mockserver import CassetteError, Spec, SpecLoadError, load_spec

_EPILOG = f"""\
Without --base-url the mock is started in-process and checked (every operation may run there).
Against a real server: read-only operations by default; --allow-mutations to create and delete
API keys; costly operations (chat, images, speech, embeddings) only when named in --operations
or with --allow-costly. The API key may come from ${KEY_ENV}; it is never printed.
exit status: 0 no failure, 1 failures found, 2 usage error
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="venice-contracts", description="Contract tests for Venice.ai API implementations.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    client_cli.add_parser(sub)  # venice-contracts client: contracts/client/cli.py
    s = sub.add_parser(
        "server",
        help="fuzz a server with the contract (positive and negative data) and report drift",
        description="Property-based requests for each operation of swagger.yaml; every answer is "
        "checked against the contract (schemas, statuses, streams, binaries, CSV, encodings).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s.add_argument("--base-url", metavar="URL", help="server to check, e.g. https://api.venice.ai/api/v1")
    s.add_argument(
        "--spec",
        metavar="PATH",
        help="the contract: an OpenAPI 3.0/3.1 file (default: the bundled swagger.yaml); "
        "fixtures/overlay.yaml is merged into it as the mock does",
    )
    s.add_argument(
        "--api-key",
        metavar="KEY",
        default=os.environ.get(KEY_ENV),
        help=f"bearer token (default: ${KEY_ENV})",
    )
    s.add_argument(
        "--operations", metavar="ID", nargs="+", default=[], help="operationIds to run (default: all allowed)"
    )
    s.add_argument(
        "--max-examples",
        metavar="N",
        type=int,
        default=100,
        help="cases per operation and mode (default: 100)",
    )
    s.add_argument(
        "--seed", metavar="N", type=int, help="seed of the generated data (default: random, reported)"
    )
    s.add_argument(
        "--mode", choices=[*MODES, "all"], default="all", help="positive, negative or all (default)"
    )
    s.add_argument("--report", metavar="FORMATS", help="comma-separated: junit, json, md")
    s.add_argument(
        "--report-dir", metavar="DIR", default="reports", help="where reports go (default: reports)"
    )
    s.add_argument("--allow-mutations", action="store_true", help="real servers: create and delete API keys")
    s.add_argument("--allow-costly", action="store_true", help="real servers: call every billed operation")
    s.add_argument("--max-requests", metavar="N", type=int, help="stop after N requests (default: no limit)")
    s.add_argument(
        "--max-wait",
        metavar="S",
        type=float,
        help="total seconds to wait on 429 Retry-After (default: 60; 0 for the mock)",
    )
    s.add_argument(
        "--timeout",
        metavar="S",
        type=float,
        default=30.0,
        help="seconds one answer may take to arrive whole (default: 30)",
    )
    s.add_argument(
        "--max-body-size",
        metavar="BYTES",
        type=int,
        default=32 * 1024 * 1024,
        help="largest answer read (default: 32 MiB)",
    )
    s.add_argument(
        "--time-limit",
        metavar="S",
        type=float,
        default=120.0,
        help="seconds of exploration per operation, 0 for none (default: 120); no failure stops one",
    )
    s.add_argument(
        "--no-auth-probe", action="store_true", help="do not send requests without or with a bad key"
    )
    s.add_argument(
        "--from-cassettes",
        metavar="DIR",
        help="judge the answers recorded in DIR (venice-mock --proxy URL --record DIR) offline, with "
        "every check of a live run: drift in CI without a key",
    )
    s.add_argument("--dry-run", action="store_true", help="list what would be called, send nothing")
    s.add_argument("--no-progress", action="store_true", help="no progress output on stderr")
    return p


def _options(args: argparse.Namespace) -> SuiteOptions:
    if args.base_url is not None:
        parts = urlsplit(args.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UsageError(f"--base-url must be an http(s) URL, got {args.base_url!r}")
    for name in ("max_examples", "max_requests"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1")
    if args.timeout <= 0 or args.max_body_size <= 0:
        raise UsageError("--timeout and --max-body-size must be positive")
    operations = tuple(
        dict.fromkeys(n.strip() for item in args.operations for n in item.split(",") if n.strip())
    )
    return SuiteOptions(
        base_url=args.base_url,
        api_key=args.api_key or None,
        operations=operations,
        max_examples=args.max_examples,
        seed=args.seed,
        modes=MODES if args.mode == "all" else (args.mode,),
        allow_mutations=args.allow_mutations,
        allow_costly=args.allow_costly,
        max_requests=args.max_requests,
        max_wait=args.max_wait,
        limits=Limits(args.timeout, args.max_body_size),
        time_limit=args.time_limit or None,
        auth_probe=not args.no_auth_probe,
    )


def _dry_run(options: SuiteOptions, spec: Spec, out: TextIO) -> None:
    chosen = plan(
        spec.operations,
        options.operations,
        local=options.base_url is None,
        allow_mutations=options.allow_mutations,
        allow_costly=options.allow_costly,
    )
    target = options.base_url or "the in-process mock"
    budget = f"at most {options.max_requests} requests" if options.max_requests else "no request limit"
    out.write(f"dry run: nothing is sent. Target: {target}\n")
    cases = counted(options.max_examples, "case")
    out.write(f"modes: {', '.join(options.modes)}; {cases} per operation and mode; {budget}\n")
    ops = {op.operation_id: op for op in spec.operations}
    out.write(f"would call {counted(len(chosen.run), 'operation')}:\n")
    for oid in chosen.run:
        out.write(f"  {classify(ops[oid]):9}  {ops[oid].label:40} {oid}\n")
    if chosen.skipped:
        out.write(f"would skip {counted(len(chosen.skipped), 'operation')}:\n")
        for oid, why in chosen.skipped:
            out.write(f"  {classify(ops[oid]):9}  {ops[oid].label:40} {oid}: {why}\n")


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = parser().parse_args(argv)
    if args.command == "client":
        return client_cli.run(args)
    redact = Redactor([args.api_key])
    try:
        formats = parse_formats(args.report) if args.report else ()
        options = _options(args)
        spec = load_spec(args.spec)
        if args.dry_run:
            _dry_run(options, spec, out)
            return 0
        if args.from_cassettes:
            if not Path(args.from_cassettes).is_dir():
                raise UsageError(f"--from-cassettes: no directory {args.from_cassettes!r}")
            result = judge_cassettes(args.from_cassettes, spec, options.limits, redact)
        else:
            progress = Silent() if args.no_progress else Console()
            result = run_suite(options, spec=spec, progress=progress)
    except (UsageError, SpecLoadError, CassetteError) as exc:
        sys.stderr.write(f"venice-contracts: error: {redact(str(exc))}\n")
        return 2
    print_result(result, out, redact)
    for path in write_reports(result, formats, Path(args.report_dir), redact):
        out.write(f"report: {path}\n")
    return result.exit_code
