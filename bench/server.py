"""The server under test: spawn it, wait until it answers, stop it; read its RSS and CPU from /proc."""

from __future__ import annotations

import http.client
import ipaddress
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

_ANNOUNCE = re.compile(r"venice-mock: serving .* at (http://\S+)")


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    base_path: str  # e.g. "/api/v1", no trailing slash

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.base_path}"


@dataclass(frozen=True)
class Startup:
    announce_s: float  # spawn -> the "serving ..." line on stdout
    first_ok_s: float  # spawn -> first 200 to GET /models
    rss_mib: float | None  # right after the first 200, over the server and its children
    processes: int


@dataclass(frozen=True)
class Spawned:
    proc: subprocess.Popen[bytes]
    command: tuple[str, ...]
    target: Target
    startup: Startup


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_target(url: str) -> Target:
    """A loopback http:// base URL as a Target; anything else is refused (ValueError)."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"not an http:// URL: {url!r}")
    if not is_loopback(parts.hostname):
        raise ValueError(f"refusing non-loopback target {parts.hostname!r}: benchmark this machine only")
    port = 80 if parts.port is None else parts.port  # keep an announced port 0 (--workers)
    return Target(parts.hostname, port, parts.path.rstrip("/"))


# ------------------------------------------------------------------ /proc


def process_tree(root: int) -> list[int]:
    """root and all its descendants (uvicorn --workers forks worker processes under the parent)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:  # the process exited while we looked
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    return tree


def rss_mib(root: int) -> float | None:
    total_kib, found = 0, False
    for pid in process_tree(root):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
                    found = True
                    break
        except OSError:
            continue
    return total_kib / 1024 if found else None


def cpu_seconds(root: int) -> float | None:
    """User + system CPU time of the tree so far (utime and stime, fields 14 and 15 of /proc/PID/stat)."""
    ticks, found = 0, False
    for pid in process_tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
        found = True
    return ticks / os.sysconf("SC_CLK_TCK") if found else None


def listening_ports(root: int) -> list[int]:
    """TCP ports the tree listens on. With --workers the server announces port 0 (it prints before
    uvicorn binds), so the real port is found from the socket inodes of its open files."""
    inodes: set[str] = set()
    for pid in process_tree(root):
        try:
            fds = list(os.scandir(f"/proc/{pid}/fd"))
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(fd.path)
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    ports = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A = LISTEN
                ports.append(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


# ------------------------------------------------------------------ spawn / stop


def server_command(extra: Sequence[str]) -> list[str]:
    # The console script next to this interpreter, so the installed server is measured (`-m mockserver`
    # would prefer ./mockserver from the working directory); `-m` only when there is no script.
    script = Path(sys.executable).with_name("venice-mock")
    base = [str(script)] if script.exists() else [sys.executable, "-m", "mockserver"]
    return [*base, "--port", "0", "--log-level", "warning", *extra]


def split_server_args(values: Sequence[str]) -> list[str]:
    """`--server-arg="--workers 2"` and `--server-arg=--workers --server-arg=2` mean the same."""
    return [part for value in values for part in shlex.split(value)]


def answers(target: Target) -> bool:
    """Whether GET /models answers 200 (one request, 2 s timeout)."""
    conn = http.client.HTTPConnection(target.host, target.port, timeout=2)
    try:
        conn.request("GET", f"{target.base_path}/models", headers={"Authorization": "Bearer test"})
        response = conn.getresponse()
        response.read()
        return response.status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _wait_until_serving(
    proc: subprocess.Popen[bytes], out: Path, err: Path, started: float, timeout: float
) -> tuple[Target, Startup]:
    deadline = started + timeout
    announced: Target | None = None
    target: Target | None = None
    announce_s = 0.0
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            code = proc.returncode
            raise RuntimeError(f"the server exited with code {code} before answering:\n{_tail(err)}")
        if announced is None:
            match = _ANNOUNCE.search(out.read_text(errors="replace"))
            if match is None:
                time.sleep(0.005)
                continue
            announce_s = time.perf_counter() - started
            announced = parse_target(match.group(1))
        if target is None:
            if announced.port != 0:
                target = announced
            else:  # announced port 0: wait for the listening socket to appear
                ports = listening_ports(proc.pid)
                if not ports:
                    time.sleep(0.01)
                    continue
                target = Target(announced.host, ports[0], announced.base_path)
        if answers(target):
            first_ok_s = time.perf_counter() - started
            startup = Startup(announce_s, first_ok_s, rss_mib(proc.pid), len(process_tree(proc.pid)))
            return target, startup
        time.sleep(0.01)
    raise RuntimeError(f"the server did not answer GET /models within {timeout:g} s:\n{_tail(err)}")


def stop(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # uvicorn shuts down cleanly (and stops its workers) on SIGTERM
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    # The server runs in its own process group (start_new_session); sweep up any worker that
    # outlived the parent. ProcessLookupError: the group is already empty, the normal case.
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


@contextmanager
def spawned(
    extra_args: Sequence[str], timeout: float = 60.0, command: Sequence[str] | None = None
) -> Iterator[Spawned]:
    """Start the server, wait for its first answer, and always stop it (errors, Ctrl-C, SIGTERM).
    `command` replaces the installed console script (e.g. `python -m mockserver` of a checkout)."""
    command = (
        [*command, "--port", "0", "--log-level", "warning", *extra_args]
        if command
        else server_command(extra_args)
    )
    with tempfile.TemporaryDirectory(prefix="venice-bench-") as tmp:
        out, err = Path(tmp, "stdout"), Path(tmp, "stderr")
        # Files, not pipes: nobody has to drain them, so a chatty server can never block on a full pipe.
        with out.open("wb") as out_fh, err.open("wb") as err_fh:
            started = time.perf_counter()
            # A new session keeps the terminal's Ctrl-C away from the server: we stop it ourselves.
            proc = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=out_fh, stderr=err_fh, start_new_session=True
            )
        try:
            target, startup = _wait_until_serving(proc, out, err, started, timeout)
            yield Spawned(proc, tuple(command), target, startup)
        finally:
            stop(proc)
