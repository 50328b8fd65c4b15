#!/usr/bin/env python3
"""The police workload: jaanch's saved reports against hand-written DuckDB SQL on the same files.

For each --scales value, on the demo lake, runs every saved report twice: in `jaanch shell`
(`\\r REPORT`) and with DuckDB running `bench/duckdb/REPORT.sql`, the same logic written with
DuckDB's string functions and the macros of `bench/duckdb/macros.sql` (plate look-alike
classes with `translate`, phone numbers with `regexp_replace`, the Aadhaar Verhoeff check with
`list_reduce`) and `bench/duckdb/lookups.sql` (districts by every spelling the reference
tables list, after the words around a typed name are taken off; no typo is found) where
jaanch has police functions; FIR sections are read with regular expressions. Both answers are
scored against the lake's ground truth as `bench/accuracy.py` does, and the table gives each
engine's time, peak memory, recall and precision, best time of --repeat runs.

DuckDB reads the lake's Parquet files through views: the two Delta tables (`cctns.fir`,
`cctns.stolen_vehicles`) through the data files of their latest version, read from the Delta log
(DuckDB's Delta extension is downloaded at run time), and the reference tables (`ref.districts`,
`ref.police_districts`, `ref.ipc_bns`, built into jaanch) written out as Parquet by jaanch
first. Both engines' times are the query's alone, in a process already started: jaanch's is
the shell's own (`\\timing`) of `\\r REPORT` in a new `jaanch shell` (opening the lake's tables
included), DuckDB's is timed in its process after Python, the module and the views are loaded.
With --open-first, the shell first opens every table DuckDB has a view of (`SELECT * FROM
TABLE LIMIT 0`: the Delta log read, the files listed and their schemas), as DuckDB's views and
its Delta file lists exist before its timer starts; the report's time is then that of the
first statement run after them. The table gives jaanch's whole process too (start-up and
writing the result included). Peak
memory is each process's peak resident set (DuckDB's includes Python and its module, about
70 MiB).

Usage (from the repository root; needs `pip install duckdb`):

    python3 bench/reports_vs_duckdb.py [--scales 1] [--reports NAME,...] [--threads 2]
                                       [--repeat 3] [--binary PATH] [--no-build]
                                       [--profile release] [--open-first]
"""

import argparse
import re
import sys
import tempfile
from pathlib import Path

from accuracy import REPORTS as SCORED, SCORERS, Lake, fraction, read_csv
from common import add_build_options, delta_files, demo_lake, jaanch_binary, run_measured

HERE = Path(__file__).resolve().parent
# The scored reports written for DuckDB too.
REPORTS = [r for r in SCORED if (HERE / "duckdb" / f"{r}.sql").exists()]

# Runs one DuckDB query into a CSV file; prints the query's seconds.
RUNNER = """
import sys, time, duckdb
views, macros, lookups, query, out, threads = sys.argv[1:7]
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
con.execute("SET enable_progress_bar = false")
con.execute(open(macros, encoding="utf-8").read())
con.execute(open(views, encoding="utf-8").read())
con.execute(open(lookups, encoding="utf-8").read())
sql = open(query, encoding="utf-8").read()
started = time.perf_counter()
con.execute(f"COPY ({sql}) TO '{out}' (HEADER, DELIMITER ',')")
print(time.perf_counter() - started)
"""

# The tables DuckDB has views of, as jaanch names them (a view takes the table's name, the
# files are in the folder the name spells): the reference tables built into jaanch, the Delta
# tables, and the folders of Parquet files.
REFERENCE = ["ref.districts", "ref.police_districts", "ref.ipc_bns"]
DELTA = ["cctns.fir", "cctns.stolen_vehicles"]
PARQUET = ["cctns.accused", "abhay.anpr_reads", "abhay.cameras", "telecom.subscribers",
           "social.posts", "vahan.registrations", "abhay.dial112_calls"]
VIEWED = REFERENCE + DELTA + PARQUET

# Parameters the DuckDB texts take, with the reports' defaults.
DEFAULTS = {"min_firs": "2"}


def literal(value: str) -> str:
    """A parameter's value as a DuckDB literal: a date (`2025-10-01`) or text."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return f"DATE '{value}'"
    return "'" + value.replace("'", "''") + "'"


def best_of(repeat: int, run):
    """The run with the fewest seconds of `repeat` runs of `run() -> (rows, seconds, peak)`."""
    return min((run() for _ in range(repeat)), key=lambda result: result[1])


class JaanchLake(Lake):
    """The lake through `jaanch shell`, best of `repeat` processes: a report's seconds are the
    shell's `Time:` of `\\r REPORT`, the first statement of a new process; `process` adds up
    each report's best whole processes (vehicle_history runs once per vehicle)."""

    def __init__(self, binary: Path, folder: Path, scratch: Path, repeat: int, open_first: bool):
        super().__init__(binary, folder, scratch)
        self.repeat, self.process, self.open_first = repeat, {}, open_first

    def run(self, report: str, params: dict) -> tuple:
        runs = [self.once(report, params) for _ in range(self.repeat)]
        self.process[report] = self.process.get(report, 0.0) + min(run[3] for run in runs)
        return min(runs, key=lambda run: run[1])[:3]

    def once(self, report: str, params: dict) -> tuple:
        """(rows, the statement's seconds, peak MiB, the process's seconds) of one run."""
        if any('"' in value for value in params.values()):
            raise SystemExit(f"{report}: a parameter value with a double quote: {params}")
        arguments = "".join(f' {name}="{value}"' for name, value in params.items())
        opened = VIEWED if self.open_first else []
        script = ["\\timing on"]
        if opened:
            script += ["\\o /dev/null"] + [f"SELECT * FROM {table} LIMIT 0;" for table in opened]
        script += ["\\format csv", f"\\o {self.result_file()}", f"\\r {report}{arguments}"]
        rows, seconds, peak, stdout = self._measured(
            f"report {report}", ["--lake", self.config, "shell"], "\n".join(script) + "\n")
        times = [float(line.split()[1]) for line in stdout.splitlines() if line.startswith("Time: ")]
        if len(times) != len(opened) + 1:
            raise SystemExit(f"report {report}: the shell printed {len(times)} times:\n{stdout}")
        return rows, times[-1], peak, seconds


class DuckLake(Lake):
    """The same lake, its reports run by DuckDB from bench/duckdb/REPORT.sql; the truth is
    still read through jaanch."""

    def __init__(self, binary: Path, folder: Path, scratch: Path, repeat: int, threads: int):
        super().__init__(binary, folder, scratch)
        self.repeat, self.threads = repeat, threads
        self.views = scratch / "views.sql"
        self.views.write_text(self.write_views(folder, scratch), encoding="utf-8")

    def write_views(self, folder: Path, scratch: Path) -> str:
        """DuckDB views over the lake's files; the reference tables exported as Parquet first."""
        def name(table: str) -> str:
            return table.split(".")[1]

        def location(table: str) -> Path:
            return folder / table.replace(".", "/")

        views = []
        for table in REFERENCE:
            path = scratch / f"{name(table)}.parquet"
            code, _, _, _, err = run_measured([self.binary, "sql", "--lake", self.config, "--format",
                                               "parquet", "-o", path, f"SELECT * FROM {table}"])
            if code != 0:
                raise SystemExit(f"export of {table} failed: {err.strip()}")
            views.append(f"CREATE VIEW {name(table)} AS SELECT * FROM read_parquet('{path}');")
        for table in DELTA:
            files = ", ".join(f"'{path}'" for path in delta_files(location(table)))
            views.append(f"CREATE VIEW {name(table)} AS SELECT * FROM "
                         f"read_parquet([{files}], hive_partitioning = true);")
        for table in PARQUET:
            files = location(table) / "**" / "*.parquet"
            views.append(f"CREATE VIEW {name(table)} AS SELECT * FROM "
                         f"read_parquet('{files}', hive_partitioning = true);")
        return "\n".join(views)

    def run(self, report: str, params: dict) -> tuple:
        sql = (HERE / "duckdb" / f"{report}.sql").read_text(encoding="utf-8")
        values = {**DEFAULTS, **{k: literal(v) for k, v in params.items()}}
        # Longest names first, so that $to does not replace part of a longer name.
        for name in sorted(values, key=len, reverse=True):
            sql = sql.replace(f"${name}", values[name])
        query = self.scratch / "query.sql"
        query.write_text(sql, encoding="utf-8")
        out = self.scratch / "duckdb.csv"

        def once():
            code, peak, _, stdout, stderr = run_measured(
                [sys.executable, "-c", RUNNER, self.views, HERE / "duckdb" / "macros.sql",
                 HERE / "duckdb" / "lookups.sql", query, out, self.threads])
            if code != 0:
                raise SystemExit(f"DuckDB {report} failed: {stderr.strip()}")
            rows = read_csv(out)
            return rows, float(stdout.strip()), peak

        return best_of(self.repeat, once)


def table(results: list) -> str:
    lines = [
        "| scale | report | jaanch s | DuckDB s | jaanch / DuckDB | jaanch MiB | DuckDB MiB "
        "| jaanch recall | DuckDB recall | jaanch precision | DuckDB precision | jaanch process s |",
        "|" + "---|" * 12,
    ]
    for scale, report, ours, theirs, process in results:
        def recall(s):
            value = s.readable_recall if s.readable is not None else s.recall
            return fraction(value) + (" (readable)" if s.readable is not None else "")
        lines.append(
            f"| {scale:g} | {report} | {ours.seconds:.2f} | {theirs.seconds:.2f} | "
            f"{ours.seconds / theirs.seconds:.2f}× | {ours.peak:.0f} | {theirs.peak:.0f} | "
            f"{recall(ours)} | {recall(theirs)} | {fraction(ours.precision)} | "
            f"{fraction(theirs.precision)} | {process:.2f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1", help="demo lake scales, comma-separated")
    parser.add_argument("--reports", default=",".join(REPORTS))
    parser.add_argument("--threads", type=int, default=2, help="DuckDB's threads")
    parser.add_argument("--repeat", type=int, default=3, help="runs per engine; the best counts")
    parser.add_argument("--binary", type=Path, help="run this jaanch executable instead of building one")
    parser.add_argument("--open-first", action="store_true",
                        help="time each report after the shell has opened the tables DuckDB has views of")
    add_build_options(parser)
    options = parser.parse_args()
    binary = options.binary or jaanch_binary(options)
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        for scale in (float(s) for s in options.scales.split(",")):
            folder = demo_lake(binary, scale)
            ours = JaanchLake(binary, folder, scratch, options.repeat, options.open_first)
            theirs = DuckLake(binary, folder, scratch, options.repeat, options.threads)
            for report in options.reports.split(","):
                a, b = SCORERS[report](ours), SCORERS[report](theirs)
                results.append((scale, report, a, b, ours.process[report]))
                print(f"scale {scale:g} {report}: jaanch {a.seconds:.2f} s, DuckDB {b.seconds:.2f} s",
                      file=sys.stderr, flush=True)
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
