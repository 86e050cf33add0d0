"""The docs corpus: our own scripts against W&B's documented API (pieces/*.py), and what each must store.

Each piece is code written on this project, one per call pattern a docs.wandb.ai page documents (the
page named in its header), in W&B style: `import nbtrack as wandb` and only W&B's public API, so the
same file runs on the real wandb with that import line changed. `checks` has the keys
tests/wandb_corpus/checks.py reads (runs at least, history keys, config/summary keys,
project/group/job_type, media types per key, artifacts at least) plus `max_runs` and `registry`
(registered models at least). `runs: 0` means the piece only builds objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PIECES_DIR = Path(__file__).parent / "pieces"


@dataclass(frozen=True)
class DocPiece:
    """One piece: a script exercising one documented W&B call pattern."""

    name: str
    checks: dict[str, Any] = field(default_factory=dict)
    argv: tuple[str, ...] = ()

    @property
    def path(self) -> Path:
        return PIECES_DIR / f"{self.name}.py"


PIECES: tuple[DocPiece, ...] = (
    DocPiece("init_config", {"project": "corpus-init-config", "config": ["lr", "backbone", "max_epochs"],
                             "max_runs": 1}),
    DocPiece("init_finish", {"project": "corpus-init-finish", "max_runs": 1}),
    DocPiece("log_default_step", {"keys": ["val_error"], "summary": ["val_error"]}),
    DocPiece("custom_step_axis", {"keys": ["seen_samples", "eval_loss", "lr"]}),
    DocPiece("glob_step_axis", {"keys": ["fit/iteration", "fit/mse", "fit/r2", "holdout/mse"]}),
    DocPiece("define_metric_keywords", {"keys": ["tokens_seen", "perplexity"], "summary": ["perplexity"]}),
    DocPiece("summary_best_accuracy", {"summary": ["top_f1"], "config": ["rounds", "momentum"]}),
    DocPiece("summary_best_accuracy_module", {"summary": ["min_val_loss"], "config": ["rounds", "dropout"]}),
    DocPiece("plot_line", {"keys": ["gap_curve"], "media": {"gap_curve": "custom-chart"}}),
    DocPiece("plot_scatter", {"keys": ["pr_points"], "media": {"pr_points": "custom-chart"}}),
    DocPiece("plot_line_series", {"keys": ["decays"], "media": {"decays": "custom-chart"},
                                  "project": "corpus-line-series"}),
    DocPiece("plot_histogram", {"keys": ["length_hist"], "media": {"length_hist": "custom-chart"},
                                "project": "corpus-histogram"}),
    DocPiece("plot_confusion_matrix", {"keys": ["colour_cm"], "media": {"colour_cm": "custom-chart"},
                                       "project": "corpus-confusion"}),
    DocPiece("sweep_walkthrough", {"runs": 6, "keys": ["cost"], "config": ["width", "depth"],
                                   "project": "corpus-sweep"}),
    DocPiece("image_from_numpy", {"keys": ["tiles"], "media": {"tiles": "image-file"}}),
    DocPiece("image_array_caption", {"keys": ["ramp"], "media": {"ramp": "image-file"}, "project": "corpus-image"}),
    DocPiece("artifact_add_file_save", {"artifacts": 1, "project": "corpus-artifacts", "job_type": "build-features"}),
    DocPiece("artifact_use_download", {"runs": 2, "artifacts": 1, "job_type": "consume"}),
    DocPiece("registry_link_model", {"artifacts": 1, "registry": 1, "project": "corpus-registry"}),
    DocPiece("log_model", {"artifacts": 1, "project": "corpus-log-model"}),
    DocPiece("resume_must", {"keys": ["loss"], "max_runs": 1, "project": "corpus-resume"}),
    DocPiece("grouping_abc", {"runs": 4, "keys": ["auc", "bce"], "group": "fold-y"}),
    DocPiece("sklearn_log_metrics", {"keys": ["f1"], "summary": ["f1"], "project": "corpus-sklearn"}),
    DocPiece("sklearn_metrics_context", {"keys": ["mae"], "summary": ["mae"], "project": "corpus-sklearn"}),
    DocPiece("sklearn_confusion_matrix", {"keys": ["confusion_matrix"],
                                          "media": {"confusion_matrix": "custom-chart"}}),
    DocPiece("xgboost_callback", {"artifacts": 1, "project": "corpus-xgboost"}),
    DocPiece("histogram_from_np", {"runs": 0}),
    DocPiece("table_log_mode", {"keys": ["leaderboard"], "media": {"leaderboard": "table-file"},
                                "project": "corpus-tables"}),
)
