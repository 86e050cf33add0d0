"""Brushing the sweep panel's parallel coordinates keeps its trials table to the trials inside every range."""

from __future__ import annotations

import re
from typing import Any

import pytest

import nbtrack

CONFIG = {"method": "grid", "metric": {"name": "loss", "goal": "minimize"},
          "parameters": {"x": {"values": [0.1, 0.2, 0.3, 0.4]}, "opt": {"values": ["sgd", "adam"]}}}


def trial() -> None:
    with nbtrack.init() as run:
        run.log({"loss": run.config.x + (0.05 if run.config.opt == "sgd" else 0.0)})


@pytest.fixture(autouse=True)
def _no_png(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NBTRACK_PNG", "0")


def from_front_end(widget: Any, **state: Any) -> None:
    widget._handle_msg({"content": {"data": {"method": "update", "state": state, "buffer_paths": []}},
                        "buffers": []})


def shown(panel: Any) -> list[tuple[float, str]]:
    runs = nbtrack.runs("brush").set_index("id")
    ids = re.findall(r"<tr data-run-id='([^']+)'", panel.table.value)
    return sorted((runs.loc[i, "config.x"], runs.loc[i, "config.opt"]) for i in ids)


def test_a_brush_filters_the_trials_table_and_stays_in_the_snapshot() -> None:
    panel = nbtrack.sweep_panel(trial, config=CONFIG, project="brush")
    panel.start_button.click()
    assert panel.wait(60) and panel.status == "finished"
    assert len(shown(panel)) == 8
    view = panel.views["parallel"]
    assert [d.label for d in view.data[0].dimensions] == ["x", "opt", "loss (best)"]
    from_front_end(view, brush={"x": [0.15, 0.35], "opt": [0.9, 1.1]})  # opt codes: adam 0, sgd 1
    assert shown(panel) == [(0.2, "sgd"), (0.3, "sgd")]
    assert list(view.current.data[0].dimensions[0].constraintrange) == [0.15, 0.35]
    saved = panel._repr_mimebundle_()["text/html"]
    assert saved.count("<tr data-run-id=") == 2 and '"constraintrange":[0.15,0.35]' in saved.replace(" ", "")
    from_front_end(view, brush={"loss (best)": [10, 11]})  # nothing inside
    assert shown(panel) == []
    from_front_end(view, brush={})
    assert len(shown(panel)) == 8
