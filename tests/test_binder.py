"""binder/ builds an environment exactly as binder/README.md describes, and every notebook runs in it."""

from __future__ import annotations

import os
import subprocess
import venv
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def binder_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    env_dir = tmp_path_factory.mktemp("binder") / "env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / "bin"
    environ = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "REPO_DIR": str(ROOT),
               "VIRTUAL_ENV": str(env_dir)}
    environ.pop("PYTHONPATH", None)
    for cmd in ([str(bin_dir / "python"), "-m", "pip", "install", "-q", "-r", str(ROOT / "binder" / "requirements.txt")],
                ["bash", str(ROOT / "binder" / "postBuild")]):
        done = subprocess.run(cmd, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"{cmd}: {done.stdout[-2000:]}{done.stderr[-4000:]}"
    return env_dir


def test_binder_files_exist():
    assert (ROOT / "binder" / "requirements.txt").is_file() and os.access(ROOT / "binder" / "postBuild", os.X_OK)
    assert NOTEBOOKS, "no notebooks to launch"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_notebook_runs_in_the_binder_environment(binder_env, notebook, tmp_path):
    """Executed by the binder environment's own Jupyter (nbconvert), with its own kernel."""
    bin_dir = binder_env / "bin"
    environ = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(binder_env),
               "NBTRACK_DIR": str(tmp_path / "store"), "NBTRACK_PNG": "0", "JUPYTER_PATH": str(binder_env / "share" / "jupyter")}
    probe = subprocess.run([str(bin_dir / "python"), "-c", "import nbtrack; print(nbtrack.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, env=environ)
    assert probe.returncode == 0 and str(binder_env) in probe.stdout, probe.stdout + probe.stderr
    work = tmp_path / notebook.name
    work.write_bytes(notebook.read_bytes())
    done = subprocess.run(
        [str(bin_dir / "jupyter"), "nbconvert", "--to", "notebook", "--execute", "--inplace",
         "--ExecutePreprocessor.store_widget_state=False", "--ExecutePreprocessor.timeout=300", str(work)],
        capture_output=True, text=True, cwd=tmp_path, env=environ, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    nb = nbformat.read(work, as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors
