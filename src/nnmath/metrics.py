"""Metrics on plain arrays: ``metric(y_true, y_pred) -> float`` (the mean over samples).

``accuracy`` picks its form from the shapes, as Keras's "accuracy" string does:

* y_pred ``(N,)`` or ``(N, 1)``: binary, ``mean([y_pred > 0.5] == y_true)``;
* y_true with y_pred's shape ``(N, K)``: categorical, ``mean(argmax y_pred == argmax y_true)``;
* otherwise (integer labels ``(N,)`` or ``(N, 1)``): sparse, ``mean(argmax y_pred == y_true)``.

Example:
    >>> accuracy(np.array([1, 0]), np.array([[0.2, 0.8], [0.9, 0.1]]))
    1.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .registry import resolve

__all__ = [
    "METRICS",
    "accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "get",
    "mae",
    "mean_absolute_error",
    "mean_squared_error",
    "mse",
    "sparse_categorical_accuracy",
]

Metric = Callable[[Any, Any], float]


def _arrays(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    t = getattr(y_true, "data", y_true)
    p = getattr(y_pred, "data", y_pred)
    t, p = np.asarray(t), np.asarray(p)
    if len(t) != len(p):
        raise ValueError(
            f"metrics: y_true and y_pred need the same number of samples, got {len(t)} and {len(p)}"
        )
    return t, p


def _fraction(hits: np.ndarray) -> float:
    """The fraction of True in a boolean array (``np.mean`` with less per-call overhead: the
    metrics run once per training batch)."""
    return np.count_nonzero(hits) / hits.size if hits.size else float("nan")


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> float:
    """mean([y_pred > threshold] == y_true) over all elements."""
    t, p = _arrays(y_true, y_pred)
    return _binary(t, p, threshold)


def categorical_accuracy(y_true: Any, y_pred: Any) -> float:
    """mean(argmax_k y_pred == argmax_k y_true) with one-hot y_true (N, K)."""
    t, p = _arrays(y_true, y_pred)
    return _fraction(p.argmax(axis=-1) == t.argmax(axis=-1))


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> float:
    """mean(argmax_k y_pred == y_true) with integer labels y_true (N,) or (N, 1)."""
    t, p = _arrays(y_true, y_pred)
    return _fraction(p.argmax(axis=-1) == t.reshape(len(t)))


def accuracy(y_true: Any, y_pred: Any) -> float:
    """Binary, categorical or sparse accuracy, chosen from the shapes (see the module doc)."""
    t, p = _arrays(y_true, y_pred)
    if p.ndim == 1 or p.shape[-1] == 1:
        return _binary(t, p, 0.5)
    if t.shape == p.shape:
        return _fraction(p.argmax(axis=-1) == t.argmax(axis=-1))
    return _fraction(p.argmax(axis=-1) == t.reshape(len(t)))


def _binary(t: np.ndarray, p: np.ndarray, threshold: float) -> float:
    return _fraction((p > threshold).reshape(t.shape) == (t > 0.5))


def mean_absolute_error(y_true: Any, y_pred: Any) -> float:
    """mean(|y_pred - y_true|)."""
    t, p = _arrays(y_true, y_pred)
    return float(np.mean(np.abs(p - t.reshape(p.shape))))


def mean_squared_error(y_true: Any, y_pred: Any) -> float:
    """mean((y_pred - y_true)^2)."""
    t, p = _arrays(y_true, y_pred)
    return float(np.mean((p - t.reshape(p.shape)) ** 2))


mae = mean_absolute_error
mse = mean_squared_error

METRICS: dict[str, Metric] = {
    "accuracy": accuracy,
    "acc": accuracy,
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "mae": mean_absolute_error,
    "mean_absolute_error": mean_absolute_error,
    "mse": mean_squared_error,
    "mean_squared_error": mean_squared_error,
}


def get(identifier: str | Metric) -> Metric:
    """The metric function named ``identifier`` (or ``identifier`` itself when callable).

    Raises:
        ValueError: unknown name (lists the known ones).
    """
    if callable(identifier):
        return identifier
    return resolve("metrics.get", "metric", identifier, METRICS)
