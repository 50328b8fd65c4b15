#!/usr/bin/env python3
"""TPC-H on the same Parquet files: jaanch against DuckDB and stock DataFusion (datafusion-python).

Generates TPC-H at --scale with tpchgen-cli (Parquet, its defaults: Snappy, row groups of
about 7 MiB) into the cargo target folder once, then runs the 22 queries (bench/tpch_queries.py)
with each engine in a process of its own, with the same number of threads:

- jaanch: `jaanch shell` over a lake.toml naming the eight files, fed the statements on
  standard input; a statement's time is the shell's own (`\\timing`), and includes writing
  its result to a CSV file. The shell's start-up is timed apart (`SELECT 1` through
  `jaanch sql`);
- DuckDB: views over read_parquet of the same files, results fetched as Arrow;
- DataFusion: datafusion-python's SessionContext with external tables over the same files,
  results collected as Arrow.

Each query runs --repeat times in a fresh process of each engine; its time is the best run,
its memory the process's peak resident set (ru_maxrss; for DuckDB and DataFusion it includes
the Python interpreter, pyarrow and the engine's module: 71 and 125 MiB once imported). The geometric mean is over the queries run.
Every engine's answers are compared with DuckDB's, number by number; a difference fails the
run.

Usage (from the repository root):

    pip install tpchgen-cli duckdb datafusion pyarrow
    python3 bench/tpch.py [--scale 1] [--threads N] [--repeat 3] [--queries 1,5,7]
                          [--engines jaanch,duckdb,datafusion] [--sort-by] [--no-build] [--profile release]

The table is printed and written to <target>/bench-tpch-sf<scale>/results.md.
"""

import argparse
import csv
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import TARGET, add_build_options, jaanch_binary, run_measured  # noqa: E402
from tpch_queries import QUERIES, TABLES  # noqa: E402

ENGINES = ["jaanch", "duckdb", "datafusion"]
NAMES = {"jaanch": "jaanch", "duckdb": "DuckDB", "datafusion": "DataFusion"}


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


def tpch_data(scale: float) -> Path:
    """The folder of the eight tables at `scale`, generated on first use."""
    folder = TARGET / f"bench-tpch-sf{scale:g}"
    if all((folder / f"{table}.parquet").exists() for table in TABLES):
        return folder
    generator = shutil.which("tpchgen-cli") or str(Path(sys.executable).parent / "tpchgen-cli")
    if not Path(generator).exists():
        raise SystemExit("tpchgen-cli not found: pip install tpchgen-cli")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"generating TPC-H scale {scale:g} into {folder} ...", flush=True)
    subprocess.run([generator, "parquet", "-s", f"{scale:g}", "-o", folder, "--overwrite"], check=True)
    return folder


# The column each table's rows are in order of, as tpchgen-cli writes them (--sort-by checks it).
KEYS = {"customer": "c_custkey", "lineitem": "l_orderkey", "nation": "n_nationkey", "orders": "o_orderkey",
        "part": "p_partkey", "partsupp": "ps_partkey", "region": "r_regionkey", "supplier": "s_suppkey"}


def check_sorted(data: Path) -> None:
    """Fails unless every table's file is in the order of its key, as --sort-by declares. Run
    in a process of its own: Linux counts the resident memory a process had when it started
    another into that one's peak, so pyarrow's here would be in every engine's."""
    subprocess.run([sys.executable, __file__, "--check-sorted", str(data)], check=True)


def check_sorted_here(data: Path) -> None:
    import numpy
    import pyarrow.parquet

    for table, key in KEYS.items():
        values = pyarrow.parquet.read_table(data / f"{table}.parquet", columns=[key])[key].to_numpy()
        if not numpy.all(values[1:] >= values[:-1]):
            raise SystemExit(f"--sort-by: {table}.parquet is not in {key} order")


def lake_config(data: Path, threads: int, memory_limit, sort_by: bool) -> Path:
    """A lake.toml naming the eight files as tables `tpch.<name>`, sorted by their keys if
    `sort_by`."""
    lines = ['name = "tpch"', "", "[runtime]", f"target_partitions = {threads}"]
    if memory_limit:
        lines.append(f'memory_limit = "{memory_limit}"')
    lines.append("")
    for table in TABLES:
        lines += ["[[table]]", f'name = "tpch.{table}"', f'location = "{table}.parquet"', 'format = "parquet"']
        if sort_by:
            lines.append(f'sort_by = ["{KEYS[table]}"]')
        lines.append("")
    path = data / "lake.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# Engines
# --------------------------------------------------------------------------------------------


def measured(command, stdin_text=""):
    """The standard output and peak resident MiB of `command`, which must succeed."""
    code, peak, _, stdout, stderr = run_measured(command, stdin_text)
    if code != 0:
        raise SystemExit(f"{Path(command[0]).name} failed (exit {code}): {stderr.strip()}")
    return stdout, peak


def run_jaanch(binary: Path, config: Path, query: int, repeat: int, answers: Path, settings):
    """The times of `repeat` runs of `query` in one `jaanch shell` fed a script on its standard
    input (the shell's `Time:` line of each statement), and the process's peak memory."""
    script = [f"SET {key} = '{value}';" for key, value in settings] + ["\\timing on", "\\format csv"]
    for run in range(repeat):
        script += [f"\\o {answers / f'q{query:02}.{run}.csv'}", QUERIES[query].strip() + ";"]
    stdout, peak = measured([str(binary), "--lake", str(config), "shell"], "\n".join(script) + "\n")
    times = [float(line.split()[1]) for line in stdout.splitlines() if line.startswith("Time: ")][-repeat:]
    if len(times) != repeat:
        raise SystemExit(f"q{query:02}: jaanch printed {len(times)} times for {repeat} runs:\n{stdout}")
    (answers / f"q{query:02}.0.csv").rename(answers / f"q{query:02}.csv")
    for run in range(1, repeat):
        (answers / f"q{query:02}.{run}.csv").unlink()
    return times, peak


def jaanch_startup(binary: Path, config: Path, repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([binary, "--lake", config, "sql", "SELECT 1"], check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def worker(engine: str, data: Path, threads: int, query: int, repeat: int, answers: Path, settings,
           sort_by: bool) -> None:
    """`repeat` runs of `query` with DuckDB or DataFusion in this process: prints each time."""
    import pyarrow
    import pyarrow.csv

    if engine == "duckdb":
        import duckdb

        con = duckdb.connect(":memory:")
        con.execute(f"SET threads = {threads}")
        con.execute("CREATE SCHEMA tpch")
        for table in TABLES:
            con.execute(f"CREATE VIEW tpch.{table} AS SELECT * FROM read_parquet('{data / table}.parquet')")

        def execute(sql):
            return con.execute(sql).to_arrow_table()
    else:
        import datafusion

        config = datafusion.SessionConfig().with_target_partitions(threads)
        for key, value in settings:
            config = config.set(key, value)
        ctx = datafusion.SessionContext(config)
        ctx.sql("CREATE SCHEMA tpch").collect()
        for table in TABLES:
            order = f" WITH ORDER ({KEYS[table]} ASC)" if sort_by else ""
            ctx.sql(f"CREATE EXTERNAL TABLE tpch.{table} STORED AS PARQUET{order} "
                    f"LOCATION '{data / table}.parquet'").collect()

        def execute(sql):
            return ctx.sql(sql).to_arrow_table()

    for run in range(repeat):
        start = time.perf_counter()
        result = execute(QUERIES[query])
        print(time.perf_counter() - start, flush=True)
        if run == 0:
            # The CSV writer takes no string views: they are written as strings.
            schema = pyarrow.schema([field.with_type(pyarrow.string()) if field.type == pyarrow.string_view()
                                     else field for field in result.schema])
            pyarrow.csv.write_csv(result.cast(schema), answers / f"q{query:02}.csv")


def run_worker(engine, data, threads, query, repeat, answers, settings, sort_by):
    stdout, peak = measured([sys.executable, __file__, "--worker", engine, "--data", str(data),
                             "--threads", str(threads), "--repeat", str(repeat),
                             "--queries", str(query), "--answers", str(answers)]
                            + [f"--set={key}={value}" for key, value in settings]
                            + (["--sort-by"] if sort_by else []))
    return [float(line) for line in stdout.split()], peak


# --------------------------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------------------------


def read_answer(path: Path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[1:] if rows else []


def same_value(a: str, b: str) -> bool:
    if a.strip() == b.strip():
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    # Decimal averages are rounded by one engine and not the other, at the 6th decimal.
    return abs(x - y) <= 1e-9 * max(abs(x), abs(y)) + 1e-4


def compare(ours, theirs):
    """None if the answers agree (in order, or as sets of rows where ties may reorder them),
    else what differs."""
    if len(ours) != len(theirs):
        return f"{len(ours)} rows against {len(theirs)}"

    def rows_agree(xs, ys):
        return all(len(x) == len(y) and all(map(same_value, x, y)) for x, y in zip(xs, ys))

    if rows_agree(ours, theirs) or rows_agree(sorted(ours), sorted(theirs)):
        return None
    for x, y in zip(ours, theirs):
        if not (len(x) == len(y) and all(map(same_value, x, y))):
            return f"row {x} against {y}"
    return "rows differ"


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--queries", default="1-22", help="e.g. 1,5,7 or 1-22")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--worker", choices=["duckdb", "datafusion"], help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--check-sorted", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--answers", help=argparse.SUPPRESS)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a DataFusion setting for jaanch and DataFusion (SET), e.g. "
                             "datafusion.execution.batch_size=16384; may be repeated")
    parser.add_argument("--sort-by", action="store_true",
                        help="declare each table sorted by its key (jaanch's sort_by, DataFusion's WITH ORDER); "
                             "tpchgen-cli writes them so, which is checked first")
    parser.add_argument("--memory-limit", help="jaanch's runtime.memory_limit, e.g. 2GiB (default: none)")
    parser.add_argument("--binary", type=Path, help="run this jaanch executable instead of building one")
    add_build_options(parser)
    args = parser.parse_args()
    if args.check_sorted:
        check_sorted_here(args.check_sorted)
        return

    queries = []
    for part in args.queries.split(","):
        first, _, last = part.partition("-")
        queries += range(int(first), int(last or first) + 1)
    if unknown := [q for q in queries if q not in QUERIES]:
        raise SystemExit(f"--queries: no TPC-H query {unknown[0]}; they are 1 to 22")
    settings = []
    for setting in args.set:
        key, equals, value = setting.partition("=")
        if not equals:
            raise SystemExit(f"--set {setting}: give KEY=VALUE")
        settings.append((key.strip(), value.strip()))
    if args.worker:
        worker(args.worker, Path(args.data), args.threads, queries[0], args.repeat, Path(args.answers), settings,
               args.sort_by)
        return
    engines = args.engines.split(",")
    if unknown := [e for e in engines if e not in ENGINES]:
        raise SystemExit(f"--engines: unknown engine {unknown[0]!r}; choose from {', '.join(ENGINES)}")

    data = tpch_data(args.scale)
    if args.sort_by:
        check_sorted(data)
    results = {engine: {} for engine in engines}
    peaks = {engine: {} for engine in engines}
    startup = None
    for engine in engines:
        answers = data / "answers" / engine
        shutil.rmtree(answers, ignore_errors=True)
        answers.mkdir(parents=True)
        print(f"{NAMES[engine]}, {args.threads} threads:", flush=True)
        if engine == "jaanch":
            binary = args.binary or jaanch_binary(args)
            config = lake_config(data, args.threads, args.memory_limit, args.sort_by)
            startup = jaanch_startup(binary, config, args.repeat)
        for query in queries:
            if engine == "jaanch":
                times, peak = run_jaanch(binary, config, query, args.repeat, answers, settings)
            else:
                times, peak = run_worker(engine, data, args.threads, query, args.repeat, answers, settings,
                                         args.sort_by)
            results[engine][query], peaks[engine][query] = min(times), peak
            print(f"  q{query:02} {min(times):8.3f} s {peak:8.0f} MiB", flush=True)

    failures = []
    if "duckdb" in engines:
        for engine in engines:
            for query in queries if engine != "duckdb" else []:
                difference = compare(
                    read_answer(data / "answers" / engine / f"q{query:02}.csv"),
                    read_answer(data / "answers" / "duckdb" / f"q{query:02}.csv"),
                )
                if difference:
                    failures.append(f"q{query:02}: {NAMES[engine]} and DuckDB differ: {difference}")

    header = "| query | " + " | ".join(f"{NAMES[e]} s | {NAMES[e]} MiB" for e in engines)
    ratios = [e for e in engines if e != "duckdb"] if "duckdb" in engines else []
    header += "".join(f" | {NAMES[e]} / DuckDB" for e in ratios) + " |"
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for query in queries:
        cells = [f"q{query:02}"]
        cells += [f"{results[e][query]:.3f} | {peaks[e][query]:.0f}" for e in engines]
        cells += [f"{results[e][query] / results['duckdb'][query]:.2f}×" for e in ratios]
        lines.append("| " + " | ".join(cells) + " |")
    means = {e: geomean([results[e][q] for q in queries]) for e in engines}
    cells = ["geomean"] + [f"{means[e]:.3f} | {max(peaks[e].values()):.0f}" for e in engines]
    cells += [f"{means[e] / means['duckdb']:.2f}×" for e in ratios]
    lines.append("| " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    context = (f"TPC-H scale {args.scale:g}, {args.threads} threads, best of {args.repeat}; "
               f"MiB: the engine process's peak resident set during the query (geomean row: the largest).")
    if args.memory_limit:
        context += f" jaanch's memory limit: {args.memory_limit}."
    if args.sort_by:
        context += " Tables declared sorted by their keys (jaanch and DataFusion)."
    if settings:
        context += " Settings: " + ", ".join(f"{k} = {v}" for k, v in settings) + "."
    if startup is not None:
        context += f" jaanch start-up (`jaanch sql 'SELECT 1'`, whole process): {startup:.3f} s, not in the times."
    print()
    print(context)
    print(table)
    (data / "results.md").write_text(context + "\n\n" + table + "\n", encoding="utf-8")
    if failures:
        print("\n".join(failures), file=sys.stderr)
        raise SystemExit(f"{len(failures)} answers differ")
    if "duckdb" in engines:
        print(f"answers agree with DuckDB's for {len(queries)} queries")


if __name__ == "__main__":
    main()
