"""The model registry: W&B's link_model / use_model / log_model / link_artifact, aliases that move,
Api access, the CLI, lineage back to the producing run, and the dashboard's line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_artifacts import write

import nbtrack as wandb
from nbtrack.artifacts import ArtifactError, ArtifactNotFoundError
from nbtrack.cli import main


def train(tmp_path: Path, weights: str, **link: object) -> tuple[wandb.Run, wandb.Artifact]:
    with wandb.init(project="fraud", job_type="train") as run:
        linked = run.link_model(write(tmp_path / "model.pt", weights), "fraud-detector", **link)  # type: ignore[arg-type]
    return run, linked


def test_link_model_numbers_versions_and_aliases_move(tmp_path: Path) -> None:
    run0, v0 = train(tmp_path, "w0", name="clf", aliases=["staging"])
    run1, v1 = train(tmp_path, "w1", name="clf", aliases=["production"])
    reg = wandb.Api().registry
    assert [(v.version, v.aliases, v.artifact, v.logged_by, v.linked_by) for v in reg.versions("fraud-detector")] == [
        (0, ("staging",), "clf:v0", run0.id, run0.id), (1, ("latest", "production"), "clf:v1", run1.id, run1.id)]
    # a linked version is named as W&B names it: the collection's name and version, the original as source_*
    assert (v0.name, v0.version, v0.type, v0.is_link) == ("fraud-detector:v0", "v0", "model", True)
    assert (v1.name, v1.source_name, v1.source_version) == ("fraud-detector:v1", "clf:v1", "v1")
    moved = reg.set_alias("fraud-detector", "production", "v0")  # one version per alias per collection
    assert moved.aliases == ("production", "staging")
    assert [v.aliases for v in reg.versions("fraud-detector")] == [("production", "staging"), ("latest",)]
    assert wandb.Api().artifact("wandb-registry-model/fraud-detector:production").version == "v0"
    latest = wandb.artifact("fraud-detector:latest")  # no artifact of that name: the registry
    assert (latest.name, latest.qualified_name, latest.source_name, latest.source_artifact.name) == (
        "fraud-detector:latest", "fraud-detector:v1", "clf:v1", "clf:v1")
    reg.remove_alias("fraud-detector", "staging")
    with pytest.raises(ArtifactNotFoundError, match="no alias 'staging'"):
        reg.remove_alias("fraud-detector", "staging")
    with pytest.raises(ArtifactNotFoundError, match="has no version 'v5'"):
        reg.set_alias("fraud-detector", "production", 5)
    [coll] = reg.collections()
    assert (coll.name, coll.type, coll.version_count) == ("fraud-detector", "model", 2)
    with wandb.init(project="fraud") as run:
        with pytest.raises(ArtifactError, match="only the registered model's name"):
            run.link_model(tmp_path / "model.pt", "team/model-registry/x")


def test_use_model_log_model_and_link_artifact_as_wandb_spells_them(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # use_model downloads under ./artifacts, as W&B
    (tmp_path / "ckpt").mkdir()
    write(tmp_path / "ckpt" / "a.bin", "A")
    write(tmp_path / "ckpt" / "b.bin", "B")
    with wandb.init(project="p") as run:
        assert run.log_model(str(tmp_path / "ckpt"), name="net", aliases=["best"]) is None
        art = wandb.artifact("net:best")
        linked = run.link_artifact(art, "wandb-registry-model/net-prod", aliases=["production"])
        run.log_artifact(write(tmp_path / "d.csv", "x"), name="tbl", type="dataset")
    assert (linked.name, linked.source_name) == ("net-prod:v0", "net:v0")
    assert linked.aliases == ["latest", "production"] and art.aliases == ["latest", "best"]  # the link's, as W&B
    with wandb.init(project="p") as consumer:
        path = consumer.use_model("wandb-registry-model/net-prod:production")
        single = consumer.use_model("entity/p/net:v0")
        with pytest.raises(ArtifactError, match="must contain 'model'"):
            consumer.use_model("tbl:latest")
    assert sorted(p.name for p in Path(path).iterdir()) == ["a.bin", "b.bin"]
    assert sorted(p.name for p in Path(single).iterdir()) == ["a.bin", "b.bin"]
    assert (Path(path).name, Path(single).name) == ("net-prod:v0", "net:v0")  # W&B's download directories
    assert [r.id for r in art.used_by()] == [consumer.id]
    with wandb.init(project="p") as run2:
        one = run2.log_artifact(write(tmp_path / "m.pt", "M"), name="solo", type="model")
        assert Path(run2.use_model("solo:latest")).read_text() == "M"  # one file: its path
    assert one.version == "v0"


def test_an_artifact_fetched_through_the_registry_is_named_as_wandb_names_it(tmp_path: Path) -> None:
    train(tmp_path, "w0", name="clf")
    run1, _ = train(tmp_path, "w1", name="clf", aliases=["production"])
    with wandb.init(project="fraud") as consumer:
        used = consumer.use_artifact("wandb-registry-model/fraud-detector:production")
    # as W&B: `name` is the collection with the alias or version it was fetched by
    for art, asked in ((used, "production"),
                       (wandb.Api().artifact("entity/wandb-registry-model/fraud-detector:production"), "production"),
                       (wandb.Api().artifact("wandb-registry-model/fraud-detector"), "v1"),
                       (wandb.Api().registry.get("fraud-detector:v1"), "v1")):
        assert (art.name, art.version, art.qualified_name, art.is_link) == (f"fraud-detector:{asked}", "v1",
                                                                             "fraud-detector:v1", True)
        assert (art.source_name, art.source_version) == ("clf:v1", "v1")
        assert (art.collection.name, art.source_collection.name, art.source_collection.type) == (
            "fraud-detector", "clf", "model")
        assert art.source_artifact.qualified_name == "clf:v1" and not art.source_artifact.is_link
        assert art.logged_by().id == run1.id and "linking clf:v1" in repr(art)
    plain = wandb.artifact("clf:v0")  # not through the registry: its own name, and itself as its source
    assert (plain.name, plain.version, plain.is_link, plain.source_name, plain.source_version) == (
        "clf:v0", "v0", False, "clf:v0", "v0")
    assert plain.collection == plain.source_collection and plain.source_artifact is plain
    assert [r.id for r in wandb.artifact("clf:v1").used_by()] == [consumer.id]  # the edge is to the version
    # its aliases are the link's in the collection; edited and saved, they move there (the artifact's stay)
    staged = wandb.Api().artifact("wandb-registry-model/fraud-detector:v0")
    assert staged.aliases == []
    staged.aliases.append("staging")
    staged.description = "candidate"
    staged.save()
    assert [v.aliases for v in wandb.Api().registry.versions("fraud-detector")] == [("staging",),
                                                                                   ("latest", "production")]
    assert staged.aliases == ["staging"] and wandb.artifact("clf:v0").description == "candidate"
    assert wandb.artifact("clf:v0").aliases == []  # the logged version's own aliases untouched
    prod = wandb.Api().artifact("fraud-detector:production")
    prod.aliases.remove("production")
    prod.save()
    assert [v.aliases for v in wandb.Api().registry.versions("fraud-detector")] == [("staging",), ("latest",)]


def test_a_linked_version_is_kept_until_unlinked_and_lineage_shows_the_registry(tmp_path: Path) -> None:
    run, linked = train(tmp_path, "w0", name="clf", aliases=["production"])
    graph = wandb.lineage("wandb-registry-model/fraud-detector:production")
    root = graph.node(graph.root)
    assert (root.label, root.registry) == ("clf:v0", ("fraud-detector:v0 (latest, production)",))
    assert graph.pairs() == [(run.name, "clf:v0")]  # lineage to the producing run
    from nbtrack.ui.lineage import lineage_figure

    hover = [t for trace in lineage_figure(graph).data for t in (trace.hovertext or ())]
    assert any("registry: fraud-detector:v0 (latest, production)" in t for t in hover)
    plain = wandb.artifact("clf:v0")
    with pytest.raises(ArtifactError, match="linked in the registry as fraud-detector:v0"):
        plain.delete(delete_aliases=True)
    via_registry = wandb.Api().registry.get("fraud-detector:production")
    via_registry.delete()  # through the registry, W&B deletes only the link
    assert wandb.Api().registry.versions("fraud-detector") == []
    assert wandb.artifact("clf:v0").version == "v0"
    wandb.artifact("clf:v0").delete()
    with pytest.raises(ArtifactNotFoundError):
        wandb.artifact("clf:v0")


def test_registry_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with wandb.init(project="p") as run:
        run.log_artifact(write(tmp_path / "m.pt", "0"), name="clf", type="model")
        run.log_artifact(write(tmp_path / "m.pt", "1"), name="clf", type="model")
    assert main(["registry", "list"]) == 0
    assert "no registered models" in capsys.readouterr().out
    assert main(["registry", "link", "clf:v0", "churn", "--alias", "staging"]) == 0
    assert main(["registry", "link", "clf:v1", "churn"]) == 0
    assert capsys.readouterr().out.splitlines() == ["linked clf:v0 as churn:v0", "linked clf:v1 as churn:v1"]
    assert main(["registry", "alias", "churn", "production", "staging"]) == 0
    assert capsys.readouterr().out.strip() == "churn:production -> v0 (clf:v0)"
    assert main(["registry", "list"]) == 0
    listed = capsys.readouterr().out
    assert "churn" in listed and "latest=v1" in listed and "production=v0" in listed and "staging=v0" in listed
    assert main(["registry", "show", "churn"]) == 0
    shown = capsys.readouterr().out
    assert "v0       production, staging  clf:v0" in shown and run.id in shown
    assert main(["registry", "unalias", "churn", "staging"]) == 0
    assert main(["registry", "unlink", "churn", "v1"]) == 0
    capsys.readouterr()
    assert main(["registry", "alias", "churn", "x", "v9"]) == 2
    assert "has no version 'v9'" in capsys.readouterr().err
    assert main(["artifact", "show", "clf:v0"]) == 0
    assert "registry: churn:v0 (latest, production)" in capsys.readouterr().out
    out = subprocess.run([sys.executable, "-m", "nbtrack", "registry", "show", "churn"], capture_output=True,
                         text=True, check=True).stdout
    assert "churn: 1 versions" in out


def test_dashboard_lists_registered_models(tmp_path: Path) -> None:
    from nbtrack.ui.registry import registry_html, registry_summary

    run, _ = train(tmp_path, "w0", name="clf", aliases=["production"])
    assert registry_summary(run.store) == [("fraud-detector", 1, ["latest=v0", "production=v0"])]
    assert "fraud-detector</b> (1 version: latest=v0, production=v0)" in registry_html(run.store)
    from nbtrack.ui.dashboard import Dashboard

    board = Dashboard("fraud", store=run.store)
    try:
        assert "registered models: <b>fraud-detector</b>" in board._header_html()
    finally:
        board.close()
