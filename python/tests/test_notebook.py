"""The example notebook, executed end to end against a small demo lake."""

import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture()
def kernel_name(tmp_path, monkeypatch) -> str:
    """A kernel running this interpreter, where jaanch is installed (not whichever `python3`
    kernel the machine has)."""
    spec = tmp_path / "jupyter" / "kernels" / "jaanch-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "jaanch tests",
                "language": "python",
            }
        )
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return "jaanch-test"


@pytest.mark.parametrize("notebook", sorted(p.name for p in EXAMPLES.glob("*.ipynb")))
def test_example_notebook_runs(notebook, demo_lake_path, kernel_name, monkeypatch):
    monkeypatch.setenv("JAANCH_LAKE", str(demo_lake_path))
    nb = nbformat.read(EXAMPLES / notebook, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        kernel_name=kernel_name,
        timeout=300,
        resources={"metadata": {"path": str(EXAMPLES)}},
    )
    client.execute()
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    for cell in code_cells:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{cell.source}\n{errors}"
    # Results show as bounded HTML tables with a row count.
    html = [
        o["data"]["text/html"]
        for cell in code_cells
        for o in cell.outputs
        if o.output_type == "execute_result" and "text/html" in o.get("data", {})
    ]
    jaanch_tables = [h for h in html if 'class="jaanch-result"' in h]
    # A report shows as its page: provenance, chart and district map, then its first rows.
    report_pages = [h for h in html if '<article class="jaanch">' in h]
    assert len(jaanch_tables) >= 3
    assert len(report_pages) >= 1
    assert all("rows" in h or "row ×" in h for h in jaanch_tables + report_pages)
    assert all("<dt>Report</dt>" in h and "<svg class=\"chart\"" in h for h in report_pages)
    if notebook == "jaanch_tour.ipynb":
        watch_cell = next(c for c in code_cells if "sightings = lake.sql" in c.source)
        sightings = watch_cell.outputs[-1]["data"]["text/html"]
        assert "<p>0 rows" not in sightings, "the watch-list finds stolen vehicles on camera"
