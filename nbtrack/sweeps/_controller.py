"""The sweep controller: hands out a sweep's trials, exactly once across agents and processes.

The store is the source of truth (trials, runs, metric history); each agent keeps an
in-memory Optuna study synced from it, so model-based samplers see every finished trial
from every agent while costing no Optuna storage round trips.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import random
import time
from dataclasses import dataclass
from typing import Any

from .._liveness import effective_state
from .._names import new_id, run_name
from .._run import new_record
from ..store import PbtSegment, Store, SweepRecord, TrialRecord
from ._grid import discrete_points, grid_points, point_key, space_size
from ._pbt import PbtScheduler
from ._objective import best_metric, impute_metric, objectives, target_reached
from ._space import SearchSpace
from ._study import make_sampler

__all__ = ["SweepController", "Trial", "TERMINAL"]

TERMINAL = frozenset({"finished", "failed", "crashed", "killed", "pruned"})
_IMPUTED = frozenset({"failed", "crashed", "killed"})
MODEL_MISSES = 8  # repeats a sampler may propose in a row before a random untaken point is drawn instead
MAX_LISTED = 100_000  # a discrete space up to this size is listed to draw an untaken point; larger ones are drawn
GIVE_UP_MISSES = 500  # random draws all taken in a row: a finite space (e.g. q_uniform) is deemed exhausted


@dataclass(frozen=True)
class Trial:
    """A trial handed to this agent: the run to attach to and its sweep config values."""

    run_id: str
    config: dict[str, Any]


class SweepController:
    """Hands out trials of one sweep and feeds finished ones back to the sampler."""

    def __init__(self, store: Store, sweep_id: str, *, seed: int | None = None) -> None:
        sweep = store.get_sweep(sweep_id)
        if sweep is None:
            raise KeyError(f"no sweep with id {sweep_id!r} in {store.url}")
        self.store = store
        self.sweep: SweepRecord = sweep
        self.config = sweep.config
        self.method = self.config["method"]
        self.objectives = objectives(self.config)
        self.multi = len(self.objectives) > 1  # a multi-objective sweep: no single best, a Pareto front
        self.metric: dict[str, Any] | None = self.objectives[0] if self.objectives else None
        self.goal = (self.metric or {}).get("goal", "minimize")
        self.run_cap: int | None = self.config.get("run_cap")
        self.space = SearchSpace.from_config(self.config)
        self._grid = grid_points(self.config) if self.method == "grid" else None
        self._values: dict[str, list[Any]] = {}  # ended run id -> its (first) metric's history (+ summary)
        self._vectors: dict[str, list[float | None]] = {}  # ended run id -> its best value of each objective
        self._best: tuple[str, float] | None = None
        self._trials: list[TrialRecord] = []  # as of the last sync
        self._priors = store.list_sweep_priors(sweep_id)  # finished runs the sweep was seeded with
        self._taken = {t.point_key for t in self._priors if t.point_key is not None}  # configs run or running
        self._size = space_size(self.space) if self.method in ("random", "bayes") else None
        self._points: list[Any] | None = None  # a discrete space's points, listed when first needed
        self._rng = random.Random(seed)
        self._own: dict[str, Any] = {}  # run id -> optuna trial asked here
        self.study = self._study(seed) if self.method in ("random", "bayes") else None
        self._pbt = PbtScheduler(self, seed) if self.method == "pbt" else None

    def _study(self, seed: int | None) -> Any:
        import optuna

        level = optuna.logging.get_verbosity()
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        try:
            sampler = make_sampler(self.config, seed=seed)
            if self.multi:
                return optuna.create_study(directions=[o["goal"] for o in self.objectives], sampler=sampler)
            return optuna.create_study(direction=self.goal, sampler=sampler)
        finally:
            optuna.logging.set_verbosity(level)

    # -- state ---------------------------------------------------------------
    def state(self) -> str:
        """The sweep's stored state (running | paused | stopped | finished)."""
        sweep = self.store.get_sweep(self.sweep.id)
        return sweep.state if sweep is not None else "stopped"

    def grid_size(self) -> int | None:
        """How many configs the sweep can hand out: its grid points, or a fully discrete space's size (else None)."""
        return len(self._grid) if self._grid is not None else self._size

    def sync(self) -> None:
        """Feed trials that ended since the last call (from any agent) to the sampler.

        Incremental: only the runs of trials not yet seen ending are read, so a trial costs the
        same at the 1,000th as at the first (runs and their histories are read once, when they end).
        """
        trials = self._trials
        new = self.store.list_trials(self.sweep.id, since=trials[-1].number + 1 if trials else 0)
        if new:
            trials.extend(new)
            self._taken.update(t.point_key for t in new if t.point_key is not None)
        known = [*self._priors, *trials]
        pending = [t.run_id for t in known if t.run_id not in self._values]
        if not pending:
            return
        records: dict[str, Any] = {}
        for start in range(0, len(pending), 500):
            records.update((r.id, r) for r in self.store.list_runs(ids=pending[start:start + 500]))
        states = {rid: effective_state(rec) for rid, rec in records.items()}
        ended = [t for t in known if t.run_id in records and states[t.run_id] in TERMINAL]
        if not ended:
            return
        names = [o["name"] for o in self.objectives]
        data = self.store.read_history([t.run_id for t in ended], names) if names else {}
        for t in ended:
            per, summary = data.get(t.run_id, {}), records[t.run_id].summary
            series = {n: (list(per[n].values) if n in per else []) + ([summary[n]] if summary.get(n) is not None else [])
                      for n in names}
            self._add_values(t.run_id, series[names[0]] if names else [])
            self._vectors[t.run_id] = [best_metric(series[o["name"]], o["goal"]) for o in self.objectives]
        if self.study is None:
            return
        import optuna

        for t in ended:
            value: Any = self._objective(states[t.run_id], t.run_id)
            state = optuna.trial.TrialState.COMPLETE if value is not None else optuna.trial.TrialState.FAIL
            own = self._own.pop(t.run_id, None)
            if own is not None:
                self.study.tell(own, value, state=state)
            elif t.params:
                values = {"values": value} if self.multi else {"value": value}
                self.study.add_trial(
                    optuna.trial.create_trial(
                        params=t.params, distributions=self.space.distributions, state=state, **values
                    )
                )

    def _add_values(self, run_id: str, values: list[Any]) -> None:
        """Record an ended run's metric values and keep the best-so-far current."""
        self._values[run_id] = values
        value = best_metric(values, self.goal)
        if value is None or not math.isfinite(value):
            return
        if self._best is None or (value > self._best[1] if self.goal == "maximize" else value < self._best[1]):
            self._best = (run_id, value)

    def _objective(self, state: str, run_id: str) -> float | list[float] | None:
        """W&B's Bayes objective: the best finite value; failed runs imputed (`metric.impute`).

        A multi-objective sweep's is the vector of each objective's best value; a failed run,
        or one missing an objective, counts as failed (no imputation across objectives).
        """
        if self.metric is None:
            return None
        if self.multi:
            vector = self._vectors[run_id]
            return None if state in _IMPUTED or any(v is None for v in vector) else vector  # type: ignore[return-value]
        values = self._values[run_id]
        if state in _IMPUTED:
            terminal = [v for rid, v in self._values.items()]
            return impute_metric(self.metric.get("impute", "worst"), values, terminal, self.goal)
        return best_metric(values, self.goal)

    def best(self) -> tuple[str, float] | None:
        """(run id, value) of the best ended trial so far, or None (always None for a multi-objective sweep)."""
        return None if self.multi else self._best

    # -- handing out ---------------------------------------------------------
    def next_trial(self) -> Trial | None:
        """Claim the next trial, or None when the sweep is stopped, capped, exhausted or at its target."""
        if self.state() != "running":
            return None
        self.sync()
        best = self.best()
        if self.metric is not None and best is not None and target_reached(best[1], self.metric):  # single objective
            self.store.set_sweep_state(self.sweep.id, "finished")
            return None
        if self._grid is not None:
            for point in self._grid:
                if point.key in self._taken:  # as of sync(); the claim itself is exact
                    continue
                trial, status = self._claim(point.config, {}, point.key)
                if status == "ok":
                    return trial
                if status != "taken":
                    return self._ended(status)
            self.store.set_sweep_state(self.sweep.id, "finished")
            return None
        if self._pbt is not None:
            return self._pbt.next_trial()
        return self._next_sampled()

    def _next_sampled(self) -> Trial | None:
        """A random/bayes trial whose config no trial of the sweep (nor a prior run) has had.

        A proposal already taken is discarded (told FAIL, which no sampler learns from); after
        MODEL_MISSES in a row the next one is a random untaken point. A fully discrete space
        is drawn without replacement: the sweep finishes when every config has been run.
        """
        import optuna

        misses = 0
        while True:
            if self._size is not None and len(self._taken) >= self._size:
                self.store.set_sweep_state(self.sweep.id, "finished")
                return None
            if misses >= GIVE_UP_MISSES:
                logging.getLogger("nbtrack").info("sweep %s: %d proposals in a row were configs already run; "
                                                  "its space looks exhausted", self.sweep.id, misses)
                self.store.set_sweep_state(self.sweep.id, "finished")
                return None
            asked = self._ask(fallback=misses >= MODEL_MISSES)
            config = self.space.config_from_params(asked.params)
            key = point_key(self.space, config)
            if key in self._taken:
                self.study.tell(asked, state=optuna.trial.TrialState.FAIL)
                misses += 1
                continue
            trial, status = self._claim(config, dict(asked.params), key)
            if trial is None:
                self.study.tell(asked, state=optuna.trial.TrialState.FAIL)
                if status != "taken":
                    return self._ended(status)
                self._taken.add(str(key))  # another agent claimed it a moment ago
                self.sync()
                misses += 1
                continue
            self._taken.add(str(key))
            self._own[trial.run_id] = asked
            return trial

    def _ask(self, *, fallback: bool) -> Any:
        """The sampler's next proposal; with `fallback`, a uniformly random untaken point instead."""
        if not fallback:
            return self.study.ask(self.space.distributions)
        if self._size is not None and self._size <= MAX_LISTED:
            if self._points is None:
                self._points = discrete_points(self.space)
            free = [p for p in self._points if p.key not in self._taken]
            self.study.enqueue_trial(self.space.params_from_config(self._rng.choice(free).config))
            return self.study.ask(self.space.distributions)
        import optuna

        sampler = self.study.sampler
        self.study.sampler = optuna.samplers.RandomSampler(seed=self._rng.randrange(2**32))
        try:
            return self.study.ask(self.space.distributions)
        finally:
            self.study.sampler = sampler

    def _ended(self, status: str) -> None:
        """No trial: when run_cap is reached the sweep is finished for every agent."""
        if status == "cap":
            self.store.set_sweep_state(self.sweep.id, "finished")
        return None

    def _claim(self, config: dict[str, Any], params: dict[str, Any], point_key: str | None, *,
               segment: PbtSegment | None = None) -> tuple[Trial | None, str]:
        """Claim a trial (a PBT segment: named and grouped by its member) and create its run."""
        run_id = new_id()
        if segment is None:
            name, group = run_name(self.store.count_runs(self.sweep.project) + 1), None
        else:
            segment = dataclasses.replace(segment, run_id=run_id)
            name, group = f"m{segment.member}-g{segment.generation}", f"{self.sweep.id}-member-{segment.member}"
        record = new_record(
            run_id=run_id, project=self.sweep.project, name=name,
            config=config, tags=(), notes=None, group=group, job_type=None, entity=self.sweep.entity,
            sweep_id=self.sweep.id,
        )
        status = self.store.claim_trial(record, params=params, point_key=point_key, run_cap=self.run_cap,
                                        segment=segment)
        if status != "ok":
            logging.getLogger("nbtrack").debug("sweep %s: no trial (%s)", self.sweep.id, status)
            return None, status
        return Trial(record.id, config), status


def sweep_record(config: dict[str, Any], project: str, entity: str | None) -> SweepRecord:
    """A new running sweep for a normalised config."""
    return SweepRecord(id=new_id(), project=project, config=config, state="running", created_at=time.time(),
                       entity=entity)
