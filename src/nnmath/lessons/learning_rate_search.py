"""Lesson: the learning rate by hand (0.1, 0.01, ...), by range test and curvature, by sweep."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from . import Context

TITLE = "Learning-rate search: by hand, by range test, by sweep"
SUMMARY = "the learning rate by hand (0.1, 0.01, ...), by range test and curvature, by sweep"
EXPLANATION = (
    "The tutorial's recipe for the learning rate: start near 0.1, go down by factors of ten, "
    "watch the cost, then narrow the range; 'and the computer can do this automatically'. "
    "On the cat classifier (the cat-logistic recipe) this lesson does it three ways. By hand: "
    "one run per rate, each cost curve diagnosed (diverged, oscillating, too slow, good). By "
    "the range test: one run with an exponentially growing rate; three rules (valley, "
    "steepest descent, minimum / 10) read a rate off the curve, and when they disagree by "
    "more than 10x the result says so and takes the smallest. By the curvature: near the "
    "start a gradient step multiplies the error along the Hessian's top eigenvector by "
    "1 - alpha lambda_max, so plain gradient descent is stable only below 2 / lambda_max "
    "(power iteration on Hessian-vector products from gradient differences). Last, a small "
    "automatic sweep (Optuna, SQLite storage) around that limit confirms the choice; the "
    "limit holds at w = 0, where the curvature is largest, so a rate a little above it may "
    "oscillate at first and still converge."
)
FORMULAS = [
    "w := w - alpha grad J(w)",
    "diverged: J_n > 1.5 J_0;  too slow: (J_0 - J_n) / J_0 < 0.25;  oscillating: 1/3 of steps "
    "flip direction",
    "range test: alpha_i = alpha_0 (alpha_1 / alpha_0)^(i / (n - 1))",
    "stable iff |1 - alpha lambda_max| < 1, i.e. alpha < 2 / lambda_max",
    "H v ~ (grad J(w0 + eps v) - grad J(w0 - eps v)) / (2 eps);  v := H v / |H v|",
]
LONG = True


def run(ctx: Context) -> None:
    from nnmath import plots, recipes, tuning

    iterations, limit = (500, 100) if ctx.fast else (1500, None)
    recipe = recipes.get("cat-logistic")
    data = recipe.load_data(limit=limit)
    print(f"cat-logistic: X {data.x_train.shape} (columns are pictures), {iterations} "
          "iterations of full-batch gradient descent per run")

    print("\n1. by hand:")
    by_hand, curves = {}, {}
    for rate in (0.1, 0.01, 0.001, 0.0001):
        with np.errstate(all="ignore"):  # alpha = 0.1 overflows: that is the point
            result = recipe.fit({"learning_rate": rate, "epochs": iterations}, limit=limit)
        curves[rate] = result.history["loss"]
        by_hand[str(rate)] = tuning.diagnose(curves[rate])
        print(f"  alpha = {rate:<7} cost {curves[rate][0]:.3f} -> {curves[rate][-1]:.3f}   "
              f"train {result.metrics['accuracy']:.2%}  test "
              f"{result.metrics['val_accuracy']:.2%}   {by_hand[str(rate)]}")
    plt = plots.pyplot()
    fig, axes = plt.subplots(1, 4, figsize=(13, 3))
    for ax, (rate, curve) in zip(axes, curves.items(), strict=True):
        ax.plot([100 * i for i in range(len(curve))], curve)
        ax.set(title=f"alpha = {rate}: {by_hand[str(rate)]}", xlabel="iteration",
               ylabel="cost")
    fig.tight_layout()
    plots.save(fig, ctx.figure("by-hand"))

    print("\n2. range test and curvature:")
    found = tuning.lr_find(recipe.build(), data.x_train.T, data.y_train.T,
                           batch_size=data.x_train.shape[1], smoothing=0.0, curvature=True,
                           start_lr=1e-5, end_lr=10.0, num_iter=80)
    print("  rules:", ", ".join(f"{k} {v:.2g}" for k, v in found.suggestions.items()))
    print(f"  suggestion {found.suggestion:.2g} "
          f"({'reliable' if found.reliable else 'not reliable'}: {found.note})")
    print(f"  lambda_max = {found.lambda_max:.4g} at w = 0: plain gradient descent is stable "
          f"for alpha < 2 / lambda_max = {found.stable_limit:.3g}")
    plots.save(found.plot(), ctx.figure("range-test"))

    print("\n3. a small sweep around the stable limit:")
    grid = sorted({round(f * found.stable_limit, 6) for f in (0.1, 0.5, 1.0, 2.0)})
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        sweep = tuning.sweep("cat-logistic", {"learning_rate": grid}, epochs=iterations,
                             limit=limit, workers=1,
                             storage=f"sqlite:///{Path(folder) / 'sweeps.db'}",
                             study="lesson", quiet=True)
    seconds = time.perf_counter() - t0
    print(sweep.table())
    plots.save(sweep.plot("curves"), ctx.figure("sweep-curves"))
    ctx.record(by_hand=by_hand, suggestion=found.suggestion, suggestions=found.suggestions,
               reliable=found.reliable, stable_limit=found.stable_limit,
               lambda_max=found.lambda_max, best_rate=sweep.best_params["learning_rate"],
               best_val_accuracy=sweep.best_value, sweep_seconds=seconds)
