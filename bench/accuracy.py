#!/usr/bin/env python3
"""Recall and precision of the saved reports against the demo lake's planted ground truth.

The demo generator records what it planted in the `truth` schema: the stolen vehicles' sightings
and every read of them, the repeat offenders' rows, the SIMs in someone else's name, the weapon
posts of accused persons, every FIR's and call's district and FIR's offences, and look-alikes
each report must not return (`truth.decoys`). For each --scales value
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

The reports that count rather than list are scored on what they count, over every FIR (or
call) of the lake: each count of the report (district and column, say) against the same count
taken by the planted district (truth.firs, truth.dial112_calls) or offence (truth.fir_offences);
a count reported too high or too low misses by the difference (found: the report's counts
summed; precision: counts in the right cell / counts reported; recall: / counts planted):

- case_pendency: FIRs, pending, charge-sheeted and closed, by district;
- district_crime_summary: FIRs in the period and in the one before, by district and category;
- dial112_response: calls by district and category (the percentiles are approximate by design
  and not scored);
- ipc_bns_transition: FIRs by month and offence, and how many cited it as IPC or not;
- vehicle_history, for up to 20 stolen vehicles read by cameras, each asked by its plate as the
  theft FIR wrote it: its events (registration, theft, recovery, every read of it:
  truth.stolen_vehicle_reads) against the report's rows; reads of look-alike plates one
  character away are its decoys.

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
from datetime import date, timedelta
from pathlib import Path
from typing import Optional

from common import add_build_options, demo_lake, jaanch_binary, run_measured

REPORTS = ["stolen_vehicle_sightings", "repeat_offenders", "sim_identity_mismatch", "weapon_posts",
           "case_pendency", "district_crime_summary", "dial112_response", "ipc_bns_transition",
           "vehicle_history"]


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

    def _measured(self, what: str, args: list, stdin_text: str = "") -> tuple:
        """Runs `jaanch ARGS`, which writes its result to `result_file()` as CSV; returns (rows
        as dicts, seconds, peak MiB, standard output). Its failure ends the benchmark with
        jaanch's last line of error."""
        out = self.result_file()
        out.unlink(missing_ok=True)
        code, peak, seconds, stdout, stderr = run_measured([self.binary, *args], stdin_text)
        if code != 0 or not out.exists():
            message = stderr.strip().splitlines()[-1] if stderr.strip() else "no message"
            raise SystemExit(f"{what} failed on {self.config} (exit {code}): {message}")
        rows = read_csv(out)
        out.unlink()
        return rows, seconds, peak, stdout

    def result_file(self) -> Path:
        return self.scratch / "result.csv"

    def _csv(self, what: str, args: list) -> tuple:
        """Runs `jaanch ARGS --format csv -o FILE`; returns (rows as dicts, seconds, peak MiB)."""
        command = [*args, "--lake", self.config, "--format", "csv", "-o", self.result_file()]
        return self._measured(what, command)[:3]

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

    def decoys(self, report: str, kind: Optional[str] = None) -> Optional[list]:
        """The (key, of) of the decoys planted for `report` (of that `kind` only, if given), or
        None without truth.decoys."""
        if not self.has_table("truth", "decoys"):
            return None
        of_kind = f" AND kind = '{kind}'" if kind else ""
        rows = self.query(f"SELECT key, of FROM truth.decoys WHERE report = '{report}'{of_kind}")
        return [(row["key"], row["of"]) for row in rows]

    def days(self, table: str, column: str) -> tuple:
        """The first and last day of `column` (a date or timestamp) in `table`, as text."""
        days = self.query(f"SELECT CAST(min({column}) AS DATE) AS first, "
                          f"CAST(max({column}) AS DATE) AS last FROM {table}")[0]
        return days["first"], days["last"]


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
    first, last = lake.days("abhay.anpr_reads", "dt")
    rows, seconds, peak = lake.run("stolen_vehicle_sightings", {"from": first, "to": last})
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
    first, last = lake.days("social.posts", "posted_at")
    rows, seconds, peak = lake.run("weapon_posts", {"from": first, "to": last})
    # Posts linked to an accused person: the CSV prints a NULL accused_ids as nothing.
    found = {row["post_id"] for row in rows if row["accused_ids"] != ""}
    truth = {row["post_id"] for row in lake.query("SELECT post_id FROM truth.weapon_posts")}
    score = set_score(found, truth)
    score.seconds, score.peak = seconds, peak
    return count_decoys(score, lake.decoys("weapon_posts"), lambda key, _: key in found)


def count_score(reported: list, truth: list, keys: list, columns: list) -> Score:
    """Scores the counts of `reported` rows against those of `truth` rows, cell by cell: the
    rows are keyed by `keys`, and each of `columns` is a count (a missing cell counts 0)."""
    def cells(rows):
        counts = Counter()
        for row in rows:
            key = tuple(row[k] for k in keys)
            for column in columns:
                counts[key + (column,)] += int(row[column] or 0)
        return counts

    found, planted = cells(reported), cells(truth)
    hits = sum(min(n, planted[cell]) for cell, n in found.items())
    total_found, total_planted = sum(found.values()), sum(planted.values())
    return Score(total_planted, total_found, ratio(hits, total_planted), ratio(hits, total_found))


def counted(lake: Lake, report: str, params: dict, truth_sql: str, keys: list, columns: list) -> Score:
    """Runs `report` with `params` and scores its counts against those of `truth_sql`."""
    rows, seconds, peak = lake.run(report, params)
    score = count_score(rows, lake.query(truth_sql), keys, columns)
    score.seconds, score.peak = seconds, peak
    return score


def in_days(column: str, first: str, last: str) -> str:
    return f"{column} >= DATE '{first}' AND {column} < DATE '{last}' + INTERVAL '1 day'"


def case_pendency(lake: Lake) -> Score:
    first, last = lake.days("cctns.fir", "registered_at")
    return counted(
        lake, "case_pendency", {"from": first, "to": last},
        "SELECT t.district, count(*) AS firs, "
        "count(*) FILTER (WHERE f.status = 'Under Investigation') AS pending, "
        "count(*) FILTER (WHERE f.status = 'Chargesheeted') AS chargesheeted, "
        "count(*) FILTER (WHERE f.status LIKE 'Final Report%') AS closed "
        "FROM cctns.fir f JOIN truth.firs t USING (fir_id) "
        f"WHERE {in_days('f.registered_at', first, last)} GROUP BY t.district",
        ["district"], ["firs", "pending", "chargesheeted", "closed"])


def district_crime_summary(lake: Lake) -> Score:
    # The later half of the FIRs' years against the earlier half.
    first, last = lake.days("cctns.fir", "registered_at")
    start, end = date.fromisoformat(first), date.fromisoformat(last) + timedelta(days=1)
    middle = start + (end - start) // 2
    previous = middle - (end - middle)
    return counted(
        lake, "district_crime_summary", {"from": middle.isoformat(), "to": last},
        "SELECT t.district, f.category, "
        f"count(*) FILTER (WHERE f.registered_at >= DATE '{middle}') AS firs, "
        f"count(*) FILTER (WHERE f.registered_at < DATE '{middle}') AS previous_firs "
        "FROM cctns.fir f JOIN truth.firs t USING (fir_id) "
        f"WHERE f.registered_at >= DATE '{previous}' AND f.registered_at < DATE '{end}' "
        "GROUP BY t.district, f.category",
        ["district", "category"], ["firs", "previous_firs"])


def dial112_response(lake: Lake) -> Score:
    first, last = lake.days("abhay.dial112_calls", "received_at")
    return counted(
        lake, "dial112_response", {"from": first, "to": last},
        "SELECT t.district, c.category, count(*) AS calls "
        "FROM abhay.dial112_calls c JOIN truth.dial112_calls t USING (call_id) "
        "WHERE c.response_seconds IS NOT NULL GROUP BY t.district, c.category",
        ["district", "category"], ["calls"])


def ipc_bns_transition(lake: Lake) -> Score:
    first, last = lake.days("cctns.fir", "registered_at")
    return counted(
        lake, "ipc_bns_transition", {"from": first, "to": last},
        "SELECT CAST(date_trunc('month', f.registered_at) AS DATE) AS month, o.offence, "
        "count(DISTINCT f.fir_id) AS firs, "
        "count(DISTINCT f.fir_id) FILTER (WHERE o.cited LIKE 'IPC %') AS cited_as_ipc, "
        "count(DISTINCT f.fir_id) FILTER (WHERE o.cited NOT LIKE 'IPC %') AS cited_as_bns_or_act "
        "FROM cctns.fir f JOIN truth.fir_offences o USING (fir_id) "
        f"WHERE {in_days('f.registered_at', first, last)} GROUP BY 1, 2",
        ["month", "offence"], ["firs", "cited_as_ipc", "cited_as_bns_or_act"])


HISTORY_VEHICLES = 20


def vehicle_history(lake: Lake) -> Score:
    # Stolen vehicles read by cameras, spread over the FIRs; each asked as the FIR wrote it.
    vehicles = lake.query(
        "SELECT s.fir_id, s.plate AS written, r.plate, s.recovered_on IS NOT NULL AS recovered "
        "FROM cctns.stolen_vehicles s "
        "JOIN (SELECT DISTINCT fir_id, plate FROM truth.stolen_vehicle_reads) r USING (fir_id) "
        "ORDER BY s.fir_id")
    vehicles = vehicles[::max(1, len(vehicles) // HISTORY_VEHICLES)][:HISTORY_VEHICLES]
    asked = {v["fir_id"] for v in vehicles}
    # Events as (fir_id, event, source_id); the garbled reads count only if reported.
    planted, legible = set(), set()
    for row in lake.query("SELECT fir_id, read_id, readable FROM truth.stolen_vehicle_reads"):
        if row["fir_id"] in asked:
            event = (row["fir_id"], "seen by camera", row["read_id"])
            planted.add(event)
            if row["readable"] == "true":
                legible.add(event)
    found, seconds, peak = set(), 0.0, 0.0
    for v in vehicles:
        fir = v["fir_id"]
        events = {(fir, "registered", v["plate"]), (fir, "stolen", fir)}
        if v["recovered"] == "true":
            events.add((fir, "recovered", fir))
        planted |= events
        legible |= events
        rows, run_seconds, run_peak = lake.run("vehicle_history", {"plate": v["written"]})
        seconds, peak = seconds + run_seconds, max(peak, run_peak)
        found |= {(fir, row["event"], row["source_id"]) for row in rows}
    score = set_score(found, legible)
    score.precision = ratio(len(found & planted), len(found))
    score.seconds, score.peak = seconds, peak
    # Reads of a plate one character away from an asked vehicle's are another vehicle's.
    one_off = lake.decoys("stolen_vehicle_sightings", kind="plate_one_off")
    if one_off is not None:
        one_off = [(key, of) for key, of in one_off if of in asked]
    return count_decoys(score, one_off, lambda key, of: (of, "seen by camera", key) in found)


SCORERS = {
    "stolen_vehicle_sightings": stolen_vehicle_sightings,
    "repeat_offenders": repeat_offenders,
    "sim_identity_mismatch": sim_identity_mismatch,
    "weapon_posts": weapon_posts,
    "case_pendency": case_pendency,
    "district_crime_summary": district_crime_summary,
    "dial112_response": dial112_response,
    "ipc_bns_transition": ipc_bns_transition,
    "vehicle_history": vehicle_history,
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
               "seconds and peak MiB: the `jaanch run` process (its peak resident set; vehicle_history: "
               f"the {HISTORY_VEHICLES} runs' seconds summed). For the reports that count, rows are "
               "their counts summed.")
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
