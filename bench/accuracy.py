#!/usr/bin/env python3
"""Recall and precision of the saved reports against the demo lake's planted ground truth.

The demo generator records what it planted in the `truth` schema: the stolen vehicles' sightings,
the repeat offenders' rows, the SIMs in someone else's name, the weapon posts of accused
persons, and look-alikes each report must not return (`truth.decoys`). For each --scales value
this script generates the demo lake once, runs each report in a process of its own
(`jaanch run REPORT --format csv -o FILE`) and scores its rows as tests/reports.rs does:

- stolen_vehicle_sightings, over every ANPR day: (fir_id, read_id) pairs against
  truth.stolen_sightings; if that table has `readable`, the recall of the readable reads
  too (garbled reads, which no look-alike rule recovers, left out);
- repeat_offenders: each reported group stands for the planted person most of its rows belong
  to; rows of anyone else in it are errors (precision: right rows / reported rows; recall:
  planted accused ids found in their own person's group / planted accused ids). Its found rows
  are the accused ids reported;
- sim_identity_mismatch: msisdns against truth.sim_identity_mismatch;
- weapon_posts, over every day of social.posts: posts linked to an accused person against
  truth.weapon_posts.

A decoy is reported when its read, msisdn or post is among the report's, or, for
repeat_offenders, when it is grouped with a row of the person it resembles. A lake without
truth.decoys (an older generator) shows n/a for them. Seconds and peak MiB are those of the
`jaanch run` process (its ru_maxrss).

Usage (from the repository root):

    python3 bench/accuracy.py [--scales 0.05,1] [--reports stolen_vehicle_sightings,...]
                              [--min 0.99] [--out FILE] [--sql-dir sql] [--binary PATH]
                              [--no-build] [--profile release]

With --sql-dir sql, the reports are read from the source folder rather than the binary, so an
edited report is measured without a rebuild. Exits with 1 if a report fails to run, or, with --min, after the table if any recall or
precision is below it. The demo lakes are generated into
target/bench-demo-v{GENERATOR_VERSION}-scale{SCALE} on first use.
"""

import argparse
import csv
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from common import add_build_options, demo_lake, jaanch_binary, run_measured

REPORTS = ["stolen_vehicle_sightings", "repeat_offenders", "sim_identity_mismatch", "weapon_posts"]


# --------------------------------------------------------------------------------------------
# The lake
# --------------------------------------------------------------------------------------------


def read_csv(path: Path) -> list:
    """The rows of a CSV file with a header, as dicts of text."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class Lake:
    """A demo lake, queried and its reports run through the `jaanch` binary, one process each;
    results go through CSV files in `scratch`. The reports are the binary's bundled ones, or
    with `sql_dir` the files `sql_dir/REPORT.sql`."""

    def __init__(self, binary: Path, folder: Path, scratch: Path, sql_dir: Optional[Path] = None):
        self.binary, self.config, self.scratch = binary, folder / "lake.toml", scratch
        self.sql_dir = sql_dir

    def _csv(self, what: str, args: list) -> tuple:
        """Runs `jaanch ARGS --format csv -o FILE`; returns (rows as dicts, seconds, peak MiB)."""
        out = self.scratch / "result.csv"
        code, peak, seconds, _, stderr = run_measured(
            [self.binary, *args, "--lake", self.config, "--format", "csv", "-o", out]
        )
        if code != 0:
            message = stderr.strip().splitlines()[-1] if stderr.strip() else "no message"
            raise SystemExit(f"{what} failed on {self.config} (exit {code}): {message}")
        rows = read_csv(out)
        out.unlink()
        return rows, seconds, peak

    def query(self, sql: str) -> list:
        """The rows of `sql`, as dicts of text."""
        return self._csv(f"query {sql!r}", ["sql", sql])[0]

    def run(self, report: str, params: dict) -> tuple:
        """The report's rows, and the seconds and peak MiB of its process."""
        args = ["run", self.sql_dir / f"{report}.sql" if self.sql_dir else report]
        for name, value in params.items():
            args += ["-p", f"{name}={value}"]
        return self._csv(f"report {report}", args)

    def has_table(self, schema: str, table: str) -> bool:
        rows = self.query("SELECT count(*) AS n FROM information_schema.tables "
                          f"WHERE table_schema = '{schema}' AND table_name = '{table}'")
        return rows[0]["n"] != "0"

    def has_column(self, schema: str, table: str, column: str) -> bool:
        rows = self.query("SELECT count(*) AS n FROM information_schema.columns "
                          f"WHERE table_schema = '{schema}' AND table_name = '{table}' "
                          f"AND column_name = '{column}'")
        return rows[0]["n"] != "0"

    def decoys(self, report: str) -> Optional[list]:
        """The (key, of) of the decoys planted for `report`, or None without truth.decoys."""
        if not self.has_table("truth", "decoys"):
            return None
        rows = self.query(f"SELECT key, of FROM truth.decoys WHERE report = '{report}'")
        return [(row["key"], row["of"]) for row in rows]


# --------------------------------------------------------------------------------------------
# Scores
# --------------------------------------------------------------------------------------------


@dataclass
class Score:
    truth: int
    found: int
    recall: Optional[float]
    precision: Optional[float]
    decoys: Optional[int] = None
    decoys_reported: Optional[int] = None
    # stolen_vehicle_sightings: the truth rows of readable reads, and their recall.
    readable: Optional[int] = None
    readable_recall: Optional[float] = None
    seconds: float = 0.0
    peak: float = 0.0


def ratio(part: int, whole: int) -> Optional[float]:
    return part / whole if whole else None


def set_score(found: set, truth: set) -> Score:
    hits = len(found & truth)
    return Score(len(truth), len(found), ratio(hits, len(truth)), ratio(hits, len(found)))


def count_decoys(score: Score, decoys: Optional[list], reported) -> Score:
    """Sets the decoy counts of `score`: `reported(key, of)` says whether a decoy was reported."""
    if decoys is not None:
        score.decoys = len(decoys)
        score.decoys_reported = sum(1 for key, of in decoys if reported(key, of))
    return score


def stolen_vehicle_sightings(lake: Lake) -> Score:
    days = lake.query("SELECT min(dt) AS first, max(dt) AS last FROM abhay.anpr_reads")[0]
    rows, seconds, peak = lake.run("stolen_vehicle_sightings", {"from": days["first"], "to": days["last"]})
    found = {(row["fir_id"], row["read_id"]) for row in rows}
    readable = lake.has_column("truth", "stolen_sightings", "readable")
    columns = "fir_id, read_id" + (", readable" if readable else "")
    truth_rows = lake.query(f"SELECT {columns} FROM truth.stolen_sightings")
    score = set_score(found, {(row["fir_id"], row["read_id"]) for row in truth_rows})
    if readable:
        legible = {(row["fir_id"], row["read_id"]) for row in truth_rows if row["readable"] == "true"}
        score.readable, score.readable_recall = len(legible), ratio(len(found & legible), len(legible))
    reads = {read for _, read in found}
    score.seconds, score.peak = seconds, peak
    return count_decoys(score, lake.decoys("stolen_vehicle_sightings"), lambda key, _: key in reads)


def accused_ids(text: str) -> list:
    """A list column as the CSV prints it, `[1, 2, 3]`."""
    return [part.strip() for part in text.strip("[]").split(",") if part.strip()]


def repeat_offenders(lake: Lake) -> Score:
    rows, seconds, peak = lake.run("repeat_offenders", {})
    person_of = {row["accused_id"]: row["person_id"]
                 for row in lake.query("SELECT accused_id, person_id FROM truth.repeat_offenders")}
    groups = [accused_ids(row["accused_ids"]) for row in rows]
    right = reported = 0
    found = set()
    for ids in groups:
        # The group stands for the person most of its rows belong to (None: no planted one).
        person, count = Counter(person_of.get(i) for i in ids).most_common(1)[0]
        reported += len(ids)
        if person is not None:
            right += count
            found.update(i for i in ids if person_of.get(i) == person)
    # Found rows: the accused ids reported, over which the precision is.
    score = Score(len(person_of), reported, ratio(len(found), len(person_of)), ratio(right, reported),
                  seconds=seconds, peak=peak)
    # A namesake is reported if a group holds it and a row of the offender it resembles.
    persons_with = {}
    for ids in groups:
        persons = {person_of.get(i) for i in ids}
        for i in ids:
            persons_with.setdefault(i, set()).update(persons)
    return count_decoys(score, lake.decoys("repeat_offenders"),
                        lambda key, of: of in persons_with.get(key, ()))


def sim_identity_mismatch(lake: Lake) -> Score:
    rows, seconds, peak = lake.run("sim_identity_mismatch", {})
    found = {row["msisdn"] for row in rows}
    truth = {row["msisdn"] for row in lake.query("SELECT DISTINCT msisdn FROM truth.sim_identity_mismatch")}
    score = set_score(found, truth)
    score.seconds, score.peak = seconds, peak
    return count_decoys(score, lake.decoys("sim_identity_mismatch"), lambda key, _: key in found)


def weapon_posts(lake: Lake) -> Score:
    days = lake.query("SELECT CAST(min(posted_at) AS DATE) AS first, "
                      "CAST(max(posted_at) AS DATE) AS last FROM social.posts")[0]
    rows, seconds, peak = lake.run("weapon_posts", {"from": days["first"], "to": days["last"]})
    # Posts linked to an accused person: the CSV prints a NULL accused_ids as nothing.
    found = {row["post_id"] for row in rows if row["accused_ids"] != ""}
    truth = {row["post_id"] for row in lake.query("SELECT post_id FROM truth.weapon_posts")}
    score = set_score(found, truth)
    score.seconds, score.peak = seconds, peak
    return count_decoys(score, lake.decoys("weapon_posts"), lambda key, _: key in found)


SCORERS = {
    "stolen_vehicle_sightings": stolen_vehicle_sightings,
    "repeat_offenders": repeat_offenders,
    "sim_identity_mismatch": sim_identity_mismatch,
    "weapon_posts": weapon_posts,
}


# --------------------------------------------------------------------------------------------
# Table
# --------------------------------------------------------------------------------------------


def fraction(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def count(value: Optional[int]) -> str:
    return "n/a" if value is None else f"{value:,}"


def table(results: list) -> str:
    """The Markdown table of (scale, report, Score) rows."""
    header = ["scale", "report", "truth rows", "found rows", "recall", "precision",
              "decoys planted", "decoys reported", "seconds", "peak MiB"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for scale, report, s in results:
        truth, recall = count(s.truth), fraction(s.recall)
        if s.readable is not None:
            truth += f" ({s.readable:,} readable)"
            recall += f" (readable {fraction(s.readable_recall)})"
        cells = [f"{scale:g}", report, truth, count(s.found), recall, fraction(s.precision),
                 count(s.decoys), count(s.decoys_reported), f"{s.seconds:.2f}", f"{s.peak:.0f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def below(results: list, minimum: float) -> list:
    """What falls below `minimum`: the recall (of readable reads, where the truth says which
    are) and the precision of each report."""
    failures = []
    for scale, report, s in results:
        recall = s.readable_recall if s.readable is not None else s.recall
        for name, value in [("recall", recall), ("precision", s.precision)]:
            if value is not None and value < minimum:
                failures.append(f"scale {scale:g} {report}: {name} {value:.4f} < {minimum:g}")
    return failures


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="0.05,1", help="demo lake scales, comma-separated")
    parser.add_argument("--reports", default=",".join(REPORTS))
    parser.add_argument("--min", type=float, help="exit with 1 if a recall or precision is below this")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    parser.add_argument("--binary", type=Path, help="run this jaanch executable instead of building one")
    parser.add_argument("--sql-dir", type=Path, help="run the reports from DIR/REPORT.sql (e.g. sql, after "
                        "editing one) instead of those bundled in the binary")
    add_build_options(parser)
    options = parser.parse_args()
    scales = [float(s) for s in options.scales.split(",")]
    reports = options.reports.split(",")
    if unknown := [r for r in reports if r not in SCORERS]:
        raise SystemExit(f"--reports: no report {unknown[0]!r} to score; choose from {', '.join(REPORTS)}")

    binary = options.binary or jaanch_binary(options)
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for scale in scales:
            lake = Lake(binary, demo_lake(binary, scale), Path(scratch), options.sql_dir)
            for report in reports:
                score = SCORERS[report](lake)
                results.append((scale, report, score))
                print(f"scale {scale:g} {report}: recall {fraction(score.recall)}, "
                      f"precision {fraction(score.precision)}, {score.seconds:.2f} s", flush=True)

    reports_run = f"the reports of {options.sql_dir}" if options.sql_dir else "the binary's bundled reports"
    context = (f"Saved reports against the demo lake's planted truth (`truth.*`), {reports_run}; "
               "seconds and peak MiB: the `jaanch run` process (its peak resident set).")
    text = context + "\n\n" + table(results) + "\n"
    print()
    print(text, end="")
    if options.out:
        options.out.write_text(text, encoding="utf-8")
    if options.min is not None and (failures := below(results, options.min)):
        print("\n".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
