"""Each W&B distribution as an Optuna primitive plus transform: support, quantisation, statistics."""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Callable
from typing import Any

import optuna
import pytest

from nbtrack.sweeps import (
    HyperbandPruner,
    SearchSpace,
    SweepConfigError,
    make_pruner,
    make_sampler,
    normalize_sweep_config,
)

stats = pytest.importorskip("scipy.stats")

N = 2000


def space_of(**blocks: Any) -> tuple[dict[str, Any], SearchSpace]:
    with warnings.catch_warnings():  # the deprecated exponent forms are sampled here on purpose
        warnings.simplefilter("ignore")
        config = normalize_sweep_config({"method": "random", "parameters": blocks}, lenient=True)
    return config, SearchSpace.from_config(config)


def sample(block: dict[str, Any], n: int = N, seed: int = 0) -> list[Any]:
    """n random-method draws of one parameter through Optuna's RandomSampler."""
    config, space = space_of(x=block)
    study = optuna.create_study(sampler=make_sampler(config, seed=seed))
    return [space.suggest(study.ask())["x"] for _ in range(n)]


def param(block: dict[str, Any]) -> Any:
    return space_of(x=block)[1].params[0]


def assert_frequencies(values: list[Any], probability: Callable[[Any], float]) -> None:
    """Chi-square test of value counts against independently computed probabilities.

    Values expected fewer than 5 times are pooled, with the never-drawn mass, into one bin.
    """
    counts = Counter(values)
    assert sum(probability(v) for v in counts) <= 1 + 1e-9
    n = len(values)
    big = [v for v in counts if probability(v) * n >= 5]
    observed = [counts[v] for v in big]
    expected = [probability(v) * n for v in big]
    pooled = n - sum(expected)
    if pooled > 1e-6 * n:
        observed.append(n - sum(observed))
        expected.append(pooled)
    result = stats.chisquare(observed, expected)
    assert result.pvalue > 1e-3, (counts, result)


# --- the Optuna primitive of each distribution (SWEEP_SPEC section 10) ----------------------


@pytest.mark.parametrize(
    ("block", "primitive"),
    [
        ({"min": 2, "max": 7}, optuna.distributions.IntDistribution(2, 7)),
        ({"min": 0.5, "max": 2.0}, optuna.distributions.FloatDistribution(0.5, 2.0)),
        (
            {"distribution": "log_uniform_values", "min": 1e-4, "max": 1.0},
            optuna.distributions.FloatDistribution(1e-4, 1.0, log=True),
        ),
        (
            {"distribution": "inv_log_uniform_values", "min": 1e-4, "max": 1.0},
            optuna.distributions.FloatDistribution(1e-4, 1.0, log=True),
        ),
        (
            {"distribution": "log_uniform", "min": -3, "max": 2},
            optuna.distributions.FloatDistribution(-3, 2),
        ),
        (
            {"distribution": "inv_log_uniform", "min": 1, "max": 4},
            optuna.distributions.FloatDistribution(-4, -1),
        ),
        ({"values": ["a", [1], {"k": 2}]}, optuna.distributions.CategoricalDistribution((0, 1, 2))),
        ({"distribution": "normal"}, optuna.distributions.FloatDistribution(0.0, 1.0)),
        ({"distribution": "beta"}, optuna.distributions.FloatDistribution(0.0, 1.0)),
        (
            {"values": [1, 2], "probabilities": [0.5, 0.5]},
            optuna.distributions.FloatDistribution(0.0, 1.0),
        ),
    ],
)
def test_primitive(block: dict[str, Any], primitive: Any) -> None:
    assert param(block).primitive == primitive


def test_constants_have_no_primitive_and_nested_names_use_slashes() -> None:
    _, space = space_of(c={"value": 3}, opt={"parameters": {"lr": {"min": 0.1, "max": 1.0}}})
    assert space.distributions == {"opt/lr": optuna.distributions.FloatDistribution(0.1, 1.0)}


# --- random sampling follows W&B's distributions (section 2c) -------------------------------

CONTINUOUS = {
    "uniform": ({"min": -2.0, "max": 3.5}, stats.uniform(-2.0, 5.5)),
    "uniform with int bounds": ({"distribution": "uniform", "min": 1, "max": 4}, stats.uniform(1, 3)),
    "log_uniform_values": (
        {"distribution": "log_uniform_values", "min": 1e-5, "max": 0.1}, stats.loguniform(1e-5, 0.1)
    ),
    "inv_log_uniform_values": (
        {"distribution": "inv_log_uniform_values", "min": 1e-3, "max": 10},
        stats.loguniform(1e-3, 10),
    ),
    "log_uniform (exponents)": (
        {"distribution": "log_uniform", "min": -5, "max": 1}, stats.loguniform(math.exp(-5), math.e)
    ),
    "inv_log_uniform (exponents)": (
        {"distribution": "inv_log_uniform", "min": 0, "max": 5}, stats.loguniform(math.exp(-5), 1.0)
    ),
    "normal": ({"distribution": "normal", "mu": 2, "sigma": 3}, stats.norm(2, 3)),
    "normal defaults": ({"distribution": "normal"}, stats.norm(0, 1)),
    "log_normal": (
        {"distribution": "log_normal", "mu": -1, "sigma": 0.5}, stats.lognorm(s=0.5, scale=math.exp(-1))
    ),
    "beta": ({"distribution": "beta", "a": 2, "b": 5}, stats.beta(2, 5)),
    "beta defaults": ({"distribution": "beta"}, stats.uniform(0, 1)),
}


@pytest.mark.parametrize(("block", "reference"), CONTINUOUS.values(), ids=CONTINUOUS)
def test_continuous_distribution(block: dict[str, Any], reference: Any) -> None:
    values = sample(block)
    assert all(type(v) is float for v in values)
    low, high = reference.support()
    assert all(low <= v <= high for v in values)
    assert stats.kstest(values, reference.cdf).pvalue > 1e-3


def test_the_two_spellings_of_inverse_log_uniform_sample_alike() -> None:
    values = sample({"distribution": "inv_log_uniform_values", "min": 0.01, "max": 1.0}, seed=3)
    others = sample({"distribution": "log_uniform_values", "min": 0.01, "max": 1.0}, seed=4)
    assert stats.ks_2samp(values, others).pvalue > 1e-3


def quantised_probability(reference: Any, q: float) -> Callable[[Any], float]:
    """P(round(X / q) * q == v): the mass of X on [v - q/2, v + q/2]."""
    return lambda v: reference.cdf(v + q / 2) - reference.cdf(v - q / 2)


QUANTISED = {
    "q_uniform": (
        {"distribution": "q_uniform", "min": 0.5, "max": 3.0, "q": 0.25}, stats.uniform(0.5, 2.5), 0.25, float
    ),
    "q_uniform int q": (
        {"distribution": "q_uniform", "min": 0, "max": 30, "q": 4}, stats.uniform(0, 30), 4, int
    ),
    "q_uniform default q": (
        {"distribution": "q_uniform", "min": 0, "max": 5}, stats.uniform(0, 5), 1.0, float
    ),
    "q_log_uniform_values": (
        {"distribution": "q_log_uniform_values", "min": 1, "max": 200, "q": 5},
        stats.loguniform(1, 200), 5, int,
    ),
    "q_log_uniform (exponents)": (
        {"distribution": "q_log_uniform", "min": 0, "max": 4, "q": 2.5},
        stats.loguniform(1, math.exp(4)), 2.5, float,
    ),
    "q_normal": ({"distribution": "q_normal", "mu": 10, "sigma": 3, "q": 2}, stats.norm(10, 3), 2, int),
    "q_normal defaults": ({"distribution": "q_normal"}, stats.norm(0, 1), 1.0, float),
    "q_log_normal": (
        {"distribution": "q_log_normal", "mu": 2, "sigma": 0.5, "q": 0.5},
        stats.lognorm(s=0.5, scale=math.exp(2)), 0.5, float,
    ),
    "q_beta": ({"distribution": "q_beta", "a": 2, "b": 2, "q": 0.1}, stats.beta(2, 2), 0.1, float),
}


@pytest.mark.parametrize(("block", "reference", "q", "kind"), QUANTISED.values(), ids=QUANTISED)
def test_quantised_distribution(block: dict[str, Any], reference: Any, q: float, kind: type) -> None:
    values = sample(block)
    assert all(type(v) is kind for v in values)
    assert all(v == round(v / q) * q for v in values)  # a multiple of q, as round(x/q)*q makes it
    assert_frequencies(values, quantised_probability(reference, q))


def test_int_uniform_covers_both_bounds_evenly() -> None:
    values = sample({"min": -2, "max": 3})
    assert all(type(v) is int for v in values)
    assert set(values) == {-2, -1, 0, 1, 2, 3}
    assert_frequencies(values, lambda v: 1 / 6)


def test_categorical_is_uniform_over_indices_so_duplicates_weigh_more() -> None:
    values = sample({"values": ["a", "b", "a", [1, 2], {"k": None}]})
    keys = [repr(v) for v in values]
    weights = {"'a'": 2 / 5, "'b'": 1 / 5, "[1, 2]": 1 / 5, "{'k': None}": 1 / 5}
    assert_frequencies(keys, weights.__getitem__)


def test_categorical_with_probabilities() -> None:
    values = sample({"values": ["x", "y", "z", "never"], "probabilities": [0.2, 0.5, 0.3, 0.0]})
    assert "never" not in values
    assert_frequencies(values, {"x": 0.2, "y": 0.5, "z": 0.3}.__getitem__)


def test_categorical_with_probabilities_takes_the_first_index_whose_cumulative_sum_exceeds_u() -> None:
    p = param({"values": ["x", "y", "z"], "probabilities": [0.25, 0.25, 0.5]})
    assert [p.value(u) for u in (0.0, 0.2499, 0.25, 0.4999, 0.5, 0.9999)] == ["x", "x", "y", "y", "z", "z"]


# --- the exact transforms ----------------------------------------------------------------------


def test_quantised_values_keep_float_noise() -> None:
    p = param({"distribution": "q_uniform", "min": 0.0, "max": 1.0, "q": 0.05})
    assert repr(p.value(0.84)) == "0.8500000000000001"  # round(16.8) * 0.05


def test_q_uniform_rounds_half_to_even_and_can_leave_the_range() -> None:
    p = param({"distribution": "q_uniform", "min": 0.5, "max": 3, "q": 1})
    assert p.value(0.5) == 0 and type(p.value(0.5)) is int  # round(0.5) == 0: below min
    assert p.value(2.5) == 2
    assert p.value(1.5) == 2


@pytest.mark.parametrize("u", [1e-12, 1e-6, 0.01, 0.2, 0.5, 0.77, 0.99, 1 - 1e-9])
@pytest.mark.parametrize(
    ("block", "reference"),
    [
        ({"distribution": "normal", "mu": -1.5, "sigma": 4}, stats.norm(-1.5, 4)),
        ({"distribution": "log_normal", "mu": 0.3, "sigma": 2}, stats.lognorm(s=2, scale=math.exp(0.3))),
        ({"distribution": "beta", "a": 2, "b": 5}, stats.beta(2, 5)),
        ({"distribution": "beta", "a": 0.5, "b": 0.5}, stats.beta(0.5, 0.5)),
        ({"distribution": "beta", "a": 0.2, "b": 30}, stats.beta(0.2, 30)),
        ({"distribution": "beta", "a": 300, "b": 3}, stats.beta(300, 3)),
    ],
)
def test_ppf_matches_scipy(block: dict[str, Any], reference: Any, u: float) -> None:
    assert param(block).value(u) == pytest.approx(reference.ppf(u), rel=1e-9, abs=1e-300)


def test_ppf_edges() -> None:
    assert math.isnan(param({"distribution": "normal", "sigma": 0}).value(0.3))
    assert param({"distribution": "normal"}).value(0.0) == -math.inf
    assert param({"distribution": "log_normal"}).value(0.0) == 0.0
    assert math.isnan(param({"distribution": "beta", "a": 0}).value(0.3))
    assert param({"distribution": "q_normal"}).value(0.0) == -math.inf


# --- run configs -------------------------------------------------------------------------------


def test_run_config_is_nested_with_wandb_key_order() -> None:
    _, space = space_of(
        b={"value": 1},
        a={"parameters": {"z": {"value": 2}, "y": {"parameters": {"x": {"value": 3}}}, "b": {"value": 4}}},
        c={"value": 5},
        B={"value": 6},
    )
    config = space.config_from_params({})
    assert config == {"B": 6, "b": 1, "c": 5, "a": {"b": 4, "y": {"x": 3}, "z": 2}}
    assert list(config) == ["B", "b", "c", "a"]  # top-level leaves sorted, then groups
    assert list(config["a"]) == ["b", "y", "z"]
    assert [p.name for p in space.params] == ["B", "a.b", "a.y.x", "a.z", "b", "c"]


def test_suggested_configs_are_independent_copies() -> None:
    config, space = space_of(c={"value": {"layers": [1, 2]}}, v={"values": [[1], [2]]})
    study = optuna.create_study(sampler=make_sampler(config, seed=0))
    first = space.suggest(study.ask())
    first["c"]["layers"].append(3)
    first["v"].append(9)
    second = space.suggest(study.ask())
    assert second["c"] == {"layers": [1, 2]} and second["v"] in ([1], [2])


def test_config_from_params_reads_frozen_trial_params() -> None:
    config, space = space_of(lr={"distribution": "log_uniform_values", "min": 1e-4, "max": 1.0},
                             opt={"parameters": {"n": {"min": 1, "max": 3}}})
    study = optuna.create_study(sampler=make_sampler(config, seed=1))
    trial = study.ask(space.distributions)
    assert space.config_from_params(trial.params) == {
        "lr": trial.params["lr"], "opt": {"n": trial.params["opt/n"]},
    }


def test_params_from_config_reproduces_the_run_config() -> None:
    blocks = {
        "a": {"min": 1, "max": 5},
        "b": {"distribution": "q_uniform", "min": 0.5, "max": 3, "q": 0.5},
        "c": {"values": [1, True, "1", [1]]},
        "d": {"distribution": "log_uniform", "min": -4, "max": 0},
        "e": {"distribution": "q_log_uniform_values", "min": 1, "max": 100, "q": 3},
        "f": {"values": ["x", "y"], "probabilities": [0.3, 0.7]},
        "g": {"parameters": {"h": {"distribution": "normal"}, "k": {"value": 0}}},
        "i": {"distribution": "q_beta", "a": 2, "b": 3, "q": 0.25},
    }
    config, space = space_of(**blocks)
    study = optuna.create_study(sampler=make_sampler(config, seed=2))
    for _ in range(50):
        run_config = space.suggest(study.ask())
        primitives = space.params_from_config(run_config)
        again = space.config_from_params(primitives)
        assert again["g"]["h"] == pytest.approx(run_config["g"]["h"], rel=1e-9)
        again["g"]["h"] = run_config["g"]["h"]
        assert again == run_config
        assert [type(again[k]) for k in "abcdef"] == [type(run_config[k]) for k in "abcdef"]
        trial = optuna.trial.create_trial(params=primitives, distributions=space.distributions, value=0.0)
        assert trial.params == primitives


def test_a_value_outside_the_categorical_is_refused() -> None:
    _, space = space_of(act={"values": ["relu", "tanh"]})
    with pytest.raises(SweepConfigError, match=(
        "'gelu' is not a permitted value of the categorical hyperparameter act in the current sweep"
    )):
        space.params_from_config({"act": "gelu"})


def test_a_run_config_missing_a_parameter_is_refused() -> None:
    _, space = space_of(g={"parameters": {"lr": {"min": 0.1, "max": 1.0}}})
    with pytest.raises(SweepConfigError, match="no value for g.lr"):
        space.params_from_config({"g": {}})


# --- samplers and pruners ----------------------------------------------------------------------


def test_make_sampler_per_method(monkeypatch: pytest.MonkeyPatch) -> None:
    from nbtrack.sweeps import _study

    random_config = normalize_sweep_config({"method": "random", "parameters": {"a": {"values": [1]}}})
    bayes = normalize_sweep_config(
        {"method": "bayes", "metric": {"name": "m"}, "parameters": {"a": {"values": [1, 2]}}}
    )
    grid = normalize_sweep_config({"method": "grid", "parameters": {"a": {"values": [1]}}})
    assert isinstance(make_sampler(random_config), optuna.samplers.RandomSampler)
    assert isinstance(make_sampler(bayes, model="tpe"), optuna.samplers.TPESampler)
    monkeypatch.setattr(_study, "gp_available", lambda: False)
    assert isinstance(make_sampler(bayes), optuna.samplers.TPESampler)
    monkeypatch.setattr(_study, "gp_available", lambda: True)
    assert isinstance(make_sampler(bayes), optuna.samplers.GPSampler)
    with pytest.raises(ValueError, match="grid_points"):
        make_sampler(grid)


def test_make_pruner() -> None:
    base = {"method": "random", "metric": {"name": "m"}, "parameters": {"a": {"values": [1]}}}
    assert isinstance(make_pruner(normalize_sweep_config(base)), optuna.pruners.NopPruner)
    with_hyperband = {**base, "early_terminate": {"type": "hyperband", "min_iter": 2}}
    assert isinstance(make_pruner(normalize_sweep_config(with_hyperband)), HyperbandPruner)


def test_bayes_with_tpe_finds_a_good_region() -> None:
    config = normalize_sweep_config({
        "method": "bayes",
        "metric": {"name": "loss"},
        "parameters": {
            "lr": {"distribution": "log_uniform_values", "min": 1e-5, "max": 1.0},
            "act": {"values": [{"name": "relu"}, {"name": "tanh"}]},
            "depth": {"min": 1, "max": 8},
            "noise": {"distribution": "q_normal", "mu": 0, "sigma": 1, "q": 0.5},
        },
    })
    space = SearchSpace.from_config(config)
    study = optuna.create_study(sampler=make_sampler(config, seed=0, model="tpe"))

    def loss(c: dict[str, Any]) -> float:
        return (math.log10(c["lr"]) + 2) ** 2 + abs(c["depth"] - 3) + (c["act"]["name"] == "tanh")

    for _ in range(60):
        trial = study.ask()
        study.tell(trial, loss(space.suggest(trial)))
    assert study.best_value < 0.5
