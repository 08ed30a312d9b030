"""Lesson: linear regression on the diabetes data: the fitted line, then a plane."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import Context

TITLE = "Linear regression: a line, then a plane"
SUMMARY = "diabetes feature 2: w, b, MSE, R2 (normal equation and gradient descent); 2-D plane"
EXPLANATION = (
    "The scikit-learn diabetes example fits y = w x + b to feature 2 (body-mass index) with the "
    "last 20 patients held out, and publishes w = 938.24, b = 152.92, test MSE 2548.07 and "
    "R2 0.47. nnmath.classic.linear reproduces it with the normal equation, and gradient "
    "descent reaches the same line (on the standardized feature, then mapped back). With two "
    "features the line becomes a plane."
)
FORMULAS = [
    "yhat = X w + b",
    "normal equation: [w; b] = (A^T A)^-1 A^T y with A = [X, 1]",
    "J(w, b) = (1/2m) sum (yhat - y)^2;  dw = (1/m) X^T (yhat - y);  db = (1/m) sum(yhat - y)",
    "MSE = (1/m) sum (y - yhat)^2;  R2 = 1 - sum (y - yhat)^2 / sum (y - mean y)^2",
]
LONG = False


def run(ctx: Context) -> None:
    from nnmath import plots
    from nnmath.classic import linear
    from nnmath.datasets import load_diabetes

    X, y = load_diabetes()
    x = X[:, 2:3]
    x_tr, x_te, y_tr, y_te = x[:-20], x[-20:], y[:-20], y[-20:]
    w, b = linear.fit_normal_equation(x_tr, y_tr)
    pred = linear.predict(x_te, w, b)
    mse, r2 = linear.mean_squared_error(y_te, pred), linear.r2_score(y_te, pred)
    print(f"diabetes: X {X.shape}, feature 2 (bmi), train {len(y_tr)}, test {len(y_te)}")
    print(f"normal equation : w = {w[0]:.8f}  b = {b:.8f}")
    print(f"test MSE = {mse:.2f}   R2 = {r2:.2f}   (published: 938.24, 152.92, 2548.07, 0.47)")

    mu, sd = x_tr.mean(), x_tr.std()
    lr, iters = 0.5, 100
    ws, bs, costs = linear.fit_gradient_descent((x_tr - mu) / sd, y_tr, lr, iters)
    w_gd, b_gd = ws[0] / sd, bs - ws[0] * mu / sd
    print(f"\ngradient descent on the standardized feature, learning rate {lr}, {iters} "
          f"iterations:\n  cost {costs[0]:.2f} -> {costs[-1]:.4f};  mapped back: "
          f"w = {w_gd:.6f}  b = {b_gd:.6f}  (|dw| = {abs(w_gd - w[0]):.1e})")
    plots.plot_regression_line(x_tr, y_tr, float(w[0]), b, x_te, y_te,
                               title="diabetes: feature 2 (bmi) against progression",
                               path=ctx.figure("line"))
    plots.plot_costs(costs, title="Gradient descent cost J (standardized bmi)",
                     path=ctx.figure("gd-cost"))

    X2 = X[:, [2, 8]]
    w2, b2 = linear.fit_normal_equation(X2[:-20], y_tr)
    pred2 = linear.predict(X2[-20:], w2, b2)
    mse2, r22 = linear.mean_squared_error(y_te, pred2), linear.r2_score(y_te, pred2)
    print(f"\ntwo features (bmi, s5): w = [{w2[0]:.2f}, {w2[1]:.2f}]  b = {b2:.2f}  "
          f"test MSE = {mse2:.2f}  R2 = {r22:.2f}")
    plots.plot_regression_plane(X2[:-20], y_tr, w2, b2, labels=("bmi", "s5"),
                                path=ctx.figure("plane"))
    ctx.record(w=float(w[0]), b=b, test_mse=mse, r2=r2, gd_learning_rate=lr,
               gd_iterations=iters, gd_w=w_gd, gd_b=b_gd, gd_cost_last=costs[-1],
               plane_w=w2, plane_b=b2, plane_test_mse=mse2, plane_r2=r22)
