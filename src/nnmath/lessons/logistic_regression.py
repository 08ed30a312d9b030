"""Lesson: logistic regression as a neural network: the cat classifier."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._data import cat_data

if TYPE_CHECKING:
    from . import Context

TITLE = "Logistic regression: the cat classifier"
SUMMARY = "cat vs non-cat with logistic regression: cost curve, 99.04 % / 70 %, learning rates"
EXPLANATION = (
    "Each 64x64x3 picture is flattened to a column of 12288 numbers divided by 255. A single "
    "sigmoid unit, initialized at zero and trained by batch gradient descent (2000 iterations, "
    "learning rate 0.005), reaches the published 99.04 % train and 70 % test accuracy: it "
    "memorizes the training set. The grid shows test pictures it gets wrong; the last figure "
    "compares learning rates."
)
FORMULAS = [
    "A = sigmoid(w^T X + b)",
    "J = -(1/m) sum [Y log A + (1 - Y) log(1 - A)]",
    "dw = (1/m) X (A - Y)^T;  db = (1/m) sum(A - Y)",
    "w := w - alpha dw;  b := b - alpha db;  predict 1 when A > 0.5",
]
LONG = True


def _train_rates(d: dict, rates: np.ndarray, iterations: int
                 ) -> tuple[np.ndarray, list[float], list[float]]:
    """Logistic regression for several learning rates at once (column k uses rates[k]).

    The course's update per column: A = sigmoid(w^T X + b), dw = X (A - Y)^T / m,
    db = sum(A - Y) / m. Stacking the K weight vectors into W (n_x, K) turns 2K matrix-vector
    products per step into two matrix products over the same data, read once per product.
    The data is kept as X^T (m, n_x), row-major (one picture per row, the files' own layout):
    W^T X = (X^T W)^T and X dZ^T = (dZ X^T)^T are then both fast row-major products.
    """
    from nnmath.classic.basics import sigmoid

    XT, Y = np.ascontiguousarray(d["train_x"].T), d["train_y"]      # (m, n_x), (1, m)
    m, K = XT.shape[0], len(rates)
    W, b = np.zeros((XT.shape[1], K)), np.zeros((K, 1))
    costs = []
    for i in range(iterations):
        A = sigmoid((XT @ W).T + b)                                   # (K, m)
        if i % 100 == 0:
            costs.append(-(np.log(A) @ Y.T + np.log(1 - A) @ (1 - Y).T).ravel() / m)
        dZ = A - Y
        W -= rates * (dZ @ XT).T / m                                  # (n_x, K)
        b -= rates[:, None] * dZ.sum(axis=1, keepdims=True) / m

    def acc(Xs: np.ndarray, Ys: np.ndarray) -> list[float]:
        P = (sigmoid(W.T @ Xs + b) > 0.5).astype(float)
        return [1 - float(np.mean(np.abs(P[k] - Ys[0]))) for k in range(K)]  # fractions

    return np.array(costs), acc(d["train_x"], Y), acc(d["test_x"], d["test_y"])


def run(ctx: Context) -> None:
    from nnmath import plots
    from nnmath.classic import logistic

    d = cat_data(ctx)
    print(f"train X {d['train_x'].shape}, test X {d['test_x'].shape} (flattened, / 255)")
    res = logistic.model(d["train_x"], d["train_y"], d["test_x"], d["test_y"],
                         num_iterations=2000, learning_rate=0.005, print_cost=True)
    ctx.cache["cat_logistic"] = res
    costs = [float(c) for c in res["costs"]]
    plots.plot_costs(costs, every=100, title="Cat logistic regression, learning rate 0.005",
                     path=ctx.figure("cost"))
    wrong = np.flatnonzero(res["Y_prediction_test"][0] != d["test_y"][0])
    classes = d["classes"]
    titles = [f"true {classes[int(d['test_y'][0, i])]}, said "
              f"{classes[int(res['Y_prediction_test'][0, i])]}" for i in wrong]
    print(f"{len(wrong)} of {d['test_y'].shape[1]} test pictures misclassified")
    plots.plot_image_grid(d["test_images"][wrong], titles=titles, ncols=5,
                          title="Misclassified test pictures", path=ctx.figure("misclassified"))
    rates = (0.01, 0.001, 0.0001)
    iters = 500 if ctx.fast else 1500
    print(f"\nlearning-rate comparison ({iters} iterations each; the three models train at "
          "once: w is a (12288, 3) matrix, two matrix products per step for all three):")
    costs_lr, tr_acc, te_acc = _train_rates(d, np.array(rates), iters)
    curves, accs = {}, {}
    for k, lr in enumerate(rates):
        curves[f"alpha={lr}"] = costs_lr[:, k]
        accs[str(lr)] = [tr_acc[k], te_acc[k]]
        print(f"  alpha = {lr:<7}: train {100 * tr_acc[k]:.2f} %  test {100 * te_acc[k]:.2f} %  "
              f"final cost {costs_lr[-1, k]:.4f}")
    plots.plot_costs(curves, every=100, title="Learning rates", path=ctx.figure("learning-rates"))
    ctx.record(cost_0=costs[0], cost_1900=costs[19], costs=costs,
               train_accuracy=res["train_accuracy"], test_accuracy=res["test_accuracy"],
               misclassified=len(wrong), learning_rate_comparison=accs,
               learning_rate_iterations=iters)
