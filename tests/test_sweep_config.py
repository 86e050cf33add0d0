"""Sweep config loading, type inference, defaults, and every error of SWEEP_SPEC section 8."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nbtrack.sweeps import DISTRIBUTIONS, SweepConfigError, load_sweep_config, normalize_sweep_config

P = {"a": {"values": [1, 2]}}
M = {"name": "loss"}


def params(**blocks: Any) -> dict[str, Any]:
    return {"method": "random", "parameters": blocks}


def distribution_of(block: dict[str, Any]) -> str:
    return normalize_sweep_config(params(x=block))["parameters"]["x"]["distribution"]


# --- loading ---------------------------------------------------------------------------


def test_yaml_file_is_read_safely_and_normalised(tmp_path: Path) -> None:
    path = tmp_path / "sweep.yaml"
    path.write_text(
        "method: bayes\n"
        "metric: {name: val_loss}\n"
        "parameters:\n"
        "  lr: {min: !!float 1e-5, max: 0.1, distribution: log_uniform_values}\n"
        "  layers: {values: [1, 2, 3]}\n"
        "  optimizer:\n"
        "    parameters:\n"
        "      momentum: {min: 0.0, max: 0.99}\n"
        "      name: {value: sgd}\n"
    )
    config = load_sweep_config(path)
    assert config["parameters"]["lr"] == {
        "distribution": "log_uniform_values", "min": 1e-5, "max": 0.1,
    }
    assert config["metric"] == {
        "name": "val_loss", "goal": "minimize", "impute": "worst", "impute_while_running": "false",
    }
    nested = config["parameters"]["optimizer"]["parameters"]
    assert nested["momentum"]["distribution"] == "uniform"
    assert nested["name"] == {"distribution": "constant", "value": "sgd"}
    assert load_sweep_config(str(path)) == config


def test_yaml_1e_minus_5_is_a_string_so_the_parameter_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "sweep.yaml"
    path.write_text("method: random\nparameters:\n  lr: {min: 1e-5, max: 0.1}\n")
    with pytest.raises(SweepConfigError, match=r"lr.*'min' must be a number \(got '1e-5'\)"):
        load_sweep_config(path)


def test_yaml_python_tags_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "sweep.yaml"
    path.write_text("method: random\nparameters: !!python/object/apply:os.getcwd []\n")
    with pytest.raises(SweepConfigError, match="Error in configuration file"):
        load_sweep_config(path)


def test_empty_yaml_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "sweep.yaml"
    path.write_text("# nothing\n")
    with pytest.raises(SweepConfigError, match="is empty"):
        load_sweep_config(path)


@pytest.mark.parametrize("config", [["method", "random"], "random", 3])
def test_config_must_be_a_mapping(config: Any) -> None:
    with pytest.raises(SweepConfigError, match="must be parsable as a JSON object"):
        normalize_sweep_config(config)


def test_sweep_config_error_is_a_value_error_listing_every_violation() -> None:
    with pytest.raises(ValueError) as info:
        normalize_sweep_config({"parameters": {}, "foo": 1})
    error = info.value
    assert isinstance(error, SweepConfigError)
    assert len(error.violations) == 3
    assert "Violation 3." in str(error)


# --- type inference and defaults (section 2b/2c) ---------------------------------------


def test_every_distribution_of_the_spec_is_known() -> None:
    assert sorted(DISTRIBUTIONS) == sorted([
        "constant", "categorical", "categorical_w_probabilities", "int_uniform", "uniform",
        "q_uniform", "log_uniform", "log_uniform_values", "q_log_uniform", "q_log_uniform_values",
        "inv_log_uniform", "inv_log_uniform_values", "normal", "q_normal", "log_normal",
        "q_log_normal", "beta", "q_beta",
    ])


@pytest.mark.parametrize(
    ("block", "distribution"),
    [
        ({"value": None}, "constant"),
        ({"value": [1, {"a": 2}]}, "constant"),
        ({"values": [1, 1, "x"]}, "categorical"),
        ({"values": [1, 2], "probabilities": [0.25, 0.75]}, "categorical_w_probabilities"),
        ({"min": 1, "max": 10}, "int_uniform"),
        ({"min": 1.0, "max": 10.0}, "uniform"),  # decided by type, not value
        ({"min": 1, "max": 10.5}, "uniform"),
        ({"min": 0.5, "max": 10}, "uniform"),
        ({"min": np.float64(0.5), "max": np.float64(2)}, "uniform"),
        ({"distribution": "uniform", "min": 1, "max": 10}, "uniform"),
        ({"distribution": "int_uniform", "min": 1, "max": 10}, "int_uniform"),
    ],
)
def test_distribution_inference(block: dict[str, Any], distribution: str) -> None:
    assert distribution_of(block) == distribution


@pytest.mark.parametrize(
    ("block", "filled"),
    [
        ({"distribution": "normal"}, {"mu": 0.0, "sigma": 1.0}),
        ({"distribution": "log_normal", "mu": 2}, {"mu": 2, "sigma": 1.0}),
        ({"distribution": "q_normal"}, {"mu": 0, "sigma": 1, "q": 1.0}),
        ({"distribution": "q_log_normal"}, {"mu": 0, "sigma": 1, "q": 1.0}),
        ({"distribution": "q_uniform", "min": 0, "max": 4}, {"q": 1.0}),
        ({"distribution": "q_log_uniform_values", "min": 1, "max": 9}, {"q": 1.0}),
        ({"distribution": "beta"}, {"a": 1, "b": 1}),
        ({"distribution": "q_beta", "b": 3}, {"a": 1, "b": 3, "q": 1.0}),
    ],
)
def test_defaults_are_filled(block: dict[str, Any], filled: dict[str, Any]) -> None:
    result = normalize_sweep_config(params(x=block))["parameters"]["x"]
    for key, value in filled.items():
        assert result[key] == value and type(result[key]) is type(value)


def test_hyperband_defaults() -> None:
    config = normalize_sweep_config(
        {
            "method": "random", "parameters": P, "metric": M,
            "early_terminate": {"type": "hyperband", "min_iter": 3},
        }
    )
    assert config["early_terminate"] == {"type": "hyperband", "min_iter": 3, "eta": 3, "strict": True}


def test_every_documented_key_is_accepted() -> None:
    config = {
        "method": "bayes", "name": "n", "description": "d", "project": "p", "entity": "e",
        "program": "train.py", "command": ["${env}", "${interpreter}", "${program}", "${args}"],
        "run_cap": 5.0, "kind": "sweep", "apiVersion": "v1", "job": "j", "image_uri": "i",
        "controller": {"type": "cloud"},
        "metric": {"name": "acc", "goal": "maximize", "target": 0.9, "impute": "best",
                   "impute_while_running": "latest"},
        "early_terminate": {"type": "hyperband", "max_iter": 27, "s": 2, "eta": 3, "strict": False},
        "parameters": {"a.b-c_D": {"min": 0.0, "max": 1.0}},
    }
    normalised = normalize_sweep_config(config)
    assert normalised["program"] == "train.py"
    assert normalised["run_cap"] == 5 and type(normalised["run_cap"]) is int


def test_normalising_is_idempotent_and_survives_json() -> None:
    config = {
        "method": "random",
        "metric": M,
        "early_terminate": {"type": "hyperband", "min_iter": 2},
        "parameters": {
            "a": {"min": 1, "max": 3},
            "b": {"min": 1, "max": 3.0},
            "c": {"distribution": "q_uniform", "min": 0, "max": 4, "q": 2},
            "d": {"values": [1, 2], "probabilities": [0.5, 0.5]},
            "e": {"parameters": {"f": {"value": [1, 2]}, "g": {"distribution": "normal"}}},
        },
    }
    once = normalize_sweep_config(config)
    assert normalize_sweep_config(once) == once
    assert normalize_sweep_config(json.loads(json.dumps(once))) == once
    assert config["parameters"]["a"] == {"min": 1, "max": 3}  # the input is not modified


# --- 8a: schema violations -----------------------------------------------------------------

SCHEMA_VIOLATIONS = {
    "method missing": ({"parameters": P}, "'method' is a required property"),
    "method unknown": (
        {"method": "hyper", "parameters": P},
        "'hyper' is not one of ['bayes', 'random', 'grid', 'custom']",
    ),
    "parameters missing": (
        {"method": "random"}, "`parameters` is required unless `scheduler.search_space` is set."
    ),
    "parameters empty": ({"method": "random", "parameters": {}}, "{} should be non-empty"),
    "parameters not a mapping": ({"method": "random", "parameters": [1]}, "is not of type 'object'"),
    "name starts with a digit": (
        params(**{"1lr": {"values": [1]}}), "'1lr' does not match '^^[A-Za-z_][A-Za-z0-9_.-]*$'"
    ),
    "name with a space": (params(**{"l r": {"values": [1]}}), "'l r' does not match"),
    "unknown top-level key": (
        {"method": "random", "parameters": P, "early_stopping": {}},
        "Additional properties are not allowed ('early_stopping' was unexpected)",
    ),
    "metric not a mapping": (
        {"method": "random", "parameters": P, "metric": "loss"}, "'loss' is not of type 'object'"
    ),
    "metric without name": (
        {"method": "random", "parameters": P, "metric": {"goal": "minimize"}},
        "'name' is a required property",
    ),
    "metric goal": (
        {"method": "random", "parameters": P, "metric": {"name": "l", "goal": "min"}},
        "'min' is not one of ['minimize', 'maximize']",
    ),
    "metric target": (
        {"method": "random", "parameters": P, "metric": {"name": "l", "target": "0.9"}},
        "'0.9' is not of type 'number'",
    ),
    "metric impute": (
        {"method": "random", "parameters": P, "metric": {"name": "l", "impute": "mean"}},
        "'mean' is not one of ['latest', 'best', 'worst']",
    ),
    "metric impute_while_running": (
        {"method": "random", "parameters": P, "metric": {"name": "l", "impute_while_running": False}},
        "False is not one of ['latest', 'best', 'worst', 'false']",
    ),
    "metric unknown key": (
        {"method": "random", "parameters": P, "metric": {"name": "l", "mode": "max"}},
        "Additional properties are not allowed ('mode' was unexpected)",
    ),
    "command not a list": (
        {"method": "random", "parameters": P, "command": "python train.py"},
        "'python train.py' is not of type 'array'",
    ),
    "program not a string": (
        {"method": "random", "parameters": P, "program": ["train.py"]},
        "['train.py'] is not of type 'string'",
    ),
    "run_cap zero": (
        {"method": "random", "parameters": P, "run_cap": 0},
        "0 is less than or equal to the minimum of 0",
    ),
    "run_cap negative": (
        {"method": "random", "parameters": P, "run_cap": -1},
        "-1 is less than or equal to the minimum of 0",
    ),
    "run_cap fractional": (
        {"method": "random", "parameters": P, "run_cap": 5.1}, "5.1 is not of type 'integer'"
    ),
    "run_cap bool": (
        {"method": "random", "parameters": P, "run_cap": True}, "True is not of type 'integer'"
    ),
    "controller type": (
        {"method": "random", "parameters": P, "controller": {"type": "remote"}},
        "'remote' is not one of ['local', 'cloud']",
    ),
    "kind": ({"method": "random", "parameters": P, "kind": "run"}, "'run' is not one of ['sweep']"),
    "multi-objective metrics": (
        {"method": "random", "parameters": P, "metrics": [M, M]}, "does not support"
    ),
    "scheduler": (
        {"method": "random", "parameters": P, "scheduler": {"engine": "optuna"}}, "does not support"
    ),
    "min not less than max": (params(lr={"min": 0.1, "max": 0.01}), "lr: min 0.1 is not less than max 0.01"),
    "min equal to max": (params(n={"min": 3, "max": 3}), "n: min 3 is not less than max 3"),
    "probabilities sum": (
        params(c={"values": [1, 2], "probabilities": [0.5, 0.6]}),
        "Parameter c: Probabilities [0.5, 0.6] do not sum to 1",
    ),
    "probabilities length": (
        params(c={"values": [1, 2, 3], "probabilities": [0.5, 0.5]}),
        "Parameter c: values [1, 2, 3] and probabilities [0.5, 0.5] are not the same length",
    ),
    "deprecated log_uniform": (
        params(lr={"distribution": "log_uniform", "min": -9, "max": 0}),
        "lr uses log_uniform, where min/max specify base-e exponents. "
        "Use log_uniform_values to specify limit values.",
    ),
    "deprecated q_log_uniform": (
        params(n={"distribution": "q_log_uniform", "min": 0, "max": 5}),
        "n uses q_log_uniform, where min/max specify base-e exponents. "
        "Use q_log_uniform_values to specify limit values.",
    ),
    "deprecated inv_log_uniform": (
        params(w={"distribution": "inv_log_uniform", "min": 0, "max": 5}),
        "w uses inv_log_uniform, where min/max specify base-e exponents. "
        "Use inv_log_uniform_values to specify limit values.",
    ),
}

BAD_PARAMETERS = {
    "unknown distribution": ({"distribution": "gaussian"}, "unknown distribution 'gaussian'"),
    "q without a q_ distribution": ({"min": 0.1, "max": 1.0, "q": 0.1}, "'q' is not allowed"),
    "min on normal": ({"distribution": "normal", "min": 0}, "'min' is not allowed"),
    "probabilities with explicit categorical": (
        {"distribution": "categorical", "values": [1, 2], "probabilities": [0.5, 0.5]},
        "'probabilities' is not allowed",
    ),
    "empty values": ({"values": []}, "'values' should be non-empty"),
    "tuple values": ({"values": (1, 2)}, "'values' must be a list, not tuple"),
    "value and values": ({"value": 1, "values": [1]}, "'values' is not allowed"),
    "no distribution keys": ({}, "needs 'value', 'values'"),
    "not a mapping": (0.1, "must be a mapping"),
    "int_uniform with floats": (
        {"distribution": "int_uniform", "min": 0.0, "max": 10.0}, "'min' must be an int"
    ),
    "numpy int64 bounds": ({"min": np.int64(1), "max": np.int64(5)}, "must be a float"),
    "bool bound": ({"min": False, "max": 1}, "'min' must be a number"),
    "string bound": ({"min": "0", "max": 1.0}, "'min' must be a number"),
    "only min": ({"min": 1}, "'max' is required"),
    "log_uniform_values min 0": (
        {"distribution": "log_uniform_values", "min": 0, "max": 1}, "'min' must be greater than 0"
    ),
    "inv_log_uniform_values min < 0": (
        {"distribution": "inv_log_uniform_values", "min": -1.0, "max": 1}, "greater than 0"
    ),
    "q_log_uniform_values min 0": (
        {"distribution": "q_log_uniform_values", "min": 0.0, "max": 1}, "greater than 0"
    ),
    "q zero": ({"distribution": "q_uniform", "min": 0, "max": 1, "q": 0}, "'q' must be greater than 0"),
    "q negative": ({"distribution": "q_normal", "q": -0.5}, "'q' must be greater than 0"),
    "sigma negative": ({"distribution": "log_normal", "sigma": -1}, "'sigma' must be at least 0"),
    "beta a negative": ({"distribution": "beta", "a": -1}, "'a' must be at least 0"),
    "negative probability": (
        {"values": [1, 2], "probabilities": [1.5, -0.5]}, "'probabilities' must hold numbers"
    ),
    "group with value": ({"parameters": {"a": {"value": 1}}, "value": 1}, "takes no other key"),
}


@pytest.mark.parametrize(("config", "message"), SCHEMA_VIOLATIONS.values(), ids=SCHEMA_VIOLATIONS)
def test_schema_violation(config: dict[str, Any], message: str) -> None:
    with pytest.raises(SweepConfigError) as info:
        normalize_sweep_config(config)
    assert any(message in v for v in info.value.violations), info.value.violations


@pytest.mark.parametrize(("block", "reason"), BAD_PARAMETERS.values(), ids=BAD_PARAMETERS)
def test_bad_parameter_names_the_parameter_and_the_rule(block: Any, reason: str) -> None:
    with pytest.raises(SweepConfigError) as info:
        normalize_sweep_config(params(width=block))
    (message,) = info.value.violations
    assert "invalid hyperparameter configuration: width" in message
    assert "is not valid under any of the given schemas" in message
    assert reason in message


@pytest.mark.parametrize(
    "early_terminate",
    [
        {"type": "envelope", "min_iter": 3},
        {"min_iter": 3},
        {"type": "hyperband"},
        {"type": "hyperband", "max_iter": 27},
        {"type": "hyperband", "min_iter": 3, "eta": 1},
        {"type": "hyperband", "min_iter": 0},
        {"type": "hyperband", "min_iter": 2.5},
        {"type": "hyperband", "max_iter": 27.5, "s": 2},
        {"type": "hyperband", "max_iter": 27, "s": "2"},
        {"type": "hyperband", "min_iter": 3, "strict": "yes"},
        {"type": "hyperband", "min_iter": 3, "eta": "3"},
        {"type": "hyperband", "min_iter": 3, "extra": 1},
        "hyperband",
    ],
)
def test_bad_hyperband_block(early_terminate: Any) -> None:
    config = {"method": "random", "parameters": P, "metric": M, "early_terminate": early_terminate}
    message = "early_terminate: .* is not valid under any of the given schemas"
    with pytest.raises(SweepConfigError, match=message):
        normalize_sweep_config(config)


def test_nested_violations_name_the_full_dotted_path() -> None:
    config = params(
        model={"parameters": {"optimizer": {"parameters": {"lr": {"values": []}, "9x": {"value": 1}}}}}
    )
    with pytest.raises(SweepConfigError) as info:
        normalize_sweep_config(config)
    text = "\n".join(info.value.violations)
    assert "invalid hyperparameter configuration: model.optimizer.lr" in text
    assert "model.optimizer.parameters: '9x' does not match" in text


def test_nested_empty_group_is_a_violation() -> None:
    with pytest.raises(SweepConfigError, match=r"g\.parameters: \{\} should be non-empty"):
        normalize_sweep_config(params(g={"parameters": {}}))


def test_deprecated_distribution_is_only_checked_at_the_top_level() -> None:
    nested = params(g={"parameters": {"lr": {"distribution": "log_uniform", "min": -5, "max": 0}}})
    assert normalize_sweep_config(nested)["parameters"]["g"]["parameters"]["lr"]["min"] == -5


def test_probabilities_close_to_one_pass() -> None:
    assert distribution_of({"values": [1, 2, 3], "probabilities": [0.1, 0.2, 0.70000001]}) == (
        "categorical_w_probabilities"
    )


def test_sigma_zero_is_accepted() -> None:
    assert distribution_of({"distribution": "normal", "sigma": 0}) == "normal"


# --- 8b: runtime errors, raised at creation ----------------------------------------------

RUNTIME_ERRORS = {
    "grid over uniform": (
        {"method": "grid", "parameters": {"lr": {"min": 0.0, "max": 1.0}}},
        "Parameter lr is a disallowed type with grid search. Grid search requires all parameters "
        "to be categorical, constant, int_uniform, or q_uniform.",
    ),
    "grid with probabilities": (
        {"method": "grid", "parameters": {"c": {"values": [1, 2], "probabilities": [0.5, 0.5]}}},
        "Parameter c is a disallowed type with grid search",
    ),
    "grid over nested normal": (
        {"method": "grid", "parameters": {"g": {"parameters": {"z": {"distribution": "normal"}}}}},
        "Parameter g.z is a disallowed type with grid search",
    ),
    "bayes without metric": (
        {"method": "bayes", "parameters": {"lr": {"min": 0.0, "max": 1.0}}},
        'Bayesian search requires "metric" section',
    ),
    "bayes with constants only": (
        {"method": "bayes", "metric": M, "parameters": {"a": {"value": 1}}},
        "Need at least one searchable parameter for bayes search.",
    ),
    "bayes with probabilities": (
        {"method": "bayes", "metric": M,
         "parameters": {"c": {"values": [1, 2], "probabilities": [0.5, 0.5]}}},
        "Parameter c: bayes search does not support probabilities",
    ),
    "custom method": (
        {"method": "custom", "parameters": P},
        'Invalid search type custom, must be one of ["grid", "random", "bayes"]',
    ),
    "hyperband without metric": (
        {"method": "random", "parameters": P, "early_terminate": {"type": "hyperband", "min_iter": 3}},
        'early terminate requires "metric" section',
    ),
    "hyperband without bands": (
        {"method": "random", "parameters": P, "metric": M,
         "early_terminate": {"type": "hyperband", "max_iter": 2, "s": 1}},
        "Bands must be an array of length at least 1",
    ),
    "hyperband with non-integer s": (
        {"method": "random", "parameters": P, "metric": M,
         "early_terminate": {"type": "hyperband", "max_iter": 27, "s": 2.0}},
        "s must be an integer, got 2.0",
    ),
    "hyperband max_iter and min_iter without s": (
        {"method": "random", "parameters": P, "metric": M,
         "early_terminate": {"type": "hyperband", "max_iter": 27, "min_iter": 1}},
        "max_iter needs s",
    ),
    "hyperband bands overflow": (
        {"method": "random", "parameters": P, "metric": M,
         "early_terminate": {"type": "hyperband", "min_iter": 1, "eta": 1e300}},
        "overflow",
    ),
    "nested min not less than max": (
        params(g={"parameters": {"h": {"parameters": {"lr": {"min": 0.5, "max": 0.1}}}}}),
        "g.h.lr: min 0.5 is not less than max 0.1",
    ),
    "nested probabilities": (
        params(g={"parameters": {"c": {"values": [1, 2], "probabilities": [0.2, 0.2]}}}),
        "Parameter g.c: Probabilities [0.2, 0.2] do not sum to 1",
    ),
}


@pytest.mark.parametrize(("config", "message"), RUNTIME_ERRORS.values(), ids=RUNTIME_ERRORS)
def test_runtime_error_is_raised_at_creation(config: dict[str, Any], message: str) -> None:
    with pytest.raises(SweepConfigError) as info:
        normalize_sweep_config(config)
    assert any(message in v for v in info.value.violations), info.value.violations


def test_valid_grid_and_bayes_configs_pass() -> None:
    grid = {
        "method": "grid",
        "parameters": {
            "a": {"values": [1, 2]}, "b": {"min": 1, "max": 3}, "c": {"value": 0},
            "d": {"distribution": "q_uniform", "min": 0, "max": 1, "q": 0.25},
        },
    }
    bayes = {"method": "bayes", "metric": M, "parameters": {"a": {"value": 1}, "b": {"values": [1]}}}
    assert normalize_sweep_config(grid)["method"] == "grid"
    assert normalize_sweep_config(bayes)["method"] == "bayes"


# --- lenient mode ----------------------------------------------------------------------------


def test_lenient_mode_warns_about_what_wandb_tolerates_and_drops_unknown_keys() -> None:
    config = {
        "method": "random",
        "metric": M,
        "settings": {"x": 1},
        "early_terminate": {"type": "hyperband", "min_iter": 3, "verbose": True},
        "parameters": {"lr": {"distribution": "log_uniform", "min": -5, "max": 0}},
    }
    with pytest.raises(SweepConfigError):
        normalize_sweep_config(config)
    with pytest.warns(UserWarning) as record:
        result = normalize_sweep_config(config, lenient=True)
    assert len(record) == 3
    assert "settings" not in result
    assert "verbose" not in result["early_terminate"]
    assert result["parameters"]["lr"]["distribution"] == "log_uniform"


def test_lenient_mode_still_raises_what_cannot_run() -> None:
    config = params(lr={"min": 1.0, "max": 0.0}, x={"values": []})
    with pytest.raises(SweepConfigError) as info:
        normalize_sweep_config({**config, "foo": 1}, lenient=True)
    assert len(info.value.violations) == 3


# --- import cost -----------------------------------------------------------------------------


def test_importing_the_sweeps_package_loads_no_heavy_module() -> None:
    code = (
        "import sys, nbtrack.sweeps, nbtrack.errors;"
        "from nbtrack.sweeps import SweepConfigError;"
        "print([m for m in ('optuna', 'numpy', 'yaml', 'IPython', 'plotly') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
