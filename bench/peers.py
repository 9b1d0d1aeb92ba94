"""venice-mock side by side with the mocks it is compared with, and with the bare-server ceiling.

In one run on this machine, each served on loopback and loaded in turn by wrk (one thread, so the
client has one core and the server the other): venice-mock with its defaults (one worker;
validation, synthesis, billing and rate limits on), Stoplight Prism and Stainless' Steady (from
npm, installed into --node-dir on first use), and a bare uvicorn app answering a fixed 1 KB body
(bench/ceiling.py: what the server layer alone allows). Prints requests per second for
`GET /models` and a chat completion, each peer's ratio, and issue 11's targets met or missed.
A peer that cannot be installed or started is reported as such, never estimated.

A shared or virtual machine drifts by tens of percent within minutes (measured here: one peer's
chat rate went 4.6k, 9.2k, 7.7k in three runs): so every server is loaded once per round, the
order turned each round, and each figure is the median of the rounds with their range; a
target's ratio is the median of the ratios within each round.

    python bench/peers.py [--rounds 3] [--duration 8] [--connections 20] [--node-dir DIR] [--no-install]

Needs wrk (Debian: apt-get install wrk) and, for the peers, Node.js with npm.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import server

HERE = Path(__file__).resolve().parent
SPEC = HERE.parent / "swagger.yaml"
PEERS = {"prism": "@stoplight/prism-cli@5.16.0", "steady": "@stdy/cli@0.22.2"}
CHAT_BODY = '{"model":"venice-uncensored","messages":[{"role":"user","content":"Say hi"}]}'
# (what, peer, at least this many times the peer's req/s): issue 11's targets for one worker.
TARGETS = (
    ("models", "steady", 1.5),
    ("models", "prism", 8.0),
    ("chat", "steady", 1.2),
    ("chat", "prism", 25.0),
)


@dataclass(frozen=True)
class Load:
    rps: float
    non_2xx: int


def _wrk_script(folder: Path, chat: bool) -> Path:
    lines = ['wrk.headers["Authorization"] = "Bearer bench"']
    if chat:
        lines += [
            'wrk.method = "POST"',
            f"wrk.body = '{CHAT_BODY}'",
            'wrk.headers["Content-Type"] = "application/json"',
        ]
    path = folder / ("chat.lua" if chat else "get.lua")
    path.write_text("\n".join(lines) + "\n")
    return path


def wrk(url: str, script: Path, duration: float, connections: int) -> Load:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "-s", str(script), url]
    out = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rate is None:
        raise RuntimeError(f"wrk printed no rate:\n{out}")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return Load(float(rate.group(1)), int(bad.group(1)) if bad else 0)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def started(command: Sequence[str], probe_url: str, timeout: float = 90.0) -> Iterator[None]:
    """Run a server until the block ends; up once `probe_url` answers at all."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(probe_url)
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"{command[0]} exited: {log.read()[-600:].decode(errors='replace')}")
                try:
                    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=2)
                    conn.request("GET", parts.path, headers={"Authorization": "Bearer bench"})
                    conn.getresponse().read()
                    conn.close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{command[0]} did not answer within {timeout:g} s") from None
                    time.sleep(0.2)
            yield
        finally:
            server.stop(proc)


def node_peers(folder: Path, install: bool) -> dict[str, Path | str]:
    """Each peer's executable, or why there is none."""
    found: dict[str, Path | str] = {}
    missing = [n for n in PEERS if not (folder / "node_modules" / ".bin" / n).exists()]
    if missing and install:
        npm = shutil.which("npm")
        if npm is None:
            return {n: "npm not found" for n in PEERS}
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", "--silent", *PEERS.values()],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            return {n: f"npm install failed: {done.stderr.strip()[-200:]}" for n in PEERS}
    for name in PEERS:
        binary = folder / "node_modules" / ".bin" / name
        found[name] = binary if binary.exists() else f"not installed (in {folder})"
    return found


def _peer_command(name: str, binary: Path, port: int) -> list[str]:
    if name == "prism":
        return [str(binary), "mock", str(SPEC), "-p", str(port), "-h", "127.0.0.1"]
    return [str(binary), "-p", str(port), "--host", "127.0.0.1", "-q", str(SPEC)]


def options(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="peers.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--duration", type=float, default=8.0, help="seconds of load per target and request (default 8)"
    )
    p.add_argument("--connections", type=int, default=20, help="wrk connections (default 20)")
    p.add_argument("--rounds", type=int, default=3, help="rounds, each loading every server once (default 3)")
    default_dir = os.environ.get("VENICE_BENCH_NODE_DIR") or str(
        Path.home() / ".cache" / "venice-mockkit" / "peers"
    )
    p.add_argument(
        "--node-dir", default=default_dir, help="where npm installs the peers (default: %(default)s)"
    )
    p.add_argument(
        "--no-install", action="store_true", help="use the peers already in --node-dir, install none"
    )
    args = p.parse_args(argv)
    if args.rounds < 1:
        p.error("--rounds must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = options(argv)
    if shutil.which("wrk") is None:
        print("peers.py: wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    peers = node_peers(Path(args.node_dir), not args.no_install)
    rows: dict[str, dict[str, list[Load]]] = {}
    notes: list[str] = []
    before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="venice-peers-") as tmp, ExitStack() as stack:
        scripts = {"models": _wrk_script(Path(tmp), False), "chat": _wrk_script(Path(tmp), True)}
        urls: dict[str, tuple[str, str]] = {}  # label -> (GET /models URL, chat URL)
        mock = stack.enter_context(server.spawned([])).target
        urls["venice-mock"] = (f"{mock.url}/models", f"{mock.url}/chat/completions")
        for name, found in peers.items():
            if isinstance(found, str):
                notes.append(f"{name}: {found}")
                continue
            port = _free_port()
            try:
                stack.enter_context(
                    started(_peer_command(name, found, port), f"http://127.0.0.1:{port}/models")
                )
            except RuntimeError as exc:
                notes.append(f"{name}: {exc}")
                continue
            urls[f"{name} ({PEERS[name].rsplit('@', 1)[1]})"] = (
                f"http://127.0.0.1:{port}/models",
                f"http://127.0.0.1:{port}/chat/completions",
            )
        port = _free_port()
        ceiling = [sys.executable, "-m", "uvicorn", "--app-dir", str(HERE), "ceiling:app"]
        ceiling += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
        stack.enter_context(started(ceiling, f"http://127.0.0.1:{port}/"))
        targets: dict[str, tuple[str | None, str | None]] = {**urls}
        targets["ceiling (fixed 1 KB)"] = (f"http://127.0.0.1:{port}/", None)
        rows = {label: {"models": [], "chat": []} for label in targets}
        order = list(targets)
        for round_number in range(args.rounds):
            turn = round_number % len(order)
            for label in order[turn:] + order[:turn]:  # each round starts with another server
                for what, url in zip(("models", "chat"), targets[label], strict=True):
                    if url is not None:
                        rows[label][what].append(wrk(url, scripts[what], args.duration, args.connections))
    after = os.getloadavg()[0]
    rounds = args.rounds
    print(
        f"side by side: wrk -t1 -c{args.connections}, {args.duration:g} s each, one server at a time, "
        f"{rounds} round{'s' if rounds > 1 else ''}, load average {before:.2f} -> {after:.2f} "
        "(req/s: median and range of the rounds; non-2xx answers in brackets)"
    )
    print(f"  {'':<24} {'GET /models':>24} {'chat':>24}")
    for label, loads in rows.items():
        cells = [_cell(loads[what]) for what in ("models", "chat")]
        print(f"  {label:<24} {cells[0]:>24} {cells[1]:>24}")
    for note in notes:
        print(f"  {note}")
    mine = rows["venice-mock"]
    for what, peer, wanted in TARGETS:
        theirs = next((loads for label, loads in rows.items() if label.startswith(peer + " ")), None)
        ours, other = mine[what], theirs[what] if theirs else []
        ratios = [a.rps / b.rps for a, b in zip(ours, other, strict=False) if b.rps > 0]
        if not ratios:
            print(f"  target {what} >= {wanted:g}x {peer}: not measured")
            continue
        ratio = statistics.median(ratios)
        verdict = "met" if ratio >= wanted else "missed"
        spread = f" (rounds {min(ratios):.2f}-{max(ratios):.2f}x)" if len(ratios) > 1 else ""
        print(f"  target {what} >= {wanted:g}x {peer}: {ratio:.2f}x{spread} ({verdict})")
    return 0


def _cell(loads: list[Load]) -> str:
    if not loads:
        return "-"
    rates = [load.rps for load in loads]
    cell = f"{statistics.median(rates):,.0f}"
    if len(rates) > 1:
        cell += f" ({min(rates) / 1000:.1f}-{max(rates) / 1000:.1f}k)"
    bad = sum(load.non_2xx for load in loads)
    return cell + (f" [{bad}]" if bad else "")


if __name__ == "__main__":
    raise SystemExit(main())
