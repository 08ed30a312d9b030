"""Lesson: house prices by gradient descent, training and validation cost per iteration."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

import nnmath as nm

if TYPE_CHECKING:
    from . import Context

TITLE = "House prices: linear regression by gradient descent"
SUMMARY = "price from size, bedrooms and age; train/validation cost per iteration for 4 rates"
EXPLANATION = (
    "A house-price style data set (generated, seeded: 500 houses, price in thousands = "
    "50 + 1.5 size + 10 bedrooms - 0.8 age + noise) is split 80/20 into training and "
    "validation parts and the features are standardized with the training statistics. "
    "Linear regression is trained by batch gradient descent, the gradient from nnmath's "
    "autodiff, for several learning rates; the curves show the training and validation cost "
    "per iteration. The normal equation gives the exact answer to compare with."
)
FORMULAS = [
    "price = X w + b,  X standardized: x' = (x - mean_train) / std_train",
    "J(w, b) = (1/2m) sum (X w + b - y)^2",
    "w := w - alpha dJ/dw;  b := b - alpha dJ/db   (dJ/dw = (1/m) X^T (X w + b - y))",
]
LONG = False


def make_houses(m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded house-price style data: X (m, 3) = size m^2, bedrooms, age; y price (thousands)."""
    rng = np.random.default_rng(seed)
    size = rng.uniform(40, 250, m)
    bedrooms = np.clip(np.round(size / 45 + rng.normal(0, 0.7, m)), 1, 6)
    age = rng.uniform(0, 60, m)
    price = 50 + 1.5 * size + 10 * bedrooms - 0.8 * age + rng.normal(0, 20, m)
    return np.stack([size, bedrooms, age], axis=1), price


def _cost(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float) -> float:
    r = X @ w + b - y
    return float(r @ r / (2 * len(y)))


def run(ctx: Context) -> None:
    from nnmath import plots
    from nnmath.classic import linear
    from nnmath.datasets import standardize, train_test_split

    X, y = make_houses(500, ctx.seed)
    X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.2, seed=ctx.seed)
    X_tr, mean, std = standardize(X_tr)
    X_va = (X_va - mean) / (std + 1e-8)
    print(f"houses: train {X_tr.shape}, validation {X_va.shape}; features size, bedrooms, age")
    w_ne, b_ne = linear.fit_normal_equation(X_tr, y_tr)
    print(f"normal equation: w = {np.round(w_ne, 3)}, b = {b_ne:.3f}, validation cost "
          f"{_cost(X_va, y_va, w_ne, b_ne):.3f}")
    iters = 100
    train_curves, val_curves, finals = {}, {}, {}
    for lr in (1.0, 0.3, 0.1, 0.01):
        w = nm.Tensor(np.zeros(3), requires_grad=True)
        b = nm.Tensor(np.zeros(()), requires_grad=True)
        tr, va = [], []
        for _ in range(iters):
            r = w @ X_tr.T + b - y_tr   # broadcast: (m,) residuals
            J = (r * r).mean() * 0.5
            w.grad = b.grad = None
            J.backward()
            tr.append(float(J.item()))
            va.append(_cost(X_va, y_va, w.numpy(), float(b.item())))
            w = nm.Tensor(w.numpy() - lr * w.grad, requires_grad=True)
            b = nm.Tensor(b.numpy() - lr * b.grad, requires_grad=True)
        train_curves[f"alpha={lr}"], val_curves[f"alpha={lr}"] = tr, va
        finals[str(lr)] = {"train": tr[-1], "validation": va[-1],
                           "max_abs_w_minus_exact": float(np.max(np.abs(w.numpy() - w_ne)))}
        print(f"alpha = {lr:<5}: after {iters} iterations train {tr[-1]:10.3f}  validation "
              f"{va[-1]:10.3f}  |w - w_exact| max {finals[str(lr)]['max_abs_w_minus_exact']:.2e}")
    plt = plots.pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for (name, tr), va in zip(train_curves.items(), val_curves.values(), strict=True):
        axes[0].plot(tr, label=name)
        axes[1].plot(va, label=name)
    for ax, t in zip(axes, ("training cost", "validation cost"), strict=True):
        ax.set_yscale("log")
        ax.set_xlabel("iteration")
        ax.set_title(t)
        ax.legend()
        ax.grid(alpha=0.3)
    plots.save(fig, ctx.figure("costs"))
    ctx.record(normal_equation_w=w_ne, normal_equation_b=b_ne, iterations=iters,
               final_costs=finals)
