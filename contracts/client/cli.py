"""`venice-contracts client`: prove that a client follows the contract, in any language.

Registered in contracts/cli.py with `add_parser(subparsers)` and dispatched to `run(args)`.
Exit status: 0 every covered operation passed, 1 a client failure (or nothing ran), 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from contracts.client.findings import PHASES, case_text
from contracts.client.resilience import SCENARIOS
from contracts.docs import doc_path

_EPILOG = """\
adapters:  openai                 the official openai Python SDK (chat incl. streams, embeddings,
                                  images.generate, audio.speech, models.list)
           httpx                  a plain httpx client (every operation)
           package.module:factory a Python factory called with a Target (base_url, api_key,
                                  timeout) returning an adapter
           exec:COMMAND           a process speaking JSON lines (any language; the protocol:
                                  {docs}), e.g. exec:node my_adapter.mjs
The mock runs on 127.0.0.1 only. A failing case prints its shrunk input and a --replay command.
exit status: 0 pass, 1 client failures (or nothing ran), 2 usage error
"""


def _names(text: str, known: tuple[str, ...], what: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in known]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown {what} {', '.join(unknown)}; known: {', '.join(known)}")
    return names


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "client",
        help="drive a client through an adapter against the mock and judge it against the contract",
        description="Hypothesis-generated calls and scripted answers (valid edge cases, documented errors, "
        "adverse scenarios) check that a client sends valid requests with the values it was given, "
        "accepts every valid answer and handles errors, rate limits, cut streams and broken bodies.",
        epilog=_EPILOG.format(docs=doc_path("client-kit.md")),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--adapter", required=True, metavar="ADAPTER", help="openai, httpx, MODULE:FACTORY or exec:COMMAND"
    )
    p.add_argument(
        "--operations",
        metavar="ID",
        nargs="+",
        default=[],
        help="operationIds (default: all the adapter covers)",
    )
    p.add_argument(
        "--max-examples",
        metavar="N",
        type=int,
        default=10,
        help="drawn cases per operation and answer (default: 10)",
    )
    p.add_argument(
        "--seed", metavar="N", type=int, default=0, help="seed of generated data and of the mock (default: 0)"
    )
    p.add_argument(
        "--timeout",
        metavar="S",
        type=float,
        default=30.0,
        help="seconds a client may take per call (default: 30)",
    )
    p.add_argument(
        "--phases",
        metavar="LIST",
        type=lambda t: _names(t, PHASES, "phase"),
        default=PHASES,
        help=f"comma-separated, of {', '.join(PHASES)} (default: all)",
    )
    p.add_argument(
        "--scenarios",
        metavar="LIST",
        type=lambda t: _names(t, SCENARIOS, "scenario"),
        default=SCENARIOS,
        help=f"resilience scenarios, comma-separated (default: all): {', '.join(SCENARIOS)}",
    )
    p.add_argument(
        "--slow-first-byte",
        metavar="S",
        type=float,
        default=1.0,
        help="seconds the first byte waits in slow-first-byte (default: 1)",
    )
    p.add_argument(
        "--time-budget",
        metavar="S",
        type=float,
        default=60.0,
        help="seconds of exploring and shrinking per operation and answer, after the fixed cases "
        "(default: 60)",
    )
    p.add_argument("--report", metavar="FORMATS", help="comma-separated: json, md")
    p.add_argument(
        "--report-dir",
        metavar="DIR",
        default="reports",
        help="where reports go, and cases too long to print in a replay command (default: reports)",
    )
    p.add_argument(
        "--replay", metavar="CASE", help="run one case again: its JSON (as a report prints it) or @FILE"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress output on stderr")
    return p


def _options(args: argparse.Namespace) -> Any:
    from contracts.client.suite import ClientOptions

    if args.max_examples < 0 or args.timeout <= 0 or args.slow_first_byte < 0 or args.time_budget <= 0:
        raise ValueError(
            "--max-examples must be >= 0, --timeout and --time-budget > 0, --slow-first-byte >= 0"
        )
    operations = tuple(
        dict.fromkeys(n.strip() for item in args.operations for n in item.split(",") if n.strip())
    )
    return ClientOptions(
        operations=operations,
        max_examples=args.max_examples,
        seed=args.seed,
        timeout=args.timeout,
        phases=tuple(args.phases),
        scenarios=tuple(args.scenarios),
        slow_first_byte=args.slow_first_byte,
        time_budget=args.time_budget,
    )


def _formats(text: str | None) -> tuple[str, ...]:
    formats = tuple(f.strip() for f in (text or "").split(",") if f.strip())
    unknown = [f for f in formats if f not in ("json", "md")]
    if unknown:
        raise ValueError(f"unknown report format {', '.join(unknown)}; known: json, md")
    return formats


def _replay(args: argparse.Namespace, options: Any) -> int:
    from contracts.client.suite import replay

    text = args.replay
    if text.startswith("@"):
        text = Path(text[1:]).read_text(encoding="utf-8")
    case = json.loads(text)
    findings = replay(args.adapter, case, options)
    if not findings:
        print("replay: the case passes now")
        return 0
    for finding in findings:
        print(f"{finding.operation}  {finding.rule}  [{finding.attribution}]  {finding.title}")
        for line in finding.evidence:
            print(f"    {line}")
    print(f"case: {case_text(case)}")
    return 1 if any(f.failing for f in findings) else 0


def run(args: argparse.Namespace) -> int:
    from contracts.client.adapters import AdapterLoadError
    from contracts.client.report import json_report, markdown_report
    from contracts.client.suite import run_client_suite

    try:
        options = _options(args)
        formats = _formats(args.report)
        if args.replay:
            return _replay(args, options)

        def progress(message: str) -> None:
            if not args.no_progress:
                sys.stderr.write(f"venice-contracts client: {message}\n")

        report = run_client_suite(args.adapter, options, progress)
    except (AdapterLoadError, ValueError, OSError) as exc:
        sys.stderr.write(f"venice-contracts client: error: {exc}\n")
        return 2
    directory = Path(args.report_dir)
    sys.stdout.write(report.text(replays=directory))
    for fmt in formats:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"client-report.{fmt}"
        if fmt == "json":
            path.write_text(
                json.dumps(json_report(report), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
        else:
            path.write_text(markdown_report(report), encoding="utf-8")
        sys.stdout.write(f"report: {path}\n")
    return report.exit_code


def main(argv: list[str] | None = None) -> int:
    """Standalone entry (`python -m contracts.client.cli ...`), for when contracts/cli.py has not
    registered the subcommand."""
    parser = argparse.ArgumentParser(prog="venice-contracts")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
