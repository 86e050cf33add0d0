"""Multi-process training (torchrun, Accelerate, Lightning DDP): one run, not N duplicates.

A launcher tells each process its rank through the environment: `RANK` (torchrun,
Accelerate), or `LOCAL_RANK` / `NODE_RANK` (Lightning's subprocess launcher). What
`init()` does in a process that is not rank 0, following W&B's three ways:

- by default, it logs nowhere (a disabled run that accepts everything) and says so once;
- with `group=...`: one run per process, grouped (W&B's "one run per process");
- with `mode="shared"` (argument or `settings={"mode": "shared"}`) and the primary run's
  `id=...`: the primary process's run receives this process's system metrics under
  `system/<label>/...` (label: `settings["x_label"]`, default `rank_<N>`); `x_primary`
  overrides which process is the primary, as in W&B.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._run import Run
    from .store import Store

__all__ = ["RankPlan", "rank_label", "rank_plan", "attach_worker"]

_log = logging.getLogger("nbtrack")
_warned = threading.Event()


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def rank_label(environ: Mapping[str, str] | None = None) -> str | None:
    """`rank_<N>` (or `node_<M>_rank_<N>` when only node and local ranks are known); None outside a launcher."""
    env = os.environ if environ is None else environ
    rank = _int(env.get("RANK"))
    if rank is not None:
        return f"rank_{rank}"
    local, node = _int(env.get("LOCAL_RANK")), _int(env.get("NODE_RANK"))
    if local is None and node is None:
        return None
    return f"rank_{local or 0}" if not node else f"node_{node}_rank_{local or 0}"


def _setting(settings: Any, name: str) -> Any:
    if settings is None:
        return None
    return settings.get(name) if isinstance(settings, Mapping) else getattr(settings, name, None)


@dataclass(frozen=True)
class RankPlan:
    """What `init()` does in this process: track normally, log nowhere, or feed the primary's run."""

    label: str | None  # this process's rank label; None outside a multi-process launch
    disabled: bool = False  # log nowhere (a run in memory)
    shared_into: str | None = None  # the primary run's id this process sends its system metrics to


def rank_plan(*, mode: str | None, group: str | None, id: str | None, settings: Any,
              environ: Mapping[str, str] | None = None) -> RankPlan:
    """Decide, from the launcher's environment and init's arguments, how this process tracks."""
    label = rank_label(environ)
    shared = mode == "shared" or _setting(settings, "mode") == "shared"
    primary = _setting(settings, "x_primary")
    label = _setting(settings, "x_label") or label
    is_primary = bool(primary) if primary is not None else label in (None, "rank_0")
    if is_primary or mode == "disabled":
        return RankPlan(label)
    if shared:
        if id is None:
            raise ValueError(
                f"init: mode='shared' in a non-primary process ({label}) needs id= of the primary process's run "
                "(broadcast run.id from rank 0, e.g. torch.distributed.broadcast_object_list)")
        return RankPlan(label, disabled=True, shared_into=id)
    if group is not None:
        return RankPlan(label)
    if not _warned.is_set():
        _warned.set()
        _log.warning("nbtrack: this process is %s of a multi-process launch: it logs nowhere (rank 0 tracks the "
                     "run). Pass init(group=...) for one run per process, or mode='shared' with the primary's "
                     "id= to add this process's system metrics to rank 0's run.", label)
    return RankPlan(label, disabled=True)


def attach_worker(run: Run, store: Store, plan: RankPlan, interval: float | None) -> None:
    """Sample this process's system metrics into the primary's run (`system/<label>/...`) until `run` finishes."""
    if plan.shared_into is None or interval is None:
        return
    if store.get_run(plan.shared_into) is None:
        raise ValueError(f"init: mode='shared': no run with id {plan.shared_into!r} in {store.url} "
                         "(did the primary process call init first, with the same store?)")
    from ._system import SystemSampler

    sampler = SystemSampler(store, plan.shared_into, interval=interval, label=plan.label)
    sampler.start()
    run.add_finish_observer(lambda _run: sampler.stop())
