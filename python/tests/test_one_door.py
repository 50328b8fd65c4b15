"""The command line and Python are two doors to one engine: every bundled report gives the same
rows through both."""

import os
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import jaanch


def jaanch_binary() -> Path:
    """The `jaanch` binary the test command built (scripts/test.sh says where)."""
    path = os.environ.get("JAANCH_BIN")
    if not path or not Path(path).is_file():
        pytest.fail("JAANCH_BIN is not the jaanch binary: run the test command from the README")
    return Path(path)


def rows(table) -> list[str]:
    """The rows of an Arrow table in a canonical order: reports with ties in their ORDER BY may
    list tied rows either way."""
    return sorted(repr(row) for row in table.to_pylist())


def test_every_bundled_report_gives_the_same_rows_through_the_command_line(
    demo_lake_path, tmp_path
):
    lake = jaanch.connect(demo_lake_path)
    bundled = [r for r in lake.reports() if r.origin == "bundled"]
    assert len(bundled) == 9, [r.name for r in bundled]
    # The one required parameter: a plate that is in the lake.
    plate = lake.sql("SELECT plate FROM cctns.stolen_vehicles ORDER BY fir_id LIMIT 1")
    values = {"plate": plate.to_arrow().column("plate")[0].as_py()}
    compared = 0
    for report in bundled:
        params = {p.name: values[p.name] for p in report.params if p.required}
        from_python = lake.report(report.name, **params).to_arrow()
        out = tmp_path / f"{report.name}.parquet"
        command = [str(jaanch_binary()), "run", report.name, "--lake", str(demo_lake_path)]
        command += [arg for name, value in params.items() for arg in ("--param", f"{name}={value}")]
        command += ["-o", str(out)]
        done = subprocess.run(command, capture_output=True, text=True, env=os.environ | {"NO_COLOR": "1"})
        assert done.returncode == 0, f"{report.name}: {done.stderr}"
        from_cli = pq.read_table(out)
        assert from_cli.schema.names == from_python.schema.names, report.name
        assert from_cli.num_rows == from_python.num_rows, report.name
        assert rows(from_cli) == rows(from_python), report.name
        compared += from_python.num_rows
    assert compared > 0, "the reports found nothing to compare"
