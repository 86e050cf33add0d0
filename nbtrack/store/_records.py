"""Frozen records the store hands out: the store's vocabulary, not its rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["RunRecord", "ChunkWrite", "SweepRecord", "TrialRecord", "PbtSegment", "RUN_STATES", "RUN_FIELDS", "SWEEP_STATES",
           "ArtifactRecord", "ArtifactFileRecord", "ArtifactEdge", "ARTIFACT_DIRECTIONS",
           "AlertRecord", "ALERT_DELIVERIES", "RegistryCollectionRecord", "RegistryVersionRecord",
           "CommentRecord", "ReportRecord"]

RUN_STATES = ("running", "finished", "failed", "crashed", "killed", "pruned")
SWEEP_STATES = ("running", "paused", "stopped", "finished")

# Columns of `runs` that `Store.update_run` may change.
RUN_FIELDS = frozenset(
    {"name", "state", "finished_at", "heartbeat_at", "host", "pid", "exit_code", "notes",
     "group", "job_type", "sweep_id", "error", "entity"}
)


@dataclass(frozen=True)
class RunRecord:
    """One run as stored: identity, lifecycle, labels, config and summary."""

    id: str
    project: str
    name: str
    state: str
    created_at: float
    heartbeat_at: float
    finished_at: float | None = None
    entity: str | None = None
    host: str | None = None
    pid: int | None = None
    exit_code: int | None = None
    notes: str | None = None
    group: str | None = None
    job_type: str | None = None
    sweep_id: str | None = None
    error: str | None = None
    tags: tuple[str, ...] = ()
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChunkWrite:
    """Points of one key to write as chunk `seq` (replacing that chunk if it exists)."""

    key: str
    seq: int
    steps: list[int]
    times: list[float]
    values: list[Any]


@dataclass(frozen=True)
class SweepRecord:
    """A sweep: its normalised W&B configuration and whether it hands out trials."""

    id: str
    project: str
    config: dict[str, Any]
    state: str
    created_at: float
    entity: str | None = None


@dataclass(frozen=True)
class TrialRecord:
    """One trial a sweep handed out: its run, its order, its grid point and its sampler parameters."""

    run_id: str
    sweep_id: str
    number: int
    point_key: str | None
    params: dict[str, Any]


PBT_ACTIONS = ("start", "continue", "exploit")


@dataclass(frozen=True)
class PbtSegment:
    """One PBT trial: member `member` training generation `generation`, started from `parent_run_id`'s checkpoint.

    `action` is "start" (generation 0, no parent), "continue" (the member's own previous segment)
    or "exploit" (copied `source_member`'s checkpoint and hyperparameters, then explored).
    """

    run_id: str
    sweep_id: str
    member: int
    generation: int
    parent_run_id: str | None
    source_member: int | None
    action: str
    created_at: float


ARTIFACT_DIRECTIONS = ("output", "input")  # a run logged (produced) / used (consumed) an artifact version


@dataclass(frozen=True)
class ArtifactRecord:
    """One version of an artifact: its number, content digest, labels, aliases and the run that first logged it."""

    id: str
    name: str
    version: int
    type: str
    digest: str
    created_at: float
    description: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    size: int = 0
    file_count: int = 0
    run_id: str | None = None
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArtifactFileRecord:
    """A file of an artifact version: stored content (sha256 digest and size) or a reference (URI, not copied)."""

    path: str
    digest: str | None = None
    size: int | None = None
    ref: str | None = None


@dataclass(frozen=True)
class ArtifactEdge:
    """A lineage edge: run `run_id` produced ("output") or consumed ("input") artifact version `artifact_id`."""

    run_id: str
    artifact_id: str
    direction: str
    created_at: float


@dataclass(frozen=True)
class RegistryCollectionRecord:
    """A registered model (or other registry collection): a name holding numbered links to artifact versions."""

    name: str
    type: str
    created_at: float
    description: str | None = None
    version_count: int = 0


@dataclass(frozen=True)
class RegistryVersionRecord:
    """Version `version` of a registry collection: a link to artifact version `artifact_id`, with its aliases."""

    collection: str
    version: int
    artifact_id: str
    created_at: float
    run_id: str | None = None
    aliases: tuple[str, ...] = ()


ALERT_DELIVERIES = ("none", "pending", "sent", "failed")  # webhook state of an alert


@dataclass(frozen=True)
class AlertRecord:
    """An alert a run raised: level, title, text, and how its webhook delivery went."""

    id: int
    run_id: str
    created_at: float
    level: str
    title: str
    text: str
    wait_duration: float | None = None
    webhook: str = "none"
    webhook_error: str | None = None


@dataclass(frozen=True)
class CommentRecord:
    """A comment someone left on a run: who, when, what."""

    id: int
    run_id: str
    author: str
    created_at: float
    text: str


@dataclass(frozen=True)
class ReportRecord:
    """A saved report spec (markdown, run queries, panels as plain JSON data) of a project."""

    project: str
    name: str
    spec: dict[str, Any]
    updated_at: float
