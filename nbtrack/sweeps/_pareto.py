"""The Pareto front of a sweep: the ended trials no other trial beats on every objective."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._liveness import effective_state
from .._query import flatten
from ..store import Store, open_store
from ._objective import best_metric, objectives
from ._space import SearchSpace

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["pareto_mask", "pareto_front"]


def pareto_mask(vectors: Sequence[Sequence[float]], goals: Sequence[str]) -> list[bool]:
    """For each objective vector, whether no other vector is at least as good everywhere and better somewhere."""
    signs = [-1.0 if g == "maximize" else 1.0 for g in goals]
    costs = [[s * v for s, v in zip(signs, vec)] for vec in vectors]

    def dominates(a: list[float], b: list[float]) -> bool:
        return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))

    return [not any(dominates(other, mine) for other in costs if other is not mine) for mine in costs]


def pareto_front(sweep_id: str, *, store: Store | str | None = None, all_trials: bool = False) -> pd.DataFrame:
    """The sweep's Pareto front as a DataFrame, best first by the first objective.

    Columns: ``run_id, name, number, <each objective>, config.<param>...``; a trial's value of an
    objective is its best logged value (as the sampler sees it). Only finished trials with a
    finite value of every objective take part. With `all_trials=True` every such trial is listed,
    with an ``on_front`` column.
    """
    import pandas as pd

    st = store if isinstance(store, Store) else open_store(store)
    sweep = st.get_sweep(sweep_id)
    if sweep is None:
        raise KeyError(f"no sweep with id {sweep_id!r} in {st.url}")
    goals = objectives(sweep.config)
    if not goals:
        raise ValueError(f"sweep {sweep_id} has no metric: it has no Pareto front")
    names = [o["name"] for o in goals]
    params = [p.name for p in SearchSpace.from_config(sweep.config).params if p.distribution != "constant"]
    trials = st.list_trials(sweep_id)
    records = {r.id: r for r in st.list_runs(ids=[t.run_id for t in trials])} if trials else {}
    history = st.read_history(list(records), names) if records else {}
    rows: list[dict[str, Any]] = []
    for trial in trials:
        record = records.get(trial.run_id)
        if record is None or effective_state(record) != "finished":
            continue
        per = history.get(record.id, {})
        values = [best_metric([*(per[o["name"]].values if o["name"] in per else []), record.summary.get(o["name"])],
                              o["goal"]) for o in goals]
        if any(v is None for v in values):
            continue
        config = flatten(record.config)
        rows.append({"run_id": record.id, "name": record.name, "number": trial.number + 1,
                     **dict(zip(names, values)), **{f"config.{p}": config.get(p) for p in params}})
    columns = ["run_id", "name", "number", *names, *(f"config.{p}" for p in params)]
    frame = pd.DataFrame(rows, columns=columns)
    frame["on_front"] = pareto_mask(frame[names].to_numpy(dtype=float).tolist(), [o["goal"] for o in goals])
    frame = frame.sort_values([names[0], "number"], ascending=[goals[0]["goal"] != "maximize", True])
    frame = frame.reset_index(drop=True)
    return frame if all_trials else frame[frame["on_front"]].drop(columns="on_front").reset_index(drop=True)
