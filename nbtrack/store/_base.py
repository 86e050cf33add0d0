"""The store contract: what every backend (SQLite, PostgreSQL) provides.

Atomicity: each method is one transaction. Thread safety: a store object may
be shared by the threads of one process. Process safety: several processes
may open the same store and write different runs at once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._codec import Series
from ._records import ChunkWrite, PbtSegment, RunRecord, SweepRecord, TrialRecord
from ._records import ArtifactEdge, ArtifactFileRecord, ArtifactRecord
from ._records import RegistryCollectionRecord, RegistryVersionRecord
from ._records import AlertRecord, CommentRecord, ReportRecord

__all__ = ["Store"]


class Store(ABC):
    """Durable home of runs, their configs, summaries, capture and metric history."""

    url: str
    """Where the store lives, as it may be shown: any password is masked (see `redact_url`)."""

    @abstractmethod
    def connection_url(self) -> str:
        """The full URL, credentials included, to connect with (a sweep agent hands it to its trials); never show it."""

    @abstractmethod
    def create_run(self, run: RunRecord) -> None:
        """Insert a new run with its tags, config and summary; fails if the id exists."""

    @abstractmethod
    def get_run(self, run_id: str) -> RunRecord | None:
        """Return the run with this id, or None."""

    @abstractmethod
    def list_runs(
        self,
        project: str | None = None,
        *,
        sweep_id: str | None = None,
        ids: Sequence[str] | None = None,
    ) -> list[RunRecord]:
        """Runs in creation order, optionally limited to a project, a sweep or ids."""

    @abstractmethod
    def update_run(self, run_id: str, **fields: Any) -> None:
        """Change lifecycle or label columns (see RUN_FIELDS)."""

    @abstractmethod
    def claim_run(self, run_id: str, expected_heartbeat: float, **fields: Any) -> bool:
        """`update_run` only if the run's heartbeat is still `expected_heartbeat` (no other process took it meanwhile)."""

    @abstractmethod
    def set_tags(self, run_id: str, tags: Iterable[str]) -> None:
        """Replace the run's tags."""

    @abstractmethod
    def count_runs(self, project: str) -> int:
        """How many runs the project holds."""

    @abstractmethod
    def flush(
        self,
        run_id: str,
        *,
        chunks: Sequence[ChunkWrite] = (),
        config: Mapping[str, Any] | None = None,
        summary: Mapping[str, Any] | None = None,
        heartbeat_at: float | None = None,
    ) -> None:
        """Write a batch of chunks plus changed config/summary and a heartbeat, atomically."""

    @abstractmethod
    def next_chunk_seqs(self, run_id: str) -> dict[str, int]:
        """For each key of the run, the next unused chunk sequence number."""

    @abstractmethod
    def read_history(
        self, run_ids: Sequence[str], keys: Sequence[str] | None = None
    ) -> dict[str, dict[str, Series]]:
        """Every stored point of the given runs, by run id then key."""

    @abstractmethod
    def last_step(self, run_id: str) -> int | None:
        """The highest step stored for the run, or None when it has no points."""

    @abstractmethod
    def history_keys(self, run_id: str) -> list[str]:
        """The metric keys a run has logged, sorted."""

    @abstractmethod
    def put_capture(
        self, run_id: str, capture: Mapping[str, Any], env_hash: str | None, packages: Mapping[str, str] | None
    ) -> None:
        """Store the run's captured context; the package list is stored once per env hash."""

    @abstractmethod
    def get_capture(self, run_id: str) -> dict[str, Any] | None:
        """The run's captured context (with `packages` resolved), or None."""

    @abstractmethod
    def activity(self, project: str | None = None) -> tuple[int, float]:
        """(number of runs, latest heartbeat): changes whenever a run starts, logs or ends; cheap to poll."""

    @abstractmethod
    def projects(self) -> list[str]:
        """Distinct project names, sorted."""

    @abstractmethod
    def delete_run(self, run_id: str) -> None:
        """Remove a run and everything stored with it."""

    # -- sweeps --------------------------------------------------------------
    @abstractmethod
    def create_sweep(self, sweep: SweepRecord, *, priors: Sequence[TrialRecord] = ()) -> None:
        """Insert a sweep (with the finished runs it is seeded with, `prior_runs`) in one transaction; fails if the id exists."""

    @abstractmethod
    def list_sweep_priors(self, sweep_id: str) -> list[TrialRecord]:
        """The prior runs a sweep was created with (run id, order, point key, sampler parameters)."""

    @abstractmethod
    def get_sweep(self, sweep_id: str) -> SweepRecord | None:
        """The sweep with this id, or None."""

    @abstractmethod
    def list_sweeps(self, project: str | None = None) -> list[SweepRecord]:
        """Sweeps in creation order, optionally of one project."""

    @abstractmethod
    def set_sweep_state(self, sweep_id: str, state: str) -> None:
        """Move a sweep to running | paused | stopped | finished."""

    @abstractmethod
    def claim_trial(
        self, run: RunRecord, *, params: Mapping[str, Any], point_key: str | None = None,
        run_cap: int | None = None, segment: PbtSegment | None = None,
    ) -> str:
        """Atomically hand out a trial of `run.sweep_id` and create its run (and its PBT `segment`, if given).

        Returns "ok", or why not: "stopped" (sweep not running), "cap" (run_cap reached),
        "taken" (another agent claimed that point). Exact across processes.
        """

    @abstractmethod
    def list_trials(self, sweep_id: str, *, since: int = 0) -> list[TrialRecord]:
        """The trials a sweep handed out numbered `since` or more (all by default), in claim order."""

    @abstractmethod
    def list_pbt_segments(self, sweep_id: str) -> list[PbtSegment]:
        """A population-based-training sweep's segments (its lineage), by generation then member."""

    # -- artifacts -----------------------------------------------------------
    @abstractmethod
    def put_artifact(
        self, name: str, type: str, digest: str, files: Sequence[ArtifactFileRecord], *,
        description: str | None = None, metadata: Mapping[str, Any] | None = None,
        aliases: Sequence[str] = (), run_id: str | None = None, created_at: float,
    ) -> tuple[ArtifactRecord, bool]:
        """Store the next version of artifact `name` (v0, v1, ...), or find the one with this manifest digest.

        Returns (the version, whether it is new). A version with the same `digest` is reused
        (no new number; its files, description and metadata stay as first logged). Each alias
        is moved to the version (aliases are unique per name). `run_id`, when given, becomes an
        "output" edge and, for a new version, its producer. Atomic, and exact across processes:
        two concurrent writers of one name get distinct numbers. Raises ValueError when `name`
        already holds artifacts of another type.
        """

    @abstractmethod
    def get_artifact(self, name: str, ref: str) -> ArtifactRecord | None:
        """The version of `name` that `ref` names: `v<N>` or an alias (`latest`, `best`, ...); None if none."""

    @abstractmethod
    def list_artifacts(
        self, *, name: str | None = None, type: str | None = None, ids: Sequence[str] | None = None
    ) -> list[ArtifactRecord]:
        """Artifact versions ordered by name then version, optionally of one name, one type or given ids."""

    @abstractmethod
    def artifact_files(self, artifact_id: str) -> list[ArtifactFileRecord]:
        """The files of one version, ordered by path."""

    @abstractmethod
    def use_artifact(self, run_id: str, artifact_id: str, *, used_at: float) -> None:
        """Record that a run consumed a version (an "input" edge); recording it again changes nothing."""

    @abstractmethod
    def artifact_edges(
        self, *, artifact_ids: Sequence[str] = (), run_ids: Sequence[str] = ()
    ) -> list[ArtifactEdge]:
        """Lineage edges touching any of the given versions or runs, in creation order."""

    @abstractmethod
    def update_artifact(self, artifact_id: str, **fields: Any) -> ArtifactRecord:
        """Change a logged version's `description`, `metadata` (replaced whole), aliases or `tags` (replaced).

        `add_aliases` are moved here from any other version of the name; `remove_aliases` are
        taken off this version (`latest` is never removed: it moves only). Raises KeyError for an
        unknown id.
        """

    @abstractmethod
    def delete_artifact(self, artifact_id: str, *, delete_aliases: bool = False) -> list[str]:
        """Delete a version with its files, aliases, tags and lineage edges; return the digests it was
        the last to reference (their blobs can go).

        Raises ValueError when it holds aliases other than `latest` and `delete_aliases` is false,
        or when a registry collection links it; `latest` moves to the newest remaining version.
        """

    @abstractmethod
    def unreferenced_digests(self, digests: Sequence[str]) -> list[str]:
        """Those of `digests` that no artifact file references."""

    # -- model registry ------------------------------------------------------
    @abstractmethod
    def link_registry(
        self, collection: str, artifact_id: str, *, aliases: Sequence[str] = (), run_id: str | None = None,
        created_at: float, description: str | None = None,
    ) -> tuple[RegistryVersionRecord, bool]:
        """Link an artifact version into a registry collection (created on first use with the artifact's type).

        Returns (the collection version, whether it is new): linking a version already linked
        reuses its number. `latest` moves to a new link; each alias moves to this link (aliases are
        unique per collection). Raises KeyError for an unknown artifact, ValueError when the
        collection holds another type.
        """

    @abstractmethod
    def registry_version(self, collection: str, ref: str) -> RegistryVersionRecord | None:
        """The collection version `ref` names (`v<N>` or an alias); None if none."""

    @abstractmethod
    def list_registry_versions(
        self, *, collection: str | None = None, artifact_ids: Sequence[str] | None = None
    ) -> list[RegistryVersionRecord]:
        """Registry versions ordered by collection then version, optionally of one collection or linking given versions."""

    @abstractmethod
    def list_registry_collections(self) -> list[RegistryCollectionRecord]:
        """Every registry collection, by name."""

    @abstractmethod
    def set_registry_alias(self, collection: str, alias: str, version: int) -> None:
        """Point `alias` at a version of the collection (moving it from any other); KeyError if no such version."""

    @abstractmethod
    def remove_registry_alias(self, collection: str, alias: str) -> bool:
        """Remove an alias from the collection; whether it existed."""

    @abstractmethod
    def unlink_registry(self, collection: str, version: int) -> None:
        """Remove a collection version (the artifact stays); its aliases go, `latest` moves to the newest left."""

    # -- alerts ----------------------------------------------------------------
    @abstractmethod
    def add_alert(
        self, run_id: str, *, level: str, title: str, text: str, created_at: float,
        wait_duration: float | None = None, webhook: str = "none",
    ) -> AlertRecord:
        """Record an alert the run raised; returns it with its id."""

    @abstractmethod
    def set_alert_webhook(self, alert_id: int, webhook: str, error: str | None = None) -> None:
        """Record how the alert's webhook delivery went (see ALERT_DELIVERIES)."""

    @abstractmethod
    def list_alerts(self, run_id: str) -> list[AlertRecord]:
        """The run's alerts, oldest first."""

    # -- comments and report specs (issue 12) -----------------------------------
    @abstractmethod
    def add_comment(self, run_id: str, *, author: str, text: str, created_at: float) -> CommentRecord:
        """Record a comment on a run; returns it with its id."""

    @abstractmethod
    def list_comments(self, run_ids: Sequence[str]) -> list[CommentRecord]:
        """Comments on any of the given runs, oldest first."""

    @abstractmethod
    def put_report(self, project: str, name: str, spec: Mapping[str, Any], *, updated_at: float) -> None:
        """Save (create or replace) the report spec `name` of `project`."""

    @abstractmethod
    def get_report(self, name: str, project: str | None = None) -> ReportRecord | None:
        """The report `name` (of `project`, or the only one of that name in any project), else None."""

    @abstractmethod
    def list_reports(self, project: str | None = None, *, name: str | None = None) -> list[ReportRecord]:
        """Saved report specs ordered by project then name, optionally of one project or name."""

    @abstractmethod
    def delete_report(self, name: str, project: str) -> None:
        """Remove a saved report spec (nothing happens when there is none)."""

    # -- system metrics (a stream apart from the metric history) ---------------
    @abstractmethod
    def write_system(self, run_id: str, chunks: Sequence[ChunkWrite]) -> None:
        """Write system-metric chunks (steps are sample numbers), replacing chunks with the same seq."""

    @abstractmethod
    def read_system(
        self, run_ids: Sequence[str], keys: Sequence[str] | None = None
    ) -> dict[str, dict[str, Series]]:
        """Every stored system sample of the given runs, by run id then key."""

    @abstractmethod
    def system_position(self, run_id: str) -> tuple[int, int]:
        """(next unused chunk seq, next unused sample number) of the run's system stream."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""
