"""Lesson: 2-layer and 4-layer networks on cat vs non-cat; overfitting made visible."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._data import cat_data

if TYPE_CHECKING:
    from . import Context

TITLE = "Deep networks: the 2-layer and 4-layer cat classifiers"
SUMMARY = "2-layer (12288, 7, 1) and 4-layer [12288, 20, 7, 5, 1] cat nets; train vs test"
EXPLANATION = (
    "The same cat pictures, now with hidden ReLU layers (nnmath.classic.deep, the course's "
    "initializations with seed 1, learning rate 0.0075). The 2-layer net (12288, 7, 1) trained "
    "for 3000 iterations reaches the published 100 % train / 72 % test, the 4-layer net "
    "[12288, 20, 7, 5, 1] (init randn / sqrt(n_prev)) after 2500 iterations 98.56 % / 80 %. "
    "Train and test accuracy are measured every 100 iterations: the gap between the two "
    "curves is overfitting, the network memorizing 209 pictures."
)
FORMULAS = [
    "A[0] = X;  Z[l] = W[l] A[l-1] + b[l];  A[l] = relu(Z[l]) (l < L), A[L] = sigmoid(Z[L])",
    "dZ[L] = A[L] - Y;  dW[l] = (1/m) dZ[l] A[l-1]^T;  db[l] = (1/m) sum dZ[l]",
    "dA[l-1] = W[l]^T dZ[l];  dZ[l] = dA[l] * relu'(Z[l])",
    "W[l] := W[l] - alpha dW[l];  b[l] := b[l] - alpha db[l]",
]
LONG = True


def _train(d: dict, params: dict, iterations: int, lr: float, label: str) -> dict:
    """Gradient descent with the classic functions, costs and accuracies every 100 steps."""
    from nnmath.classic import deep

    X, Y = d["train_x"], d["train_y"]
    costs, train_acc, test_acc, its = [], [], [], []
    for i in range(iterations + 1):
        AL, caches = deep.l_model_forward(X, params)
        if i % 100 == 0 or i == iterations:
            cost = deep.compute_cost(AL, Y)
            tr = float(np.mean((AL > 0.5) == Y))
            te = float(np.mean(deep.predict(d["test_x"], None, params) == d["test_y"]))
            its.append(i)
            train_acc.append(tr)
            test_acc.append(te)
            if i % 100 == 0 and i < iterations:
                costs.append(cost)
            if i % 500 == 0 or i == iterations:
                print(f"  [{label}] after {i:4d} steps: cost {cost:.6f}  train {tr:.4f}  "
                      f"test {te:.4f}", flush=True)
        if i == iterations:
            break
        grads = deep.l_model_backward(AL, Y, caches, need_dA0=False)
        params = deep.update_parameters(params, grads, lr)
    final_train = deep.accuracy(deep.predict(X, Y, params), Y)
    final_test = deep.accuracy(deep.predict(d["test_x"], d["test_y"], params), d["test_y"])
    return {"params": params, "costs": costs, "iterations": its, "train_acc": train_acc,
            "test_acc": test_acc, "train": final_train, "test": final_test}


def run(ctx: Context) -> None:
    from nnmath import plots
    from nnmath.classic import deep

    d = cat_data(ctx)
    lr = 0.0075
    it2, it4 = (100, 700) if ctx.fast else (3000, 2500)  # fast: the 4-layer gap shows by 500
    print(f"2-layer (12288, 7, 1), {it2} iterations, learning rate {lr}:")
    r2 = _train(d, deep.initialize_parameters(12288, 7, 1, seed=1), it2, lr, "2-layer")
    print(f"  train accuracy {r2['train']:.4f}, test accuracy {r2['test']:.4f} "
          "(published after 3000: 1.0 / 0.72)")
    print(f"\n4-layer [12288, 20, 7, 5, 1], {it4} iterations, learning rate {lr}:")
    r4 = _train(d, deep.initialize_parameters_deep([12288, 20, 7, 5, 1], seed=1), it4, lr,
                "4-layer")
    print(f"  train accuracy {r4['train']:.4f}, test accuracy {r4['test']:.4f} "
          "(published after 2500: 0.9856 / 0.8)")
    ctx.cache["cat_deep_params"] = r4["params"]
    plots.plot_costs({"2-layer": r2["costs"], "4-layer": r4["costs"]}, every=100,
                     title=f"Cat networks, learning rate {lr}", path=ctx.figure("costs"))
    plt = plots.pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, (name, r) in zip(axes, (("2-layer", r2), ("4-layer", r4)), strict=True):
        ax.plot(r["iterations"], r["train_acc"], label="train")
        ax.plot(r["iterations"], r["test_acc"], label="test")
        ax.fill_between(r["iterations"], r["test_acc"], r["train_acc"], alpha=0.15,
                        where=np.array(r["train_acc"]) >= np.array(r["test_acc"]),
                        interpolate=True, label="train - test gap (overfitting)")
        ax.set_title(f"{name}: accuracy during training")
        ax.set_xlabel("iteration")
        ax.legend()
        ax.grid(alpha=0.3)
    plots.save(fig, ctx.figure("train-vs-test"))
    ctx.record(two_layer_iterations=it2, two_layer_train=r2["train"], two_layer_test=r2["test"],
               two_layer_costs=r2["costs"], four_layer_iterations=it4,
               four_layer_train=r4["train"], four_layer_test=r4["test"],
               four_layer_costs=r4["costs"])
