#!/usr/bin/env python3
"""Every bundled report run locally and on a Ballista cluster of jaanch processes (one
scheduler, then 1 and 2 executors) on this machine, best of --runs, and whether the answers
agree.

All processes share this machine's cores and talk over loopback, so the figures show what a
cluster costs (planning on the scheduler, shuffles through files and Arrow Flight), not what
more machines would gain.

Usage (from the repository root):

    python3 bench/cluster.py [--scale 1] [--runs 3] [--slots 2] [--no-build] [--profile release]

The demo lake is generated into target/bench-demo-v{GENERATOR_VERSION}-scale{SCALE} on first use.
"""

import argparse
import socket
import subprocess
import sys
import time
from pathlib import Path

from common import add_build_options, demo_lake, jaanch_binary

# Parameters that give each report rows on any demo lake.
PARAMS = {
    "stolen_vehicle_sightings": ["--param", "from=2025-10-01"],
    "vehicle_history": ["--param", "plate=RJ14CA1234"],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, what: str) -> None:
    started = time.monotonic()
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"the {what} exited: {process.stderr.read().decode()}")
            if time.monotonic() - started > 60:
                raise SystemExit(f"the {what} did not listen on {port}")
            time.sleep(0.05)


class Cluster:
    """A scheduler and `executors` executors, stopped on exit."""

    def __init__(self, binary: Path, config: Path, executors: int, slots: int):
        self.processes = []
        port = free_port()
        self.url = f"df://127.0.0.1:{port}"
        base = [binary, "--lake", config, "cluster"]
        scheduler = self.spawn(base + ["scheduler", "--port", str(port)])
        wait_for(port, scheduler, "scheduler")
        for _ in range(executors):
            flight, grpc = free_port(), free_port()
            executor = self.spawn(
                base
                + ["executor", "--scheduler", self.url, "--port", str(flight)]
                + ["--grpc-port", str(grpc), "--slots", str(slots)]
            )
            wait_for(flight, executor, "executor")

    def spawn(self, args) -> subprocess.Popen:
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.processes.append(process)
        return process

    def __enter__(self):
        return self

    def __exit__(self, *_):
        for process in self.processes:
            process.kill()
            process.wait()


def reports(binary: Path, config: Path) -> list:
    out = subprocess.run(
        [binary, "--lake", config, "reports", "--format", "csv"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line.split(",")[0] for line in out.splitlines()[1:]]


def run(binary: Path, config: Path, report: str, cluster: str, runs: int):
    """The best time of `runs` runs, and the sorted rows of the last."""
    best, rows = None, None
    for _ in range(runs):
        started = time.monotonic()
        done = subprocess.run(
            [binary, "--lake", config, "--cluster", cluster, "run", report, "--format", "csv"]
            + PARAMS.get(report, []),
            capture_output=True,
            text=True,
        )
        elapsed = time.monotonic() - started
        if done.returncode != 0:
            return None, done.stderr.strip()
        best = elapsed if best is None else min(best, elapsed)
        rows = sorted(done.stdout.splitlines()[1:])
    return best, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--slots", type=int, default=2, help="task slots per executor")
    add_build_options(parser)
    options = parser.parse_args()
    binary = jaanch_binary(options)
    config = demo_lake(binary, options.scale) / "lake.toml"
    names = reports(binary, config)
    local = {name: run(binary, config, name, "local", options.runs) for name in names}
    columns = {}
    for executors in (1, 2):
        with Cluster(binary, config, executors, options.slots) as cluster:
            columns[executors] = {
                name: run(binary, config, name, cluster.url, options.runs) for name in names
            }
    print(f"demo scale {options.scale:g}, best of {options.runs}, {options.slots} slots per executor")
    print(f"{'report':28} {'local':>8} {'1 exec':>8} {'2 exec':>8}  answers")
    for name in names:
        cells, agree = [], True
        for seconds, rows in [local[name], columns[1][name], columns[2][name]]:
            cells.append(f"{seconds:8.2f}" if seconds is not None else "  failed")
            agree &= seconds is not None and rows == local[name][1]
        print(f"{name:28} {' '.join(cells)}  {'agree' if agree else 'DIFFER'}")
        for seconds, rows in [columns[1][name], columns[2][name]]:
            if seconds is None:
                print(f"    {rows}", file=sys.stderr)


if __name__ == "__main__":
    main()
