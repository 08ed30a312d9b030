"""Search spaces, command-line values, loss-curve diagnosis and the median pruning rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnmath import tuning
from nnmath.tuning import spaces
from nnmath.tuning.diagnosis import diagnose
from nnmath.tuning.pruning import MedianRule


def test_distributions_check_their_ranges():
    assert tuning.loguniform(1e-4, 1e-1) == spaces.LogUniform(1e-4, 0.1)
    assert tuning.intrange(32, 128, step=32).values() == [32, 64, 96, 128]
    for bad in (lambda: tuning.loguniform(0, 1), lambda: tuning.uniform(2, 1),
                lambda: tuning.intrange(1, 10, step=4), lambda: tuning.choice([]),
                lambda: tuning.choice([object()])):
        with pytest.raises(ValueError, match="expected"):
            bad()


def test_grid_space_expands_every_combination_and_refuses_continuous_ranges():
    space = spaces.normalize_space({"learning_rate": [0.1, 0.01], "units": tuning.intrange(1, 3),
                                    "optimizer": tuning.choice(["sgd", "adam"])}, "grid")
    grid = spaces.expand_grid(space)
    assert len(grid) == 2 * 3 * 2
    assert {spaces.grid_key(p) for p in grid} == {spaces.grid_key(dict(p)) for p in grid}
    assert len({spaces.grid_key(p) for p in grid}) == 12
    with pytest.raises(ValueError, match="continuous"):
        spaces.normalize_space({"learning_rate": tuning.loguniform(1e-3, 1)}, "grid")
    rnd = spaces.normalize_space({"learning_rate": [0.1, 0.01]}, "random")
    assert rnd["learning_rate"] == tuning.choice([0.1, 0.01])


def test_grid_key_is_canonical_and_numpy_scalars_are_plain():
    a = spaces.grid_key({"b": np.float64(0.1), "a": np.int64(3)})
    assert a == spaces.grid_key({"a": 3, "b": 0.1}) == '{"a": 3, "b": 0.1}'


def test_command_line_values_and_ranges():
    assert spaces.parse_values("learning_rate", ["0.1", "1e-3"], "grid") == [0.1, 0.001]
    assert spaces.parse_values("optimizer", ["adam", "sgd"], "grid") == ["adam", "sgd"]
    assert spaces.parse_values("learning_rate", ["1e-4:1e-1"], "tpe") == tuning.loguniform(
        1e-4, 0.1)
    assert spaces.parse_values("batch_size", ["16:256"], "random") == tuning.intrange(16, 256)
    assert spaces.parse_values("momentum", ["0.5:0.99"], "random") == tuning.uniform(0.5, 0.99)
    with pytest.raises(ValueError, match="needs --search random or tpe"):
        spaces.parse_values("learning_rate", ["1e-4:1e-1"], "grid")


@pytest.mark.parametrize("curve, expected", [
    ([0.69, 0.5, 0.35, 0.25, 0.2, 0.18, 0.17], "good"),
    ([0.69, 0.685, 0.68, 0.675, 0.67, 0.665], "too slow"),
    ([0.69, 0.63, 0.57, 0.52, 0.47, 0.42], "too slow"),   # still falling as fast as at first
    ([0.69, 0.9, 2.0, 9.0, float("inf")], "diverged"),
    ([0.69, 0.8, 1.0, 1.2, 1.4], "diverged"),
    ([1.0, 0.5, 0.9, 0.4, 0.8, 0.35, 0.75, 0.3], "oscillating"),
    ([0.0, 0.0, 0.0], "good"),
    ([1.0, 0.5], "unknown"),
    ([0.693, 1.354], "diverged"),  # a pruned classic trial: two reports are enough
    ([0.7], "unknown"),
])
def test_diagnosis_of_typical_curves(curve, expected):
    assert diagnose(curve) == expected


def test_diagnosis_of_gradient_descent_on_a_parabola_by_learning_rate():
    """L(w) = w^2 from w = 1 with w <- w - eta 2 w: the tutorial's four regimes."""
    def curve(eta, steps=30):
        w, out = 1.0, []
        for _ in range(steps):
            out.append(w * w)
            w -= eta * 2 * w
        return out

    assert diagnose(curve(1.1)) == "diverged"  # |1 - 2 eta| > 1
    assert diagnose(curve(0.3)) == "good"
    assert diagnose(curve(0.001)) == "too slow"


def test_median_rule_prunes_worse_than_median_in_either_direction():
    rule = MedianRule({1: [0.5, 0.4, 0.6], 2: [0.3]}, "minimize")
    assert rule.should_prune([(0, 9.0), (1, 0.55)])
    assert not rule.should_prune([(0, 9.0), (1, 0.45)])
    assert not rule.should_prune([(0, 9.0)])  # warm-up step
    assert not rule.should_prune([(1, 0.4), (2, 9.0)])  # one completed trial is not enough
    assert rule.should_prune([(1, math.nan)])
    up = MedianRule.from_json(MedianRule({3: [0.7, 0.8]}, "maximize").to_json())
    assert up.should_prune([(3, 0.7)]) and not up.should_prune([(3, 0.9)])


def test_trial_seeds_depend_on_study_seed_and_number():
    seeds = {tuning.trial_seed(s, n) for s in range(3) for n in range(50)}
    assert len(seeds) == 150 and all(0 <= s < 2**31 for s in seeds)
    assert tuning.trial_seed(7, 3) == tuning.trial_seed(7, 3)
