# ruff: noqa  (deliberately wrong learner code, written the way learners write it)
"""Wrong versions of the basics exercises."""

import numpy as np


def _stable_sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid__overflow(x):
    return 1 / (1 + np.exp(-x))  # np.exp(1000) overflows


def sigmoid__none(x):
    s = _stable_sigmoid(x)
    print(s)  # printed, never returned


def sigmoid_derivative__sign(x):
    s = _stable_sigmoid(x)
    return s * (s - 1)


def softmax__overflow(x):
    e = np.exp(x)
    return e / np.sum(e, axis=1, keepdims=True)


def softmax__crash(x):
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    return e / np.sum(e, axis=1)  # (n, m) / (n,): does not broadcast
