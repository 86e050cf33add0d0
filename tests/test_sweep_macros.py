"""Rendering a sweep's `command` with W&B's macros (SWEEP_SPEC section 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nbtrack.sweeps import DEFAULT_COMMAND, SweepConfigError, render_command

CONFIG = {"lr": 1e-05, "use_bn": True, "dropout": False, "name": None, "layers": [1, 2],
          "optimizer": {"lr": 0.01}}


def render(command: list | None, **kwargs: object) -> list[str]:
    options = {"program": "train.py", "environ": {}, **kwargs}
    return render_command(command, CONFIG, **options)  # type: ignore[arg-type]


def test_default_command() -> None:
    assert DEFAULT_COMMAND == ("${env}", "${interpreter}", "${program}", "${args}")
    assert render(None) == [
        "/usr/bin/env", "python", "train.py",
        "--lr=1e-05", "--use_bn=True", "--dropout=False", "--name=None", "--layers=[1, 2]",
        "--optimizer={'lr': 0.01}",
    ]


@pytest.mark.parametrize("command", [[], "python train.py ${args}", {"a": 1}])
def test_an_empty_or_non_list_command_means_the_default(command: object) -> None:
    assert render(command) == render(None)  # type: ignore[arg-type]


def test_env_is_dropped_on_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("platform.system", lambda: "Windows")
    assert render(["${env}", "${interpreter}", "${program}"]) == ["python", "train.py"]


def test_args_no_hyphens() -> None:
    assert render(["${args_no_hyphens}"]) == [
        "lr=1e-05", "use_bn=True", "dropout=False", "name=None", "layers=[1, 2]", "optimizer={'lr': 0.01}",
    ]


def test_args_no_boolean_flags() -> None:
    assert render(["${args_no_boolean_flags}"]) == [
        "--lr=1e-05", "--use_bn", "--name=None", "--layers=[1, 2]", "--optimizer={'lr': 0.01}",
    ]


def test_args_json_is_one_item() -> None:
    argv = render(["python", "t.py", "${args_json}"])
    assert argv[:2] == ["python", "t.py"] and len(argv) == 3
    assert json.loads(argv[2]) == CONFIG
    assert argv[2].startswith('{"lr": 1e-05, "use_bn": true')


def test_undocumented_macros() -> None:
    config = {"a": 1, "b": "x y"}
    assert render_command(["${args_no_equals}"], config) == ["--a", "1", "--b", "x y"]
    assert render_command(["${args_append_hydra}"], config) == ["+a=1", "+b=x y"]
    assert render_command(["${args_override_hydra}"], config) == ["++a=1", "++b=x y"]


def test_args_json_file_is_written_only_when_its_chunk_is_present(tmp_path: Path) -> None:
    path = tmp_path / "sweep-s1" / "config-r1.json"
    assert render(["${args}"], args_json_file=path)[0] == "--lr=1e-05"
    assert not path.exists()
    argv = render(["${program}", "--config", "${args_json_file}"], args_json_file=path)
    assert argv == ["train.py", "--config", str(path)]
    assert json.loads(path.read_text()) == CONFIG


def test_args_json_file_needs_a_path() -> None:
    with pytest.raises(ValueError, match="args_json_file"):
        render(["${args_json_file}"])


def test_program_macro_needs_a_program() -> None:
    with pytest.raises(SweepConfigError, match="no 'program'"):
        render_command(None, CONFIG)
    assert render_command(["python", "-m", "pkg"], CONFIG) == ["python", "-m", "pkg"]


def test_unknown_macros_vanish_and_partial_chunks_stay_literal() -> None:
    assert render(["${foo}", "--x=${lr}", "a${args}", "${args}b", "${}", 3, 0.5]) == [
        "--x=${lr}", "a${args}", "${args}b", "3", "0.5",
    ]


def test_envvar_is_replaced_anywhere_in_a_chunk() -> None:
    environ = {"DATA": "/data", "GPU_1": "0"}
    argv = render(
        ["--data=${envvar:DATA}/x", "${envvar:GPU_1}${envvar:DATA}", "${envvar:MISSING}", "${envvar:data}"],
        environ=environ,
    )
    # an unset variable becomes its name; a lowercase name does not match, so its chunk is an
    # unknown macro and vanishes
    assert argv == ["--data=/data/x", "0/data", "MISSING"]


def test_envvar_reads_the_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NBTRACK_TEST_SEED", "42")
    assert render_command(["--seed=${envvar:NBTRACK_TEST_SEED}"], {}) == ["--seed=42"]


def test_an_envvar_that_spells_a_macro_becomes_that_macro() -> None:
    assert render(["${envvar:WHICH}"], environ={"WHICH": "${program}"}) == ["train.py"]
