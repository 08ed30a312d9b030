"""Logistic regression as a single neuron, in the course's notation.

Samples are columns: ``X`` is ``(n_x, m)``, ``Y`` is ``(1, m)``, ``w`` is ``(n_x, 1)``, ``b`` a
scalar. Forward ``A = sigmoid(w^T X + b)``; cost
``J = -(1/m) sum(Y log A + (1 - Y) log(1 - A))``; backward ``dw = (1/m) X (A - Y)^T``,
``db = (1/m) sum(A - Y)``.

``optimize``/``model`` take ``method="direct"`` (the textbook loop, default) or
``method="gram"``: the same iterations run in sample space, 50-100x faster on images.

Example (the cat classifier; images flattened to (12288, m) and divided by 255):
    >>> d = model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005)
    >>> d["train_accuracy"], d["test_accuracy"]   # fractions; printed: 99.04306220095694 %
    (0.9904306220095693, 0.7)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import threads
from .basics import check_labels, cross_entropy, sigmoid

__all__ = [
    "initialize_with_zeros",
    "model",
    "optimize",
    "predict",
    "propagate",
    "single_neuron",
]


def _check(where: str, w: np.ndarray, X: np.ndarray, Y: np.ndarray | None = None) -> None:
    if X.ndim != 2:
        raise ValueError(f"{where}: expected X of shape (n_x, m), got shape {X.shape}")
    if Y is not None:
        check_labels(where, X, Y)
    if w.shape != (X.shape[0], 1):
        raise ValueError(
            f"{where}: expected w of shape ({X.shape[0]}, 1) for X of shape {X.shape}, got "
            f"{w.shape}; samples are the columns of X (flatten images to (n_x, m))"
        )


def initialize_with_zeros(dim: int) -> tuple[np.ndarray, float]:
    """Zero weights and bias.

    Returns:
        ``(w, b)``: ``w`` zeros of shape ``(dim, 1)`` (float64), ``b = 0.0``.

    Example:
        >>> w, b = initialize_with_zeros(2); w.shape, b
        ((2, 1), 0.0)
    """
    if int(dim) < 1:
        raise ValueError(f"initialize_with_zeros: dim must be a positive integer, got {dim!r}")
    return np.zeros((int(dim), 1)), 0.0


def propagate(
    w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray
) -> tuple[dict[str, Any], float]:
    """One forward and backward pass of logistic regression.

    Formula: ``A = sigmoid(w^T X + b)``; ``J = -(1/m) sum(Y log A + (1-Y) log(1-A))``;
    ``dw = (1/m) X (A - Y)^T``; ``db = (1/m) sum(A - Y)``.

    Args:
        w: ``(n_x, 1)``; b: scalar; X: ``(n_x, m)``; Y: ``(1, m)`` of 0/1.

    Returns:
        ``(grads, cost)`` with ``grads = {"dw": (n_x, 1), "db": float}``.

    Example:
        >>> w, b = np.array([[1.0], [2.0]]), 2.0
        >>> X, Y = np.array([[1.0, 2, -1], [3, 4, -3.2]]), np.array([[1.0, 0, 1]])
        >>> grads, cost = propagate(w, b, X, Y); round(cost, 6)
        5.801545
    """
    w = np.asarray(w, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    _check("propagate", w, X, Y)
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)  # (1, m)
    cost = cross_entropy(A, Y, where="propagate")
    dZ = A - Y
    grads = {"dw": np.dot(X, dZ.T) / m, "db": float(dZ.sum()) / m}
    return grads, cost


def optimize(
    w: np.ndarray,
    b: float,
    X: np.ndarray,
    Y: np.ndarray,
    num_iterations: int = 100,
    learning_rate: float = 0.009,
    print_cost: bool = False,
    method: str = "direct",
    callback: Callable[[int, float], bool | None] | None = None,
) -> tuple[dict[str, Any], dict[str, Any], list[float]]:
    """Gradient descent on ``w`` and ``b``; records the cost every 100 iterations.

    ``callback(i, cost)``, if given, is called at every recorded cost (i = 0, 100, ...);
    returning True stops the descent there (pruning, Ctrl-C).

    Formula: ``w := w - learning_rate dw``; ``b := b - learning_rate db``.

    ``method="direct"`` (default) is the textbook loop: :func:`propagate` every iteration,
    two passes over ``X`` each. ``method="gram"`` runs the same iterations in sample space:
    every ``dw = (1/m) X dZ^T`` lies in the span of the samples, so
    ``w_k = w_0 + X c_k`` with ``c_k = c_{k-1} - (learning_rate/m) dZ_k^T`` and
    ``w_k^T X = w_0^T X + c_k^T G`` with the Gram matrix ``G = X^T X`` ``(m, m)``. One
    ``(m, m)`` product per iteration instead of two ``(n_x, m)`` passes: the same numbers
    up to rounding (about 1e-13 relative), much faster when ``n_x >> m`` (cat: 12288 >> 209).

    Returns:
        ``(params, grads, costs)``: ``params = {"w", "b"}``, the last gradients, and the cost
        at iterations 0, 100, 200, ... (before that iteration's update).

    Raises:
        ValueError: unknown method, or shapes that do not fit.
    """
    threads.configure()  # nnmath's BLAS thread default, on first use
    w = np.array(w, dtype=np.float64)  # our own copy: the caller's array is not updated
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    _check("optimize", w, X, Y)
    if method == "gram":
        return _optimize_gram(w, b, X, Y, num_iterations, learning_rate, print_cost, callback)
    if method != "direct":
        raise ValueError(f"optimize: method must be 'direct' or 'gram', got {method!r}")
    costs: list[float] = []
    grads: dict[str, Any] = {}
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w -= learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:f}")
            if callback is not None and callback(i, cost):
                break
    return {"w": w, "b": b}, grads, costs


def _optimize_gram(
    w: np.ndarray,
    b: float,
    X: np.ndarray,
    Y: np.ndarray,
    num_iterations: int,
    learning_rate: float,
    print_cost: bool,
    callback: Callable[[int, float], bool | None] | None = None,
) -> tuple[dict[str, Any], dict[str, Any], list[float]]:
    """:func:`optimize` in sample space (see its docstring for the derivation)."""
    m = X.shape[1]
    z0 = np.dot(w.T, X)  # (1, m): w_0^T X
    G = np.dot(X.T, X)  # (m, m)
    c = np.zeros((1, m))  # w_k = w_0 + X c^T
    costs: list[float] = []
    dZ = np.zeros((1, m))
    for i in range(num_iterations):
        A = sigmoid(z0 + np.dot(c, G) + b)
        dZ = A - Y
        stop = False
        if i % 100 == 0:
            cost = cross_entropy(A, Y, where="optimize")
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:f}")
            stop = callback is not None and bool(callback(i, cost))
        c -= (learning_rate / m) * dZ
        b = b - learning_rate * float(dZ.sum()) / m
        if stop:
            break
    w = w + np.dot(X, c.T)
    grads = {"dw": np.dot(X, dZ.T) / m, "db": float(dZ.sum()) / m}
    return {"w": w, "b": b}, grads, costs


def predict(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """Label 1 where ``sigmoid(w^T X + b) > 0.5``, else 0.

    Returns:
        ``Y_prediction`` of shape ``(1, m)`` (float64 zeros and ones, as the course).
    """
    w = np.asarray(w, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    _check("logistic.predict", w, X)
    return (sigmoid(np.dot(w.T, X) + b) > 0.5).astype(np.float64)


def model(
    X_train: np.ndarray,
    Y_train: np.ndarray,
    X_test: np.ndarray,
    Y_test: np.ndarray,
    num_iterations: int = 2000,
    learning_rate: float = 0.5,
    print_cost: bool = False,
    method: str = "direct",
    callback: Callable[[int, float], bool | None] | None = None,
) -> dict[str, Any]:
    """Train logistic regression from zeros and evaluate it.

    ``method`` and ``callback`` are passed to :func:`optimize` (``"gram"``: same numbers,
    much faster for images).

    Accuracy: the fraction ``1 - mean(|Y_prediction - Y|)`` in [0, 1]; printed as the course
    prints it, ``100 - mean(|Y_prediction - Y|) * 100`` followed by ``%``.

    Returns:
        dict with ``costs``, ``Y_prediction_test``, ``Y_prediction_train``, ``w``, ``b``,
        ``learning_rate``, ``num_iterations``, ``train_accuracy`` and ``test_accuracy``
        (fractions).
    """
    w, b = initialize_with_zeros(np.asarray(X_train).shape[0])
    params, _, costs = optimize(
        w, b, X_train, Y_train, num_iterations, learning_rate, print_cost=print_cost,
        method=method, callback=callback,
    )
    w, b = params["w"], params["b"]
    Y_prediction_test = predict(w, b, X_test)
    Y_prediction_train = predict(w, b, X_train)
    train_err = float(np.mean(np.abs(Y_prediction_train - Y_train)))
    test_err = float(np.mean(np.abs(Y_prediction_test - Y_test)))
    train_acc, test_acc = 1 - train_err, 1 - test_err
    if print_cost:
        print(f"train accuracy: {100 - train_err * 100} %")
        print(f"test accuracy: {100 - test_err * 100} %")
    return {
        "costs": costs,
        "Y_prediction_test": Y_prediction_test,
        "Y_prediction_train": Y_prediction_train,
        "w": w,
        "b": b,
        "learning_rate": learning_rate,
        "num_iterations": num_iterations,
        "train_accuracy": train_acc,
        "test_accuracy": test_acc,
    }


def single_neuron(
    w: Sequence[float] = (2.0, -3.0, -3.0),
    x: Sequence[float] = (-1.0, -2.0),
    y: float = 1.0,
) -> dict[str, Any]:
    """The single sigmoid neuron of the optimization notes, forward and backward by hand.

    Formula: ``z = w0 x0 + w1 x1 + w2`` (the last weight is the bias); ``a = sigmoid(z)``;
    ``cost = -(y log a + (1 - y) log(1 - a))``. Backward: ``dz = dcost/dz = a - y``;
    ``dx = dz w[:-1]``; ``dw = dz [x, 1]``. The gradients of the neuron's output itself, as
    the notes first show them, are there too: ``da_dz = a (1 - a)``, ``dx_a = da_dz w[:-1]``,
    ``dw_a = da_dz [x, 1]``.

    Returns:
        dict with keys ``z``, ``a``, ``cost``, ``dz``, ``dx``, ``dw``, ``da_dz``, ``dx_a``,
        ``dw_a`` (floats and float64 arrays).

    Example:
        >>> r = single_neuron(); r["z"], round(r["a"], 4), r["dw_a"].round(3)
        (1.0, 0.7311, array([-0.197, -0.393,  0.197]))
    """
    w_arr = np.asarray(w, dtype=np.float64).reshape(-1)
    x_arr = np.asarray(x, dtype=np.float64).reshape(-1)
    if w_arr.size != x_arr.size + 1:
        raise ValueError(
            f"single_neuron: w needs one weight per input plus the bias (last), got "
            f"{w_arr.size} weights for {x_arr.size} inputs"
        )
    xb = np.append(x_arr, 1.0)
    z = float(w_arr @ xb)
    a = float(sigmoid(z))
    cost = -(y * np.log(a) + (1 - y) * np.log(1 - a))
    dz = a - y
    da_dz = a * (1 - a)
    return {
        "z": z,
        "a": a,
        "cost": float(cost),
        "dz": dz,
        "dx": dz * w_arr[:-1],
        "dw": dz * xb,
        "da_dz": da_dz,
        "dx_a": da_dz * w_arr[:-1],
        "dw_a": da_dz * xb,
    }
