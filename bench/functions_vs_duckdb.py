#!/usr/bin/env python3
"""jaanch's plate functions against the best equivalent DuckDB SQL, on the same data.

Generates 10M messy plates in memory from a fixed seed (standard plates of many states with
random case, separators and missing zero padding, Bharat series, temporary, old, defence and
diplomatic plates, OCR reads with look-alike characters, Devanagari digits, garbage), writes
them once to an uncompressed Parquet file under /tmp, and times in the same run:

- jaanch: `SELECT count(plate_normalize(p)) FROM plates` and
  `SELECT count(*) FROM plates WHERE plate_is_valid(p)` through DataFusion with the police
  functions registered, over an in-memory table (`udfs/examples/plate_throughput.rs`, built in
  release mode);
- DuckDB: the same two queries written with DuckDB's string functions (translate, upper,
  regexp_replace, regexp_full_match, regexp_extract, lpad) over an in-memory DuckDB table.
  Each query has two formulations; the faster one counts.

Both engines count their results, so nothing is optimised away, and are run with 1 thread and
with all cores; each time is the best of --repeat runs. The counts of both engines must agree,
and the first 200,000 normalised plates are compared one by one.

Usage (from the repository root; `pip install duckdb pyarrow`):

    python3 bench/functions_vs_duckdb.py [--rows 10000000] [--seed 42] [--repeat 3]

The script builds the jaanch side itself with
`cargo build --release -p jaanch-udfs --example plate_throughput` (skip with --no-build).
"""

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
CHECK_ROWS = 200_000

# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------

SERIES = "ABCDEFGHJKLMNPQRSTUVWXYZ"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SEPARATORS = ["", "", "", " ", " ", "-", ".", "/", "_", "  "]
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
LOOKALIKE = str.maketrans("0125", "OIZS")
GARBAGE = ["", "UNKNOWN", "N/A", "-", "RJ14", "RJ14CA12345", "NO PLATE", "राजस्थान", "XX99ZZ9999",
           "TEMP", "??", "RJ14 CA 12#"]


def state_codes():
    with open(ROOT / "udfs/data/india_state_codes.csv", newline="") as f:
        return [row["code"] for row in csv.DictReader(f)]


def generate(rows, seed):
    """`rows` messy plates as a pyarrow string array, the same for the same seed."""
    rng = random.Random(seed)
    rand, randint, choice = rng.random, rng.randint, rng.choice
    states = state_codes()
    common = ["RJ"] * 12 + ["DL", "MH", "UP", "GJ", "HR", "PB", "MP"] + states
    chunks = []
    for start in range(0, rows, 1_000_000):
        out = []
        append = out.append
        for _ in range(min(1_000_000, rows - start)):
            r = rand()
            if r < 0.70:
                state = choice(common)
                rto = randint(1, 99 if state != "RJ" else 60)
                series = "".join(choice(SERIES) for _ in range(randint(1, 3)))
                number = randint(1, 9999)
                rto_s = str(rto) if (state == "DL" or rand() < 0.2) else f"{rto:02d}"
                number_s = str(number) if rand() < 0.25 else f"{number:04d}"
                plate = state + choice(SEPARATORS) + rto_s + choice(SEPARATORS) + series + choice(SEPARATORS) + number_s
            elif r < 0.76:
                plate = f"{randint(21, 25)} BH {randint(1, 9999):04d} {choice(SERIES)}{choice(SERIES)}"
            elif r < 0.79:
                plate = f"T{randint(1, 12):02d}{randint(20, 25)}{choice(common)}{randint(1, 9999):04d}{choice(SERIES)}"
            elif r < 0.82:
                plate = f"{choice(LETTERS)}{choice(LETTERS)}{choice(LETTERS)} {randint(1, 9999)}"
            elif r < 0.84:
                plate = f"↑{randint(0, 30):02d} {choice(LETTERS)} {randint(0, 999999):06d} {choice(LETTERS)}"
            elif r < 0.86:
                plate = f"{randint(1, 200)} {choice(['CD', 'CC', 'UN'])} {randint(1, 9999)}"
            elif r < 0.93:
                # OCR reads: look-alike letters in the number, sometimes in the state code.
                number = f"{randint(1, 9999):04d}".translate(LOOKALIKE)
                plate = f"{choice(['RJ', 'RJ', 'RI', 'R1'])}{randint(1, 52):02d}{choice(SERIES)}{choice(SERIES)}{number}"
            else:
                plate = choice(GARBAGE)
            if rand() < 0.3:
                plate = plate.lower()
            if rand() < 0.05:
                plate = plate.translate(DEVANAGARI)
            if rand() < 0.05:
                plate = " " + plate + " "
            append(plate)
        chunks.append(pa.array(out, type=pa.string()))
    return pa.chunked_array(chunks)


# --------------------------------------------------------------------------------------------
# DuckDB SQL
# --------------------------------------------------------------------------------------------


def duckdb_sql(states):
    state = "(?:" + "|".join(states) + ")"
    series = "[A-HJ-NP-Z]"
    num4 = "(?:[1-9][0-9]{0,3}|0[1-9][0-9]{0,2}|00[1-9][0-9]?|000[1-9])"
    rto2 = "(?:[1-9][0-9]?|0[1-9])"
    country3 = "(?:[1-9][0-9]{0,2}|0[1-9][0-9]?|00[1-9])"
    year = "(?:2[1-9]|[3-9][0-9])"
    month = "(?:0[1-9]|1[0-2])"
    ind = "(?:IND)?"
    std = f"^{ind}({state})({rto2})({series}{{1,3}})({num4})$"
    bh = f"^{ind}({year})BH({num4})({series}{{1,2}})$"
    tmp = f"^{ind}T({month}[0-9]{{2}})({state})({num4})({series}{{1,2}})$"
    dfc = f"^{ind}([0-9]{{2}}[A-Z][0-9]{{6}}[A-Z])$"
    dip = f"^{ind}({country3})(CD|CC|UN)({num4})$"
    old = f"^{ind}([A-Z]{{3}})({num4})$"
    every = "^" + ind + "(?:" + "|".join(p[len(ind) + 1:-1] for p in [std, bh, tmp, dfc, dip, old]) + ")$"

    # Formatting dropped: Devanagari digits to ASCII, separators and spaces removed, uppercase.
    compact_translate = (
        "upper(translate(p, '०१२३४५६७८९ \t\n\r-./_\u00a0\u2013\u2014\u2191', '0123456789'))"
    )
    compact_regex = (
        "upper(regexp_replace(translate(p, '०१२३४५६७८९', '0123456789'), "
        "'[ \\t\\n\\r\\-./_\\x{00A0}\\x{2013}\\x{2014}\\x{2191}]', '', 'g'))"
    )

    def q(s):
        return "'" + s.replace("'", "''") + "'"

    normalize_case = f"""CASE
        WHEN m.st <> '' THEN m.st || CASE WHEN m.st = 'DL' THEN ltrim(m.rto, '0') ELSE lpad(m.rto, 2, '0') END
                          || m.ser || lpad(m.num, 4, '0')
        WHEN regexp_full_match(c, {q(bh)}) THEN regexp_extract(c, {q(bh)}, 1) || 'BH'
             || lpad(regexp_extract(c, {q(bh)}, 2), 4, '0') || regexp_extract(c, {q(bh)}, 3)
        WHEN regexp_full_match(c, {q(tmp)}) THEN 'T' || regexp_extract(c, {q(tmp)}, 1) || regexp_extract(c, {q(tmp)}, 2)
             || lpad(regexp_extract(c, {q(tmp)}, 3), 4, '0') || regexp_extract(c, {q(tmp)}, 4)
        WHEN regexp_full_match(c, {q(dfc)}) THEN regexp_extract(c, {q(dfc)}, 1)
        WHEN regexp_full_match(c, {q(dip)}) THEN lpad(regexp_extract(c, {q(dip)}, 1), 3, '0')
             || regexp_extract(c, {q(dip)}, 2) || lpad(regexp_extract(c, {q(dip)}, 3), 4, '0')
        WHEN regexp_full_match(c, {q(old)}) THEN regexp_extract(c, {q(old)}, 1) || lpad(regexp_extract(c, {q(old)}, 2), 4, '0')
    END"""

    def normalized(compact, source="plates"):
        return f"""SELECT {normalize_case} AS n FROM (
            SELECT c, regexp_extract(c, {q(std)}, ['st', 'rto', 'ser', 'num']) AS m
            FROM (SELECT {compact} AS c FROM {source}))"""

    return {
        "plate_normalize": {
            "translate": f"SELECT count(n) FROM ({normalized(compact_translate)})",
            "regexp_replace": f"SELECT count(n) FROM ({normalized(compact_regex)})",
        },
        "plate_is_valid": {
            "translate": f"SELECT count(*) FROM plates WHERE regexp_full_match({compact_translate}, {q(every)})",
            "regexp_replace": f"SELECT count(*) FROM plates WHERE regexp_full_match({compact_regex}, {q(every)})",
        },
        "check": normalized(compact_translate, f"(SELECT p FROM plates WHERE rowid < {CHECK_ROWS} ORDER BY rowid)"),
    }


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------


def run_duckdb(table, threads, repeat, sql):
    con = duckdb.connect(":memory:")
    con.execute(f"SET threads = {threads}")
    con.register("plates_arrow", table)
    con.execute("CREATE TABLE plates AS SELECT * FROM plates_arrow")
    con.unregister("plates_arrow")
    results = {}
    for query in ["plate_normalize", "plate_is_valid"]:
        best = None
        for variant, text in sql[query].items():
            seconds, count = float("inf"), None
            for _ in range(repeat):
                start = time.perf_counter()
                count = con.execute(text).fetchone()[0]
                seconds = min(seconds, time.perf_counter() - start)
            print(f"  duckdb {query:16} threads={threads} {variant:15} {seconds:8.3f} s  count={count}", flush=True)
            if best is None or seconds < best["seconds"]:
                best = {"seconds": seconds, "result": count, "variant": variant}
        results[query] = best
    check = None
    if threads == 1:
        check = [row[0] for row in con.execute(sql["check"]).fetchall()]
    con.close()
    return results, check


def run_jaanch(binary, path, threads, repeat, dump):
    command = [str(binary), str(path), "--threads", str(threads), "--repeat", str(repeat)]
    if dump:
        command += ["--dump", str(CHECK_ROWS), str(dump)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    results = {}
    for line in out.splitlines():
        record = json.loads(line)
        results[record["query"]] = record
        print(f"  jaanch {record['query']:16} threads={threads} {record['string_type']:15} "
              f"{record['seconds']:8.3f} s  count={record['result']}", flush=True)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="'all cores' (default: every CPU)")
    parser.add_argument("--no-build", action="store_true", help="use the existing release binary")
    args = parser.parse_args()

    print(f"generating {args.rows:,} messy plates (seed {args.seed}) ...", flush=True)
    start = time.perf_counter()
    plates = generate(args.rows, args.seed)
    table = pa.table({"p": plates})
    path = Path(f"/tmp/jaanch_plates_{args.rows}_{args.seed}.parquet")
    pq.write_table(table, path, compression="none", row_group_size=1_000_000)
    print(f"  {time.perf_counter() - start:.1f} s, {table.nbytes / 1e6:.0f} MB, written to {path}")

    binary = ROOT / "target/release/examples/plate_throughput"
    if not args.no_build:
        build = ["cargo", "build", "--release", "-p", "jaanch-udfs", "--example", "plate_throughput"]
        print("building: " + " ".join(build), flush=True)
        subprocess.run(build, check=True, cwd=ROOT)

    sql = duckdb_sql(state_codes())
    dump = Path("/tmp/jaanch_plates_check.txt")
    report = []
    thread_counts = [1] if args.threads == 1 else [1, args.threads]
    failures = []
    for threads in thread_counts:
        print(f"threads = {threads}", flush=True)
        jaanch = run_jaanch(binary, path, threads, args.repeat, dump if threads == 1 else None)
        duck, check = run_duckdb(table, threads, args.repeat, sql)
        for query in ["plate_normalize", "plate_is_valid"]:
            j, d = jaanch[query], duck[query]
            if j["result"] != d["result"]:
                failures.append(f"{query}, {threads} threads: jaanch counts {j['result']}, DuckDB {d['result']}")
            report.append((query, threads, args.rows / j["seconds"], args.rows / d["seconds"], d["variant"]))
        if check is not None:
            ours = [None if line == "\\N" else line for line in dump.read_text().splitlines()]
            differ = [(i, plates[i].as_py(), a, b) for i, (a, b) in enumerate(zip(ours, check)) if a != b]
            if len(ours) != len(check) or differ:
                failures.append(f"normalised values differ on {len(differ)} of the first {len(check)} rows: {differ[:5]}")
            else:
                print(f"  the first {len(check):,} normalised plates agree")

    print()
    print(f"{args.rows:,} messy plates, in memory; rows/s, best of {args.repeat}")
    print(f"{'query':16} {'threads':>7} {'jaanch':>14} {'DuckDB':>14} {'ratio':>7}  DuckDB formulation")
    for query, threads, ours, theirs, variant in report:
        print(f"{query:16} {threads:>7} {ours:>14,.0f} {theirs:>14,.0f} {ours / theirs:>6.1f}x  {variant}")
    if failures:
        print("\nMISMATCH:\n  " + "\n  ".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
