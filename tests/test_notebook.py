"""experiments/quickstart.ipynb runs from top to bottom (nbclient), as a user would."""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient

from tests.conftest import ROOT


def test_the_quickstart_notebook_runs(tmp_path):
    notebook = nbformat.read(ROOT / "experiments" / "quickstart.ipynb", as_version=4)
    # its sweep folder (multirun/quickstart) goes under tmp_path, not into the project
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()
    errors = [
        out
        for cell in notebook.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors
    assert len(list((tmp_path / "multirun" / "quickstart" / "runs").glob("*.parquet"))) == 5
    images = [
        out
        for cell in notebook.cells
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]
    assert len(images) == 2  # the run's curve and the two standard figures
