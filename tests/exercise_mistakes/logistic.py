# ruff: noqa  (deliberately wrong learner code, written the way learners write it)
"""Wrong versions of the logistic-regression exercises."""

import numpy as np


def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def initialize_with_zeros__row_vs_flat(dim):
    return np.zeros(dim), 0.0


def _cost(A, Y, m):
    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)


def propagate__missing_1_over_m(w, b, X, Y):
    m = X.shape[1]
    A = _sigmoid(np.dot(w.T, X) + b)
    dw = np.dot(X, (A - Y).T)
    db = np.sum(A - Y) / m
    return {"dw": dw, "db": db}, _cost(A, Y, m)


def propagate__sign(w, b, X, Y):
    m = X.shape[1]
    A = _sigmoid(np.dot(w.T, X) + b)
    dZ = Y - A
    return {"dw": np.dot(X, dZ.T) / m, "db": np.sum(dZ) / m}, _cost(A, Y, m)


def propagate__integer_division(w, b, X, Y):
    m = X.shape[1]
    A = _sigmoid(np.dot(w.T, X) + b)
    dZ = A - Y
    return {"dw": (1 // m) * np.dot(X, dZ.T), "db": np.sum(dZ) / m}, _cost(A, Y, m)


def propagate__transposed(w, b, X, Y):
    m = X.shape[1]
    A = _sigmoid(np.dot(w.T, X) + b)
    dZ = A - Y
    return {"dw": np.dot(dZ, X.T) / m, "db": np.sum(dZ) / m}, _cost(A, Y, m)


def propagate__slow(w, b, X, Y):
    n, m = X.shape
    dw = np.zeros((n, 1))
    db = 0.0
    cost = 0.0
    for i in range(m):  # one sample at a time, one feature at a time
        z = b
        for j in range(n):
            z += w[j, 0] * X[j, i]
        a = float(_sigmoid(z))
        y = Y[0, i]
        cost -= y * np.log(a) + (1 - y) * np.log(1 - a)
        for j in range(n):
            dw[j, 0] += X[j, i] * (a - y)
        db += a - y
    return {"dw": dw / m, "db": db / m}, float(cost / m)


def optimize__in_place(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    from nnmath.exercises.course import propagate

    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w -= learning_rate * grads["dw"]  # changes the caller's w
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


def predict__row_vs_flat(w, b, X):
    A = _sigmoid(np.dot(w.T, X) + b)
    return (A > 0.5).astype(float).ravel()
