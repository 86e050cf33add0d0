"""Population-based training (`method: pbt`, an nbtrack extension; Ray Tune's PBT is the reference).

Design: generations of segments. A member of the population trains in segments of
`perturbation_interval` steps; each segment is one trial (one run, grouped by member), so a
function agent in a notebook, `program` agents and agents on other machines (PostgreSQL)
all hand out the same way. A segment starts from `run.load_checkpoint()` (the checkpoint of
the segment it continues) with its hyperparameters in `run.config`, and ends in
`run.save_checkpoint(path)` once it has logged `perturbation_interval` steps: the checkpoint
is stored as an artifact and the trial stops (a function agent's trial returns; a program
exits 0). A loop that ends on its own ends the member.

When every member has ended generation g, each member's next segment is decided once, by the
agent that claims it (the claim and the decision are one transaction): members ranked by
their latest metric value; the bottom `quantile_fraction` exploit (copy a random top member's
checkpoint and hyperparameters) and explore (each hyperparameter resampled with
`resample_probability`, else perturbed by 0.8 or 1.2, or moved to a neighbouring choice); the
others continue unchanged. A member whose segment failed ranks last. Agents wait (polling
the store) while a generation still has segments running.
"""

from __future__ import annotations

import math
import os
import random
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._liveness import effective_state
from ..errors import RunPruned
from ..store import PbtSegment, Store, open_store
from ._objective import finite_values
from ._space import Param, SearchSpace, _lookup, nest

if TYPE_CHECKING:
    import pandas as pd

    from .._run import Run
    from ._controller import SweepController, Trial

__all__ = ["PbtScheduler", "SegmentDone", "save_checkpoint", "load_checkpoint", "pbt_lineage", "explore",
           "truncation", "searched_names", "watch_segment"]

CHECKPOINT_TYPE = "pbt-checkpoint"
PERTURB_FACTORS = (0.8, 1.2)
_ENDED = frozenset({"finished", "failed", "crashed", "killed", "pruned"})
_WAIT_MAX = 2.0  # seconds between polls of the store while a generation finishes elsewhere


# -- the decisions (pure) --------------------------------------------------------------------

def truncation(scores: Mapping[int, float | None], goal: str, fraction: float) -> tuple[list[int], list[int]]:
    """(top, bottom) members by score, `fraction` of the population each (Ray's rule: at most half).

    A member without a score (its segment failed) ranks below every scored one; ties keep member order.
    """
    n = len(scores)
    k = int(math.ceil(n * fraction))
    if k > n / 2:
        k = int(math.floor(n / 2))
    sign = -1.0 if goal == "maximize" else 1.0
    ranked = sorted(scores, key=lambda m: (scores[m] is None, sign * (scores[m] or 0.0), m))
    return ranked[:k], (ranked[n - k:] if k else [])


def _value_bounds(param: Param) -> tuple[float, float] | None:
    spec, d = param.spec, param.distribution
    if d in ("int_uniform", "uniform", "q_uniform", "log_uniform_values", "inv_log_uniform_values",
             "q_log_uniform_values"):
        return float(spec["min"]), float(spec["max"])
    if d in ("log_uniform", "q_log_uniform"):
        return math.exp(spec["min"]), math.exp(spec["max"])
    if d == "inv_log_uniform":
        return math.exp(-spec["max"]), math.exp(-spec["min"])
    if d in ("beta", "q_beta"):
        return 0.0, 1.0
    return None


def _sample(param: Param, rng: random.Random) -> Any:
    """A fresh draw from the parameter's W&B distribution."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    dist = param.primitive
    if dist is None:
        return param.value(None)
    if isinstance(dist, CategoricalDistribution):
        return param.value(rng.randrange(len(dist.choices)))
    if isinstance(dist, IntDistribution):
        return param.value(rng.randint(dist.low, dist.high))
    assert isinstance(dist, FloatDistribution)
    if dist.log:
        return param.value(math.exp(rng.uniform(math.log(dist.low), math.log(dist.high))))
    return param.value(rng.uniform(dist.low, dist.high))


def _perturb(param: Param, value: Any, rng: random.Random) -> Any:
    """Ray's explore: a neighbouring choice for a categorical, else the value times 0.8 or 1.2 (kept in range)."""
    d = param.distribution
    if d in ("categorical", "categorical_w_probabilities"):
        values = param.spec["values"]
        index = next((i for i, v in enumerate(values) if v == value), 0)
        return values[min(max(index + rng.choice((-1, 1)), 0), len(values) - 1)]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    new = value * rng.choice(PERTURB_FACTORS)
    bounds = _value_bounds(param)
    if bounds is not None:
        new = min(max(new, bounds[0]), bounds[1])
    if d == "int_uniform":
        new = int(round(new)) if round(new) != value else int(value + (1 if new > value else -1))
        return int(min(max(new, param.spec["min"]), param.spec["max"]))
    if d.startswith("q_"):
        from ._ppf import quantize

        return quantize(new, param.spec["q"])
    return float(new)


def explore(space: SearchSpace, config: Mapping[str, Any], rng: random.Random,
            resample_probability: float) -> dict[str, Any]:
    """The sweep values of `config`, each resampled (probability `resample_probability`) or perturbed."""
    values = []
    for param in space.params:
        if param.distribution == "constant":
            values.append(param.value(None))
        elif rng.random() < resample_probability:
            values.append(_sample(param, rng))
        else:
            values.append(_perturb(param, _lookup(config, param.path), rng))
    return nest(space.params, values)


def initial_config(space: SearchSpace, rng: random.Random) -> dict[str, Any]:
    """A generation-0 member: every parameter drawn as `method: random` would."""
    return nest(space.params, [_sample(p, rng) for p in space.params])


def sweep_values(space: SearchSpace, run_config: Mapping[str, Any]) -> dict[str, Any]:
    """Only the sweep's parameters of a run's config (the run may hold other keys from `init(config=...)`)."""
    return nest(space.params, [_lookup(run_config, p.path) for p in space.params])


def searched_names(config: Mapping[str, Any]) -> list[str]:
    """The dotted names of the parameters PBT explores."""
    return [p.name for p in SearchSpace.from_config(config).params if p.distribution != "constant"]


# -- the scheduler (inside an agent's controller) ---------------------------------------------

@dataclass(frozen=True)
class _Plan:
    member: int
    generation: int
    config: dict[str, Any]
    parent_run_id: str | None
    source_member: int | None
    action: str


class PbtScheduler:
    """Decides and claims a PBT sweep's next segment for one agent (see the module docstring)."""

    def __init__(self, controller: SweepController, seed: int | None) -> None:
        self.c = controller
        block = controller.config["pbt"]
        self.population = int(block["population_size"])
        self.fraction = float(block["quantile_fraction"])
        self.resample = float(block["resample_probability"])
        self.metric = controller.config["metric"]["name"]
        self.goal = controller.config["metric"].get("goal", "minimize")
        self.seed = seed

    def _rng(self, member: int, generation: int) -> random.Random:
        return random.Random(f"{self.c.sweep.id}/{member}/{generation}/{self.seed}")

    def next_trial(self) -> Trial | None:
        """Claim the next segment, waiting while the current generation finishes in other agents."""
        delay = 0.05
        while True:
            if self.c.state() != "running":
                return None
            plan = self._plan()
            if plan is None:
                self.c.store.set_sweep_state(self.c.sweep.id, "finished")
                return None
            if plan == "wait":
                time.sleep(delay)
                delay = min(delay * 1.5, _WAIT_MAX)
                continue
            assert isinstance(plan, _Plan)
            segment = PbtSegment(run_id="", sweep_id=self.c.sweep.id, member=plan.member,
                                 generation=plan.generation, parent_run_id=plan.parent_run_id,
                                 source_member=plan.source_member, action=plan.action, created_at=time.time())
            trial, status = self.c._claim(plan.config, {}, f"pbt/{plan.member}/{plan.generation}", segment=segment)
            if trial is not None:
                return trial
            if status != "taken":
                return self.c._ended(status)

    def _plan(self) -> _Plan | str | None:
        """The next segment to run, "wait" while a generation is still running, None when every member is done."""
        st, sweep_id = self.c.store, self.c.sweep.id
        segments = st.list_pbt_segments(sweep_id)
        records = {r.id: r for r in st.list_runs(ids=[s.run_id for s in segments])} if segments else {}
        state = {rid: effective_state(rec) for rid, rec in records.items()}
        latest: dict[int, PbtSegment] = {}
        for s in segments:
            latest[s.member] = s
        for member in range(self.population):
            if member not in latest:
                return _Plan(member, 0, initial_config(self.c.space, self._rng(member, 0)), None, None, "start")
        boundary = _boundary_runs(st, [s.run_id for s in segments if state.get(s.run_id) in _ENDED])
        done = {m for m, s in latest.items()
                if state.get(s.run_id) == "finished" and s.run_id not in boundary}  # its loop ended on its own
        active = [m for m in range(self.population) if m not in done]
        if not active:
            return None
        generation = min(latest[m].generation for m in active)
        here = {s.member: s for s in segments if s.generation == generation and s.member in active}
        if any(state.get(s.run_id) not in _ENDED for s in here.values()):
            return "wait"
        ready = [m for m in active if latest[m].generation == generation]
        scores = self._scores([s.run_id for s in here.values()])
        by_member = {m: scores.get(s.run_id) for m, s in here.items()}
        if all(v is None for v in by_member.values()):
            return None  # every member failed this generation: nothing left to learn from
        top, bottom = truncation(by_member, self.goal, self.fraction)
        member = ready[0]
        own = here[member]
        rng = self._rng(member, generation + 1)
        if member in bottom or by_member[member] is None:
            source = rng.choice([m for m in top if by_member[m] is not None] or
                                [m for m in by_member if by_member[m] is not None])
            base = sweep_values(self.c.space, records[here[source].run_id].config)
            config = explore(self.c.space, base, rng, self.resample)
            return _Plan(member, generation + 1, config, here[source].run_id, source, "exploit")
        config = sweep_values(self.c.space, records[own.run_id].config)
        return _Plan(member, generation + 1, config, own.run_id, member, "continue")

    def _scores(self, run_ids: Sequence[str]) -> dict[str, float | None]:
        """Each segment's latest finite metric value (its current performance); None if it failed."""
        data = self.c.store.read_history(list(run_ids), [self.metric])
        runs = {r.id: r for r in self.c.store.list_runs(ids=list(run_ids))}
        out: dict[str, float | None] = {}
        for rid in run_ids:
            series = data.get(rid, {}).get(self.metric)
            values = finite_values([*(series.values if series is not None else []),
                                    *([runs[rid].summary.get(self.metric)] if rid in runs else [])])
            ok = rid in runs and runs[rid].state == "finished"
            out[rid] = float(values[-1]) if values and ok else None
        return out


def _checkpoints(store: Store, run_ids: Sequence[str]) -> dict[str, Any]:
    """The last checkpoint artifact each run logged, by run id."""
    if not run_ids:
        return {}
    edges = [e for e in store.artifact_edges(run_ids=list(run_ids)) if e.direction == "output"]
    found = {a.id: a for a in store.list_artifacts(ids=[e.artifact_id for e in edges], type=CHECKPOINT_TYPE)}
    out: dict[str, Any] = {}
    for edge in edges:  # in time order: the last one wins
        if edge.artifact_id in found:
            out[edge.run_id] = found[edge.artifact_id]
    return out


def _boundary_runs(store: Store, run_ids: Sequence[str]) -> set[str]:
    """The segments that reached the perturbation boundary (their last checkpoint says so)."""
    return {rid for rid, a in _checkpoints(store, run_ids).items() if a.metadata.get("boundary")}


# -- the trial's side: run.save_checkpoint / run.load_checkpoint --------------------------------

class SegmentDone(RunPruned):
    """Ends a PBT segment inside a function agent (which catches it, as it does Hyperband's stop); the run
    is already finished, not pruned."""


@dataclass
class _SegmentState:
    segment: PbtSegment | None
    interval: int
    steps: int = 0
    last_step: int | None = None


_segments: dict[str, _SegmentState] = {}  # run id -> its segment, for the runs of this process


def watch_segment(run: Run, interval: int) -> None:
    """Count the steps a PBT trial logs (W&B's row hook), so `save_checkpoint` knows the boundary."""
    found = [s for s in run.store.list_pbt_segments(str(run.sweep_id)) if s.run_id == run.id]
    state = _SegmentState(found[0] if found else None, interval)
    _segments[run.id] = state

    def count(step: int, _t: float, _row: dict[str, Any]) -> None:
        if step != state.last_step:
            state.steps += 1
            state.last_step = step

    run.add_row_observer(count)


def save_checkpoint(run: Run, path: str | os.PathLike[str]) -> Any:
    """Store a file or directory as the run's checkpoint artifact; at a PBT boundary, end the segment."""
    from ..artifacts import Artifact

    source = Path(path)
    if not source.exists():
        raise FileNotFoundError(f"save_checkpoint: {source} does not exist")
    state = _segments.get(run.id)
    segment = state.segment if state is not None else None
    boundary = state is not None and segment is not None and state.steps >= state.interval
    name = f"pbt-{segment.sweep_id}-member-{segment.member}" if segment is not None else f"checkpoint-{run.id}"
    metadata: dict[str, Any] = {"kind": "dir" if source.is_dir() else "file", "file": source.name,
                                "step": run.step, "boundary": boundary}
    if segment is not None:
        metadata.update(sweep_id=segment.sweep_id, member=segment.member, generation=segment.generation,
                        action=segment.action, source_member=segment.source_member,
                        parent_run_id=segment.parent_run_id)
    artifact = Artifact(name, CHECKPOINT_TYPE, metadata=metadata)
    if source.is_dir():
        artifact.add_dir(source)
    else:
        artifact.add_file(source)
    run.log_artifact(artifact)
    if not boundary:
        return artifact
    _segments.pop(run.id, None)
    run.finish()
    from .. import _current

    if _current.scope().store is None:  # a `program` trial: its process is done, cleanly
        raise SystemExit(0)
    raise SegmentDone(f"PBT segment {segment.member}/{segment.generation} of sweep {segment.sweep_id} "  # type: ignore[union-attr]
                      f"ended after {state.steps} steps")  # type: ignore[union-attr]


def load_checkpoint(run: Run) -> str | None:
    """The local path of the checkpoint this run should start from (downloaded), or None to start afresh.

    In a PBT sweep: the checkpoint of the segment this one continues or copied (recorded as an
    input of this run: the lineage); outside one: this run's own last checkpoint (a resumed run).
    """
    from ..artifacts import Artifact

    st = run.store
    state = _segments.get(run.id)
    segment = state.segment if state is not None else None
    record = None
    if segment is None:
        record = _checkpoints(st, [run.id]).get(run.id)
    else:
        parents = {s.run_id: s for s in st.list_pbt_segments(segment.sweep_id)}
        parent = segment.parent_run_id
        while parent is not None and record is None:  # a segment that saved nothing: its own start point
            record = _checkpoints(st, [parent]).get(parent)
            parent = parents[parent].parent_run_id if record is None and parent in parents else None
    if record is None:
        return None
    artifact = run.use_artifact(Artifact._from_record(st, record))
    root = Path(run.dir) / "checkpoint" / f"{record.name}-v{record.version}"
    if root.exists():
        shutil.rmtree(root)
    artifact.download(root)
    return str(root / record.metadata["file"]) if record.metadata.get("kind") == "file" else str(root)


# -- reading a PBT sweep back --------------------------------------------------------------------

def pbt_lineage(sweep_id: str, *, store: Store | str | None = None) -> pd.DataFrame:
    """One row per segment: who it is, whom it copied and when, its score, state and hyperparameters.

    Columns: ``run_id, name, member, generation, action, source_member, parent_run_id, created_at,
    state, score, config.<param>...`` (by generation, then member).
    """
    import pandas as pd

    from .._query import flatten

    st = store if isinstance(store, Store) else open_store(store)
    sweep = st.get_sweep(sweep_id)
    if sweep is None:
        raise KeyError(f"no sweep with id {sweep_id!r} in {st.url}")
    if sweep.config.get("method") != "pbt":
        raise ValueError(f"sweep {sweep_id} is not a population-based training sweep (method: pbt)")
    names = searched_names(sweep.config)
    metric = sweep.config["metric"]["name"]
    segments = st.list_pbt_segments(sweep_id)
    records = {r.id: r for r in st.list_runs(ids=[s.run_id for s in segments])} if segments else {}
    history = st.read_history(list(records), [metric]) if records else {}
    rows = []
    for s in segments:
        record = records.get(s.run_id)
        if record is None:
            continue
        series = history.get(s.run_id, {}).get(metric)
        values = finite_values([*(series.values if series is not None else []), record.summary.get(metric)])
        config = flatten(record.config)
        rows.append({"run_id": s.run_id, "name": record.name, "member": s.member, "generation": s.generation,
                     "action": s.action, "source_member": s.source_member, "parent_run_id": s.parent_run_id,
                     "created_at": s.created_at, "state": effective_state(record),
                     "score": float(values[-1]) if values else math.nan,
                     **{f"config.{n}": config.get(n) for n in names}})
    columns = ["run_id", "name", "member", "generation", "action", "source_member", "parent_run_id", "created_at",
               "state", "score", *(f"config.{n}" for n in names)]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({"source_member": "Int64", "parent_run_id": "object"})
