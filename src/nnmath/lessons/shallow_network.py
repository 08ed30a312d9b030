"""Lesson: a one-hidden-layer network on the planar flower; hidden-size sweep."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from . import Context

TITLE = "A shallow neural network: the planar flower"
SUMMARY = "one hidden tanh layer vs logistic regression on the flower data; hidden-size sweep"
EXPLANATION = (
    "The flower data (400 points, two classes in interleaved petals) is not linearly "
    "separable: logistic regression draws one straight line and gets about half right. A "
    "network with one hidden layer of 4 tanh units (nnmath.classic.shallow, course seeds, "
    "learning rate 1.2, 10 000 iterations) bends the boundary around the petals and reaches "
    "the published 90 %. The sweep trains hidden sizes 1, 2, 3, 4, 5, 20, 50 (5000 iterations "
    "each): too few units underfit; many units fit the noise a little more."
)
FORMULAS = [
    "Z1 = W1 X + b1;  A1 = tanh(Z1);  Z2 = W2 A1 + b2;  A2 = sigmoid(Z2)",
    "J = -(1/m) sum [Y log A2 + (1 - Y) log(1 - A2)]",
    "dZ2 = A2 - Y;  dW2 = (1/m) dZ2 A1^T;  dZ1 = W2^T dZ2 * (1 - A1^2);  dW1 = (1/m) dZ1 X^T",
]
LONG = True


def run(ctx: Context) -> None:
    from nnmath import plots
    from nnmath.classic import logistic, shallow
    from nnmath.datasets import make_planar_flower

    X, Y = make_planar_flower()
    Y = Y.astype(np.float64)
    print(f"flower: X {X.shape}, Y {Y.shape}, {int(Y.sum())} points of class 1")
    lr_res = logistic.model(X, Y, X, Y, num_iterations=2000, learning_rate=0.1)
    w, b = lr_res["w"], lr_res["b"]
    print(f"logistic regression (2000 iterations, alpha 0.1): accuracy "
          f"{100 * lr_res['train_accuracy']:.2f} % (a straight line)")
    costs: list[float] = []
    params = shallow.nn_model(X, Y, 4, num_iterations=10000, print_cost=True, costs=costs)
    acc = shallow.accuracy(shallow.predict(params, X), Y)
    print(f"one hidden layer, n_h = 4: accuracy {100 * acc:.2f} %  (published: 90 %)")
    ctx.cache["planar_params"] = params
    plots.plot_decision_boundary(
        {f"logistic regression ({100 * lr_res['train_accuracy']:.0f} %)":
             lambda P: logistic.predict(w, b, P.T)[0],
         f"hidden layer n_h = 4 ({100 * acc:.1f} %)": lambda P: shallow.predict(params, P.T)[0]},
        X.T, Y[0], path=ctx.figure("boundaries"))
    sizes = (1, 4, 20) if ctx.fast else (1, 2, 3, 4, 5, 20, 50)
    sweep, panels = {}, {}
    print("\nhidden-size sweep (5000 iterations each):")
    for n_h in sizes:
        p = shallow.nn_model(X, Y, n_h, num_iterations=5000)
        sweep[str(n_h)] = shallow.accuracy(shallow.predict(p, X), Y)
        print(f"  n_h = {n_h:2d}: accuracy {100 * sweep[str(n_h)]:.2f} %")
        panels[f"n_h = {n_h} ({100 * sweep[str(n_h)]:.2f} %)"] = (
            lambda P, p=p: shallow.predict(p, P.T)[0])
    plots.plot_decision_boundary(panels, X.T, Y[0], resolution=120,
                                 path=ctx.figure("hidden-sizes"))
    ctx.record(logistic_accuracy=lr_res["train_accuracy"], accuracy_nh4=acc,
               costs_every_1000=costs, hidden_size_sweep=sweep)
