#!/usr/bin/env python3
"""A bounded load on `jaanch serve`: many analysts at once, then a storm of disconnects.

Starts `jaanch serve` on 127.0.0.1 (a free port) over the governed demo lake, with --users
district analysts (each with a password, a district and a purpose) and one State
administrator. Each of --clients clients logs in with ADBC's Flight SQL driver and runs
--queries operations in turn from a mix of what analysts do: ad-hoc aggregates, a prepared
statement with a bound value, two saved reports by CALL, a page of rows, and the table listing.
Prints one client's latency alone (the server's own cost per statement), then the load's
throughput, latency percentiles and errors (which must be 0), and the server's peak resident
memory.

Then --storm clients (the same analysts) start a sort of their district's FIRs, read its first
batch and disconnect; the server must be idle again (no query running, no memory held in its
pool) within 10 seconds.

Usage (from the repository root):

    python3 bench/serve_load.py [--scale 1] [--clients 16] [--queries 50] [--storm 32]
                                [--no-build] [--profile release]

Needs adbc-driver-flightsql and pyarrow (scripts/test-requirements.txt). The demo lake is
generated into target/bench-demo-v{GENERATOR_VERSION}-scale{SCALE} on first use; the load's users, audit log and
config are written beside it (load-*.toml, load-audit/) and rewritten on every run.
"""

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import adbc_driver_flightsql
import adbc_driver_flightsql.dbapi
import adbc_driver_manager
import pyarrow.flight as flight
from common import add_build_options, demo_lake, jaanch_binary, proc_status_mib

DISTRICTS = ["Jaipur", "Kota", "Ajmer", "Udaipur", "Jodhpur", "Bikaner", "Alwar", "Bharatpur"]
PASSWORD = "load-test-password"
PURPOSE = "FIR 12/2025 PS Kotwali"
ADMIN = "load.admin"

# What a district analyst does in a day, in turn.
MIX = [
    ("aggregate", "SELECT category, count(*) AS firs FROM cctns.fir GROUP BY category ORDER BY firs DESC", None),
    ("prepared", "SELECT count(*) AS firs FROM cctns.fir WHERE category = ?", ("Theft",)),
    ("report", "CALL district_crime_summary()", None),
    ("report", "CALL dial112_response()", None),
    ("rows", "SELECT * FROM cctns.fir ORDER BY fir_id LIMIT 500", None),
    ("metadata", None, None),
]
# A query whose first batch comes after all its memory is taken.
STORM = "SELECT *, district_canonical(district) AS canonical FROM cctns.fir ORDER BY canonical, registered_at DESC"


def run(args, **kwargs):
    return subprocess.run(args, check=True, text=True, **kwargs)


def prepare(binary: Path, scale: float, users: int) -> Path:
    """The governed demo lake with the load's users; returns its config."""
    lake = demo_lake(binary, scale)
    roles = (lake / "access.toml").read_text()
    roles = roles[: roles.index("[[user]]")].replace('dir = "audit"', 'dir = "load-audit"')
    (lake / "load-access.toml").write_text(roles)
    config = (lake / "governed.toml").read_text().replace(
        'file = "access.toml"', 'file = "load-access.toml"'
    )
    (lake / "load-governed.toml").write_text(config)
    names = [(ADMIN, ["--role", "state_admin"])] + [
        (f"load.{i:02}", ["--role", "district_analyst", "--district", DISTRICTS[i % len(DISTRICTS)]])
        for i in range(users)
    ]
    for name, args in names:
        run(
            [binary, "--lake", lake / "load-governed.toml", "user", "add", name, *args],
            input=PASSWORD + "\n",
            capture_output=True,
        )
    return lake / "load-governed.toml"


def connect(address: str, user: str):
    return adbc_driver_flightsql.dbapi.connect(
        f"grpc://{address}",
        autocommit=True,
        db_kwargs={
            adbc_driver_manager.DatabaseOptions.USERNAME.value: user,
            adbc_driver_manager.DatabaseOptions.PASSWORD.value: PASSWORD,
            adbc_driver_flightsql.DatabaseOptions.RPC_CALL_HEADER_PREFIX.value + "x-jaanch-purpose": PURPOSE,
        },
    )


def client(address: str, user: str, queries: int, offset: int, latencies: list, errors: list):
    with connect(address, user) as connection, connection.cursor() as cursor:
        for i in range(queries):
            kind, sql, params = MIX[(i + offset) % len(MIX)]
            started = time.perf_counter()
            try:
                if sql is None:
                    connection.adbc_get_objects(depth="tables").read_all()
                else:
                    cursor.execute(sql, params)
                    cursor.fetch_arrow_table()
                latencies.append((kind, time.perf_counter() - started))
            except Exception as error:  # every error is counted and shown
                errors.append(f"{user} {kind}: {error}")


def single_client(address: str) -> dict:
    """The latency of one client alone: the server's own cost per statement."""
    medians = {}
    with connect(address, "load.00") as connection, connection.cursor() as cursor:
        for sql in ("SELECT 1", "SELECT count(*) FROM cctns.fir"):
            seconds = []
            for _ in range(100):
                started = time.perf_counter()
                cursor.execute(sql)
                cursor.fetchall()
                seconds.append(time.perf_counter() - started)
            medians[sql] = statistics.median(seconds)
    return medians


def server_load(address: str) -> dict:
    status = flight.FlightClient(f"grpc://{address}")
    bearer = status.authenticate_basic_token(ADMIN, PASSWORD)
    options = flight.FlightCallOptions(headers=[bearer])
    answer = list(status.do_action(flight.Action("jaanch.status", b""), options))
    return json.loads(answer[0].body.to_pybytes())


def storm(address: str, clients: int, users: int) -> float:
    """Clients that start a large sort and go away; seconds until the server is idle."""

    def leave_early(user):
        connection = connect(address, user)
        cursor = connection.cursor()
        cursor.execute(STORM)
        reader = cursor.fetch_record_batch()
        reader.read_next_batch()
        connection.close()

    threads = [
        threading.Thread(target=leave_early, args=(f"load.{i % users:02}",)) for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    left = time.perf_counter()
    while time.perf_counter() - left < 10:
        load = server_load(address)
        if load["running"] == 0 and load["memory_reserved"] == 0:
            return time.perf_counter() - left
        time.sleep(0.05)
    raise SystemExit(f"the server is not idle 10 s after the storm: {load}")


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--storm", type=int, default=32)
    add_build_options(parser)
    options = parser.parse_args()
    binary = jaanch_binary(options)
    config = prepare(binary, options.scale, options.clients)
    server = subprocess.Popen(
        [binary, "--lake", config, "serve", "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline()
        if "://" not in line:
            raise SystemExit(f"the server did not start: {line}{server.stderr.read()}")
        address = line.strip().rsplit("://", 1)[1]
        alone = single_client(address)
        latencies, errors = [], []
        threads = [
            threading.Thread(
                target=client,
                args=(address, f"load.{i:02}", options.queries, i, latencies, errors),
            )
            for i in range(options.clients)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        seconds = [s for _, s in latencies]
        total = options.clients * options.queries
        print(
            f"demo lake scale {options.scale:g}, {options.clients} clients x {options.queries} operations, "
            f"{binary.parent.name} build"
        )
        for sql, seconds_alone in alone.items():
            print(f"one client   {sql}: median {seconds_alone * 1000:.1f} ms of 100")
        print(f"operations   {len(latencies)} of {total} in {wall:.1f} s: {len(latencies) / wall:.1f} per second")
        print(
            f"latency      p50 {percentile(seconds, 50) * 1000:.0f} ms, "
            f"p99 {percentile(seconds, 99) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms"
        )
        for kind in dict.fromkeys(k for k, _, _ in MIX):
            kind_seconds = [s for k, s in latencies if k == kind]
            if kind_seconds:
                print(
                    f"  {kind:10} p50 {statistics.median(kind_seconds) * 1000:.0f} ms, "
                    f"p99 {percentile(kind_seconds, 99) * 1000:.0f} ms"
                )
        print(f"errors       {len(errors)}")
        for error in errors[:5]:
            print(f"  {error}")
        print(f"peak RSS     {proc_status_mib(server.pid, 'VmHWM'):.0f} MB")
        if options.storm:
            idle = storm(address, options.storm, options.clients)
            print(
                f"disconnects  {options.storm} clients left mid-sort: idle (no query, 0 bytes held) after {idle:.2f} s; "
                f"peak RSS {proc_status_mib(server.pid, 'VmHWM'):.0f} MB"
            )
        return 1 if errors else 0
    finally:
        server.terminate()
        server.wait(timeout=60)


if __name__ == "__main__":
    sys.exit(main())
