"""The benchmark scripts end to end on a tiny demo lake, so that they keep working:
bench/accuracy.py (the reports' recall and precision, and the decoys they return),
bench/reports_vs_duckdb.py (the police workload against hand-written DuckDB SQL) and the
training workload of scripts/build-pgo.sh (the profile-guided build)."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ["stolen_vehicle_sightings", "repeat_offenders", "sim_identity_mismatch", "weapon_posts"]
# The reports that count, scored against the planted districts and offences, and the history
# of a vehicle (whose decoys are the reads of look-alike plates).
COUNTING = ["case_pendency", "district_crime_summary", "dial112_response", "ipc_bns_transition"]
ACCURACY_REPORTS = REPORTS + COUNTING + ["vehicle_history"]


def jaanch_bin() -> str:
    """The jaanch executable the Rust tests ran (set by the README's test command)."""
    binary = os.environ.get("JAANCH_BIN")
    if not binary:
        pytest.fail("JAANCH_BIN is not set: run the test command from the README")
    return binary


def run_bench(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--binary", jaanch_bin(), "--scales", "0.02",
         *args],
        capture_output=True, text=True, timeout=600,
    )


def table_rows(text: str) -> list:
    """The cells of the Markdown table's rows for scale 0.02."""
    return [[cell.strip() for cell in line.strip("|").split("|")]
            for line in text.splitlines() if line.startswith("| 0.02 |")]


def report_rows(script: str, reports: list, *args: str) -> list:
    """The table rows of a successful run of `script`: one per report, in order."""
    done = run_bench(script, *args)
    assert done.returncode == 0, done.stderr
    rows = table_rows(done.stdout)
    assert [row[1] for row in rows] == reports
    return rows


def test_accuracy_scores_every_report_and_no_decoy_is_returned():
    for row in report_rows("accuracy.py", ACCURACY_REPORTS, "--min", "0.95"):
        assert int(row[2].split()[0].replace(",", "")) > 0, row
        if row[1] in COUNTING:
            assert row[6] == row[7] == "n/a", row
            continue
        planted, reported = int(row[6].replace(",", "")), int(row[7].replace(",", ""))
        assert planted > 0, row
        assert reported == 0, row


def test_accuracy_scores_a_counting_report_by_its_counts():
    # The report as it was before BNS sub-sections were named like their IPC predecessors':
    # murder counted as BNS 103 until June 2024 and BNS 103(1) after.
    report = (ROOT / "sql" / "ipc_bns_transition.sql").read_text(encoding="utf-8")
    folded = report.index("WHEN ref LIKE 'BNS %' THEN 'BNS '")
    unfolded = report[:folded] + report[report.index("ELSE ref", folded):]
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "ipc_bns_transition.sql").write_text(unfolded, encoding="utf-8")
        done = run_bench("accuracy.py", "--reports", "ipc_bns_transition", "--sql-dir", folder)
    assert done.returncode == 0, done.stderr
    [row] = table_rows(done.stdout)
    assert 0.9 < float(row[4]) < 0.999 and float(row[5]) < 0.999, row


def test_accuracy_fails_below_the_bar():
    done = run_bench("accuracy.py", "--reports", "weapon_posts", "--min", "1.01")
    assert done.returncode == 1
    assert "scale 0.02 weapon_posts: recall" in done.stderr and "< 1.01" in done.stderr


def test_reports_vs_duckdb_scores_both_engines():
    for row in report_rows("reports_vs_duckdb.py", ACCURACY_REPORTS, "--repeat", "1"):
        seconds = [float(row[2]), float(row[3])]
        recalls = [float(row[7].split()[0]), float(row[8].split()[0])]
        precisions = [float(row[9]), float(row[10])]
        assert all(s > 0 for s in seconds), row
        assert recalls[0] >= 0.95 and precisions[0] >= 0.95, row
        assert all(0 <= v <= 1 for v in recalls + precisions), row
        if row[1] in COUNTING[:3]:
            # DuckDB's districts are exact spellings: the typos are lost.
            assert recalls[1] < recalls[0], row


def test_reports_vs_duckdb_can_open_the_tables_first():
    # Each table DuckDB has a view of is opened by a statement of its own before the report;
    # a table the lake lacks would fail the run.
    [row] = report_rows("reports_vs_duckdb.py", ["case_pendency"], "--reports", "case_pendency",
                        "--repeat", "1", "--open-first")
    assert float(row[2]) > 0 and float(row[7].split()[0]) >= 0.95, row


def test_a_measured_process_peak_is_its_own():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from common import run_measured
    finally:
        sys.path.pop(0)
    # This process holds 300 MiB; a small process started from it holds far less.
    held = bytearray(300 * 1024 * 1024)
    held[::4096] = b"\1" * len(held[::4096])
    code, peak, seconds, out, err = run_measured(
        [sys.executable, "-c", "import sys; print(sys.stdin.read().upper()); sys.exit(3)"], "abc")
    assert (code, out, err) == (3, "ABC\n", "")
    assert 0 < peak < 100, peak
    assert 0 < seconds < 60
    with pytest.raises(SystemExit, match="cannot start /nonexistent/jaanch"):
        run_measured(["/nonexistent/jaanch"])
    del held


def build_pgo(*args: str, env: dict = None) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(ROOT / "scripts" / "build-pgo.sh"), *args],
                          capture_output=True, text=True, timeout=600, env={**os.environ, **(env or {})})


def test_the_profile_guided_builds_workload_runs_every_report(tmp_path):
    done = build_pgo("--workload", jaanch_bin(), env={"PGO_DIR": str(tmp_path), "PGO_SCALE": "0.02"})
    assert done.returncode == 0, done.stderr
    ran = [line.split()[-1] for line in done.stderr.splitlines() if line.startswith("build-pgo: run ")]
    assert sorted(ran[:-1]) == sorted(ACCURACY_REPORTS) and ran[-1] == "statements", done.stderr
    assert (tmp_path / "lake" / "lake.toml").is_file()


def test_the_profile_guided_build_refuses_a_wrong_llvm_profdata_before_building(tmp_path):
    fake = tmp_path / "llvm-profdata"
    fake.write_text("#!/bin/sh\necho 'LLVM version 3.0.0'\n")
    fake.chmod(0o755)
    done = build_pgo(env={"LLVM_PROFDATA": str(fake), "PGO_DIR": str(tmp_path / "pgo")})
    assert done.returncode == 1
    assert done.stderr.startswith(f"build-pgo: {fake} is LLVM 3, rustc is LLVM "), done.stderr
    assert len(done.stderr.splitlines()) == 1 and not (tmp_path / "pgo").exists()
    done = build_pgo(env={"LLVM_PROFDATA": "/nonexistent/llvm-profdata"})
    assert done.returncode == 1 and "/nonexistent/llvm-profdata does not run" in done.stderr
    done = build_pgo("--workload", str(tmp_path / "no-such-jaanch"))
    assert done.returncode == 1 and "--workload needs a jaanch executable" in done.stderr
    done = build_pgo("--release")
    assert done.returncode == 1 and "unknown argument '--release'" in done.stderr
