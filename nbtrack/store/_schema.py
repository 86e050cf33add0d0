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
]

SCHEMA_VERSION = len(MIGRATIONS)
