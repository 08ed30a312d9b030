# ruff: noqa  (deliberately wrong learner code, written the way learners write it)
"""Wrong versions of the one-hidden-layer exercises."""

import numpy as np


def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def layer_sizes__values(X, Y):
    return X.shape[1], 4, Y.shape[1]  # columns are samples, not features


def initialize_parameters__constant_factor(n_x, n_h, n_y):
    np.random.seed(2)
    W1 = np.random.randn(n_h, n_x) * 0.1
    W2 = np.random.randn(n_y, n_h) * 0.1
    return {"W1": W1, "b1": np.zeros((n_h, 1)), "W2": W2, "b2": np.zeros((n_y, 1))}


def forward_propagation__transposed(X, parameters):
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    Z1 = np.dot(X.T, W1.T) + b1.T  # samples as rows
    A1 = np.tanh(Z1)
    Z2 = np.dot(A1, W2.T) + b2.T
    A2 = _sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def compute_cost__missing_1_over_m(A2, Y):
    return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)))


def compute_cost__shape(A2, Y):
    m = Y.shape[1]
    return -(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m  # not summed


def backward_propagation__row_vs_flat(parameters, cache, X, Y):
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dZ1 = np.dot(parameters["W2"].T, dZ2) * (1 - A1**2)
    return {"dW1": np.dot(dZ1, X.T) / m, "db1": np.sum(dZ1, axis=1) / m,
            "dW2": np.dot(dZ2, A1.T) / m, "db2": np.sum(dZ2, axis=1) / m}


def update_parameters__in_place(parameters, grads, learning_rate=1.2):
    for k in ("W1", "b1", "W2", "b2"):
        parameters[k] -= learning_rate * grads["d" + k]
    return parameters
