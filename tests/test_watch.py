"""`nbtrack.watch` with the real (CPU) PyTorch: gradient and parameter histograms every log_freq
steps, on the step the user logs next; re-watching replaces hooks; unwatch and finish remove them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")  # the `dev` extra pins torch==2.13.0 (CPU); without it this file cannot run

import nbtrack  # noqa: E402
from nbtrack._watch import tensor_histogram  # noqa: E402


def tiny_model() -> Any:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))


def train(run: Any, model: Any, steps: int) -> None:
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(16, 4), torch.randn(16, 1)
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        run.log({"loss": loss.item()})


def hooks(model: Any) -> tuple[int, list[int]]:
    """(forward hooks on the model, tensor hooks per parameter)."""
    return len(model._forward_hooks), [len(p._backward_hooks or {}) for p in model.parameters()]


def histogram_steps(run: Any, key: str) -> list[int]:
    frame = nbtrack.history(run)
    if key not in frame:
        return []
    return [int(s) for s, v in zip(frame["_step"], frame[key]) if isinstance(v, dict)]


NAMES = ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_gradients_and_parameters_every_log_freq_steps() -> None:
    model = tiny_model()
    with nbtrack.init(project="watch") as run:
        nbtrack.watch(model, log="all", log_freq=2)
        train(run, model, 6)
    frame = nbtrack.history(run)
    assert {f"gradients/{n}" for n in NAMES} | {f"parameters/{n}" for n in NAMES} <= set(frame.columns)
    for name in NAMES:
        # calls 2, 4, 6 log with commit=False: on the step of the loss logged right after
        assert histogram_steps(run, f"gradients/{name}") == [1, 3, 5]
        assert histogram_steps(run, f"parameters/{name}") == [1, 3, 5]
    assert list(frame["_step"]) == [0, 1, 2, 3, 4, 5]
    last = nbtrack.Histogram.from_json(frame["parameters/0.weight"].iloc[5])
    assert sum(last.histogram) == 32 and len(last.histogram) == 64
    grad = frame["gradients/2.bias"].iloc[5]
    assert grad["_type"] == "histogram" and sum(grad["values"]) == 1


def test_parameter_histogram_matches_the_tensor() -> None:
    t = torch.tensor([[0.0, 1.0], [1.0, 3.0], [float("nan"), 2.0]])
    h = tensor_histogram(t, num_bins=3)
    assert h.histogram == [1, 2, 2] and np.allclose(h.bins, [0.0, 1.0, 2.0, 3.0])
    flat = tensor_histogram(torch.full((5,), 2.0), num_bins=4)
    assert sum(flat.histogram) == 5 and flat.bins[0] == 1.5 and flat.bins[-1] == 2.5


def test_watching_again_replaces_the_hooks_like_a_re_executed_cell() -> None:
    model = tiny_model()
    first = nbtrack.init(project="watch")
    nbtrack.watch(model, log="all", log_freq=1)
    nbtrack.watch(model, log="all", log_freq=1)
    assert hooks(model) == (1, [1, 1, 1, 1])
    train(first, model, 2)
    assert histogram_steps(first, "gradients/0.weight") == [0, 1]  # once per step, not twice
    second = nbtrack.init(project="watch")  # the cell runs again: a new run, the same model
    assert first.state == "finished" and hooks(model) == (0, [0, 0, 0, 0])  # finishing removed them
    nbtrack.watch(model, log="all", log_freq=1)
    nbtrack.watch(model, log="gradients", log_freq=1)
    assert hooks(model) == (0, [1, 1, 1, 1])
    train(second, model, 3)
    second.finish()
    assert histogram_steps(second, "gradients/0.weight") == [0, 1, 2]
    assert histogram_steps(second, "parameters/0.weight") == []
    assert histogram_steps(first, "gradients/0.weight") == [0, 1]


def test_unwatch_removes_hooks() -> None:
    model, other = tiny_model(), tiny_model()
    with nbtrack.init(project="watch") as run:
        nbtrack.watch([model, other], log="all", log_freq=1)
        assert hooks(model) == (1, [1, 1, 1, 1]) and hooks(other) == (1, [1, 1, 1, 1])
        train(run, other, 1)
        nbtrack.unwatch(model)
        assert hooks(model) == (0, [0, 0, 0, 0]) and hooks(other) == (1, [1, 1, 1, 1])
        nbtrack.unwatch()
        assert hooks(other) == (0, [0, 0, 0, 0])
        train(run, model, 2)
    assert histogram_steps(run, "gradients/graph_1.0.weight") == [0]  # several models get a prefix each
    assert [c for c in nbtrack.history(run).columns if c.startswith("gradients/graph_0")] == []


def test_eval_forward_passes_do_not_count_and_log_none_logs_nothing() -> None:
    model = tiny_model()
    with nbtrack.init(project="watch") as run:
        nbtrack.watch(model, log="parameters", log_freq=1)
        model.eval()
        with torch.no_grad():
            model(torch.randn(2, 4))
        run.log({"x": 1.0})
        model.train()
        model(torch.randn(2, 4))
        run.log({"x": 2.0})
        nbtrack.watch(model, log=None)
        assert hooks(model) == (0, [0, 0, 0, 0])
    assert histogram_steps(run, "parameters/0.weight") == [1]


def test_bad_arguments() -> None:
    with nbtrack.init(project="watch"):
        with pytest.raises(TypeError, match="Module"):
            nbtrack.watch("not a model")
        with pytest.raises(ValueError, match="log must be"):
            nbtrack.watch(tiny_model(), log="weights")
        with pytest.raises(ValueError, match="log_freq"):
            nbtrack.watch(tiny_model(), log_freq=0)
    with pytest.raises(nbtrack.UsageError):
        nbtrack.watch(tiny_model())
