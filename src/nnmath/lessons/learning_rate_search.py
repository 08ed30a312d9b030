# nnmath lesson
# order: 17
# summary: the learning rate by hand (0.1, 0.01, ...), by range test and curvature, by sweep
# headline: stable below 2 / lambda_max = {stable_limit:.3g}; range test suggests
# headline: {suggestion:.2g}; the sweep's best rate {best_rate:.3g}
# varies: sweep_seconds

# %% [markdown]
# # Learning-rate search: by hand, by range test, by sweep
#
# The tutorial's recipe for the learning rate: start near 0.1, go down by factors of ten,
# watch the cost, then narrow the range; "and the computer can do this automatically". On
# the cat classifier (the cat-logistic recipe) this lesson does it three ways, with
#
# $$w := w - \alpha \nabla J(w).$$
#
# By hand: one run per rate, each cost curve diagnosed (diverged: $J_n > 1.5 J_0$; too
# slow: $(J_0 - J_n)/J_0 < 0.25$; oscillating: a third of the steps flip direction; else
# good).

# %%
import tempfile
import time
from pathlib import Path

import numpy as np

from nnmath import lessons, plots, recipes, tuning

FAST = lessons.fast_mode()
iterations, limit = (500, 100) if FAST else (1500, None)
recipe = recipes.get("cat-logistic")
data = recipe.load_data(limit=limit)
print(f"cat-logistic: X {data.x_train.shape} (columns are pictures), {iterations} "
      "iterations of full-batch gradient descent per run")

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
    ax.set(title=f"alpha = {rate}: {by_hand[str(rate)]}", xlabel="iteration", ylabel="cost")
# Figure: The cost every 100 iterations for learning rates 0.1, 0.01, 0.001 and 0.0001, each
#   panel titled with its diagnosis.
fig.tight_layout()

# %% [markdown]
# ## The range test and the curvature
#
# The range test makes one run with an exponentially growing rate,
# $\alpha_i = \alpha_0 (\alpha_1 / \alpha_0)^{i / (n - 1)}$; three rules (valley, steepest
# descent, minimum / 10) read a rate off the curve, and when they disagree by more than 10x
# the result says so and takes the smallest. Near the start a gradient step multiplies the
# error along the Hessian's top eigenvector by $1 - \alpha \lambda_{\max}$, so plain gradient
# descent is stable only when
#
# $$|1 - \alpha \lambda_{\max}| < 1 \iff \alpha < \frac{2}{\lambda_{\max}},$$
#
# with $\lambda_{\max}$ from power iteration on Hessian-vector products from gradient
# differences: $H v \approx (\nabla J(w_0 + \epsilon v) - \nabla J(w_0 - \epsilon v)) / 2\epsilon$.

# %%
found = tuning.lr_find(recipe.build(), data.x_train.T, data.y_train.T,
                       batch_size=data.x_train.shape[1], smoothing=0.0, curvature=True,
                       start_lr=1e-5, end_lr=10.0, num_iter=80)
print("rules:", ", ".join(f"{k} {v:.2g}" for k, v in found.suggestions.items()))
print(f"suggestion {found.suggestion:.2g} "
      f"({'reliable' if found.reliable else 'not reliable'}: {found.note})")
print(f"lambda_max = {found.lambda_max:.4g} at w = 0: plain gradient descent is stable "
      f"for alpha < 2 / lambda_max = {found.stable_limit:.3g}")
# Figure: The range test: the cost against the growing learning rate on a log scale, with
#   the rates the three rules suggest and the stability limit 2 / lambda_max.
fig = found.plot()

# %% [markdown]
# ## A small automatic sweep
#
# Last, a small sweep (Optuna, SQLite storage) around the limit confirms the choice. The
# limit holds at $w = 0$, where the curvature is largest, so a rate a little above it may
# oscillate at first and still converge.

# %%
grid = sorted({round(f * found.stable_limit, 6) for f in (0.1, 0.5, 1.0, 2.0)})
t0 = time.perf_counter()
with tempfile.TemporaryDirectory() as folder:
    sweep = tuning.sweep("cat-logistic", {"learning_rate": grid}, epochs=iterations,
                         limit=limit, workers=1,
                         storage=f"sqlite:///{Path(folder) / 'sweeps.db'}",
                         study="lesson", quiet=True)
seconds = time.perf_counter() - t0
print(sweep.table())
# Figure: The cost curves of the sweep's runs, one per learning rate around the stability
#   limit.
fig = sweep.plot("curves")
lessons.record(by_hand=by_hand, suggestion=found.suggestion, suggestions=found.suggestions,
               reliable=found.reliable, stable_limit=found.stable_limit,
               lambda_max=found.lambda_max, best_rate=sweep.best_params["learning_rate"],
               best_val_accuracy=sweep.best_value, sweep_seconds=seconds)
