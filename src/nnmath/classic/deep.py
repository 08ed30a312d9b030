"""An L-layer network, step by step, in the course's notation.

Samples are columns: ``X`` ``(n_x, m)``, ``Y`` ``(1, m)``; ``W[l]`` ``(n_l, n_{l-1})``,
``b[l]`` ``(n_l, 1)``. Layers 1 .. L-1 are LINEAR -> RELU, layer L is LINEAR -> SIGMOID::

    Z[l] = W[l] A[l-1] + b[l],   A[l] = g(Z[l])
    J = -(1/m) (Y log(AL)^T + (1 - Y) log(1 - AL)^T)
    dAL = -(Y / AL - (1 - Y) / (1 - AL))
    dZ[l] = dA[l] * g'(Z[l]),  dW[l] = (1/m) dZ[l] A[l-1]^T,  db[l] = (1/m) sum_rows dZ[l],
    dA[l-1] = W[l]^T dZ[l]

Caches are as in the course: ``linear_cache = (A_prev, W, b)``, ``activation_cache = Z``,
``cache = (linear_cache, activation_cache)``. Matrix products use ``np.dot``, as the course.

Example (the 4-layer cat classifier: train 98.56 %, test 80 %):
    >>> parameters, costs = l_layer_model(X_train, Y_train, [12288, 20, 7, 5, 1],
    ...                                   num_iterations=2500)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import threads
from . import shallow
from .basics import check_labels, cross_entropy, sigmoid

__all__ = [
    "accuracy",
    "compute_cost",
    "initialize_parameters",
    "initialize_parameters_deep",
    "l_layer_model",
    "l_model_backward",
    "l_model_forward",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
    "predict",
    "relu_backward",
    "sigmoid_backward",
    "two_layer_model",
    "update_parameters",
]

Params = dict[str, np.ndarray]
LinearCache = tuple[np.ndarray, np.ndarray, np.ndarray]
Cache = tuple[LinearCache, np.ndarray]


def initialize_parameters(n_x: int, n_h: int, n_y: int, seed: int | None = 1) -> Params:
    """Parameters of the 2-layer model, seeded as the course does.

    Formula: ``W1 = 0.01 randn(n_h, n_x)``, ``b1 = 0``, ``W2 = 0.01 randn(n_y, n_h)``,
    ``b2 = 0`` from ``np.random.RandomState(seed)`` (the course's ``np.random.seed(1)``).
    """
    return shallow.initialize_parameters(n_x, n_h, n_y, seed=seed)  # same scheme, seed 1


def initialize_parameters_deep(
    layer_dims: list[int], seed: int | None = 1, scale: str | float = "sqrt"
) -> Params:
    """Parameters of an L-layer model.

    Formula: for ``l = 1 .. L-1``: ``W[l] = randn(n_l, n_{l-1}) / sqrt(n_{l-1})`` (``scale=
    "sqrt"``, the cat application's scheme) or ``randn(n_l, n_{l-1}) * scale`` for a number
    (the step-by-step exercise uses ``seed=3, scale=0.01``); ``b[l] = 0``. Drawn from
    ``np.random.RandomState(seed)`` in layer order.

    Args:
        layer_dims: ``[n_x, n_1, ..., n_L]``.

    Returns:
        ``{"W1", "b1", ..., "WL", "bL"}``.

    Raises:
        ValueError: fewer than two sizes, or a size < 1.

    Example:
        >>> p = initialize_parameters_deep([5, 4, 3]); p["W1"].shape, p["b2"].shape
        ((4, 5), (3, 1))
    """
    dims = [int(d) for d in layer_dims]
    if len(dims) < 2 or min(dims) < 1:
        raise ValueError(
            f"initialize_parameters_deep: expected layer_dims [n_x, n_1, ..., n_L] with at "
            f"least two positive sizes, got {list(layer_dims)}"
        )
    rs = np.random.RandomState(seed)
    parameters: Params = {}
    for l in range(1, len(dims)):
        W = rs.randn(dims[l], dims[l - 1])
        parameters[f"W{l}"] = W / np.sqrt(dims[l - 1]) if scale == "sqrt" else W * float(scale)
        parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return parameters


def linear_forward(A: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, LinearCache]:
    """The linear part of a layer.

    Formula: ``Z = W A + b`` (``b`` broadcast over the columns).

    Returns:
        ``(Z, linear_cache)`` with ``linear_cache = (A, W, b)``.

    Raises:
        ValueError: ``A`` is not ``(n_{l-1}, m)`` for ``W`` ``(n_l, n_{l-1})``.

    Shape: W ``(n_l, n_{l-1})``, A ``(n_{l-1}, m)``, b ``(n_l, 1)`` -> Z ``(n_l, m)``.

    Example:
        >>> Z, _ = linear_forward(np.ones((3, 2)), np.ones((1, 3)), np.zeros((1, 1))); Z
        array([[3., 3.]])
    """
    if A.ndim != 2 or W.shape[1] != A.shape[0]:
        raise ValueError(
            f"linear_forward: W of shape {W.shape} needs A of shape ({W.shape[1]}, m), got "
            f"{A.shape}; samples are columns"
        )
    return np.dot(W, A) + b, (A, W, b)


def relu_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """Backward of relu. Formula: ``dZ = dA * [Z > 0]`` (0 at ``Z = 0``, as the course)."""
    return np.where(Z > 0, dA, 0.0)


def sigmoid_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """Backward of sigmoid. Formula: ``dZ = dA * s (1 - s)`` with ``s = sigmoid(Z)``."""
    s = sigmoid(Z)
    return dA * s * (1 - s)


def linear_activation_forward(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, activation: str
) -> tuple[np.ndarray, Cache]:
    """One layer: LINEAR -> ACTIVATION.

    Formula: ``Z = W A_prev + b``; ``A = relu(Z)`` or ``A = sigmoid(Z)``.

    Args:
        A_prev: ``(n_{l-1}, m)``; W: ``(n_l, n_{l-1})``; b: ``(n_l, 1)``;
        activation: ``"relu"`` or ``"sigmoid"``.

    Returns:
        ``(A, cache)`` with ``cache = (linear_cache, activation_cache) = ((A_prev, W, b), Z)``.

    Raises:
        ValueError: unknown activation or shapes that do not fit.
    """
    Z, linear_cache = linear_forward(A_prev, W, b)
    if activation == "relu":
        A = np.maximum(Z, 0.0)
    elif activation == "sigmoid":
        A = sigmoid(Z)
    else:
        raise ValueError(
            f"linear_activation_forward: activation must be 'relu' or 'sigmoid', got "
            f"{activation!r}"
        )
    return A, (linear_cache, Z)


def l_model_forward(X: np.ndarray, parameters: Params) -> tuple[np.ndarray, list[Cache]]:
    """Forward pass: [LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID.

    Formula: ``A[0] = X``; ``A[l] = relu(W[l] A[l-1] + b[l])`` for ``l < L``;
    ``AL = sigmoid(W[L] A[L-1] + b[L])``.

    Returns:
        ``(AL, caches)``: AL ``(n_L, m)`` and one :func:`linear_activation_forward` cache per
        layer.

    Example:
        >>> AL, caches = l_model_forward(np.ones((5, 4)), initialize_parameters_deep([5, 3, 1]))
        >>> AL.shape, len(caches)
        ((1, 4), 2)
    """
    L = len(parameters) // 2
    A = np.asarray(X, dtype=np.float64)
    caches = []
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], "relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters[f"W{L}"], parameters[f"b{L}"], "sigmoid")
    caches.append(cache)
    return AL, caches


def compute_cost(AL: np.ndarray, Y: np.ndarray) -> float:
    """Cross-entropy cost (:func:`nnmath.classic.basics.cross_entropy`).

    Formula: ``J = -(1/m) (Y log(AL)^T + (1 - Y) log(1 - AL)^T)``.

    Raises:
        ValueError: ``AL`` and ``Y`` differ in shape.
    """
    return cross_entropy(AL, Y, where="deep.compute_cost")


def linear_backward(
    dZ: np.ndarray, cache: LinearCache, need_dA_prev: bool = True
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Backward of the linear part of a layer.

    Formula: ``dW = (1/m) dZ A_prev^T``, ``db = (1/m) sum_rows dZ``, ``dA_prev = W^T dZ``.

    Returns:
        ``(dA_prev, dW, db)`` with the shapes of ``A_prev``, ``W`` and ``b``.

    ``need_dA_prev=False`` skips ``dA_prev`` (returned as None): the first layer's ``dA0`` is
    the costliest product of the cat models and training never uses it.
    """
    A_prev, W, _ = cache
    m = A_prev.shape[1]
    dW = np.dot(dZ, A_prev.T) / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = np.dot(W.T, dZ) if need_dA_prev else None
    return dA_prev, dW, db


def linear_activation_backward(
    dA: np.ndarray, cache: Cache, activation: str, need_dA_prev: bool = True
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Backward of LINEAR -> ACTIVATION.

    Formula: ``dZ = dA * g'(Z)`` (:func:`relu_backward` or :func:`sigmoid_backward`), then
    :func:`linear_backward`.

    Returns:
        ``(dA_prev, dW, db)``.

    Raises:
        ValueError: unknown activation.
    """
    linear_cache, Z = cache
    if activation == "relu":
        dZ = relu_backward(dA, Z)
    elif activation == "sigmoid":
        dZ = sigmoid_backward(dA, Z)
    else:
        raise ValueError(
            f"linear_activation_backward: activation must be 'relu' or 'sigmoid', got "
            f"{activation!r}"
        )
    return linear_backward(dZ, linear_cache, need_dA_prev)


def l_model_backward(
    AL: np.ndarray, Y: np.ndarray, caches: list[Cache], need_dA0: bool = True
) -> dict[str, np.ndarray]:
    """Backward pass of the L-layer model.

    Formula: ``dAL = -(Y / AL - (1 - Y) / (1 - AL))``, then :func:`linear_activation_backward`
    from layer L (sigmoid) down to layer 1 (relu).

    Raises:
        ValueError: ``Y`` does not hold one label per column of ``AL``.

    Returns:
        ``grads`` with ``"dA0" .. "dA{L-1}"``, ``"dW1" .. "dWL"``, ``"db1" .. "dbL"``
        (``"dA0"`` omitted when ``need_dA0=False``).
    """
    L = len(caches)
    if np.size(Y) != AL.size:
        raise ValueError(
            f"l_model_backward: expected Y with one label per column of AL {AL.shape}, got "
            f"shape {np.shape(Y)}"
        )
    Y = np.reshape(Y, AL.shape)
    dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    grads: dict[str, np.ndarray] = {}
    for l in range(L, 0, -1):
        activation = "sigmoid" if l == L else "relu"
        need = need_dA0 or l > 1
        dA_prev, dW, db = linear_activation_backward(dA, caches[l - 1], activation, need)
        if dA_prev is not None:
            grads[f"dA{l - 1}"] = dA_prev
        grads[f"dW{l}"] = dW
        grads[f"db{l}"] = db
        dA = dA_prev  # type: ignore[assignment]
    return grads


def update_parameters(
    parameters: Params, grads: dict[str, np.ndarray], learning_rate: float
) -> Params:
    """Gradient descent: ``W[l] := W[l] - learning_rate dW[l]``, same for ``b`` (new dict).

    Example:
        >>> update_parameters({"W1": np.ones((1, 1))}, {"dW1": np.ones((1, 1))}, 0.1)["W1"]
        array([[0.9]])
    """
    return shallow.update_parameters(parameters, grads, learning_rate)


def _train(
    X: np.ndarray,
    Y: np.ndarray,
    parameters: Params,
    learning_rate: float,
    num_iterations: int,
    print_cost: bool,
    method: str = "direct",
    callback: Callable[[int, float], bool | None] | None = None,
) -> tuple[Params, list[float]]:
    """Shared loop: forward, cost, backward, update; cost kept every 100 iterations.

    ``callback(i, cost)`` is called at every kept cost; returning True stops after that
    iteration's update.

    ``method="direct"`` is the textbook loop. ``method="gram"`` keeps layer 1 in sample
    space: every ``dW1 = (1/m) dZ1 X^T`` is a combination of the samples, so
    ``W1 = W1_0 + C X^T`` with ``C := C - (learning_rate/m) dZ1`` and
    ``W1 X = W1_0 X + C G`` with ``G = X^T X`` ``(m, m)``: the same iterations (equal up to
    rounding), with ``(n_1, m) x (m, m)`` products instead of ``(n_1, n_x) x (n_x, m)`` ones.
    """
    threads.configure()  # nnmath's BLAS thread default, on first use
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    check_labels("deep model", X, Y)
    if method not in ("direct", "gram"):
        raise ValueError(f"deep model: method must be 'direct' or 'gram', got {method!r}")
    costs: list[float] = []
    parameters = {k: np.array(v, dtype=np.float64) for k, v in parameters.items()}
    L = len(parameters) // 2
    m = X.shape[1]
    if method == "gram":
        if L < 2:
            raise ValueError("deep model: method='gram' needs at least one hidden layer")
        W1_0, b1 = parameters["W1"], parameters["b1"]
        Z1_0 = np.dot(W1_0, X)  # (n_1, m)
        G = np.dot(X.T, X)  # (m, m)
        C = np.zeros((W1_0.shape[0], m))  # W1 = W1_0 + C X^T
        # layers 2..L renamed 1..L-1, so the course's functions run them unchanged
        rest = {f"{n}{l - 1}": parameters[f"{n}{l}"] for l in range(2, L + 1) for n in "Wb"}
    for i in range(num_iterations):
        if method == "direct":
            AL, caches = l_model_forward(X, parameters)
            cost = compute_cost(AL, Y)
            grads = l_model_backward(AL, Y, caches, need_dA0=False)
            for k, v in parameters.items():  # in place: same numbers as update_parameters,
                v -= learning_rate * grads["d" + k]  # no fresh 2 MB arrays every iteration
        else:
            Z1 = Z1_0 + np.dot(C, G) + b1
            AL, caches = l_model_forward(np.maximum(Z1, 0.0), rest)
            cost = compute_cost(AL, Y)
            grads = l_model_backward(AL, Y, caches)  # its "dA0" is dA1
            dZ1 = relu_backward(grads["dA0"], Z1)
            C -= (learning_rate / m) * dZ1
            b1 -= learning_rate * (np.sum(dZ1, axis=1, keepdims=True) / m)
            for k, v in rest.items():
                v -= learning_rate * grads["d" + k]
        if i % 100 == 0 or i == num_iterations - 1:
            if print_cost:
                print(f"Cost after iteration {i}: {cost}")
            if i % 100 == 0:
                costs.append(cost)
                if callback is not None and callback(i, cost):
                    break
    if method == "gram":
        parameters = {"W1": W1_0 + np.dot(C, X.T), "b1": b1}
        parameters.update({f"{k[0]}{int(k[1:]) + 1}": v for k, v in rest.items()})
    return parameters, costs


def two_layer_model(
    X: np.ndarray,
    Y: np.ndarray,
    layers_dims: tuple[int, int, int] | list[int],
    learning_rate: float = 0.0075,
    num_iterations: int = 3000,
    print_cost: bool = False,
    seed: int | None = 1,
    method: str = "direct",
    callback: Callable[[int, float], bool | None] | None = None,
) -> tuple[Params, list[float]]:
    """LINEAR -> RELU -> LINEAR -> SIGMOID, trained by gradient descent.

    Args:
        layers_dims: ``(n_x, n_h, n_y)``; parameters from :func:`initialize_parameters`.
        method: ``"direct"`` (the textbook loop) or ``"gram"`` (same iterations with layer 1
            in sample space, many times faster when ``n_x >> m``; see ``_train``).

    Returns:
        ``(parameters, costs)``; costs at iterations 0, 100, 200, ...
    """
    n_x, n_h, n_y = layers_dims
    parameters = initialize_parameters(n_x, n_h, n_y, seed=seed)
    return _train(X, Y, parameters, learning_rate, num_iterations, print_cost, method, callback)


def l_layer_model(
    X: np.ndarray,
    Y: np.ndarray,
    layers_dims: list[int],
    learning_rate: float = 0.0075,
    num_iterations: int = 3000,
    print_cost: bool = False,
    seed: int | None = 1,
    method: str = "direct",
    callback: Callable[[int, float], bool | None] | None = None,
) -> tuple[Params, list[float]]:
    """The L-layer model [LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID.

    Parameters from :func:`initialize_parameters_deep` (``randn / sqrt(n_prev)``, seed 1).
    ``method``: ``"direct"`` (the textbook loop) or ``"gram"`` (as in :func:`two_layer_model`).
    ``callback(i, cost)``: called every 100 iterations; returning True stops training.

    Returns:
        ``(parameters, costs)``; costs at iterations 0, 100, 200, ...
    """
    parameters = initialize_parameters_deep(layers_dims, seed=seed)
    return _train(X, Y, parameters, learning_rate, num_iterations, print_cost, method, callback)


def predict(
    X: np.ndarray, y: np.ndarray | None, parameters: Params, print_accuracy: bool = False
) -> np.ndarray:
    """Labels: 1 where ``AL > 0.5``, else 0 (``y`` is only used to print the accuracy).

    Returns:
        ``p`` of shape ``(1, m)``, float64 zeros and ones, as the course returns it.
    """
    AL, _ = l_model_forward(X, parameters)
    p = (AL > 0.5).astype(np.float64)
    if print_accuracy and y is not None:
        print(f"Accuracy: {accuracy(p, y)}")
    return p


def accuracy(p: np.ndarray, y: np.ndarray) -> float:
    """Fraction of correct labels: ``mean(p == y)`` (in [0, 1], as the course prints it)."""
    return float(np.mean(p == np.asarray(y).reshape(p.shape)))
