# ruff: noqa  (deliberately wrong learner code, written the way learners write it)
"""Wrong versions of the momentum and Adam updates."""

import numpy as np


def update_parameters_with_momentum__in_place(parameters, grads, v, beta, learning_rate):
    new = {}
    for k in parameters:
        v["d" + k] *= beta  # changes the caller's v
        v["d" + k] += (1 - beta) * grads["d" + k]
        new[k] = parameters[k] - learning_rate * v["d" + k]
    return new, v


def update_parameters_with_momentum__sign(parameters, grads, v, beta, learning_rate):
    v = {k: beta * v[k] + (1 - beta) * grads[k] for k in v}
    return {k: parameters[k] + learning_rate * v["d" + k] for k in parameters}, v


def update_parameters_with_adam__constant_factor__nobias(parameters, grads, v, s, t,
                                                         learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8):
    v = {k: beta1 * v[k] + (1 - beta1) * grads[k] for k in v}
    s = {k: beta2 * s[k] + (1 - beta2) * grads[k] ** 2 for k in s}
    new = {k: parameters[k] - learning_rate * v["d" + k] / (np.sqrt(s["d" + k]) + epsilon)
           for k in parameters}  # no bias correction
    return new, v, s, v, s


def update_parameters_with_adam__constant_factor(parameters, grads, v, s, t, learning_rate=0.01,
                                                 beta1=0.9, beta2=0.999, epsilon=1e-8):
    v = {k: beta1 * v[k] + (1 - beta1) * grads[k] for k in v}
    s = {k: beta2 * s[k] + (1 - beta2) * grads[k] ** 2 for k in s}
    vc = {k: v[k] / (1 - beta1**t) for k in v}
    sc = {k: s[k] / (1 - beta2**t) for k in s}
    new = {k: parameters[k] - 2 * learning_rate * vc["d" + k] / (np.sqrt(sc["d" + k]) + epsilon)
           for k in parameters}
    return new, v, s, vc, sc


def update_parameters_with_adam__values__epsilon_inside(parameters, grads, v, s, t,
                                                        learning_rate=0.01, beta1=0.9,
                                                        beta2=0.999, epsilon=1e-8):
    v = {k: beta1 * v[k] + (1 - beta1) * grads[k] for k in v}
    s = {k: beta2 * s[k] + (1 - beta2) * grads[k] ** 2 for k in s}
    vc = {k: v[k] / (1 - beta1 ** t) for k in v}
    sc = {k: s[k] / (1 - beta2 ** t) for k in s}
    new = {k: parameters[k] - learning_rate * vc["d" + k] / np.sqrt(sc["d" + k] + epsilon)
           for k in parameters}  # epsilon inside the square root
    return new, v, s, vc, sc
