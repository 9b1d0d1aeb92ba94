"""Smoke test of the benchmark script: it still starts the server, measures and prints numbers.

Only that it runs end to end; speed is never asserted (the numbers depend on the machine).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.redis_server import RedisServer

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench.py"
NUMBER = r"\d+(?:\.\d+)?"


def test_benchmark_runs_and_prints_numbers(tmp_path: Path) -> None:
    report = tmp_path / "bench.json"
    command = [sys.executable, str(BENCH), "--duration", "0.5", "--warmup", "0", "--scenarios", "models"]
    command += ["--memory-requests", "2000", "--json", str(report)]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout

    assert re.search(rf"spawn -> first 200 /models +{NUMBER} s", out), out
    assert re.search(rf"RSS right after start +{NUMBER} MiB", out), out
    # requests, req/s, p50, p99, max, non-2xx, errors, then the generator's name at the end
    row = rf"^ +models +GET /models +\d+ +{NUMBER} +{NUMBER} +{NUMBER} +{NUMBER} +\d+ +\d+ .*\S$"
    assert re.search(row, out, re.MULTILINE), out
    assert re.search(rf"^ +2000 +{NUMBER} +{NUMBER}$", out, re.MULTILINE), out  # the last RSS sample
    assert re.search(rf"growth after warm-up \(200 -> 2000 requests\): [+-]{NUMBER} MiB", out), out

    data = json.loads(report.read_text())
    assert [s["name"] for s in data["scenarios"]] == ["models"]
    assert data["startup"]["first_ok_s"] > 0
    assert len(data["memory"]["samples"]) == 11


def test_the_store_benchmark_runs_and_prints_its_table(redis_server: RedisServer) -> None:
    script = BENCH.with_name("store.py")
    command = [sys.executable, str(script), "--duration", "0.3", "--warmup", "0", "--stores", "sqlite,redis"]
    proc = subprocess.run(
        [*command, "--redis", redis_server.url()], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for store in ("sqlite", "redis"):
        assert re.search(rf"^{store} +{NUMBER} +{NUMBER}$", proc.stdout, re.MULTILINE), proc.stdout


def test_the_peers_benchmark_measures_the_mock_and_the_ceiling_and_names_missing_peers(
    tmp_path: Path,
) -> None:
    # No npm install here (loopback only, and slow): the peers are reported missing, by name.
    script = BENCH.with_name("peers.py")
    command = [sys.executable, str(script), "--duration", "1", "--rounds", "2", "--no-install"]
    proc = subprocess.run(
        [*command, "--node-dir", str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    # The median of the two rounds, then their range in thousands.
    rate = r"\d{1,3}(?:,\d{3})* \(\d+\.\d-\d+\.\dk\)"
    assert "2 rounds" in out, out
    assert re.search(rf"^  venice-mock +{rate} +{rate}$", out, re.MULTILINE), out
    assert re.search(rf"^  ceiling \(fixed 1 KB\) +{rate} +-$", out, re.MULTILINE), out
    for peer in ("prism", "steady"):
        assert f"  {peer}: not installed (in {tmp_path})" in out, out
    assert re.findall(r"target (\w+) >= [\d.]+x (\w+): not measured", out) == [
        ("models", "steady"),
        ("models", "prism"),
        ("chat", "steady"),
        ("chat", "prism"),
    ]
