"""The notebooks in notebooks/ run headless (nbclient, a real kernel) without errors and leave their runs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import nbtrack

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def execute(name: str, cwd: Path) -> nbformat.NotebookNode:
    """Run a notebook as `make demo` does (no widget state saved) and return it with its outputs."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", store_widget_state=False,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """Error outputs and tracebacks printed to stderr, cell by cell."""
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                found.append(f"cell {i}: {out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stderr" and "Traceback" in out.text:
                found.append(f"cell {i}: {out.text[-500:]}")
    return found


@pytest.fixture
def kernel_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The kernel inherits this: its store under tmp_path, no PNG rendering (HTML fallbacks only)."""
    monkeypatch.setenv("NBTRACK_DIR", str(tmp_path / ".nbtrack"))
    monkeypatch.setenv("NBTRACK_PNG", "0")
    return tmp_path


def test_quickstart_runs(kernel_env: Path) -> None:
    nb = execute("quickstart.ipynb", kernel_env)
    assert problems(nb) == []
    runs = nbtrack.runs("quickstart")
    assert len(runs) == 4 and set(runs["state"]) == {"finished"}
    assert sorted(runs["config.lr"]) == [0.001, 0.01, 0.03, 0.1]


def test_sweeps_notebook_runs_a_real_sweep_and_shows_the_panel(kernel_env: Path) -> None:
    nb = execute("sweeps.ipynb", kernel_env)
    assert problems(nb) == []
    runs = nbtrack.runs("digits-sweep")
    assert len(runs) == 12 and runs["sweep_id"].nunique() == 1
    assert set(runs["state"]) <= {"finished", "pruned"} and (runs["state"] == "finished").any()
    assert runs["config.epochs"].eq(12).all()  # the sweep's constant overrides the function's default
    assert runs["summary.val/loss"].min() < 0.5  # the search found a working learning rate

    sources = ["".join(cell.source) for cell in nb.cells]
    agent_cell = nb.cells[next(i for i, s in enumerate(sources) if "nbtrack.agent(" in s)]
    results = [o for o in agent_cell.outputs if o.output_type == "execute_result"]
    assert results and results[-1].data["text/plain"] == "12"

    panel_cell = nb.cells[next(i for i, s in enumerate(sources) if "nbtrack.sweep_panel(" in s)]
    shown = [o.data for o in panel_cell.outputs if o.output_type in ("display_data", "execute_result")]
    assert len(shown) == 2 and "application/vnd.jupyter.widget-view+json" in shown[0]  # the panel, then
    assert "nbtrack-sweep-panel-static" in shown[1]["text/html"]  # its snapshot: what a saved notebook shows
    assert shown[1]["text/plain"] == "nbtrack sweep panel (ready): bayes sweep, not started"
    assert len(nbtrack.open_store().list_sweeps()) == 1  # displaying the panel starts nothing


def test_artifacts_notebook_versions_data_and_model_with_lineage(kernel_env: Path) -> None:
    nb = execute("artifacts.ipynb", kernel_env)
    assert problems(nb) == []
    runs = nbtrack.runs("artifacts-demo")
    assert list(runs["job_type"]) == ["prepare", "train"] and set(runs["state"]) == {"finished"}
    model = nbtrack.artifact("digits-model:best")
    assert model.type == "model" and model.version == "v0"
    graph = nbtrack.lineage("digits-model:best")
    assert sorted(n.label for n in graph.nodes if n.kind == "artifact") == ["digits-model:v0", "digits:v0"]
    history = nbtrack.history(runs["id"].iloc[1])
    assert history["predictions"].iloc[0]["_type"] == "table-file"
