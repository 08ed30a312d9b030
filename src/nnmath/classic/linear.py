"""Linear regression three ways: the normal equation, gradient descent, and ridge (L2).

Layout: the regression lesson works with a design matrix ``X`` of shape ``(m, n)`` (one row
per sample, as in the scikit-learn example whose numbers it reproduces) and targets ``y`` of
shape ``(m,)``. A 1-D ``X`` is one feature. The model is ``yhat = X w + b`` with ``w`` of
shape ``(n,)`` and a scalar bias ``b``.

Example (the diabetes lesson: feature 2, last 20 samples held out):
    >>> from nnmath.datasets import load_diabetes
    >>> X, y = load_diabetes()
    >>> x = X[:, 2:3]
    >>> w, b = fit_normal_equation(x[:-20], y[:-20])
    >>> round(float(w[0]), 8), round(b, 8)
    (938.23786125, 152.91886183)
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .. import threads

__all__ = [
    "compute_cost",
    "compute_gradients",
    "fit_gradient_descent",
    "fit_normal_equation",
    "fit_ridge",
    "mean_squared_error",
    "predict",
    "r2_score",
]


def _check_xy(where: str, X: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"{where}: expected X of shape (m, n), got shape {X.shape}")
    y = y.reshape(-1) if y.ndim == 2 and 1 in y.shape else y
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"{where}: expected y of shape ({X.shape[0]},) to match X of shape {X.shape}, "
            f"got shape {y.shape}; samples are rows of X"
        )
    return X, y


def predict(X: ArrayLike, w: ArrayLike, b: float) -> np.ndarray:
    """Predictions of the linear model.

    Formula: ``yhat = X w + b``.

    Shape: X ``(m, n)`` (or ``(m,)`` for one feature), w ``(n,)`` -> ``(m,)``.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    return X @ _weights("linear.predict", X, w) + b


def compute_cost(X: ArrayLike, y: ArrayLike, w: ArrayLike, b: float) -> float:
    """Half mean squared error, the cost gradient descent minimizes.

    Formula: ``J(w, b) = 1/(2m) sum_i (x_i w + b - y_i)^2``.
    """
    X, y = _check_xy("linear.compute_cost", X, y)
    return _cost_and_gradients(X, y, _weights("linear.compute_cost", X, w), b)[0]


def compute_gradients(
    X: ArrayLike, y: ArrayLike, w: ArrayLike, b: float
) -> tuple[np.ndarray, float]:
    """Gradient of :func:`compute_cost`.

    Formula: ``r = X w + b - y``; ``dJ/dw = (1/m) X^T r``; ``dJ/db = (1/m) sum(r)``.

    Returns:
        ``(dw, db)``: ``(n,)`` and a float.
    """
    X, y = _check_xy("linear.compute_gradients", X, y)
    _, dw, db = _cost_and_gradients(X, y, _weights("linear.compute_gradients", X, w), b)
    return dw, db


def _weights(where: str, X: np.ndarray, w: ArrayLike) -> np.ndarray:
    w = np.asarray(w, dtype=np.float64).reshape(-1)
    if w.shape[0] != X.shape[1]:
        raise ValueError(
            f"{where}: X has {X.shape[1]} features (shape {X.shape}) but w has {w.shape[0]} "
            "weights; pass one weight per column of X"
        )
    return w


def _cost_and_gradients(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float
) -> tuple[float, np.ndarray, float]:
    """``(J, dJ/dw, dJ/db)`` for validated float64 arrays: the formulas live here only.

    Formula: ``r = X w + b - y``; ``J = r.r / (2m)``; ``dJ/dw = X^T r / m``;
    ``dJ/db = sum(r) / m``.
    """
    m = X.shape[0]
    r = X @ w + b - y
    return float(r @ r) / (2 * m), (X.T @ r) / m, float(r.sum()) / m


def fit_normal_equation(X: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, float]:
    """Least-squares fit in closed form.

    Formula: with ``A = [X, 1]``, ``theta = argmin ||A theta - y||^2 = (A^T A)^-1 A^T y``
    (solved by a stable least-squares routine, not an explicit inverse); ``w = theta[:n]``,
    ``b = theta[n]``.

    Args:
        X: ``(m, n)`` design matrix (or ``(m,)`` for one feature).
        y: ``(m,)`` targets.

    Returns:
        ``(w, b)``: weights ``(n,)`` and the bias as a float.

    Raises:
        ValueError: shapes of X and y do not match.
    """
    X, y = _check_xy("fit_normal_equation", X, y)
    A = np.hstack([X, np.ones((X.shape[0], 1))])
    theta, *_ = np.linalg.lstsq(A, y, rcond=None)
    return theta[:-1], float(theta[-1])


def fit_ridge(X: ArrayLike, y: ArrayLike, alpha: float = 1.0) -> tuple[np.ndarray, float]:
    """Ridge (L2-regularized) regression in closed form; the bias is not penalized.

    Formula: minimize ``||X w + b - y||^2 + alpha ||w||^2``. With centred data
    ``Xc = X - mean(X)``, ``yc = y - mean(y)``: ``w = (Xc^T Xc + alpha I)^-1 Xc^T yc`` and
    ``b = mean(y) - mean(X) w`` (scikit-learn's ``Ridge`` convention).

    Args:
        X: ``(m, n)``; y: ``(m,)``; alpha: penalty strength (>= 0; 0 is ordinary least squares).

    Returns:
        ``(w, b)``.

    Raises:
        ValueError: negative alpha or mismatched shapes.
    """
    if alpha < 0:
        raise ValueError(f"fit_ridge: alpha must be >= 0, got {alpha}")
    X, y = _check_xy("fit_ridge", X, y)
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc, yc = X - x_mean, y - y_mean
    G = Xc.T @ Xc
    G[np.diag_indices_from(G)] += alpha
    w = np.linalg.solve(G, Xc.T @ yc)
    return w, float(y_mean - x_mean @ w)


def fit_gradient_descent(
    X: ArrayLike,
    y: ArrayLike,
    learning_rate: float,
    num_iterations: int,
    w0: ArrayLike | None = None,
    b0: float = 0.0,
) -> tuple[np.ndarray, float, list[float]]:
    """Batch gradient descent on the half mean squared error.

    Formula: ``r = X w + b - y``; ``dw = (1/m) X^T r``; ``db = (1/m) sum(r)``;
    ``w -= learning_rate dw``; ``b -= learning_rate db``. Starts from ``w0`` (zeros) and ``b0``.

    Args:
        X: ``(m, n)``; y: ``(m,)``.
        learning_rate: step size.
        num_iterations: number of full-batch steps.

    Returns:
        ``(w, b, costs)``: costs holds ``J`` before every step and after the last one
        (``num_iterations + 1`` values).

    Raises:
        ValueError: mismatched shapes, or the cost diverged (learning rate too large).
    """
    threads.configure()  # nnmath's BLAS thread default, on first use
    X, y = _check_xy("fit_gradient_descent", X, y)
    n = X.shape[1]
    w = np.zeros(n) if w0 is None else _weights("fit_gradient_descent", X, w0).copy()
    b = float(b0)
    costs = []
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(num_iterations + 1):
            cost, dw, db = _cost_and_gradients(X, y, w, b)
            costs.append(cost)
            if not np.isfinite(cost):
                raise ValueError(
                    f"fit_gradient_descent: the cost diverged (iteration {i}) with "
                    f"learning_rate={learning_rate}; use a smaller learning rate (or "
                    "standardize the features)"
                )
            if i < num_iterations:
                w -= learning_rate * dw
                b -= learning_rate * db
    return w, b, costs


def mean_squared_error(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean squared error. Formula: ``MSE = (1/m) sum_i (y_i - yhat_i)^2``."""
    y_true = np.asarray(y_true, dtype=np.float64).reshape(-1)
    y_pred = np.asarray(y_pred, dtype=np.float64).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"mean_squared_error: y_true and y_pred differ in size: {y_true.shape} vs "
            f"{y_pred.shape}"
        )
    d = y_true - y_pred
    return float(d @ d) / d.size


def r2_score(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Coefficient of determination.

    Formula: ``R2 = 1 - sum (y - yhat)^2 / sum (y - mean(y))^2``.
    """
    y_true = np.asarray(y_true, dtype=np.float64).reshape(-1)
    mse = mean_squared_error(y_true, y_pred)
    var = float(np.var(y_true))
    if var == 0:
        raise ValueError("r2_score: y_true is constant, R2 is undefined")
    return 1.0 - mse / var
