"""Exercises of the Python/NumPy basics: the sigmoid, its derivative, the row-wise softmax."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..classic import basics
from .registry import Case, Exercise, register

LESSONS_SIGMOID = ("activations-and-losses", "logistic-regression")
_STABLE = ("compute it without overflow: for x < 0 use e^x / (1 + e^x), for x >= 0 "
           "1 / (1 + e^-x) (np.exp(-np.abs(x)) covers both)")


def _elementwise_cases(course_values: list[float]) -> Callable[[np.random.Generator], list[Case]]:
    """The cases of an element-wise function; ``course_values``: its published results on the
    course test ``[1, 2, 3]``."""

    def cases(rng: np.random.Generator) -> list[Case]:
        return [
            Case((np.array([1.0, 2.0, 3.0]),), label="course test",
                 published=(lambda s: s, course_values, 5e-9)),
            Case((rng.normal(size=(3, 4)) * 3,), label="random 1"),
            Case((rng.normal(size=(1, 7)),), label="random 2"),
            Case((np.array([[-1000.0, -30.0, 0.0, 30.0, 1000.0]]),), label="+-1000",
                 extreme=True),
        ]

    return cases


register(Exercise(
    group="basics", name="sigmoid",
    summary="the logistic function 1 / (1 + e^-x), element-wise and stable at +-1000",
    signature="def sigmoid(x):",
    doc="""The sigmoid of every element of x.

    Formula: sigmoid(x) = 1 / (1 + e^-x)

    Args:
        x: a number or a NumPy array of any shape.
    Returns:
        s: sigmoid(x), the shape of x.
    Stability: must not overflow for x = -1000 or 1000.
    """,
    lessons=LESSONS_SIGMOID, reference=basics.sigmoid,
    cases=_elementwise_cases([0.73105858, 0.88079708, 0.95257413]),
    timing=lambda rng: Case((rng.normal(size=(200, 100)),)),
    hints={"overflow": _STABLE, "nonfinite": _STABLE},
))

register(Exercise(
    group="basics", name="sigmoid_derivative",
    summary="the derivative s (1 - s) of the sigmoid, element-wise",
    signature="def sigmoid_derivative(x):",
    doc="""The derivative of the sigmoid at every element of x.

    Formula: sigmoid'(x) = s (1 - s)  with  s = sigmoid(x)

    Args:
        x: a number or a NumPy array of any shape.
    Returns:
        ds: the shape of x.
    """,
    lessons=LESSONS_SIGMOID, reference=basics.sigmoid_derivative,
    cases=_elementwise_cases([0.19661193, 0.10499359, 0.04517666]),
    helpers=("from nnmath.exercises.course import sigmoid",),
    hints={"overflow": "use a stable sigmoid (np.exp(-np.abs(x)) never overflows)"},
))


def _softmax_cases(rng: np.random.Generator) -> list[Case]:
    course = np.array([[9.0, 2, 5, 0, 0], [7, 5, 0, 0, 0]])
    published = [
        [9.80897665e-01, 8.94462891e-04, 1.79657674e-02, 1.21052389e-04, 1.21052389e-04],
        [8.78679856e-01, 1.18916387e-01, 8.01252314e-04, 8.01252314e-04, 8.01252314e-04],
    ]
    return [
        Case((course,), label="course test", published=(lambda s: s, published, 1e-8)),
        Case((rng.normal(size=(4, 6)),), label="random 1"),
        Case((rng.normal(size=(1, 3)) * 5,), label="random 2"),
        Case((np.array([[1000.0, 999.0, -1000.0], [-1000.0, -1000.0, 0.0]]),), label="+-1000",
             extreme=True),
    ]


register(Exercise(
    group="basics", name="softmax",
    summary="row-wise softmax (each row sums to 1), stable for large inputs",
    signature="def softmax(x):",
    doc="""The softmax of each row of x.

    Formula: softmax(x)_ij = e^(x_ij) / sum_k e^(x_ik)
             (subtract each row's maximum first: the result is the same, nothing overflows)

    Args:
        x: a NumPy array of shape (n, m): n rows.
    Returns:
        s: shape (n, m); each row sums to 1.
    """,
    lessons=("activations-and-losses",), reference=basics.softmax, cases=_softmax_cases,
    hints={"overflow": "subtract each row's maximum before np.exp: "
           "x - np.max(x, axis=1, keepdims=True)",
           "nonfinite": "subtract each row's maximum before np.exp: "
           "x - np.max(x, axis=1, keepdims=True)",
           "row_vs_flat": "sum with keepdims=True so that the row sums broadcast"},
))
