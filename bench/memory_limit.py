#!/usr/bin/env python3
"""Peak resident memory against the lake's memory limit: a sort, a grouping and a join that
need far more than the limit, at several limits.

For each --limits value, writes a copy of the demo lake's config with `[runtime] memory_limit`
set, runs each query with `jaanch sql ... -o FILE` (the result goes to a file, as an analyst's
export would), and prints whether it finished, the process's peak resident memory (the kernel's
maxrss) and the first words of the error if it failed. The peak minus the limit is the
process's own overhead: the binary, Parquet decoding buffers, batches in flight.

Usage (from the repository root):

    python3 bench/memory_limit.py [--scale 0.3] [--limits 48,128,512] [--no-build]
                                  [--profile release] [--largest [--max-rows N]]

With --largest, synthetic queries (a number and its hash, 1 million rows doubled up to
--max-rows) find the largest sort, grouping and join that finish at each limit, and their peak.

The demo lake is generated into target/bench-demo-v{GENERATOR_VERSION}-scale{SCALE} on first use.
"""

import argparse
import sys
import tempfile
from pathlib import Path

from common import add_build_options, demo_lake, jaanch_binary, run_measured

QUERIES = {
    # The sort of the issue that asked for a limit that holds: every camera read, ordered.
    "sort": "SELECT * FROM abhay.anpr_reads ORDER BY plate_text, seen_at",
    # A grouping with about as many groups as rows.
    "group": "SELECT plate_text, camera_id, count(*) AS n, min(seen_at) AS first "
    "FROM abhay.anpr_reads GROUP BY plate_text, camera_id",
    # A join whose build side is every read.
    "join": "SELECT a.read_id, b.read_id FROM abhay.anpr_reads a "
    "JOIN abhay.anpr_reads b ON a.plate_text = b.plate_text AND a.read_id < b.read_id "
    "WHERE a.camera_id % 50 = 0",
}


# With --largest: synthetic rows (a number and its 32-character hash), N of them, doubled until
# a query fails or --max-rows is passed.
LARGEST = {
    "sort": "SELECT v, md5(CAST(v AS VARCHAR)) AS h FROM generate_series(1, {n}) AS s(v) ORDER BY h",
    "group": "SELECT md5(CAST(v AS VARCHAR)) AS h, count(*) AS n "
    "FROM generate_series(1, {n}) AS s(v) GROUP BY h",
    "join": "SELECT a.v, b.w FROM generate_series(1, {n}) AS a(v) "
    "JOIN generate_series(1, {n}) AS b(w) ON md5(CAST(a.v AS VARCHAR)) = md5(CAST(b.w AS VARCHAR))",
}


def largest(binary: Path, config: Path, limit: str, options) -> None:
    """The largest synthetic sort, grouping and join that finish at `limit`."""
    for name in options.queries.split(","):
        n, best = 1_000_000, None
        while n <= options.max_rows:
            code, peak, seconds, _, stderr = run_measured(
                [binary, "--lake", config, "sql", LARGEST[name].format(n=n), "-o", "/dev/null",
                 "--format", "csv"]
            )
            if code != 0:
                print(f"{limit:>9} {name:6} {n:>11,} rows: fails ({stderr.strip()[:160]})")
                break
            best = (n, peak, seconds)
            n *= 2
        if best:
            n, peak, seconds = best
            print(f"{limit:>9} {name:6} {n:>11,} rows finish: peak {peak:.0f} MiB, {seconds:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.3)
    parser.add_argument("--limits", default="48,128,512", help="MiB, comma-separated")
    parser.add_argument("--queries", default=",".join(QUERIES))
    parser.add_argument(
        "--largest",
        action="store_true",
        help="find the largest synthetic sort / grouping / join that finishes at each limit",
    )
    parser.add_argument("--max-rows", type=int, default=16_000_000)
    add_build_options(parser)
    options = parser.parse_args()
    binary = jaanch_binary(options)
    lake = demo_lake(binary, options.scale)
    base = (lake / "lake.toml").read_text()
    print(f"demo lake scale {options.scale:g}; peak resident MiB of `jaanch sql ... -o FILE`")
    print(f"{'limit MiB':>9} {'query':6} {'result':8} {'peak MiB':>9} {'seconds':>8}")
    with tempfile.TemporaryDirectory() as scratch:
        for limit in options.limits.split(","):
            config = lake / f"bench-memory-{limit}.toml"
            runtime = f'[runtime]\nmemory_limit = "{limit}MiB"\nspill_dir = "{scratch}/spill"\n'
            assert "[runtime]" not in base, "the demo config sets no runtime"
            config.write_text(base + "\n" + runtime)
            if options.largest:
                largest(binary, config, limit, options)
                continue
            for name in options.queries.split(","):
                out = Path(scratch) / f"{name}.csv"
                code, peak, seconds, _, stderr = run_measured(
                    [binary, "--lake", config, "sql", QUERIES[name], "-o", out]
                )
                result = "finished" if code == 0 else f"exit {code}"
                print(f"{limit:>9} {name:6} {result:8} {peak:9.0f} {seconds:8.1f}")
                if code != 0:
                    print(f"          {stderr.strip()[:300]}")
                out.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
