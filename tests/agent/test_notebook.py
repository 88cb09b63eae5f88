"""examples/quickstart.ipynb runs cleanly in a real kernel and shows the effect and the graph."""

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "examples" / "quickstart.ipynb"
TRUE_EFFECT = 1500.0  # examples/README.md: the programme raises earnings by exactly 1,500


@pytest.mark.slow
def test_quickstart_notebook_executes_and_shows_the_effect(monkeypatch):
    # the kernel imports this checkout's code, not whatever is installed
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
    monkeypatch.setenv("PYTHONPATH", path)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(not c.get("outputs") for c in code)  # the notebook is stored without outputs
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    ).execute()
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.get("name") == "stderr"]  # no warnings, no bar
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert 'src="data:image/png;base64,' in html  # the graph drawn inline
    effect = next(
        o["data"]["text/plain"]
        for c in notebook.cells
        if c.cell_type == "code" and c.source.startswith("effect = result.effect")
        for o in c.outputs
    )
    estimate, low, high = (float(x) for x in re.findall(r"-?\d+\.\d+", effect)[:3])
    assert low <= TRUE_EFFECT <= high
    assert f"{estimate:,.0f}" in html  # the report in the cell quotes the same estimate
