"""Gradient checking as the course teaches it: two-sided differences and a relative error.

Formula: ``gradapprox_i = (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)`` and
``difference = ||grad - gradapprox||_2 / (||grad||_2 + ||gradapprox||_2)``; below about
``1e-7`` the backward pass is right, above ``1e-3`` it is almost certainly wrong.

The N-dimensional check works on the L-layer network of :mod:`nnmath.classic.deep`
([LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID with cross-entropy cost), parameters and
gradients flattened in the order W1, b1, W2, b2, ...

Example:
    >>> round(gradient_check(2.0, 4.0), 12) < 1e-7
    True
"""

from __future__ import annotations

import numpy as np

from . import deep
from .basics import sigmoid

__all__ = [
    "backward_propagation",
    "backward_propagation_n",
    "dictionary_to_vector",
    "forward_propagation",
    "forward_propagation_n",
    "gradient_check",
    "gradient_check_n",
    "gradients_to_vector",
    "vector_to_dictionary",
]

# the course's 3-layer network: X (4, m), W1 (5, 4), W2 (3, 5), W3 (1, 3)
COURSE_SHAPES = {
    "W1": (5, 4), "b1": (5, 1), "W2": (3, 5), "b2": (3, 1), "W3": (1, 3), "b3": (1, 1),
}


def forward_propagation(x: float, theta: float) -> float:
    """The 1-D example: ``J(theta) = theta x``."""
    return theta * x


def backward_propagation(x: float, theta: float) -> float:
    """Its derivative: ``dJ/dtheta = x``."""
    return x


def gradient_check(x: float, theta: float, epsilon: float = 1e-7, print_msg: bool = False) -> float:
    """Relative difference between ``dJ/dtheta`` and its two-sided estimate for ``J = theta x``.

    Returns:
        ``difference`` (see module docstring).
    """
    J_plus = forward_propagation(x, theta + epsilon)
    J_minus = forward_propagation(x, theta - epsilon)
    gradapprox = (J_plus - J_minus) / (2 * epsilon)
    grad = backward_propagation(x, theta)
    difference = abs(grad - gradapprox) / (abs(grad) + abs(gradapprox))
    if print_msg:
        _report(difference)
    return float(difference)


def _report(difference: float) -> None:
    if difference > 2e-7:
        print(f"There is a mistake in the backward propagation! difference = {difference}")
    else:
        print(f"Your backward propagation works perfectly fine! difference = {difference}")


def _ordered_keys(d: dict[str, np.ndarray], prefix: str = "") -> list[str]:
    L = len(d) // 2
    return [f"{prefix}{n}{l}" for l in range(1, L + 1) for n in ("W", "b")]


def dictionary_to_vector(parameters: dict[str, np.ndarray]) -> tuple[np.ndarray, list[str]]:
    """Stack W1, b1, W2, b2, ... into one column ``theta`` ``(n, 1)``.

    Returns:
        ``(theta, keys)``: keys names the parameter of every entry of theta (as the course).
    """
    names = _ordered_keys(parameters)
    missing = [k for k in names if k not in parameters]
    if missing:
        raise KeyError(f"dictionary_to_vector: parameters lack {missing}; expected keys {names}")
    theta = np.concatenate([np.asarray(parameters[k], dtype=np.float64).ravel() for k in names])
    keys = [k for k in names for _ in range(np.size(parameters[k]))]
    return theta.reshape(-1, 1), keys


def vector_to_dictionary(
    theta: np.ndarray, shapes: dict[str, tuple[int, ...]] | None = None
) -> dict[str, np.ndarray]:
    """Unstack ``theta`` into parameters of the given shapes (default: the course's network).

    Raises:
        ValueError: theta's size does not match the shapes.
    """
    shapes = COURSE_SHAPES if shapes is None else shapes
    theta = np.asarray(theta, dtype=np.float64).ravel()
    total = sum(int(np.prod(s)) for s in shapes.values())
    if theta.size != total:
        raise ValueError(
            f"vector_to_dictionary: theta has {theta.size} entries but the shapes {shapes} "
            f"need {total}"
        )
    out, start = {}, 0
    for k, s in shapes.items():
        n = int(np.prod(s))
        out[k] = theta[start : start + n].reshape(s)
        start += n
    return out


def gradients_to_vector(gradients: dict[str, np.ndarray]) -> np.ndarray:
    """Stack dW1, db1, dW2, db2, ... into one column ``(n, 1)`` (``dA*`` entries ignored)."""
    L = sum(1 for k in gradients if k.startswith("dW"))
    names = [f"d{n}{l}" for l in range(1, L + 1) for n in ("W", "b")]
    return np.concatenate([np.asarray(gradients[k], dtype=np.float64).ravel() for k in names])[
        :, None
    ]


def forward_propagation_n(
    X: np.ndarray, Y: np.ndarray, parameters: dict[str, np.ndarray]
) -> tuple[float, list[deep.Cache]]:
    """Cost of the L-layer network and its caches: ``J = cross-entropy(l_model_forward(X), Y)``.

    Formula: ``J = -(1/m) sum(Y log AL + (1 - Y) log(1 - AL))``.
    """
    AL, caches = deep.l_model_forward(X, parameters)
    return deep.compute_cost(AL, _labels(Y, AL)), caches


def backward_propagation_n(
    X: np.ndarray, Y: np.ndarray, cache: list[deep.Cache]
) -> dict[str, np.ndarray]:
    """Hand-derived gradients of :func:`forward_propagation_n`, from its cache (as the course).

    Formula: :func:`nnmath.classic.deep.l_model_backward` with ``AL = sigmoid(Z[L])``, ``Z[L]``
    the last layer's activation cache.

    Returns:
        ``{"dA0", "dW1", "db1", ...}``.

    Example:
        >>> cost, cache = forward_propagation_n(X, Y, parameters)
        >>> gradients = backward_propagation_n(X, Y, cache)
    """
    AL = sigmoid(cache[-1][1])
    return deep.l_model_backward(AL, _labels(Y, AL), cache)


def _labels(Y: np.ndarray, AL: np.ndarray) -> np.ndarray:
    """Labels as a row ``(1, m)``: the course passes them as ``np.array([1, 1, 0])``."""
    Y = np.asarray(Y, dtype=np.float64)
    if Y.size != AL.size:
        raise ValueError(
            f"gradcheck: expected one label per sample ({AL.size}, the columns of X), got Y of "
            f"shape {Y.shape}"
        )
    return Y.reshape(AL.shape)


def gradient_check_n(
    parameters: dict[str, np.ndarray],
    gradients: dict[str, np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    epsilon: float = 1e-7,
    print_msg: bool = False,
) -> float:
    """Check ``gradients`` of the L-layer cost against two-sided differences, entry by entry.

    One forward pass per perturbed parameter (a loop over parameters is what a numerical
    check is; each pass is vectorized over the samples).

    Returns:
        ``difference = ||grad - gradapprox|| / (||grad|| + ||gradapprox||)``.
    """
    theta, _ = dictionary_to_vector(parameters)
    shapes = {k: np.shape(parameters[k]) for k in _ordered_keys(parameters)}
    grad = gradients_to_vector(gradients)
    if grad.shape != theta.shape:
        raise ValueError(
            f"gradient_check_n: {grad.size} gradient entries for {theta.size} parameters"
        )
    gradapprox = np.zeros_like(theta)
    for i in range(theta.shape[0]):
        plus, minus = theta.copy(), theta.copy()
        plus[i, 0] += epsilon
        minus[i, 0] -= epsilon
        J_plus, _ = forward_propagation_n(X, Y, vector_to_dictionary(plus, shapes))
        J_minus, _ = forward_propagation_n(X, Y, vector_to_dictionary(minus, shapes))
        gradapprox[i, 0] = (J_plus - J_minus) / (2 * epsilon)
    difference = float(
        np.linalg.norm(grad - gradapprox) / (np.linalg.norm(grad) + np.linalg.norm(gradapprox))
    )
    if print_msg:
        _report(difference)
    return difference
