"""Python and NumPy basics of the classic course: activations, their derivatives, reshaping,
normalizing, softmax and the L1/L2 losses, all vectorized and in float64.

Example:
    >>> from nnmath.classic.basics import sigmoid
    >>> float(sigmoid(np.array(0.0)))
    0.5
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..ops.crossentropy import softmax_array

__all__ = [
    "cross_entropy",
    "image2vector",
    "l1_loss",
    "l2_loss",
    "normalize_rows",
    "relu",
    "relu_derivative",
    "sigmoid",
    "sigmoid_derivative",
    "softmax",
    "tanh_derivative",
]


def _f64(x: ArrayLike) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def sigmoid(x: ArrayLike) -> np.ndarray:
    """The logistic function, stable for large |x|.

    Formula: ``sigmoid(x) = 1 / (1 + e^-x)`` (computed as ``e^x / (1 + e^x)`` for x < 0, so no
    exponential overflows).

    Args:
        x: scalar or array of any shape.

    Returns:
        ``sigmoid(x)`` with the shape of ``x`` (float64).

    Example:
        >>> sigmoid(np.array([1.0, 2.0, 3.0])).round(8)
        array([0.73105858, 0.88079708, 0.95257413])
    """
    x = _f64(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(x: ArrayLike) -> np.ndarray:
    """Derivative of the sigmoid at ``x``.

    Formula: ``sigmoid'(x) = s (1 - s)`` with ``s = sigmoid(x)``.

    Example:
        >>> sigmoid_derivative(np.array([1.0, 2.0, 3.0])).round(8)
        array([0.19661193, 0.10499359, 0.04517666])
    """
    s = sigmoid(x)
    return s * (1.0 - s)


def relu(x: ArrayLike) -> np.ndarray:
    """Rectified linear unit. Formula: ``relu(x) = max(0, x)``.

    Example:
        >>> relu(np.array([-1.0, 0.0, 2.0]))
        array([0., 0., 2.])
    """
    return np.maximum(_f64(x), 0.0)


def relu_derivative(x: ArrayLike) -> np.ndarray:
    """Derivative of relu. Formula: ``relu'(x) = 1 if x > 0 else 0`` (0 at x = 0, as the course).

    Example:
        >>> relu_derivative(np.array([-1.0, 0.0, 2.0]))
        array([0., 0., 1.])
    """
    return (_f64(x) > 0).astype(np.float64)


def tanh_derivative(x: ArrayLike) -> np.ndarray:
    """Derivative of tanh. Formula: ``tanh'(x) = 1 - tanh(x)^2``.

    Example:
        >>> float(tanh_derivative(0.0))
        1.0
    """
    t = np.tanh(_f64(x))
    return 1.0 - t * t


def softmax(x: ArrayLike) -> np.ndarray:
    """Row-wise softmax (each row sums to 1), shifted by the row maximum for stability.

    Formula: ``softmax(x)_ij = e^(x_ij - max_j x_ij) / sum_k e^(x_ik - max_j x_ij)``.

    Args:
        x: array of shape ``(n, m)`` (or 1-D, treated as one row).

    Returns:
        Array of the same shape whose rows sum to 1.

    Raises:
        ValueError: ``x`` has more than 2 dimensions.

    Example:
        >>> softmax(np.array([[9.0, 2, 5, 0, 0], [7, 5, 0, 0, 0]]))[0].round(4)
        array([0.9809, 0.0009, 0.018 , 0.0001, 0.0001])
    """
    x = _f64(x)
    if x.ndim > 2:
        raise ValueError(
            f"softmax: expected a 1-D or 2-D array (rows are samples), got shape {x.shape}; "
            "reshape to (n, m) first"
        )
    return softmax_array(x, axis=-1)  # the engine's one softmax formula, on float64 arrays


def image2vector(image: ArrayLike) -> np.ndarray:
    """Unroll an image ``(length, height, depth)`` into a column vector.

    Formula: ``v = image.reshape(length * height * depth, 1)`` (C order, as the course).

    Raises:
        ValueError: ``image`` is not 3-D.

    Example:
        >>> image2vector(np.zeros((3, 3, 2))).shape
        (18, 1)
    """
    image = np.asarray(image)
    if image.ndim != 3:
        raise ValueError(
            f"image2vector: expected a 3-D image (length, height, depth), got shape "
            f"{image.shape}"
        )
    return image.reshape(image.size, 1)


def normalize_rows(x: ArrayLike) -> np.ndarray:
    """Divide each row of ``x`` by its Euclidean norm.

    Formula: ``x_i / ||x_i||_2`` for every row ``i`` (rows of norm 0 are left at 0).

    Example:
        >>> normalize_rows(np.array([[0.0, 3, 4], [1, 6, 4]]))[0]
        array([0. , 0.6, 0.8])
    """
    x = _f64(x)
    norm = np.linalg.norm(x, axis=-1, keepdims=True)
    return np.divide(x, norm, out=np.zeros_like(x), where=norm > 0)


def l1_loss(yhat: ArrayLike, y: ArrayLike) -> float:
    """L1 loss. Formula: ``L1(yhat, y) = sum_i |y_i - yhat_i|``.

    Example:
        >>> l1_loss(np.array([.9, 0.2, 0.1, .4, .9]), np.array([1, 0, 0, 1, 1]))
        1.1
    """
    yhat, y = _f64(yhat), _f64(y)
    _check_same_shape("l1_loss", yhat, y)
    return float(np.sum(np.abs(y - yhat)))


def l2_loss(yhat: ArrayLike, y: ArrayLike) -> float:
    """L2 loss. Formula: ``L2(yhat, y) = sum_i (y_i - yhat_i)^2``.

    Example:
        >>> round(l2_loss(np.array([.9, 0.2, 0.1, .4, .9]), np.array([1, 0, 0, 1, 1])), 10)
        0.43
    """
    yhat, y = _f64(yhat), _f64(y)
    _check_same_shape("l2_loss", yhat, y)
    d = (y - yhat).ravel()
    return float(d @ d)


def cross_entropy(A: ArrayLike, Y: ArrayLike, *, where: str = "cross_entropy") -> float:
    """Mean binary cross-entropy of sigmoid outputs ``A`` against 0/1 labels ``Y``.

    The cost of every classifier in :mod:`nnmath.classic` (logistic, shallow, deep); defined
    here once.

    Formula: ``J = -(1/m) sum(Y log A + (1 - Y) log(1 - A))`` over all entries, ``m`` the
    number of columns (samples). Derivative: ``dJ/dA = -(1/m) (Y / A - (1 - Y) / (1 - A))``,
    and through ``A = sigmoid(Z)``: ``dJ/dZ = (1/m) (A - Y)``, the ``dZ = A - Y`` of the
    backward passes (which carry the ``1/m`` in ``dW`` and ``db``).

    Args:
        A: predictions in (0, 1), shape ``(n_y, m)``.
        Y: labels of the same shape.
        where: the caller's name, used in the error message.

    Returns:
        ``J`` as a float.

    Raises:
        ValueError: ``A`` and ``Y`` differ in shape, or are not 2-D.

    Example:
        >>> round(cross_entropy(np.array([[0.8, 0.1]]), np.array([[1, 0]])), 6)
        0.164252
    """
    A, Y = _f64(A), _f64(Y)
    if A.ndim != 2 or A.shape != Y.shape:
        raise ValueError(
            f"{where}: expected predictions and labels of one shape (n_y, m) (samples are "
            f"columns), got {A.shape} and {Y.shape}; reshape the labels with Y.reshape(1, -1)"
        )
    return -float(np.sum(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A))) / A.shape[1]


def check_labels(where: str, X: np.ndarray, Y: np.ndarray) -> None:
    """Validate labels ``Y`` ``(1, m)`` for data ``X`` ``(n_x, m)`` (samples are columns).

    Raises:
        ValueError: with the likely fix: ``Y.reshape(1, -1)`` for a flat label vector, ``X.T``
            when ``X`` has the samples as rows.
    """
    if X.ndim == 2 and Y.shape == (1, X.shape[1]):
        return
    if X.ndim == 2 and Y.size == X.shape[1]:
        fix = "use Y.reshape(1, -1)"
    elif X.ndim == 2 and Y.size == X.shape[0]:
        fix = "X seems to hold the samples as rows; pass X.T (samples are columns)"
    else:
        fix = "one 0/1 label per column (sample) of X"
    raise ValueError(
        f"{where}: expected X of shape (n_x, m) and Y of shape (1, m), got X {X.shape} and "
        f"Y {Y.shape}; {fix}"
    )


def _check_same_shape(where: str, yhat: np.ndarray, y: np.ndarray) -> None:
    if yhat.shape != y.shape:
        raise ValueError(
            f"{where}: yhat and y must have the same shape, got {yhat.shape} and {y.shape}"
        )
