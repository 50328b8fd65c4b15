"""The benchmark scripts end to end on a tiny demo lake, so that they keep working:
bench/accuracy.py (the reports' recall and precision, and the decoys they return) and
bench/reports_vs_duckdb.py (the police workload against hand-written DuckDB SQL)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ["stolen_vehicle_sightings", "repeat_offenders", "sim_identity_mismatch", "weapon_posts"]


def run_bench(script: str, *args: str) -> subprocess.CompletedProcess:
    binary = os.environ.get("JAANCH_BIN")
    if not binary:
        pytest.fail("JAANCH_BIN is not set: run the test command from the README")
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--binary", binary, "--scales", "0.02", *args],
        capture_output=True, text=True, timeout=600,
    )


def table_rows(text: str) -> list:
    """The cells of the Markdown table's rows for scale 0.02."""
    return [[cell.strip() for cell in line.strip("|").split("|")]
            for line in text.splitlines() if line.startswith("| 0.02 |")]


def report_rows(script: str, *args: str) -> list:
    """The table rows of a successful run of `script`: one per report, in order."""
    done = run_bench(script, *args)
    assert done.returncode == 0, done.stderr
    rows = table_rows(done.stdout)
    assert [row[1] for row in rows] == REPORTS
    return rows


def test_accuracy_scores_every_report_and_no_decoy_is_returned():
    for row in report_rows("accuracy.py", "--min", "0.95"):
        planted, reported = int(row[6].replace(",", "")), int(row[7].replace(",", ""))
        assert planted > 0, row
        assert reported == 0, row


def test_accuracy_fails_below_the_bar():
    done = run_bench("accuracy.py", "--reports", "weapon_posts", "--min", "1.01")
    assert done.returncode == 1
    assert "scale 0.02 weapon_posts: recall" in done.stderr and "< 1.01" in done.stderr


def test_reports_vs_duckdb_scores_both_engines():
    for row in report_rows("reports_vs_duckdb.py", "--repeat", "1"):
        seconds = [float(row[2]), float(row[3])]
        recalls = [float(row[7].split()[0]), float(row[8].split()[0])]
        precisions = [float(row[9]), float(row[10])]
        assert all(s > 0 for s in seconds), row
        assert recalls[0] >= 0.95 and precisions[0] >= 0.95, row
        assert all(0 <= v <= 1 for v in recalls + precisions), row
