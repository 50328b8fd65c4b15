#!/usr/bin/env python3
"""What access control costs: the bundled reports on the demo lake, governed vs not.

Runs every bundled report with its default parameters through the release `jaanch` binary,
once on the demo lake's plain `lake.toml` and once on a governed config of the same tables, in
alternation, --runs times each, and prints the median wall time of each and their ratio.

The governed side is as heavy as a district analyst's session, without shrinking the data: a
role granted every table, with a row filter on each table that has a district column that
keeps every row but evaluates as much as a district filter would (--filter canonical: the
district lookup `district_canonical(district)` on each row, as the demo's district analysts
have; --filter column: a plain comparison of the column, as on a lake that stores canonical
names), phone numbers masked, and every statement written to the signed audit log with fsync.
A report that joins or groups on phone numbers does other work over masked ones, so its
governed time is not only the policy's cost; those reports are marked.

Usage (from the repository root):

    python3 bench/access_overhead.py [--scale 1] [--runs 5] [--filter column|canonical]
                                     [--reports a,b] [--no-build] [--profile release]

The demo lake is generated into target/bench-demo-v{GENERATOR_VERSION}-scale{SCALE} on first use. `--profile
profiling` measures a build without the whole-program link, which rebuilds in minutes while
code changes; published figures use the release build.
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import add_build_options, demo_lake, jaanch_binary
DISTRICT_TABLES = [
    "cctns.fir",
    "cctns.accused",
    "cctns.stolen_vehicles",
    "abhay.cameras",
    "abhay.dial112_calls",
    "vahan.registrations",
    "telecom.subscribers",
    "portal.complaints",
]
# Values for the parameters that have no default.
PARAMS = {"vehicle_history": ["-p", "plate=RJ14CA0012"]}
# Reports whose results depend on phone numbers: masking changes their work, not only adds to it.
PHONE_REPORTS = {"repeat_offenders", "sim_identity_mismatch", "weapon_posts"}

ACCESS = """
[audit]
dir = "bench-audit"
signing_key = "keys/audit.key"
sign_every = 100

[[role]]
name = "all_districts"
tables = ["cctns.*", "abhay.*", "vahan.*", "telecom.*", "portal.*", "social.*", "ref.*", "truth.*"]
{filters}
mask."*.phone" = "phone_mask"
mask."*.mobile" = "phone_mask"
mask."vahan.registrations.owner_phone" = "phone_mask"
mask."abhay.dial112_calls.caller" = "phone_mask"

[[user]]
name = "bench"
role = "all_districts"
"""


def run(args, **kwargs):
    return subprocess.run(args, check=True, text=True, **kwargs)


# Row filters that keep every row: as heavy as a district filter of each kind.
FILTERS = {
    # The demo's district analysts: district names as written, folded by the police function.
    "canonical": "coalesce(district_canonical(district), '') <> '#'",
    # A lake that stores canonical district names: a plain comparison, pushed into the scan.
    "column": "coalesce(district, '') <> '#'",
}


def prepare(binary: Path, scale: float, kind: str) -> Path:
    lake = demo_lake(binary, scale)
    filters = "\n".join(f'row_filter."{t}" = "{FILTERS[kind]}"' for t in DISTRICT_TABLES)
    (lake / "bench-access.toml").write_text(ACCESS.format(filters=filters))
    governed = (lake / "governed.toml").read_text().replace(
        'file = "access.toml"', 'file = "bench-access.toml"'
    )
    (lake / "bench-governed.toml").write_text(governed)
    return lake


def timed(args) -> float:
    started = time.perf_counter()
    run(args, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--filter",
        choices=sorted(FILTERS),
        default="canonical",
        help="the kind of row filter (default: canonical, as the demo's district analysts)",
    )
    parser.add_argument(
        "--reports",
        help="comma-separated report names (default: every bundled report)",
    )
    add_build_options(parser)
    options = parser.parse_args()
    binary = jaanch_binary(options)
    lake = prepare(binary, options.scale, options.filter)
    listed = run(
        [binary, "--lake", lake / "lake.toml", "reports", "--format", "tsv"],
        capture_output=True,
    ).stdout
    names = [line.split("\t")[0] for line in listed.splitlines()[1:] if line]
    if options.reports:
        names = [name for name in names if name in options.reports.split(",")]
    plain = [binary, "--lake", lake / "lake.toml"]
    governed = [binary, "--lake", lake / "bench-governed.toml", "--user", "bench"]
    print(
        f"demo lake scale {options.scale:g}, {options.filter} row filters, "
        f"{options.runs} runs each, median wall seconds"
    )
    print(f"{'report':28} {'plain':>8} {'governed':>9} {'ratio':>7}")
    totals = [0.0, 0.0]
    comparable = [0.0, 0.0]
    for name in names:
        times = ([], [])
        for _ in range(options.runs):
            for side, command in enumerate((plain, governed)):
                args = ["run", name, *PARAMS.get(name, []), "--format", "csv"]
                times[side].append(timed(command + args))
        medians = [statistics.median(t) for t in times]
        totals = [a + b for a, b in zip(totals, medians)]
        if name not in PHONE_REPORTS:
            comparable = [a + b for a, b in zip(comparable, medians)]
        mark = " (masked phones change its work)" if name in PHONE_REPORTS else ""
        print(
            f"{name:28} {medians[0]:8.3f} {medians[1]:9.3f} {medians[1] / medians[0]:7.3f}{mark}"
        )
    print(f"{'all reports':28} {totals[0]:8.3f} {totals[1]:9.3f} {totals[1] / totals[0]:7.3f}")
    print(
        f"{'comparable reports':28} {comparable[0]:8.3f} {comparable[1]:9.3f} "
        f"{comparable[1] / comparable[0]:7.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
