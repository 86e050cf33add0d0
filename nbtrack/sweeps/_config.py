"""Load, validate and normalise a W&B sweep configuration (schema violations and runtime errors alike)."""

from __future__ import annotations

import copy
import os
import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import SweepConfigError
from ._hyperband import hyperband_bands
from ._params import DEPRECATED, GROUP, ParameterError, is_integer, is_number, resolve_parameter

NAME_PATTERN = "^^[A-Za-z_][A-Za-z0-9_.-]*$"
"""W&B's rule for parameter names (the doubled caret is W&B's own); a dot does not nest."""

METHODS = ["bayes", "random", "grid", "custom"]
EXTENSION_METHODS = ("pbt",)  # nbtrack's own: population-based training
GRID_TYPES = ("categorical", "constant", "int_uniform", "q_uniform")

_STRINGS = ("apiVersion", "description", "program", "job", "image_uri", "entity", "project", "name")
_UNSUPPORTED = {
    "metrics": "W&B's `metrics` with `method: custom`; for a multi-objective sweep give `metric` a list of {name, goal}",
    "scheduler": "custom schedulers (W&B Launch's `scheduler`)",
}
_KNOWN = {
    *_STRINGS, *_UNSUPPORTED, "method", "parameters", "metric", "early_terminate",
    "command", "run_cap", "controller", "kind", "pbt",
}
_PBT_RULES = {  # key: (check, rule as the error states it, default or None when required)
    "population_size": (lambda v: is_integer(v) and v >= 2, "an integer >= 2", None),
    "perturbation_interval": (lambda v: is_integer(v) and v >= 1, "an integer >= 1 (steps of a run)", None),
    "quantile_fraction": (lambda v: is_number(v) and 0 < v <= 0.5, "a number in (0, 0.5]", 0.25),
    "resample_probability": (lambda v: is_number(v) and 0 <= v <= 1, "a number in [0, 1]", 0.25),
}
_METRIC_ENUMS = {
    "goal": ["minimize", "maximize"],
    "impute": ["latest", "best", "worst"],
    "impute_while_running": ["latest", "best", "worst", "false"],
}
_METRIC_DEFAULTS = {"goal": "minimize", "impute": "worst", "impute_while_running": "false"}
_HYPERBAND_KEYS = ("type", "max_iter", "min_iter", "s", "eta", "strict")
_GRID_MESSAGE = (
    "Parameter {} is a disallowed type with grid search. Grid search requires all parameters "
    "to be categorical, constant, int_uniform, or q_uniform. Specification of probabilities "
    "for categorical parameters is disallowed in grid search"
)


@dataclass(frozen=True)
class _Violation:
    message: str
    tolerable: bool = False  # W&B's cloud warns and runs anyway; lenient mode does too


def _unexpected(keys: list[str]) -> str:
    listed = ", ".join(repr(k) for k in keys)
    verb = "was" if len(keys) == 1 else "were"
    return f"Additional properties are not allowed ({listed} {verb} unexpected)"


def _type_error(where: str, value: Any, kind: str) -> _Violation:
    return _Violation(f"{where}: {value!r} is not of type {kind!r}")


def _minmax_violation(name: str, block: Any) -> _Violation | None:
    """W&B's custom check, run whatever the distribution: numeric min must be below max."""
    if not isinstance(block, dict) or not (is_number(block.get("min")) and is_number(block.get("max"))):
        return None
    if block["min"] >= block["max"]:
        return _Violation(f"{name}: min {block['min']} is not less than max {block['max']}")
    return None


def _probability_violation(name: str, block: Any) -> _Violation | None:
    """W&B's custom check of `probabilities`: as many as `values`, summing to 1 (np.isclose)."""
    if not isinstance(block, dict):
        return None
    values, probabilities = block.get("values"), block.get("probabilities")
    if not isinstance(values, list) or not isinstance(probabilities, list):
        return None
    if len(values) != len(probabilities):
        return _Violation(
            f"Parameter {name}: values {values} and probabilities {probabilities} are not the same length"
        )
    if all(is_number(p) for p in probabilities) and abs(sum(probabilities) - 1.0) > 1e-8 + 1e-5:
        return _Violation(f"Parameter {name}: Probabilities {probabilities} do not sum to 1")
    return None


def _parameters(
    block: Any, prefix: tuple[str, ...], filled: dict[str, Any]
) -> Iterator[_Violation]:
    """Check a `parameters` mapping at any depth, filling `filled` with each resolved entry."""
    where = ".".join(prefix) + ".parameters" if prefix else "parameters"
    if not isinstance(block, dict):
        yield _type_error(where, block, "object")
        return
    if not block:
        yield _Violation(f"{where}: {{}} should be non-empty")
        return
    for name, param in block.items():
        dotted = ".".join((*prefix, str(name)))
        if not isinstance(name, str) or not re.search(NAME_PATTERN, name):
            yield _Violation(f"{where}: {name!r} does not match {NAME_PATTERN!r}")
            continue
        for check in (_minmax_violation, _probability_violation):
            if (violation := check(dotted, param)) is not None:
                yield violation
        try:
            distribution, resolved = resolve_parameter(param)
        except ParameterError as exc:
            yield _Violation(
                f"invalid hyperparameter configuration: {dotted}: {exc}; "
                f"{param!r} is not valid under any of the given schemas"
            )
            continue
        if distribution == GROUP:
            inner: dict[str, Any] = {}
            yield from _parameters(resolved[GROUP], (*prefix, name), inner)
            filled[name] = {GROUP: inner}
            continue
        if distribution in DEPRECATED and not prefix:  # W&B checks this at the top level only
            yield _Violation(
                f"{dotted} uses {distribution}, where min/max specify base-e exponents. "
                f"Use {DEPRECATED[distribution]} to specify limit values.",
                tolerable=True,
            )
        filled[name] = resolved


def _metric(metric: Any) -> Iterator[_Violation]:
    """One objective `{name, goal, ...}`, or (nbtrack's multi-objective sweeps) a list of them."""
    if not isinstance(metric, list):
        yield from _objective(metric, "metric")
        return
    if not metric:
        yield _Violation("metric: [] should be non-empty")
    for index, item in enumerate(metric):
        yield from _objective(item, f"metric[{index}]")
        if isinstance(item, dict) and "target" in item and len(metric) > 1:
            yield _Violation(f"metric[{index}].target: a target applies to a single-objective sweep only")
    names = [m.get("name") for m in metric if isinstance(m, dict)]
    for name in sorted({n for n in names if isinstance(n, str) and names.count(n) > 1}):
        yield _Violation(f"metric: {name!r} is listed twice; each objective must be a different metric")


def _objective(metric: Any, where: str) -> Iterator[_Violation]:
    if not isinstance(metric, dict):
        yield _type_error(where, metric, "object")
        return
    if "name" not in metric:
        yield _Violation(f"{where}: 'name' is a required property")
    extra = [k for k in metric if k not in ("name", "target", *_METRIC_ENUMS)]
    if extra:
        yield _Violation(f"{where}: {_unexpected(extra)}")
    if "name" in metric and not isinstance(metric["name"], str):
        yield _type_error(f"{where}.name", metric["name"], "string")
    if "target" in metric and not is_number(metric["target"]):
        yield _type_error(f"{where}.target", metric["target"], "number")
    for key, allowed in _METRIC_ENUMS.items():
        if key in metric and metric[key] not in allowed:
            yield _Violation(f"{where}.{key}: {metric[key]!r} is not one of {allowed!r}")


def _pbt(block: Any, method: Any) -> Iterator[_Violation]:
    """nbtrack's `pbt:` section: required with `method: pbt`, and meaningless without it."""
    if method != "pbt":
        yield _Violation("pbt: the `pbt` section applies only to `method: pbt`")
        return
    if not isinstance(block, dict):
        yield _type_error("pbt", block, "object")
        return
    extra = [k for k in block if k not in _PBT_RULES]
    if extra:
        yield _Violation(f"pbt: {_unexpected(extra)}")
    for key, (ok, rule, default) in _PBT_RULES.items():
        if key not in block:
            if default is None:
                yield _Violation(f"pbt: {key!r} is a required property")
        elif not ok(block[key]):
            yield _Violation(f"pbt.{key}: {block[key]!r} must be {rule}")


def _hyperband_reason(block: dict[str, Any]) -> str | None:
    """Why an early_terminate mapping fails W&B's `hyperband_stopping` schema, if it does."""
    checks = (
        ("type", lambda v: v == "hyperband", "'type' must be 'hyperband'"),
        ("max_iter", is_integer, "'max_iter' must be an integer"),
        ("min_iter", lambda v: is_integer(v) and v >= 1, "'min_iter' must be an integer >= 1"),
        ("s", is_number, "'s' must be a number"),
        ("eta", lambda v: is_number(v) and v > 1, "'eta' must be a number > 1"),
        ("strict", lambda v: isinstance(v, bool), "'strict' must be true or false"),
    )
    if "type" not in block:
        return "'type' is a required property"
    for key, ok, reason in checks:
        if key in block and not ok(block[key]):
            return f"{reason} (got {block[key]!r})"
    if not ({"max_iter", "s"} <= block.keys() or "min_iter" in block):
        return "needs either max_iter and s, or min_iter"
    return None


def _early_terminate(block: Any) -> Iterator[_Violation]:
    if not isinstance(block, dict):
        yield _Violation(f"early_terminate: {block!r} is not valid under any of the given schemas")
        return
    if (reason := _hyperband_reason(block)) is not None:
        yield _Violation(
            f"early_terminate: {block!r} is not valid under any of the given schemas ({reason})"
        )
    extra = [k for k in block if k not in _HYPERBAND_KEYS]
    if extra:  # the stopper strips these, so W&B runs anyway
        yield _Violation(
            f"early_terminate: {block!r} is not valid under any of the given schemas "
            f"({_unexpected(extra)})",
            tolerable=True,
        )


def _top_level(config: dict[str, Any], filled: dict[str, Any]) -> Iterator[_Violation]:
    extra = [k for k in config if k not in _KNOWN]
    if extra:
        yield _Violation(_unexpected(extra), tolerable=True)
    for key, what in _UNSUPPORTED.items():
        if key in config:
            yield _Violation(f"{key}: nbtrack does not support {what}")
    if "method" not in config:
        yield _Violation("'method' is a required property")
    elif config["method"] not in METHODS and config["method"] not in EXTENSION_METHODS:
        yield _Violation(f"method: {config['method']!r} is not one of {METHODS!r}")
    for key in _STRINGS:
        if key in config and not isinstance(config[key], str):
            yield _type_error(key, config[key], "string")
    if "kind" in config and config["kind"] != "sweep":
        yield _Violation(f"kind: {config['kind']!r} is not one of ['sweep']")
    if "command" in config and not isinstance(config["command"], list):
        yield _type_error("command", config["command"], "array")
    if "run_cap" in config:
        cap = config["run_cap"]
        if not is_integer(cap):
            yield _type_error("run_cap", cap, "integer")
        elif cap <= 0:
            yield _Violation(f"run_cap: {cap!r} is less than or equal to the minimum of 0")
    if "controller" in config:
        controller = config["controller"]
        if not isinstance(controller, dict):
            yield _type_error("controller", controller, "object")
        elif "type" not in controller:
            yield _Violation("controller: 'type' is a required property")
        elif controller["type"] not in ("local", "cloud"):
            yield _Violation(f"controller.type: {controller['type']!r} is not one of ['local', 'cloud']")
    if "metric" in config:
        yield from _metric(config["metric"])
    if "early_terminate" in config:
        yield from _early_terminate(config["early_terminate"])
    if "pbt" in config:
        yield from _pbt(config["pbt"], config.get("method"))
    elif config.get("method") == "pbt":
        yield _Violation("pbt: `method: pbt` needs a `pbt` section (population_size, perturbation_interval)")
    if "parameters" not in config:
        yield _Violation("`parameters` is required unless `scheduler.search_space` is set.")
    else:
        yield from _parameters(config["parameters"], (), filled)


def _leaves(parameters: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    for name, block in parameters.items():
        if GROUP in block:
            yield from _leaves(block[GROUP], f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", block


def _runtime_errors(config: dict[str, Any]) -> Iterator[str]:
    """The errors W&B's engine raises only when runs are suggested or stopped, found up front."""
    method = config["method"]
    leaves = list(_leaves(config["parameters"]))
    if method == "custom":
        yield 'Invalid search type custom, must be one of ["grid", "random", "bayes"]'
    if method == "grid":
        yield from (_GRID_MESSAGE.format(n) for n, b in leaves if b["distribution"] not in GRID_TYPES)
    if method == "bayes":
        if "metric" not in config:
            yield 'Bayesian search requires "metric" section'
        if all(b["distribution"] == "constant" for _, b in leaves):
            yield "Need at least one searchable parameter for bayes search."
        for name, block in leaves:
            if block["distribution"] == "categorical_w_probabilities":
                yield f"Parameter {name}: bayes search does not support probabilities"
    multi = isinstance(config.get("metric"), list)
    if method == "pbt":
        if "metric" not in config or multi:
            yield 'Population-based training requires a "metric" section with one metric'
        if all(b["distribution"] == "constant" for _, b in leaves):
            yield "Need at least one searchable parameter for population-based training."
        if "early_terminate" in config:
            yield "early_terminate: population-based training stops and restarts members itself"
    if "early_terminate" in config:
        if "metric" not in config:
            yield 'early terminate requires "metric" section'
        elif multi:
            yield "early terminate requires a single metric, not a multi-objective list"
        try:
            hyperband_bands(config["early_terminate"])
        except SweepConfigError as exc:
            yield str(exc)


def _normalised(config: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """A copy with every default filled in and the keys W&B ignores dropped."""
    result = {k: copy.deepcopy(v) for k, v in config.items() if k in _KNOWN}
    result["parameters"] = copy.deepcopy(parameters)
    if "run_cap" in result:
        result["run_cap"] = int(result["run_cap"])  # the schema lets a whole float through
    if "metric" in result:
        metric = result["metric"]
        if isinstance(metric, list):  # one objective listed is a single-objective sweep
            filled = [{**_METRIC_DEFAULTS, **m} for m in metric]
            result["metric"] = filled[0] if len(filled) == 1 else filled
        else:
            result["metric"] = {**_METRIC_DEFAULTS, **metric}
    if "pbt" in result:
        result["pbt"] = {**{k: d for k, (_, _, d) in _PBT_RULES.items() if d is not None}, **result["pbt"]}
    if "early_terminate" in result:
        block = result["early_terminate"]
        result["early_terminate"] = {
            "eta": 3, "strict": True, **{k: v for k, v in block.items() if k in _HYPERBAND_KEYS}
        }
    return result


def normalize_sweep_config(config: Mapping[str, Any], *, lenient: bool = False) -> dict[str, Any]:
    """Validate a sweep config and return it with every default filled; raises SweepConfigError.

    With `lenient=True`, the violations W&B's cloud only warns about (unknown keys, the
    deprecated exponent distributions) are warned about instead; all others still raise.
    The result is plain data (store it as JSON) and normalising it again changes nothing.
    """
    if not isinstance(config, Mapping):
        raise SweepConfigError("Sweep config must be parsable as a JSON object.")
    config = dict(config)
    parameters: dict[str, Any] = {}
    violations = list(_top_level(config, parameters))
    if any(not (lenient and v.tolerable) for v in violations):
        raise SweepConfigError([v.message for v in violations])
    normalised = _normalised(config, parameters)
    errors = list(_runtime_errors(normalised))
    if errors:
        raise SweepConfigError(errors)
    for violation in violations:
        warnings.warn(f"sweep config: {violation.message}", UserWarning, stacklevel=2)
    return normalised


def load_sweep_config(
    source: Mapping[str, Any] | str | os.PathLike[str], *, lenient: bool = False
) -> dict[str, Any]:
    """Read a sweep config (a mapping, or a YAML file read safely as W&B does) and normalise it."""
    if isinstance(source, Mapping):
        return normalize_sweep_config(source, lenient=lenient)
    import yaml

    with open(source, encoding="utf-8") as file:
        try:
            config = yaml.safe_load(file)
        except yaml.YAMLError as exc:
            raise SweepConfigError(f"Error in configuration file {os.fspath(source)}: {exc}") from exc
    if not config:
        raise SweepConfigError(f"Configuration file {os.fspath(source)} is empty")
    return normalize_sweep_config(config, lenient=lenient)
