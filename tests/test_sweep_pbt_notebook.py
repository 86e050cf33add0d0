"""notebooks/pbt.ipynb runs headless in a real kernel: a PBT sweep on digits, its lineage, and random search
at the same compute."""

from __future__ import annotations

from pathlib import Path

from test_notebooks import execute, kernel_env, problems  # noqa: F401  (kernel_env is a fixture)

import nbtrack
from nbtrack.sweeps import pbt_lineage


def test_pbt_notebook_trains_a_population_and_compares_with_random(kernel_env: Path) -> None:  # noqa: F811
    nb = execute("pbt.ipynb", kernel_env)
    assert problems(nb) == []
    runs = nbtrack.runs("digits-pbt")
    assert runs["sweep_id"].nunique() == 2 and len(runs) == 8 * 9 + 8
    assert set(runs["state"]) == {"finished"}
    pbt_id = next(s for s in runs["sweep_id"].unique() if nbtrack.open_store().get_sweep(s).config["method"] == "pbt")
    lineage = pbt_lineage(pbt_id)
    assert sorted(lineage.groupby("member").generation.max()) == [8] * 8
    assert (lineage.action == "exploit").sum() == 2 * 8  # two of eight members copy in each of 8 generations
    assert lineage.score.min() < 0.2  # the network learned: validation log-loss of a good digits classifier
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.output_type == "stream")
    assert "PBT:    best final val loss" in text and "random: best final val loss" in text
