"""Sweeps and range tests on the real recipes: the lesson's published learning-rate
comparison reproduced by a grid sweep, and `nnmath lr-find` on a classic and an engine recipe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nnmath import tuning

PUBLISHED = {0.01: (99.52, 68.0), 0.001: (89.00, 64.0), 0.0001: (68.42, 36.0)}


@pytest.mark.slow
def test_grid_sweep_of_cat_logistic_reproduces_the_published_comparison(tmp_path):
    res = tuning.sweep("cat-logistic", {"learning_rate": list(PUBLISHED)}, epochs=1500,
                       workers=2, storage=f"sqlite:///{tmp_path / 's.db'}", quiet=True)
    assert res.study == "cat-logistic-grid" and res.metric == "val_accuracy"
    got = {t.params["learning_rate"]: t for t in res.trials}
    for rate, (train, test) in PUBLISHED.items():
        t = got[rate]
        assert t.state == "complete" and t.params["epochs"] == 1500
        assert round(100 * t.metrics["accuracy"], 2) == train
        assert round(100 * t.metrics["val_accuracy"], 2) == test
        assert len(t.history["loss"]) == 15  # the cost every 100 iterations
    assert res.best_params["learning_rate"] == 0.01 and res.best_value == 0.68
    assert got[0.0001].diagnosis == "too slow"


def test_recipe_sweeps_refuse_unknown_parameters(tmp_path):
    with pytest.raises(ValueError, match=r"recipe 'cat-logistic' has no parameter.*'units'"):
        tuning.sweep("cat-logistic", {"units": [3]}, storage=f"sqlite:///{tmp_path / 's.db'}")
    with pytest.raises(KeyError, match="unknown recipe 'dog'"):
        tuning.sweep("dog", {"learning_rate": [0.1]}, storage=f"sqlite:///{tmp_path / 's.db'}")


@pytest.mark.parametrize("recipe, extra", [("cat-logistic", ["--curvature"]),
                                           ("mnist-mlp", ["--limit", "2000", "--num-iter", "40"])])
def test_lr_find_command(recipe, extra, tmp_path):
    src = str(Path(__file__).resolve().parents[1] / "src")
    r = subprocess.run([sys.executable, "-m", "nnmath.cli", "lr-find", recipe, *extra,
                        "--out", str(tmp_path)], capture_output=True, text=True,
                       env={**__import__("os").environ, "PYTHONPATH": src, "MPLBACKEND": "Agg"})
    assert r.returncode == 0, r.stderr
    assert "suggestion: " in r.stdout and "valley" in r.stdout
    assert ("2 / lambda_max" in r.stdout) == ("--curvature" in extra)
    assert (tmp_path / f"lr-find-{recipe}.png").stat().st_size > 0
