"""The store's schema as ordered migrations, written once for every SQL backend.

Type placeholders ({blob}, {real}, {serial}) are filled in by each backend.
A migration is appended, never edited, once released.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION"]

MIGRATIONS: list[list[str]] = [
    # 1: runs, configs, summaries, tags, capture, environments, metric chunks
    [
        """CREATE TABLE IF NOT EXISTS nbtrack_meta (
            key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
        """CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            project TEXT NOT NULL,
            entity TEXT,
            name TEXT NOT NULL,
            state TEXT NOT NULL,
            created_at {real} NOT NULL,
            finished_at {real},
            heartbeat_at {real} NOT NULL,
            host TEXT,
            pid BIGINT,
            exit_code BIGINT,
            notes TEXT,
            group_name TEXT,
            job_type TEXT,
            sweep_id TEXT,
            error TEXT)""",
        "CREATE INDEX runs_project ON runs (project, created_at)",
        "CREATE INDEX runs_sweep ON runs (sweep_id)",
        """CREATE TABLE run_tags (
            run_id TEXT NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (run_id, tag))""",
        "CREATE TABLE run_configs (run_id TEXT PRIMARY KEY, data TEXT NOT NULL)",
        "CREATE TABLE run_summaries (run_id TEXT PRIMARY KEY, data TEXT NOT NULL)",
        """CREATE TABLE run_capture (
            run_id TEXT PRIMARY KEY, data TEXT NOT NULL, env_hash TEXT)""",
        "CREATE TABLE environments (hash TEXT PRIMARY KEY, packages TEXT NOT NULL)",
        """CREATE TABLE metric_chunks (
            chunk_id {serial},
            run_id TEXT NOT NULL,
            key TEXT NOT NULL,
            seq BIGINT NOT NULL,
            n BIGINT NOT NULL,
            first_step BIGINT NOT NULL,
            last_step BIGINT NOT NULL,
            kind TEXT NOT NULL,
            steps {blob} NOT NULL,
            times {blob} NOT NULL,
            vals {blob} NOT NULL)""",
        "CREATE UNIQUE INDEX metric_chunks_key ON metric_chunks (run_id, key, seq)",
    ],
    # 2: sweeps and the trials they handed out (a grid point at most once per sweep)
    [
        """CREATE TABLE sweeps (
            id TEXT PRIMARY KEY,
            project TEXT NOT NULL,
            entity TEXT,
            config TEXT NOT NULL,
            state TEXT NOT NULL,
            created_at {real} NOT NULL)""",
        "CREATE INDEX sweeps_project ON sweeps (project, created_at)",
        """CREATE TABLE sweep_trials (
            run_id TEXT PRIMARY KEY,
            sweep_id TEXT NOT NULL,
            number BIGINT NOT NULL,
            point_key TEXT,
            params TEXT NOT NULL)""",
        "CREATE UNIQUE INDEX sweep_trials_point ON sweep_trials (sweep_id, point_key)",
        "CREATE UNIQUE INDEX sweep_trials_number ON sweep_trials (sweep_id, number)",
    ],
    # 3: artifacts: named collections of a type, content-addressed versions, their files,
    #    aliases unique per name, and lineage edges (a run's outputs and inputs)
    [
        """CREATE TABLE artifact_collections (
            name TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            created_at {real} NOT NULL)""",
        """CREATE TABLE artifact_versions (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            version BIGINT NOT NULL,
            digest TEXT NOT NULL,
            description TEXT,
            metadata TEXT NOT NULL,
            size BIGINT NOT NULL,
            file_count BIGINT NOT NULL,
            run_id TEXT,
            created_at {real} NOT NULL)""",
        "CREATE UNIQUE INDEX artifact_versions_number ON artifact_versions (name, version)",
        "CREATE UNIQUE INDEX artifact_versions_digest ON artifact_versions (name, digest)",
        """CREATE TABLE artifact_files (
            artifact_id TEXT NOT NULL,
            path TEXT NOT NULL,
            digest TEXT,
            size BIGINT,
            ref TEXT,
            PRIMARY KEY (artifact_id, path))""",
        "CREATE INDEX artifact_files_digest ON artifact_files (digest)",
        """CREATE TABLE artifact_aliases (
            name TEXT NOT NULL,
            alias TEXT NOT NULL,
            artifact_id TEXT NOT NULL,
            PRIMARY KEY (name, alias))""",
        "CREATE INDEX artifact_aliases_version ON artifact_aliases (artifact_id)",
        """CREATE TABLE artifact_edges (
            run_id TEXT NOT NULL,
            artifact_id TEXT NOT NULL,
            direction TEXT NOT NULL,
            created_at {real} NOT NULL,
            PRIMARY KEY (run_id, artifact_id, direction))""",
        "CREATE INDEX artifact_edges_artifact ON artifact_edges (artifact_id)",
    ],
    # 4: alerts raised by runs (with their webhook delivery), and the system-metrics stream:
    #    chunks shaped like metric_chunks but apart from them, indexed by sample number and time,
    #    so a run's history (its `_step` axis and keys) is untouched by the sampler
    [
        """CREATE TABLE run_alerts (
            alert_id {serial},
            run_id TEXT NOT NULL,
            created_at {real} NOT NULL,
            level TEXT NOT NULL,
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            wait_duration {real},
            webhook TEXT NOT NULL,
            webhook_error TEXT)""",
        "CREATE INDEX run_alerts_run ON run_alerts (run_id, created_at)",
        """CREATE TABLE system_chunks (
            chunk_id {serial},
            run_id TEXT NOT NULL,
            key TEXT NOT NULL,
            seq BIGINT NOT NULL,
            n BIGINT NOT NULL,
            first_step BIGINT NOT NULL,
            last_step BIGINT NOT NULL,
            kind TEXT NOT NULL,
            steps {blob} NOT NULL,
            times {blob} NOT NULL,
            vals {blob} NOT NULL)""",
        "CREATE UNIQUE INDEX system_chunks_key ON system_chunks (run_id, key, seq)",
    ],
    # 5 (artifact tags and the model registry, issue 11): tags on artifact versions; registry
    #    collections whose numbered versions point at artifact versions, with aliases unique per collection
    [
        """CREATE TABLE artifact_tags (
            artifact_id TEXT NOT NULL,
            tag TEXT NOT NULL,
            PRIMARY KEY (artifact_id, tag))""",
        """CREATE TABLE registry_collections (
            name TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            description TEXT,
            created_at {real} NOT NULL)""",
        """CREATE TABLE registry_versions (
            collection TEXT NOT NULL,
            version BIGINT NOT NULL,
            artifact_id TEXT NOT NULL,
            run_id TEXT,
            created_at {real} NOT NULL,
            PRIMARY KEY (collection, version))""",
        "CREATE UNIQUE INDEX registry_versions_artifact ON registry_versions (collection, artifact_id)",
        "CREATE INDEX registry_versions_by_artifact ON registry_versions (artifact_id)",
        """CREATE TABLE registry_aliases (
            collection TEXT NOT NULL,
            alias TEXT NOT NULL,
            version BIGINT NOT NULL,
            PRIMARY KEY (collection, alias))""",
    ],
    # 6 (sweeps: prior runs, population-based training): the finished runs a sweep was seeded
    #    with (`prior_runs`), and PBT's segments: which member and generation each trial run is,
    #    whose checkpoint it started from, and whether it continued or exploited (the lineage)
    [
        """CREATE TABLE sweep_priors (
            sweep_id TEXT NOT NULL,
            run_id TEXT NOT NULL,
            number BIGINT NOT NULL,
            point_key TEXT,
            params TEXT NOT NULL,
            PRIMARY KEY (sweep_id, run_id))""",
        """CREATE TABLE sweep_pbt (
            run_id TEXT PRIMARY KEY,
            sweep_id TEXT NOT NULL,
            member BIGINT NOT NULL,
            generation BIGINT NOT NULL,
            parent_run_id TEXT,
            source_member BIGINT,
            action TEXT NOT NULL,
            created_at {real} NOT NULL)""",
        "CREATE UNIQUE INDEX sweep_pbt_segment ON sweep_pbt (sweep_id, member, generation)",
    ],
    # 7 (issue 12: comments on runs, reports that refresh): comments people leave on a run, and
    #   saved report specs (markdown, run queries, panels as JSON) keyed by project and name
    [
        """CREATE TABLE run_comments (
            comment_id {serial},
            run_id TEXT NOT NULL,
            author TEXT NOT NULL,
            created_at {real} NOT NULL,
            body TEXT NOT NULL)""",
        "CREATE INDEX run_comments_run ON run_comments (run_id, created_at)",
        """CREATE TABLE reports (
            project TEXT NOT NULL,
            name TEXT NOT NULL,
            spec TEXT NOT NULL,
            updated_at {real} NOT NULL,
            PRIMARY KEY (project, name))""",
    ],
]

SCHEMA_VERSION = len(MIGRATIONS)
