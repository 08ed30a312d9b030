"""A neural network with one hidden layer (tanh) and a sigmoid output, in the course's notation.

Samples are columns: ``X`` ``(n_x, m)``, ``Y`` ``(1, m)``. Forward::

    Z1 = W1 X + b1,  A1 = tanh(Z1),  Z2 = W2 A1 + b2,  A2 = sigmoid(Z2)

cost ``J = -(1/m) sum(Y log A2 + (1 - Y) log(1 - A2))``, backward::

    dZ2 = A2 - Y,               dW2 = (1/m) dZ2 A1^T,  db2 = (1/m) sum_rows(dZ2)
    dZ1 = W2^T dZ2 * (1 - A1^2), dW1 = (1/m) dZ1 X^T,   db1 = (1/m) sum_rows(dZ1)

Example (the planar flower, 4 hidden units, 10 000 iterations at 1.2; published 90 %):
    >>> from nnmath.datasets import make_planar_flower
    >>> X, Y = make_planar_flower()
    >>> parameters = nn_model(X, Y, n_h=4)
    >>> accuracy(predict(parameters, X), Y)
    0.9075

The cost trace matches the published one to the printed digits up to iteration 7000; after
that, learning rate 1.2 makes the run oscillate and the last digits (and the final accuracy,
90 % published, 90.75 % here) depend on the BLAS's rounding: published copies of the
notebook disagree with each other there too.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import threads
from .basics import check_labels, cross_entropy, sigmoid

__all__ = [
    "accuracy",
    "backward_propagation",
    "compute_cost",
    "forward_propagation",
    "initialize_parameters",
    "layer_sizes",
    "nn_model",
    "predict",
    "update_parameters",
]

Params = dict[str, np.ndarray]


def layer_sizes(X: np.ndarray, Y: np.ndarray, n_h: int = 4) -> tuple[int, int, int]:
    """The sizes ``(n_x, n_h, n_y)``: input rows of ``X``, hidden units, output rows of ``Y``."""
    X, Y = np.asarray(X), np.asarray(Y)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
        check_labels("layer_sizes", X, Y)  # raises with the likely fix
    return X.shape[0], n_h, Y.shape[0]


def initialize_parameters(n_x: int, n_h: int, n_y: int, seed: int | None = 2) -> Params:
    """Small random weights, zero biases, seeded as the course does.

    Formula: ``W1 = 0.01 randn(n_h, n_x)``, ``b1 = 0``, ``W2 = 0.01 randn(n_y, n_h)``,
    ``b2 = 0``, drawn in that order from ``np.random.RandomState(seed)`` (the course's
    ``np.random.seed(2)`` followed by ``np.random.randn``).

    Returns:
        ``{"W1": (n_h, n_x), "b1": (n_h, 1), "W2": (n_y, n_h), "b2": (n_y, 1)}``.
    """
    rs = np.random.RandomState(seed)
    return {
        "W1": rs.randn(n_h, n_x) * 0.01,
        "b1": np.zeros((n_h, 1)),
        "W2": rs.randn(n_y, n_h) * 0.01,
        "b2": np.zeros((n_y, 1)),
    }


def forward_propagation(X: np.ndarray, parameters: Params) -> tuple[np.ndarray, Params]:
    """Forward pass. Returns ``(A2, cache)`` with ``cache = {"Z1", "A1", "Z2", "A2"}``.

    Shape: X ``(n_x, m)`` -> A2 ``(n_y, m)``.
    """
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] != W1.shape[1]:
        raise ValueError(
            f"shallow.forward_propagation: expected X of shape ({W1.shape[1]}, m) for W1 of "
            f"shape {W1.shape}, got {X.shape}; samples are columns"
        )
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def compute_cost(A2: np.ndarray, Y: np.ndarray, parameters: Params | None = None) -> float:
    """Cross-entropy cost (:func:`nnmath.classic.basics.cross_entropy`).

    Formula: ``J = -(1/m) sum(Y log A2 + (1 - Y) log(1 - A2))``. ``parameters`` is accepted
    (and unused) as in the course's first version of this function.

    Raises:
        ValueError: ``A2`` and ``Y`` differ in shape.

    Example:
        >>> round(compute_cost(np.array([[0.8, 0.1]]), np.array([[1, 0]])), 6)
        0.164252
    """
    return cross_entropy(A2, Y, where="shallow.compute_cost")


def backward_propagation(
    parameters: Params, cache: Params, X: np.ndarray, Y: np.ndarray
) -> Params:
    """Hand-derived gradients of the cost (formulas in the module docstring).

    Returns:
        ``{"dW1", "db1", "dW2", "db2"}`` with the shapes of the parameters.
    """
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    if Y.shape != A2.shape:
        check_labels("shallow.backward_propagation", X, Y)
    # written as the course writes it, (1/m) * (...): with learning rate 1.2 the run is
    # sensitive to rounding, and this order reproduces the published hidden-size sweep
    dZ2 = A2 - Y
    dW2 = (1 / m) * np.dot(dZ2, A1.T)
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.dot(parameters["W2"].T, dZ2) * (1.0 - np.power(A1, 2))
    dW1 = (1 / m) * np.dot(dZ1, X.T)
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def update_parameters(parameters: Params, grads: Params, learning_rate: float = 1.2) -> Params:
    """One gradient-descent step: ``theta := theta - learning_rate d theta`` (new dict)."""
    return {k: parameters[k] - learning_rate * grads["d" + k] for k in parameters}


def nn_model(
    X: np.ndarray,
    Y: np.ndarray,
    n_h: int,
    num_iterations: int = 10000,
    print_cost: bool = False,
    learning_rate: float = 1.2,
    seed: int | None = 2,
    costs: list[float] | None = None,
    callback: Callable[[int, float], bool | None] | None = None,
) -> Params:
    """Train the one-hidden-layer network by full-batch gradient descent.

    Args:
        X: ``(n_x, m)``; Y: ``(1, m)``; n_h: hidden units.
        num_iterations: gradient steps; learning_rate: step size (the course's 1.2).
        print_cost: print the cost every 1000 iterations.
        seed: seed of :func:`initialize_parameters` (the course's 2).
        costs: optional list that receives the cost every 1000 iterations.
        callback: ``callback(i, cost)`` every 100 iterations; returning True stops there
            (after that iteration's update).

    Returns:
        The trained parameters ``{"W1", "b1", "W2", "b2"}``.
    """
    threads.configure()  # nnmath's BLAS thread default, on first use
    n_x, n_h, n_y = layer_sizes(X, Y, n_h)
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    parameters = initialize_parameters(n_x, n_h, n_y, seed=seed)
    for i in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        grads = backward_propagation(parameters, cache, X, Y)
        if i % 1000 == 0 and (print_cost or costs is not None):
            cost = compute_cost(A2, Y)
            if costs is not None:
                costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:f}")
        parameters = update_parameters(parameters, grads, learning_rate)
        if callback is not None and i % 100 == 0 and callback(i, compute_cost(A2, Y)):
            break
    return parameters


def predict(parameters: Params, X: np.ndarray) -> np.ndarray:
    """Class 1 where ``A2 > 0.5``. Returns a boolean array ``(1, m)``."""
    A2, _ = forward_propagation(X, parameters)
    return A2 > 0.5


def accuracy(predictions: np.ndarray, Y: np.ndarray) -> float:
    """Fraction of correct labels in [0, 1], computed as the course does (times 100 to print).

    Formula: ``(Y p^T + (1 - Y)(1 - p)^T) / m``.
    """
    p = np.asarray(predictions, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    return float((np.dot(Y, p.T) + np.dot(1 - Y, 1 - p.T)).item() / Y.size)
