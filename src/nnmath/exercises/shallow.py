"""Exercises of the network with one hidden layer: sizes, initialization, forward, cost,
backward, update (samples are columns; tanh hidden layer, sigmoid output)."""

from __future__ import annotations

import numpy as np

from ..classic import shallow
from .registry import Case, Exercise, register

LESSONS = ("shallow-network",)


def _params(rng: np.random.Generator, n_x: int, n_h: int, n_y: int = 1) -> dict:
    return {"W1": rng.normal(size=(n_h, n_x)), "b1": rng.normal(size=(n_h, 1)),
            "W2": rng.normal(size=(n_y, n_h)), "b2": rng.normal(size=(n_y, 1))}


def _problem(rng: np.random.Generator, n_x: int, n_h: int, m: int) -> tuple:
    X = rng.normal(size=(n_x, m))
    Y = (rng.random((1, m)) > 0.5).astype(np.float64)
    return X, Y, _params(rng, n_x, n_h)


def _layer_sizes_reference(X, Y):
    return shallow.layer_sizes(X, Y)


register(Exercise(
    group="shallow", name="layer_sizes",
    summary="the sizes (n_x, n_h, n_y) of the input, hidden and output layers",
    signature="def layer_sizes(X, Y):",
    doc="""The layer sizes of the network, n_h = 4 hidden units.

    Args:
        X: input data (n_x, m); Y: labels (n_y, m)
    Returns:
        (n_x, n_h, n_y): rows of X, 4, rows of Y
    """,
    lessons=LESSONS, reference=_layer_sizes_reference,
    cases=lambda rng: [
        Case((rng.normal(size=(5, 3)), rng.normal(size=(2, 3))), label="course test"),
        Case((rng.normal(size=(2, 400)), rng.normal(size=(1, 400))), label="random 1"),
    ],
    hints={"values": "n_x is X.shape[0] (rows are features, columns are samples)"},
))


def _init_reference(n_x, n_h, n_y):
    return shallow.initialize_parameters(n_x, n_h, n_y, seed=2)


register(Exercise(
    group="shallow", name="initialize_parameters",
    summary="small random weights (0.01 randn, seed 2) and zero biases",
    signature="def initialize_parameters(n_x, n_h, n_y):",
    doc="""Parameters of the network, as the course draws them.

    Formula: np.random.seed(2); then, in this order,
        W1 = 0.01 randn(n_h, n_x);  b1 = zeros (n_h, 1)
        W2 = 0.01 randn(n_y, n_h);  b2 = zeros (n_y, 1)

    Returns:
        parameters: {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    """,
    lessons=LESSONS, reference=_init_reference,
    cases=lambda rng: [Case((2, 4, 1), label="course test"), Case((5, 3, 2), label="random 1")],
    hints={"values": "call np.random.seed(2) first and draw W1 before W2 with np.random.randn",
           "row_vs_flat": "the biases are columns: np.zeros((n_h, 1))"},
))


def _forward_cases(rng: np.random.Generator) -> list[Case]:
    out = []
    for i, (n_x, n_h, m) in enumerate([(2, 4, 3), (3, 5, 8)]):
        X, _, p = _problem(rng, n_x, n_h, m)
        out.append(Case((X, p), label=f"random {i + 1}", m=m))
    return out


register(Exercise(
    group="shallow", name="forward_propagation",
    summary="forward pass: tanh hidden layer, sigmoid output; returns A2 and the cache",
    signature="def forward_propagation(X, parameters):",
    doc="""The forward pass.

    Formula:
        Z1 = W1 X + b1;   A1 = tanh(Z1)          shape (n_h, m)
        Z2 = W2 A1 + b2;  A2 = sigmoid(Z2)       shape (n_y, m)

    Returns:
        A2: (n_y, m)
        cache: {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    """,
    lessons=LESSONS, reference=shallow.forward_propagation, cases=_forward_cases,
    helpers=("from nnmath.exercises.course import sigmoid",),
    timing=lambda rng: Case(_problem(rng, 4, 6, 3000)[::2]),
))


def _cost_cases(rng: np.random.Generator) -> list[Case]:
    out = [Case((np.array([[0.8, 0.1]]), np.array([[1.0, 0.0]])), label="small", m=2)]
    for i, m in enumerate([5, 12]):
        A2 = rng.uniform(0.05, 0.95, size=(1, m))
        Y = (rng.random((1, m)) > 0.5).astype(np.float64)
        out.append(Case((A2, Y), label=f"random {i + 1}", m=m))
    return out


def _cost_reference(A2, Y):
    return shallow.compute_cost(A2, Y)


_COST_DOC = """The cross-entropy cost.

    Formula: J = -(1/m) sum(Y log({a}) + (1 - Y) log(1 - {a}))

    Args:
        {a}: output probabilities (1, m); Y: labels 0/1 (1, m)
    Returns:
        cost: a number (a float, not an array)
    """
_COST_HINTS = {"sign": "the cost is -(1/m) sum(...): mind the minus in front",
               "shape": "return one number: np.sum(...) over everything, then float(...)"}

register(Exercise(
    group="shallow", name="compute_cost",
    summary="the cross-entropy cost of the one-hidden-layer network",
    signature="def compute_cost(A2, Y):", doc=_COST_DOC.format(a="A2"),
    lessons=LESSONS, reference=_cost_reference, cases=_cost_cases, hints=_COST_HINTS,
    timing=lambda rng: Case((rng.uniform(0.1, 0.9, size=(1, 20000)),
                             (rng.random((1, 20000)) > 0.5).astype(np.float64))),
))


def _backward_cases(rng: np.random.Generator) -> list[Case]:
    out = []
    for i, (n_x, n_h, m) in enumerate([(2, 4, 3), (3, 5, 7)]):
        X, Y, p = _problem(rng, n_x, n_h, m)
        _, cache = shallow.forward_propagation(X, p)
        out.append(Case((p, cache, X, Y), label=f"random {i + 1}", m=m))
    return out


register(Exercise(
    group="shallow", name="backward_propagation",
    summary="hand-derived gradients dW1, db1, dW2, db2 of the cost",
    signature="def backward_propagation(parameters, cache, X, Y):",
    doc="""The backward pass.

    Formula:
        dZ2 = A2 - Y
        dW2 = (1/m) dZ2 A1^T;          db2 = (1/m) sum over columns of dZ2 (keepdims)
        dZ1 = (W2^T dZ2) * (1 - A1^2)
        dW1 = (1/m) dZ1 X^T;           db1 = (1/m) sum over columns of dZ1 (keepdims)

    Returns:
        grads: {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}, shaped like the parameters
    """,
    lessons=LESSONS, reference=shallow.backward_propagation, cases=_backward_cases,
    hints={"row_vs_flat": "np.sum(dZ, axis=1, keepdims=True) keeps db a column"},
))


def _update_cases(rng: np.random.Generator) -> list[Case]:
    p = _params(rng, 3, 4)
    g = {"d" + k: rng.normal(size=v.shape) for k, v in p.items()}
    return [Case((p, g), label="random 1"), Case((p, g, 0.5), label="random 2")]


def _update_reference(parameters, grads, learning_rate=1.2):
    return shallow.update_parameters(parameters, grads, learning_rate)


_UPDATE_HINTS = {
    "sign": "gradient DEscent: W = W - learning_rate * dW",
    "in_place": "W -= ... changes the caller's arrays; write parameters['W1'] = W1 - "
                "learning_rate * dW1 (a new array)",
}

register(Exercise(
    group="shallow", name="update_parameters",
    summary="one gradient-descent step on W1, b1, W2, b2",
    signature="def update_parameters(parameters, grads, learning_rate=1.2):",
    doc="""One step of gradient descent.

    Formula: theta := theta - learning_rate d_theta, for W1, b1, W2, b2

    Returns:
        parameters: the updated dict (new arrays: do not change the given ones in place)
    """,
    lessons=LESSONS, reference=_update_reference, cases=_update_cases, hints=_UPDATE_HINTS,
    step_from=0,
))
