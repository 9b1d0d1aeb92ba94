"""venice-mock side by side with the mocks it is compared with, and with the bare-server ceiling.

In one run on this machine, each served on loopback and loaded in turn by wrk (one thread, so the
client has one core and the server the other): venice-mock with its defaults (one worker;
validation, synthesis, billing and rate limits on), Stoplight Prism and Stainless' Steady (from
npm, installed into --node-dir on first use), and a bare uvicorn app answering a fixed 1 KB body
(bench/ceiling.py: what the server layer alone allows). Prints requests per second for
`GET /models` and a chat completion, each peer's ratio, and issue 11's targets met or missed.
A peer that cannot be installed or started is reported as such, never estimated.

    python bench/peers.py [--duration 8] [--connections 20] [--node-dir DIR] [--no-install]

Needs wrk (Debian: apt-get install wrk) and, for the peers, Node.js with npm.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
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
    default_dir = os.environ.get("VENICE_BENCH_NODE_DIR") or str(
        Path.home() / ".cache" / "venice-mockkit" / "peers"
    )
    p.add_argument(
        "--node-dir", default=default_dir, help="where npm installs the peers (default: %(default)s)"
    )
    p.add_argument(
        "--no-install", action="store_true", help="use the peers already in --node-dir, install none"
    )
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = options(argv)
    if shutil.which("wrk") is None:
        print("peers.py: wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    peers = node_peers(Path(args.node_dir), not args.no_install)
    rows: dict[str, dict[str, Load | None]] = {}
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
        for label, (models_url, chat_url) in urls.items():
            rows[label] = {
                "models": wrk(models_url, scripts["models"], args.duration, args.connections),
                "chat": wrk(chat_url, scripts["chat"], args.duration, args.connections),
            }
        rows["ceiling (fixed 1 KB)"] = {
            "models": wrk(f"http://127.0.0.1:{port}/", scripts["models"], args.duration, args.connections),
            "chat": None,
        }
    after = os.getloadavg()[0]
    print(
        f"side by side: wrk -t1 -c{args.connections}, {args.duration:g} s each, one server at a time, "
        f"load average {before:.2f} -> {after:.2f} (req/s; non-2xx answers in brackets)"
    )
    print(f"  {'':<24} {'GET /models':>14} {'chat':>14}")
    for label, loads in rows.items():
        cells = [_cell(loads[what]) for what in ("models", "chat")]
        print(f"  {label:<24} {cells[0]:>14} {cells[1]:>14}")
    for note in notes:
        print(f"  {note}")
    mine = rows["venice-mock"]
    for what, peer, wanted in TARGETS:
        theirs = next((loads for label, loads in rows.items() if label.startswith(peer + " ")), None)
        ours, other = mine[what], theirs[what] if theirs else None
        if ours is None or other is None or other.rps == 0:
            print(f"  target {what} >= {wanted:g}x {peer}: not measured")
            continue
        ratio = ours.rps / other.rps
        verdict = "met" if ratio >= wanted else "missed"
        print(f"  target {what} >= {wanted:g}x {peer}: {ratio:.2f}x ({verdict})")
    return 0


def _cell(load: Load | None) -> str:
    if load is None:
        return "-"
    return f"{load.rps:,.0f}" + (f" [{load.non_2xx}]" if load.non_2xx else "")


if __name__ == "__main__":
    raise SystemExit(main())
