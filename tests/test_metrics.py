"""Metrics: each against a hand count, and accuracy's choice of form from the shapes."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath import metrics

P = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6], [0.3, 0.4, 0.3]])
T = np.array([1, 0, 1, 1])  # right, right, wrong, right


def test_sparse_and_categorical():
    assert metrics.sparse_categorical_accuracy(T, P) == 0.75
    assert metrics.sparse_categorical_accuracy(T[:, None], P) == 0.75
    assert metrics.categorical_accuracy(np.eye(3)[T], P) == 0.75


def test_binary():
    p = np.array([[0.9], [0.2], [0.6], [0.4], [0.51]])
    y = np.array([1, 0, 0, 1, 1])
    assert metrics.binary_accuracy(y, p) == 0.6
    assert metrics.binary_accuracy(y, p, threshold=0.55) == 0.4


@pytest.mark.parametrize(
    ("y", "p", "expected"),
    [
        (T, P, 0.75),  # sparse
        (np.eye(3)[T], P, 0.75),  # categorical
        (np.array([1, 0, 1]), np.array([[0.8], [0.4], [0.3]]), 2 / 3),  # binary (N, 1)
        (np.array([1, 0, 1]), np.array([0.8, 0.4, 0.3]), 2 / 3),  # binary (N,)
    ],
)
def test_accuracy_picks_form(y, p, expected):
    assert metrics.accuracy(y, p) == pytest.approx(expected)


def test_regression_metrics(rng):
    y, p = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    assert metrics.mae(y, p) == pytest.approx(np.abs(y - p).mean())
    assert metrics.mse(y, p) == pytest.approx(((y - p) ** 2).mean())


def test_get_and_errors():
    assert metrics.get("acc") is metrics.accuracy
    assert metrics.get("mse") is metrics.mean_squared_error
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        metrics.get("f1")
    with pytest.raises(ValueError, match="same number of samples, got 4 and 3"):
        metrics.accuracy(T, P[:3])
