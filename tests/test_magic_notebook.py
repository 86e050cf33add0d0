"""`%%track` in a real kernel: a notebook executed with nbclient, then read back with nbtrack.runs()."""

from __future__ import annotations

import sys

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

import nbtrack

TRAIN_CELL = """%%track --project nb --tags a,b --notes "first try" lr=0.1 epochs=3 opt=adam
assert run.config.lr == lr == 0.1 and opt == "adam"
for epoch in range(epochs):
    run.log({"loss": lr / (epoch + 1), "epoch": epoch})
"""

FAILING_CELL = """%%track --project nb --name broken lr=0.5
run.log({"loss": 1.0})
raise ValueError("boom in the cell")
"""

AFTER_CELL = """import nbtrack
assert nbtrack.run is None, nbtrack.run
kernel_ok = 1 + 1
kernel_ok
"""


def _execute(cells: list[str], cwd, allow_errors: bool) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("%load_ext nbtrack")] + [nbformat.v4.new_code_cell(c) for c in cells]
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", allow_errors=allow_errors,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute()
    return nb


@pytest.fixture
def kernel_env(tmp_path, monkeypatch):
    store_dir = tmp_path / "store"
    monkeypatch.setenv("NBTRACK_DIR", str(store_dir))
    monkeypatch.setenv("NBTRACK_NOTEBOOK", "analysis.ipynb")
    monkeypatch.delenv("NBTRACK_STORE", raising=False)
    return tmp_path


def test_track_cell_success_failure_and_rerun(kernel_env):
    nb = _execute([TRAIN_CELL, FAILING_CELL, AFTER_CELL, TRAIN_CELL], kernel_env, allow_errors=True)
    failing = nb.cells[2]
    errors = [o for o in failing.outputs if o.output_type == "error"]
    assert errors and errors[0].ename == "ValueError" and "boom in the cell" in errors[0].evalue
    after = nb.cells[3]
    assert not [o for o in after.outputs if o.output_type == "error"], after.outputs
    assert after.outputs[-1]["data"]["text/plain"] == "2"

    view = nb.cells[1].outputs[0]  # the live view, replaced in place by its static form at the end
    assert 'class="nbtrack-static"' in view["data"]["text/html"] and 'data-state="finished"' in view["data"]["text/html"]
    assert "finished" in view["data"]["text/plain"] and "application/vnd.jupyter.widget-view+json" not in view["data"]

    runs = nbtrack.runs("nb")
    assert list(runs["state"]) == ["finished", "failed", "finished"]
    first, broken, rerun = (runs.iloc[i] for i in range(3))
    assert first["config.lr"] == 0.1 and first["config.opt"] == "adam" and first["tags"] == ["a", "b"]
    assert first["notes"] == "first try"
    assert first["summary.loss"] == pytest.approx(0.1 / 3)
    assert broken["name"] == "broken"

    store = nbtrack.open_store()
    rec = store.get_run(broken["id"])
    assert "ValueError: boom in the cell" in rec.error
    hist = nbtrack.history(broken["id"])
    assert list(hist["loss"]) == [1.0]  # what was logged before the failure is kept

    cap_first, cap_rerun = store.get_capture(first["id"]), store.get_capture(rerun["id"])
    assert cap_first["cell_source"] == TRAIN_CELL.split("\n", 1)[1]
    assert cap_first["notebook"] == "analysis.ipynb"
    assert cap_first["execution_count"] == 2 and cap_rerun["execution_count"] == 5
    assert rerun["id"] != first["id"]
    h = nbtrack.history(first["id"])
    assert list(h["_step"]) == [0, 1, 2] and list(h["epoch"]) == [0.0, 1.0, 2.0]


def test_keyboard_interrupt_marks_killed_and_errors_stop_execution(kernel_env):
    cell = "%%track --project nb2 x=1\nrun.log({'a': 1})\nraise KeyboardInterrupt\n"
    with pytest.raises(CellExecutionError):
        _execute([cell], kernel_env, allow_errors=False)
    assert list(nbtrack.runs("nb2")["state"]) == ["killed"]


def test_bad_track_line_is_a_clear_error(kernel_env):
    nb = _execute(["%%track --project nb3 not-an-assignment\npass"], kernel_env, allow_errors=True)
    err = [o for o in nb.cells[1].outputs if o.output_type == "error"][0]
    assert "key=value" in err.evalue
    assert nbtrack.runs("nb3").empty


def test_line_magic_lists_and_shows_runs(kernel_env):
    nb = _execute([TRAIN_CELL, "%nbtrack runs --project nb", "%nbtrack show $run.id"], kernel_env, allow_errors=False)
    listing = nb.cells[2].outputs[-1]["data"]["text/plain"]
    assert "finished" in listing
    shown = "".join(o.get("text", "") for o in nb.cells[3].outputs)
    assert "history keys: epoch, loss" in shown and "cell source:" in shown


def test_rerun_of_a_cell_links_runs_by_the_front_end_cell_id(kernel_env):
    """JupyterLab sends `cellId` in the request metadata; re-running that cell links the new run to it."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", cwd=str(kernel_env))
    try:
        def run_cell(code: str, cell_id: str) -> None:
            msg = kc.session.msg("execute_request", {"code": code, "silent": False, "store_history": True,
                                                     "user_expressions": {}, "allow_stdin": False,
                                                     "stop_on_error": True}, metadata={"cellId": cell_id})
            kc.shell_channel.send(msg)
            reply = kc.get_shell_msg(timeout=60)
            while reply["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
                reply = kc.get_shell_msg(timeout=60)
            assert reply["content"]["status"] == "ok", reply["content"]

        run_cell("%load_ext nbtrack", "setup")
        run_cell("%%track --project cells lr=1\nrun.log({'x': lr})", "cell-A")
        run_cell("%%track --project cells lr=2\nrun.log({'x': lr})", "cell-A")
        run_cell("%%track --project cells lr=3\nrun.log({'x': lr})", "cell-B")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    store = nbtrack.open_store()
    cells = {r["id"]: store.get_capture(r["id"])["cell_id"] for _, r in nbtrack.runs("cells").iterrows()}
    assert sorted(cells.values()) == ["cell-A", "cell-A", "cell-B"]
