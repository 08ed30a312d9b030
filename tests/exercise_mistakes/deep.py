# ruff: noqa  (deliberately wrong learner code, written the way learners write it)
"""Wrong versions of the L-layer exercises."""

import numpy as np

from nnmath.exercises.course import linear_activation_backward, linear_activation_forward


def linear_forward__transposed(A, W, b):
    return np.dot(A.T, W.T) + b.T, (A, W, b)


def linear_forward__offset(A, W, b):
    return np.dot(W, A), (A, W, b)  # forgot + b


def linear_forward__slow(A, W, b):
    n, m = W.shape[0], A.shape[1]
    Z = np.zeros((n, m))
    for i in range(n):
        for j in range(m):
            Z[i, j] = sum(W[i, k] * A[k, j] for k in range(A.shape[0])) + b[i, 0]
    return Z, (A, W, b)


def linear_activation_forward__values(A_prev, W, b, activation):
    Z = np.dot(W, A_prev) + b
    A = 1 / (1 + np.exp(-Z)) if activation == "relu" else np.maximum(0, Z)  # swapped
    return A, ((A_prev, W, b), Z)


def L_model_forward__crash(X, parameters):
    L = len(parameters)  # should be len(parameters) // 2
    A, caches = X, []
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], "relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters[f"W{L}"], parameters[f"b{L}"], "sigmoid")
    return AL, caches + [cache]


def compute_cost__sign(AL, Y):
    m = Y.shape[1]
    return float(np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m)


def linear_backward__missing_1_over_m(dZ, cache):
    A_prev, W, b = cache
    return np.dot(W.T, dZ), np.dot(dZ, A_prev.T), np.sum(dZ, axis=1, keepdims=True)


def L_model_backward__sign(AL, Y, caches):
    L = len(caches)
    dA = np.divide(Y, AL) - np.divide(1 - Y, 1 - AL)  # the minus is missing
    grads = {}
    for l in range(L, 0, -1):
        act = "sigmoid" if l == L else "relu"
        dA_prev, dW, db = linear_activation_backward(dA, caches[l - 1], act)
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = dA_prev, dW, db
        dA = dA_prev
    return grads


def update_parameters__sign(parameters, grads, learning_rate):
    L = len(parameters) // 2
    new = {}
    for l in range(1, L + 1):
        new[f"W{l}"] = parameters[f"W{l}"] + learning_rate * grads[f"dW{l}"]
        new[f"b{l}"] = parameters[f"b{l}"] + learning_rate * grads[f"db{l}"]
    return new


def _model_backward(AL, Y, caches, shift=0, dAL_is_dZ=False):
    grads, L = {}, len(caches)
    dAL = AL - Y if dAL_is_dZ else -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    dA, grads[f"dW{L}"], grads[f"db{L}"] = linear_activation_backward(dAL, caches[L - 1],
                                                                      "sigmoid")
    grads[f"dA{L - 1 + shift}"] = dA
    for l in reversed(range(L - 1)):
        dA, grads[f"dW{l + 1}"], grads[f"db{l + 1}"] = linear_activation_backward(
            grads[f"dA{l + 1 + shift}"], caches[l], "relu")
        grads[f"dA{l + shift}"] = dA
    return grads


def L_model_backward__shape__keys(AL, Y, caches):
    return _model_backward(AL, Y, caches, shift=1)  # dA keys one layer too high


def L_model_backward__values__dZ(AL, Y, caches):
    return _model_backward(AL, Y, caches, dAL_is_dZ=True)  # AL - Y is dZ, not dAL
