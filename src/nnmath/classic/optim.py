"""Optimization methods of the course: mini-batches, momentum, Adam, learning-rate decay.

Update rules (``l`` over layers, ``t`` the Adam step counter starting at 1)::

    gd:        W := W - alpha dW
    momentum:  v := beta v + (1 - beta) dW;            W := W - alpha v
    adam:      v := beta1 v + (1 - beta1) dW;           s := beta2 s + (1 - beta2) dW^2
               v_hat = v / (1 - beta1^t);  s_hat = s / (1 - beta2^t)
               W := W - alpha v_hat / (sqrt(s_hat) + epsilon)      (epsilon outside the root)
    decay:     alpha = alpha0 / (1 + decay_rate epoch)
               alpha = alpha0 / (1 + decay_rate floor(epoch / time_interval))   (scheduled)

The same for every ``b``. The moons model is the course's [2, 5, 2, 1] network
(LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID, He initialization with seed 3).

Example:
    >>> from nnmath.datasets import make_moons
    >>> X, Y = make_moons()
    >>> parameters = model(X, Y, [2, 5, 2, 1], optimizer="adam", num_epochs=10000)
    >>> accuracy(predict(X, parameters), Y)  # about 0.94
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable

import numpy as np

from .. import threads
from . import shallow
from .basics import check_labels, sigmoid

__all__ = [
    "accuracy",
    "backward_propagation",
    "compute_cost",
    "forward_propagation",
    "initialize_adam",
    "initialize_parameters",
    "initialize_velocity",
    "model",
    "predict",
    "random_mini_batches",
    "schedule_lr_decay",
    "update_lr",
    "update_parameters_with_adam",
    "update_parameters_with_gd",
    "update_parameters_with_momentum",
]

Params = dict[str, np.ndarray]


_local = threading.local()


def _seeded_rng(seed: int) -> np.random.RandomState:
    """The legacy generator in the state ``np.random.seed(seed)`` leaves the global one in.

    One generator per thread, reseeded on every call: constructing a ``RandomState`` costs
    about 1 ms, reseeding one about 40 us, and the moons model reseeds every epoch.
    """
    rs = getattr(_local, "rs", None)
    if rs is None:
        rs = _local.rs = np.random.RandomState()
    rs.seed(seed)
    return rs


def _num_layers(parameters: Params) -> int:
    return len(parameters) // 2


def update_parameters_with_gd(parameters: Params, grads: Params, learning_rate: float) -> Params:
    """Plain gradient step: ``W := W - alpha dW``, ``b := b - alpha db`` (new dict)."""
    return shallow.update_parameters(parameters, grads, learning_rate)


def random_mini_batches(
    X: np.ndarray, Y: np.ndarray, mini_batch_size: int = 64, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Shuffle the columns with ``np.random.RandomState(seed).permutation(m)`` and cut them
    into mini-batches of ``mini_batch_size`` (the last one may be smaller).

    Returns:
        list of ``(mini_batch_X, mini_batch_Y)`` with shapes ``(n_x, size)`` and ``(1, size)``.

    Raises:
        ValueError: X and Y disagree on m, or a batch size < 1.
    """
    X, Y = np.asarray(X), np.asarray(Y)
    m = X.shape[1]
    if Y.shape[-1] != m:
        raise ValueError(
            f"random_mini_batches: X {X.shape} and Y {Y.shape} must have the same number of "
            "columns (samples)"
        )
    if mini_batch_size < 1:
        raise ValueError(
            f"random_mini_batches: mini_batch_size must be >= 1, got {mini_batch_size}"
        )
    permutation = _seeded_rng(seed).permutation(m)
    shuffled_X = X[:, permutation]
    shuffled_Y = Y.reshape(-1, m)[:, permutation]
    return [
        (shuffled_X[:, k : k + mini_batch_size], shuffled_Y[:, k : k + mini_batch_size])
        for k in range(0, m, mini_batch_size)
    ]


def initialize_velocity(parameters: Params) -> Params:
    """Momentum state: zeros shaped like every parameter, keys ``dW1``, ``db1``, ..."""
    return {"d" + k: np.zeros_like(v, dtype=np.float64) for k, v in parameters.items()}


def update_parameters_with_momentum(
    parameters: Params, grads: Params, v: Params, beta: float, learning_rate: float
) -> tuple[Params, Params]:
    """Momentum step (module docstring). Returns new ``(parameters, v)``."""
    v = {k: beta * v[k] + (1 - beta) * grads[k] for k in v}
    return {k: parameters[k] - learning_rate * v["d" + k] for k in parameters}, v


def initialize_adam(parameters: Params) -> tuple[Params, Params]:
    """Adam state ``(v, s)``: zeros shaped like every parameter, keys ``dW1``, ``db1``, ..."""
    return initialize_velocity(parameters), initialize_velocity(parameters)


def update_parameters_with_adam(
    parameters: Params,
    grads: Params,
    v: Params,
    s: Params,
    t: int,
    learning_rate: float = 0.01,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
) -> tuple[Params, Params, Params, Params, Params]:
    """Adam step with bias correction (module docstring).

    Returns:
        ``(parameters, v, s, v_corrected, s_corrected)`` (new dicts).

    Raises:
        ValueError: ``t < 1`` (the bias correction divides by ``1 - beta^t``).
    """
    if t < 1:
        raise ValueError(f"update_parameters_with_adam: t counts steps from 1, got {t}")
    v = {k: beta1 * v[k] + (1 - beta1) * grads[k] for k in v}
    s = {k: beta2 * s[k] + (1 - beta2) * grads[k] ** 2 for k in s}
    v_corrected = {k: v[k] / (1 - beta1**t) for k in v}
    s_corrected = {k: s[k] / (1 - beta2**t) for k in s}
    new = {
        k: parameters[k]
        - learning_rate * v_corrected["d" + k] / (np.sqrt(s_corrected["d" + k]) + epsilon)
        for k in parameters
    }
    return new, v, s, v_corrected, s_corrected


def update_lr(learning_rate0: float, epoch_num: int, decay_rate: float) -> float:
    """Inverse-time decay: ``alpha = alpha0 / (1 + decay_rate epoch_num)``."""
    return learning_rate0 / (1 + decay_rate * epoch_num)


def schedule_lr_decay(
    learning_rate0: float, epoch_num: int, decay_rate: float, time_interval: int = 1000
) -> float:
    """Stepped decay: ``alpha = alpha0 / (1 + decay_rate floor(epoch_num / time_interval))``."""
    return learning_rate0 / (1 + decay_rate * math.floor(epoch_num / time_interval))


def initialize_parameters(layer_dims: list[int], seed: int | None = 3) -> Params:
    """He initialization as in the course's optimization notebook.

    Formula: ``W[l] = randn(n_l, n_{l-1}) sqrt(2 / n_{l-1})``, ``b[l] = 0``, drawn from
    ``np.random.RandomState(seed)`` in layer order.
    """
    rs = np.random.RandomState(seed)
    params: Params = {}
    for l in range(1, len(layer_dims)):
        params[f"W{l}"] = rs.randn(layer_dims[l], layer_dims[l - 1]) * np.sqrt(
            2 / layer_dims[l - 1]
        )
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params


def forward_propagation(
    X: np.ndarray, parameters: Params
) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """[LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID, caching as the course's helper does.

    Formula: ``Z[l] = W[l] A[l-1] + b[l]``; ``A[l] = relu(Z[l])``, ``AL = sigmoid(Z[L])``.

    Returns:
        ``(AL, cache)`` with ``cache = (Z1, A1, W1, b1, ..., ZL, AL, WL, bL)`` (for the
        [2, 5, 2, 1] network the course's ``(z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3)``).

    Shape: X ``(n_x, m)`` -> AL ``(1, m)``.
    """
    L = _num_layers(parameters)
    A = X
    cache: list[np.ndarray] = []
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = np.dot(W, A) + b
        A = sigmoid(Z) if l == L else np.maximum(Z, 0.0)
        cache += [Z, A, W, b]
    return A, tuple(cache)


def compute_cost(AL: np.ndarray, Y: np.ndarray) -> float:
    """SUMMED cross-entropy of a mini-batch (divide the epoch total by m, as the course).

    Formula: ``-sum(Y log AL + (1 - Y) log(1 - AL))``.
    """
    return -float(np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)))


def backward_propagation(X: np.ndarray, Y: np.ndarray, cache: tuple[np.ndarray, ...]) -> Params:
    """Gradients of the MEAN cross-entropy of the batch, from the forward cache.

    Formula: ``dZ[L] = (AL - Y) / m``; ``dW[l] = dZ[l] A[l-1]^T``; ``db[l] = sum_rows dZ[l]``;
    ``dZ[l-1] = W[l]^T dZ[l] * [A[l-1] > 0]`` (``A[0] = X``).

    Args:
        X: ``(n_x, m)``; Y: ``(1, m)``; cache: from :func:`forward_propagation`.

    Returns:
        ``{"dW1", "db1", ..., "dWL", "dbL"}`` with the shapes of the parameters.
    """
    L = len(cache) // 4
    m = X.shape[1]
    grads: Params = {}
    dZ = (cache[4 * L - 3] - Y) / m
    for l in range(L, 0, -1):
        A_prev = X if l == 1 else cache[4 * l - 7]  # A[l-1]
        grads[f"dW{l}"] = np.dot(dZ, A_prev.T)
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
        if l > 1:
            dZ = np.dot(cache[4 * l - 2].T, dZ) * (A_prev > 0)  # W[l]^T dZ[l]
    return grads


def model(
    X: np.ndarray,
    Y: np.ndarray,
    layers_dims: list[int],
    optimizer: str,
    learning_rate: float = 0.0007,
    mini_batch_size: int = 64,
    beta: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    num_epochs: int = 10000,
    print_cost: bool = False,
    decay: Callable[..., float] | None = None,
    decay_rate: float = 1.0,
    costs: list[float] | None = None,
) -> Params:
    """Train the network with mini-batch gd, momentum or Adam, as the course's ``model``.

    The mini-batch seed is 10 + epoch (1-based) as in the course; the cost of an epoch is the
    summed mini-batch cost divided by m; it is recorded every 100 epochs into ``costs`` (if
    given) and printed every 1000 with ``print_cost``.

    Args:
        optimizer: ``"gd"``, ``"momentum"`` or ``"adam"``.
        decay: optional :func:`update_lr` or :func:`schedule_lr_decay`, applied every epoch.

    Returns:
        The trained parameters.

    Raises:
        ValueError: unknown optimizer, labels that are not ``(1, m)``, or ``layers_dims`` that
            do not start with ``n_x`` and end with 1.
    """
    if optimizer not in ("gd", "momentum", "adam"):
        raise ValueError(
            f"optim.model: optimizer must be 'gd', 'momentum' or 'adam', got {optimizer!r}"
        )
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    check_labels("optim.model", X, Y)
    if len(layers_dims) < 2 or layers_dims[0] != X.shape[0] or layers_dims[-1] != 1:
        raise ValueError(
            f"optim.model: expected layers_dims [n_x={X.shape[0]}, ..., 1] for X of shape "
            f"{X.shape}, got {list(layers_dims)}"
        )
    threads.configure()  # nnmath's BLAS thread default, on first use
    m = X.shape[1]
    parameters = initialize_parameters(layers_dims)
    v, s = initialize_adam(parameters)
    learning_rate0 = learning_rate
    t = 0
    seed = 10
    for i in range(num_epochs):
        seed += 1
        cost_total = 0.0
        record = i % 100 == 0 and (costs is not None or (print_cost and i % 1000 == 0))
        for mb_X, mb_Y in random_mini_batches(X, Y, mini_batch_size, seed):
            AL, cache = forward_propagation(mb_X, parameters)
            if record:  # the cost is only needed when it is recorded or printed
                cost_total += compute_cost(AL, mb_Y)
            grads = backward_propagation(mb_X, mb_Y, cache)
            if optimizer == "gd":
                parameters = update_parameters_with_gd(parameters, grads, learning_rate)
            elif optimizer == "momentum":
                parameters, v = update_parameters_with_momentum(
                    parameters, grads, v, beta, learning_rate
                )
            else:
                t += 1
                parameters, v, s, _, _ = update_parameters_with_adam(
                    parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon
                )
        cost_avg = cost_total / m
        if decay is not None:
            learning_rate = decay(learning_rate0, i, decay_rate)
        if i % 100 == 0 and costs is not None:
            costs.append(cost_avg)
        if print_cost and i % 1000 == 0:
            print(f"Cost after epoch {i}: {cost_avg:f}")
    return parameters


def predict(X: np.ndarray, parameters: Params) -> np.ndarray:
    """Labels ``AL > 0.5`` as float64 zeros and ones ``(1, m)``."""
    AL, _ = forward_propagation(np.asarray(X, dtype=np.float64), parameters)
    return (AL > 0.5).astype(np.float64)


def accuracy(p: np.ndarray, Y: np.ndarray) -> float:
    """``mean(p == Y)`` in [0, 1], as the course prints it."""
    return float(np.mean(p == np.asarray(Y).reshape(p.shape)))
