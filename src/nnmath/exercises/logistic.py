"""Exercises of logistic regression: initialize_with_zeros, propagate, optimize, predict."""

from __future__ import annotations

import numpy as np

from ..classic import logistic
from .registry import Case, Exercise, register

LESSONS = ("logistic-regression",)
_COURSE_W, _COURSE_B = np.array([[1.0], [2.0]]), 2.0
_COURSE_X, _COURSE_Y = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]]), np.array([[1.0, 0.0, 1.0]])


def _data(rng: np.random.Generator, n: int, m: int) -> tuple:
    w = rng.normal(size=(n, 1)) * 0.5
    b = float(rng.normal())
    X = rng.normal(size=(n, m))
    Y = (rng.random((1, m)) > 0.5).astype(np.float64)
    return w, b, X, Y


def _zeros_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((2,), label="course test"), Case((int(rng.integers(3, 9)),), label="random 1"),
            Case((1,), label="dim 1")]


register(Exercise(
    group="logistic", name="initialize_with_zeros",
    summary="zero weights w of shape (dim, 1) and bias b = 0.0",
    signature="def initialize_with_zeros(dim):",
    doc="""A zero vector w of shape (dim, 1) and a zero bias b.

    Returns:
        w: zeros of shape (dim, 1), float64
        b: 0.0 (a float)
    """,
    lessons=LESSONS, reference=logistic.initialize_with_zeros, cases=_zeros_cases,
    hints={"row_vs_flat": "w is a column: np.zeros((dim, 1))"},
))


def _propagate_cases(rng: np.random.Generator) -> list[Case]:
    cases = [Case(
        (_COURSE_W, _COURSE_B, _COURSE_X, _COURSE_Y), label="course test", m=3,
        published=(lambda out: (out[0]["dw"], out[0]["db"], out[1]),
                   ([[0.99845601], [2.39507239]], 0.00145557813678, 5.801545319394553), 5e-9),
    )]
    for i, (n, m) in enumerate([(4, 7), (3, 5), (6, 11)]):
        cases.append(Case(_data(rng, n, m), label=f"random {i + 1}", m=m))
    return cases


register(Exercise(
    group="logistic", name="propagate",
    summary="cost and gradients dw, db of logistic regression (forward and backward)",
    signature="def propagate(w, b, X, Y):",
    doc="""One forward and backward pass of logistic regression.

    Formula:
        A  = sigmoid(w^T X + b)                                  shape (1, m)
        J  = -(1/m) sum(Y log(A) + (1 - Y) log(1 - A))           a number
        dw = (1/m) X (A - Y)^T                                   shape (n_x, 1)
        db = (1/m) sum(A - Y)                                    a number

    Args:
        w: weights (n_x, 1); b: bias, a number; X: data (n_x, m); Y: labels 0/1 (1, m)
    Returns:
        grads: {"dw": dw, "db": db}
        cost: J
    """,
    lessons=LESSONS, reference=logistic.propagate, cases=_propagate_cases,
    helpers=("from nnmath.exercises.course import sigmoid",),
    timing=lambda rng: Case(_data(rng, 20, 3000), m=3000),
    hints={"sign": "the gradient of the cost is dZ = A - Y, and the cost has a minus in front"},
))


def _optimize_cases(rng: np.random.Generator) -> list[Case]:
    cases = [Case(
        (_COURSE_W, _COURSE_B, _COURSE_X, _COURSE_Y), {"num_iterations": 100,
                                                       "learning_rate": 0.009},
        label="course test", m=3,
        published=(lambda out: (out[0]["w"], out[0]["b"], out[1]["dw"], out[1]["db"]),
                   ([[0.19033591], [0.12259159]], 1.92535983008, [[0.67752042], [1.41625495]],
                    0.219194504541), 5e-8),
    )]
    for i, (n, m) in enumerate([(3, 6), (5, 9)]):
        cases.append(Case(_data(rng, n, m), {"num_iterations": 201, "learning_rate": 0.05},
                          label=f"random {i + 1}", m=m))
    return cases


def _optimize_reference(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return logistic.optimize(w, b, X, Y, num_iterations, learning_rate, print_cost)


register(Exercise(
    group="logistic", name="optimize",
    summary="gradient descent on w and b with propagate; the cost every 100 iterations",
    signature="def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, "
              "print_cost=False):",
    doc="""Gradient descent: num_iterations steps of

        grads, cost = propagate(w, b, X, Y)
        w := w - learning_rate dw;   b := b - learning_rate db

    and the cost of iterations 0, 100, 200, ... (before that iteration's update).

    Returns:
        params: {"w": w, "b": b}
        grads: {"dw": dw, "db": db} of the last iteration
        costs: list of the recorded costs
    Do not change the caller's w: write w = w - ..., not w -= ...
    """,
    lessons=LESSONS, reference=_optimize_reference, cases=_optimize_cases,
    helpers=("from nnmath.exercises.course import propagate",), rtol=1e-6, atol=1e-8,
    hints={"sign": "step against the gradient: w = w - learning_rate * dw",
           "in_place": "w -= ... changes the caller's array; write w = w - learning_rate * dw"},
))


def _predict_cases(rng: np.random.Generator) -> list[Case]:
    cases = [Case((np.array([[0.1124579], [0.23106775]]), -0.3,
                   np.array([[1.0, -1.1, -3.2], [1.2, 2.0, 0.1]])), label="course test",
                  published=(lambda p: p, [[1.0, 1.0, 0.0]], 0.0))]
    for i, (n, m) in enumerate([(4, 8), (2, 13)]):
        w, b, X, _ = _data(rng, n, m)
        cases.append(Case((w, b, X), label=f"random {i + 1}"))
    return cases


register(Exercise(
    group="logistic", name="predict",
    summary="labels 0/1 from sigmoid(w^T X + b) > 0.5, shape (1, m)",
    signature="def predict(w, b, X):",
    doc="""Predicted labels: 1 where sigmoid(w^T X + b) > 0.5, else 0.

    Returns:
        Y_prediction: shape (1, m), zeros and ones
    """,
    lessons=LESSONS, reference=logistic.predict, cases=_predict_cases,
    helpers=("from nnmath.exercises.course import sigmoid",),
    timing=lambda rng: Case(_data(rng, 20, 3000)[:3]),
))
