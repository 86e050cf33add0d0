"""W&B's grid: expansion, order, de-duplication and the stable key of each point (SWEEP_SPEC section 3)."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from nbtrack.sweeps import SweepConfigError, grid_key, grid_points, normalize_sweep_config


def grid(**blocks: Any) -> dict[str, Any]:
    return normalize_sweep_config({"method": "grid", "parameters": blocks})


def configs(**blocks: Any) -> list[dict[str, Any]]:
    return [point.config for point in grid_points(grid(**blocks))]


def test_names_sort_in_ascii_order_and_the_first_varies_slowest() -> None:
    points = configs(a={"values": [1, 2]}, _z={"values": ["x", "y"]}, B={"values": [True, False]})
    assert points == [
        {"B": True, "_z": "x", "a": 1},
        {"B": True, "_z": "x", "a": 2},
        {"B": True, "_z": "y", "a": 1},
        {"B": True, "_z": "y", "a": 2},
        {"B": False, "_z": "x", "a": 1},
        {"B": False, "_z": "x", "a": 2},
        {"B": False, "_z": "y", "a": 1},
        {"B": False, "_z": "y", "a": 2},
    ]
    assert [list(p) for p in points] == [["B", "_z", "a"]] * 8


def test_nested_groups_sort_depth_first() -> None:
    points = configs(
        m={"parameters": {"y": {"values": [1, 2]}, "b": {"values": [3, 4]}}},
        c={"values": [5, 6]},
        a={"values": [7]},
    )
    order = [(p["a"], p["c"], p["m"]["b"], p["m"]["y"]) for p in points]
    assert order == [
        (7, 5, 3, 1), (7, 5, 3, 2), (7, 5, 4, 1), (7, 5, 4, 2),
        (7, 6, 3, 1), (7, 6, 3, 2), (7, 6, 4, 1), (7, 6, 4, 2),
    ]


def test_a_group_sorts_before_a_dotted_name_that_extends_it() -> None:
    points = configs(**{"a.b": {"values": [1, 2]}, "a": {"parameters": {"z": {"values": [3, 4]}}}})
    assert points == [
        {"a.b": 1, "a": {"z": 3}},
        {"a.b": 2, "a": {"z": 3}},
        {"a.b": 1, "a": {"z": 4}},
        {"a.b": 2, "a": {"z": 4}},
    ]


def test_constants_appear_in_every_point_and_take_no_part_in_the_product() -> None:
    points = configs(seed={"value": 7}, a={"values": [1, 2]}, extra={"value": {"k": [1]}})
    assert points == [{"a": 1, "extra": {"k": [1]}, "seed": 7}, {"a": 2, "extra": {"k": [1]}, "seed": 7}]


def test_only_constants_make_one_point() -> None:
    assert configs(a={"value": 1}) == [{"a": 1}]


def test_int_uniform_expands_inclusively() -> None:
    values = [p["n"] for p in configs(n={"min": -1, "max": 2})]
    assert values == [-1, 0, 1, 2]
    assert all(type(v) is int for v in values)


def test_q_uniform_expands_like_arange_from_min_excluding_max() -> None:
    values = [p["x"] for p in configs(x={"distribution": "q_uniform", "min": 0, "max": 1, "q": 0.1})]
    assert values == [i * 0.1 for i in range(10)]
    assert 0.30000000000000004 in values and 1.0 not in values


def test_q_uniform_is_anchored_at_min_not_at_multiples_of_q() -> None:
    assert [p["x"] for p in configs(x={"distribution": "q_uniform", "min": 0.5, "max": 3, "q": 1})] == [
        0.5, 1.5, 2.5,
    ]


def test_q_uniform_default_q_gives_floats() -> None:
    values = [p["x"] for p in configs(x={"distribution": "q_uniform", "min": 0, "max": 3})]
    assert values == [0.0, 1.0, 2.0]
    assert all(type(v) is float for v in values)


def test_run_count_is_the_product_of_distinct_value_counts() -> None:
    points = grid_points(grid(
        a={"values": [1, 2, 2, 3]},
        b={"min": 0, "max": 4},
        c={"distribution": "q_uniform", "min": 0, "max": 2, "q": 0.5},
        d={"value": 0},
    ))
    assert len(points) == 3 * 5 * 4


def test_duplicated_values_are_suggested_once() -> None:
    assert [p["a"] for p in configs(a={"values": [1, 2, 1, 2, 3]})] == [1, 2, 3]


def test_whole_floats_equal_ints_keeping_the_first_position_and_the_last_spelling() -> None:
    values = [p["a"] for p in configs(a={"values": [1, 2, 1.0]})]
    assert values == [1.0, 2] and type(values[0]) is float
    values = [p["a"] for p in configs(a={"values": [3.0, 3, 5]})]
    assert values == [3, 5] and type(values[0]) is int


@pytest.mark.parametrize(
    "values",
    [[True, 1], [False, 0], ["2", 2], [[2, 3], (2, 3)], [1.5, "1.5"], [None, "null"], [{"a": 1}, {"a": 1.5}]],
)
def test_values_that_only_look_alike_stay_distinct(values: list[Any]) -> None:
    assert len(configs(a={"values": values})) == 2


def test_nan_equals_nan_and_dict_key_order_is_ignored() -> None:
    assert len(configs(a={"values": [math.nan, math.nan]})) == 1
    assert len(configs(a={"values": [{"x": 1, "y": 2}, {"y": 2, "x": 1}]})) == 1


def test_keys_are_unique_and_stable() -> None:
    config = grid(a={"values": [1, 2, 1.0]}, b={"min": 1, "max": 3}, c={"value": 0},
                  g={"parameters": {"h": {"values": ["x", [1, 2], {"k": 1}, None]}}})
    points = grid_points(config)
    keys = [p.key for p in points]
    assert len(set(keys)) == len(points) == 2 * 3 * 4
    assert [p.key for p in grid_points(json.loads(json.dumps(config)))] == keys
    assert [grid_key(config, p.config) for p in points] == keys


def test_a_key_depends_only_on_the_searched_values() -> None:
    first = grid_points(grid(a={"values": [1, 2]}, c={"value": 0}))
    second = grid_points(grid(a={"values": [2, 1]}, c={"value": "other"}))
    assert {p.key: p.config["a"] for p in first} == {p.key: p.config["a"] for p in second}


def test_grid_key_of_a_run_config() -> None:
    optimizers = [{"name": "sgd", "lr": 0.1}, {"name": "adam", "lr": 0.01}]
    config = grid(opt={"values": optimizers}, n={"min": 1, "max": 2})
    points = grid_points(config)
    sgd_1 = points[0]
    assert sgd_1.config == {"n": 1, "opt": {"name": "sgd", "lr": 0.1}}
    # keys injected into a dict value at run time do not move the run off its point
    injected = {"n": 1.0, "opt": {"lr": 0.1, "name": "sgd", "device": "cpu"}, "other": 5}
    assert grid_key(config, injected) == sgd_1.key
    assert grid_key(config, {"opt": {"name": "sgd", "lr": 0.1}}) is None
    assert grid_key(config, {"n": 3, "opt": {"name": "sgd", "lr": 0.1}}) not in {p.key for p in points}


def test_grid_refuses_continuous_parameters() -> None:
    config = normalize_sweep_config({"method": "random", "parameters": {
        "a": {"values": [1]}, "g": {"parameters": {"lr": {"min": 0.0, "max": 1.0}}},
    }})
    with pytest.raises(SweepConfigError, match="Parameter g.lr is a disallowed type with grid search"):
        grid_points(config)
