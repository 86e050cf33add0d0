"""The sweep panel's form: W&B sweep config <-> form state (pure functions), and the widgets that edit it.

A :class:`FormState` holds what the form shows, typed (numbers are numbers); whatever the
form cannot edit (``program``, ``metric.target``, nested parameters, ...) rides along in its
``extra`` fields or in a parameter row of kind ``"yaml"``, so
``config_from_form(form_from_config(c)) == c`` for every config that states ``metric.goal``.
The widgets only turn text boxes into a FormState and back; text is read as YAML where YAML
is expected, with ``1e-5`` read as a number (YAML 1.1 would read it as a string).
"""

from __future__ import annotations

import copy
import numbers
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import ipywidgets as widgets
import yaml

from ..errors import SweepConfigError

__all__ = [
    "FormState", "ParamRow", "ParamRowWidget", "SweepForm", "RANGE_DISTRIBUTIONS", "bound_keys",
    "config_from_form", "form_from_config", "row_from_spec", "row_spec",
    "format_number", "format_values", "format_yaml", "parse_number", "parse_values", "parse_yaml",
]

Kind = Literal["values", "range", "value", "yaml"]
METHODS = ("random", "grid", "bayes")
GOALS = ("minimize", "maximize")
RANGE_DISTRIBUTIONS: tuple[str, ...] = (
    "uniform", "int_uniform", "q_uniform", "log_uniform_values", "q_log_uniform_values",
    "inv_log_uniform_values", "normal", "q_normal", "log_normal", "q_log_normal", "beta", "q_beta",
    "log_uniform", "q_log_uniform", "inv_log_uniform",
)
"""W&B's distributions of a numeric range, commonest first: every one but categorical and constant."""

_KINDS = (("values", "values"), ("range", "range"), ("constant", "value"), ("yaml", "yaml"))
_WIDE = 10**9  # YAML line width: never wrap


def bound_keys(distribution: str) -> tuple[str, str]:
    """The two numbers a range distribution takes: min/max, mu/sigma (normals) or a/b (betas)."""
    if distribution.endswith("normal"):
        return "mu", "sigma"
    if distribution.endswith("beta"):
        return "a", "b"
    return "min", "max"


@dataclass(frozen=True)
class ParamRow:
    """One parameter as the form shows it.

    kind ``values``: ``values``; ``range``: ``distribution`` ("" = inferred from min/max), ``low``,
    ``high`` (see :func:`bound_keys`) and ``q``; ``value``: the constant ``value``; ``yaml``: the
    whole parameter block in ``value``.
    """

    name: str
    kind: Kind = "values"
    values: tuple[Any, ...] = ()
    distribution: str = ""
    low: float | None = None
    high: float | None = None
    q: float | None = None
    value: Any = None


@dataclass(frozen=True)
class FormState:
    """The whole form: search, metric, parameters, limits, Hyperband, and what the form cannot edit."""

    method: str = "random"
    metric: str = ""
    goal: str = "minimize"
    params: tuple[ParamRow, ...] = ()
    count: int | None = None
    run_cap: int | None = None
    hyperband: bool = False
    min_iter: int | None = None
    eta: float | None = None
    metric_extra: dict[str, Any] = field(default_factory=dict)
    early_extra: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


# -- pure conversions --------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def row_from_spec(name: str, spec: Any) -> ParamRow:
    """The form row of one parameter block; blocks the row cannot show become kind ``yaml``."""
    if isinstance(spec, Mapping):
        keys = set(spec)
        if keys == {"values"} and isinstance(spec["values"], list):
            return ParamRow(name, "values", values=tuple(copy.deepcopy(spec["values"])))
        if keys == {"value"}:
            return ParamRow(name, "value", value=copy.deepcopy(spec["value"]))
        distribution = spec.get("distribution", "")
        if distribution in RANGE_DISTRIBUTIONS or ("distribution" not in spec and keys and keys <= {"min", "max"}):
            lo, hi = bound_keys(distribution)
            allowed = {"distribution", lo, hi, *(("q",) if distribution.startswith("q_") else ())}
            numbers_only = all(_is_number(spec[k]) for k in keys - {"distribution"})
            if keys <= allowed and numbers_only:
                return ParamRow(name, "range", distribution=distribution, low=spec.get(lo), high=spec.get(hi),
                                q=spec.get("q"))
    return ParamRow(name, "yaml", value=copy.deepcopy(spec))


def row_spec(row: ParamRow) -> Any:
    """The W&B parameter block of a form row."""
    if row.kind == "values":
        return {"values": copy.deepcopy(list(row.values))}
    if row.kind == "value":
        return {"value": copy.deepcopy(row.value)}
    if row.kind == "yaml":
        return copy.deepcopy(row.value)
    spec: dict[str, Any] = {"distribution": row.distribution} if row.distribution else {}
    lo, hi = bound_keys(row.distribution)
    for key, number in ((lo, row.low), (hi, row.high)):
        if number is not None:
            spec[key] = number
    if row.q is not None and row.distribution.startswith("q_"):
        spec["q"] = row.q
    return spec


def form_from_config(config: Mapping[str, Any], *, count: int | None = None) -> FormState:
    """The form showing a W&B sweep config (as written, before validation)."""
    rest = copy.deepcopy(dict(config))
    method = rest.pop("method", "random")
    state: dict[str, Any] = {"method": method if isinstance(method, str) else "random", "count": count}
    if not isinstance(method, str):
        rest["method"] = method
    metric = rest.pop("metric", None)
    if isinstance(metric, Mapping) and isinstance(metric.get("name"), str) and metric.get("goal", "minimize") in GOALS:
        state.update(metric=metric["name"], goal=metric.get("goal", "minimize"),
                     metric_extra={k: v for k, v in metric.items() if k not in ("name", "goal")})
    elif metric is not None:
        rest["metric"] = metric
    parameters = rest.pop("parameters", None)
    if isinstance(parameters, Mapping) and all(isinstance(k, str) for k in parameters):
        state["params"] = tuple(row_from_spec(k, v) for k, v in parameters.items())
    elif parameters is not None:
        rest["parameters"] = parameters
    early = rest.pop("early_terminate", None)
    if isinstance(early, Mapping) and early.get("type") == "hyperband":
        state.update(hyperband=True, min_iter=early.get("min_iter"), eta=early.get("eta"),
                     early_extra={k: v for k, v in early.items() if k not in ("type", "min_iter", "eta")})
    elif early is not None:
        rest["early_terminate"] = early
    run_cap = rest.pop("run_cap", None)
    if run_cap is None or isinstance(run_cap, int) and not isinstance(run_cap, bool):
        state["run_cap"] = run_cap
    else:
        rest["run_cap"] = run_cap
    return FormState(**state, extra=rest)


def config_from_form(form: FormState) -> dict[str, Any]:
    """The W&B sweep config a form describes; SweepConfigError for rows without or with repeated names."""
    config: dict[str, Any] = {"method": form.method}
    if form.metric:
        config["metric"] = {"name": form.metric, "goal": form.goal, **copy.deepcopy(form.metric_extra)}
    parameters: dict[str, Any] = {}
    for i, row in enumerate(form.params, 1):
        if not row.name:
            raise SweepConfigError(f"parameters: row {i} has no name")
        if row.name in parameters:
            raise SweepConfigError(f"parameters: {row.name!r} is given twice (rows must have distinct names)")
        parameters[row.name] = row_spec(row)
    if parameters:
        config["parameters"] = parameters
    if form.hyperband:
        early: dict[str, Any] = {"type": "hyperband"}
        if form.min_iter is not None:
            early["min_iter"] = form.min_iter
        if form.eta is not None:
            early["eta"] = form.eta
        config["early_terminate"] = {**early, **copy.deepcopy(form.early_extra)}
    if form.run_cap is not None:
        config["run_cap"] = form.run_cap
    config.update(copy.deepcopy(form.extra))
    return config


# -- text boxes <-> values ---------------------------------------------------------

# YAML 1.2 reads 1e-5 as a number; PyYAML's YAML 1.1 reads it as a string. People type 1e-5.
_EXPONENT_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")


class _Loader(yaml.SafeLoader):
    """Safe YAML with 1e-5 read as a float."""


class _Dumper(yaml.SafeDumper):
    """Safe YAML that quotes strings the loader would read as floats."""


for _cls in (_Loader, _Dumper):
    _cls.add_implicit_resolver("tag:yaml.org,2002:float", _EXPONENT_FLOAT, list("-+0123456789"))


def format_yaml(value: Any) -> str:
    """A value as one line of flow YAML."""
    text = yaml.dump(value, Dumper=_Dumper, default_flow_style=True, width=_WIDE, sort_keys=False).strip()
    return text[:-3].rstrip() if text.endswith("\n...") else text


def parse_yaml(text: str, where: str) -> Any:
    """One YAML value typed in a box; SweepConfigError naming the box when it is not YAML."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise SweepConfigError(f"{where}: cannot read {text!r} as YAML ({exc.__class__.__name__})") from None


def format_values(values: tuple[Any, ...] | list[Any]) -> str:
    """A values list as the comma-separated YAML the values box holds: ``0.1, adam, [64, 64]``."""
    return format_yaml(list(values))[1:-1]


def parse_values(text: str, where: str) -> list[Any]:
    """The values box read back: YAML flow items separated by commas."""
    return list(parse_yaml(f"[{text}]", where))


def format_number(value: float | None) -> str:
    """A number as its box shows it ('' for none); ints stay ints and floats keep a dot or exponent."""
    return "" if value is None else repr(value)


def parse_number(text: str, where: str) -> int | float | None:
    """A number box read back: int when written as one, float otherwise, None when empty."""
    text = text.strip()
    if not text:
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    raise SweepConfigError(f"{where}: {text!r} is not a number")


def _whole(text: str, where: str) -> int | None:
    number = parse_number(text, where)
    if number is not None and not isinstance(number, int):
        raise SweepConfigError(f"{where}: {text.strip()!r} is not a whole number")
    return number


# -- widgets -----------------------------------------------------------------------


def _box(value: str, placeholder: str, width: str, description: str = "") -> widgets.Text:
    return widgets.Text(value, placeholder=placeholder, description=description,
                        style={"description_width": "initial"}, layout=widgets.Layout(width=width))


class ParamRowWidget(widgets.HBox):
    """One parameter row: name, kind, and the boxes of that kind; a button removes it."""

    def __init__(self, row: ParamRow, on_remove: Callable[[ParamRowWidget], None]) -> None:
        self.name = _box(row.name, "name", "140px")
        self.kind = widgets.Dropdown(options=_KINDS, value=row.kind, layout=widgets.Layout(width="100px"))
        self.values = _box(format_values(row.values), "0.1, 0.01, adam", "300px")
        options = [("auto (from min/max)", ""), *((d, d) for d in RANGE_DISTRIBUTIONS)]
        self.distribution = widgets.Dropdown(options=options, value=row.distribution,
                                             layout=widgets.Layout(width="190px"))
        self.low = _box(format_number(row.low), "min", "90px")
        self.high = _box(format_number(row.high), "max", "90px")
        self.q = _box(format_number(row.q), "q (1.0)", "70px")
        self.constant = _box(format_yaml(row.value) if row.kind == "value" else "", "value", "300px")
        self.block = _box(format_yaml(row.value) if row.kind == "yaml" else "",
                          "{values: [1, 2], probabilities: [0.3, 0.7]}", "420px")
        self.remove = widgets.Button(icon="trash", tooltip="Remove this parameter",
                                     layout=widgets.Layout(width="36px"))
        self.remove.add_class("nbtrack-sweep-remove-param")
        self.remove.on_click(lambda _: on_remove(self))
        self.kind.observe(lambda _: self._arrange(), "value")
        self.distribution.observe(lambda _: self._arrange(), "value")
        super().__init__([])
        self.add_class("nbtrack-sweep-param")
        self._arrange()

    def _arrange(self) -> None:
        """Show the boxes of the chosen kind, labelled for the chosen distribution."""
        kind, distribution = self.kind.value, self.distribution.value
        shown: list[widgets.Widget] = [self.name, self.kind]
        if kind == "values":
            shown.append(self.values)
        elif kind == "value":
            shown.append(self.constant)
        elif kind == "yaml":
            shown.append(self.block)
        else:
            lo, hi = bound_keys(distribution)
            self.low.placeholder, self.high.placeholder = (
                (lo, hi) if lo == "min" else (f"{lo} (default)", f"{hi} (default)"))
            shown += [self.distribution, self.low, self.high]
            if distribution.startswith("q_"):
                shown.append(self.q)
        self.children = (*shown, self.remove)

    @property
    def row(self) -> ParamRow:
        """The row as typed; SweepConfigError naming the parameter when a box cannot be read."""
        name, kind = self.name.value.strip(), self.kind.value
        where = f"parameters.{name or '?'}"
        if kind == "values":
            return ParamRow(name, "values", values=tuple(parse_values(self.values.value, where)))
        if kind in ("value", "yaml"):
            text = (self.constant if kind == "value" else self.block).value
            return ParamRow(name, kind, value=parse_yaml(text, where))
        lo, hi = bound_keys(self.distribution.value)
        return ParamRow(name, "range", distribution=self.distribution.value,
                        low=parse_number(self.low.value, f"{where}.{lo}"),
                        high=parse_number(self.high.value, f"{where}.{hi}"),
                        q=parse_number(self.q.value, f"{where}.q"))


class SweepForm(widgets.VBox):
    """The editable sweep: method, metric and goal, count and run_cap, Hyperband, parameter rows."""

    def __init__(self, state: FormState) -> None:
        wide = {"description_width": "initial"}
        self.method = widgets.Dropdown(description="method", style=wide, layout=widgets.Layout(width="170px"))
        self.metric = _box("", "e.g. val/loss", "230px", "metric")
        self.goal = widgets.Dropdown(options=GOALS, layout=widgets.Layout(width="110px"))
        self.count = _box("", "until stopped", "160px", "trials")
        self.run_cap = _box("", "none", "150px", "run_cap")
        self.hyperband = widgets.Checkbox(description="Hyperband early termination", indent=False,
                                          layout=widgets.Layout(width="230px"))
        self.min_iter = _box("", "1", "130px", "min_iter")
        self.eta = _box("", "3", "100px", "eta")
        self.rows = widgets.VBox([])
        self.add = widgets.Button(description="parameter", icon="plus", tooltip="Add a parameter",
                                  layout=widgets.Layout(width="120px"))
        self.add.add_class("nbtrack-sweep-add-param")
        self.add.on_click(lambda _: self.add_row())
        self.hyperband.observe(lambda _: self._arrange(), "value")
        self._hidden: FormState = state
        self._hyperband_boxes = widgets.HBox([self.min_iter, self.eta])
        super().__init__([
            widgets.HBox([self.method, self.metric, self.goal, self.count, self.run_cap]),
            widgets.HBox([self.hyperband, self._hyperband_boxes]),
            widgets.HTML("<b style='font-size:12px'>parameters</b>"),
            self.rows,
            self.add,
        ])
        self.add_class("nbtrack-sweep-form")
        self.value = state

    def _arrange(self) -> None:
        self._hyperband_boxes.layout.display = None if self.hyperband.value else "none"

    def add_row(self, row: ParamRow | None = None) -> ParamRowWidget:
        """Append a parameter row (an empty ``values`` row by default)."""
        widget = ParamRowWidget(row or ParamRow(""), self.remove_row)
        self.rows.children = (*self.rows.children, widget)
        return widget

    def remove_row(self, widget: ParamRowWidget) -> None:
        """Drop a parameter row."""
        self.rows.children = tuple(w for w in self.rows.children if w is not widget)
        widget.close()

    @property
    def value(self) -> FormState:
        """The form as typed; SweepConfigError naming the box that cannot be read."""
        rows = tuple(w.row for w in self.rows.children)
        return FormState(
            method=self.method.value, metric=self.metric.value.strip(), goal=self.goal.value, params=rows,
            count=_whole(self.count.value, "trials"), run_cap=_whole(self.run_cap.value, "run_cap"),
            hyperband=self.hyperband.value, min_iter=_whole(self.min_iter.value, "early_terminate.min_iter"),
            eta=parse_number(self.eta.value, "early_terminate.eta"), metric_extra=self._hidden.metric_extra,
            early_extra=self._hidden.early_extra, extra=self._hidden.extra,
        )

    @value.setter
    def value(self, state: FormState) -> None:
        self._hidden = state
        self.method.options = tuple(dict.fromkeys((*METHODS, state.method)))
        self.method.value = state.method
        self.metric.value, self.goal.value = state.metric, state.goal
        self.count.value, self.run_cap.value = format_number(state.count), format_number(state.run_cap)
        self.hyperband.value = state.hyperband
        self.min_iter.value, self.eta.value = format_number(state.min_iter), format_number(state.eta)
        for widget in self.rows.children:
            widget.close()
        self.rows.children = ()
        for row in state.params:
            self.add_row(row)
        self._arrange()

    def set_disabled(self, disabled: bool) -> None:
        """Lock the form while a sweep runs (and unlock it after)."""
        for widget in _descendants(self):
            if hasattr(widget, "disabled"):
                widget.disabled = disabled


def _descendants(widget: widgets.Widget) -> list[widgets.Widget]:
    out = []
    for child in getattr(widget, "children", ()):
        out.append(child)
        out.extend(_descendants(child))
    return out
