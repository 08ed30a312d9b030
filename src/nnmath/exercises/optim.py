"""Exercises of the optimization methods: the momentum and the Adam update."""

from __future__ import annotations

import numpy as np

from ..classic import optim
from .registry import Case, Exercise, register

LESSONS = ("loss-landscape",)


def _state(rng: np.random.Generator, dims: list[int]) -> tuple[dict, dict]:
    p, g = {}, {}
    for i in range(1, len(dims)):
        p[f"W{i}"] = rng.normal(size=(dims[i], dims[i - 1]))
        p[f"b{i}"] = rng.normal(size=(dims[i], 1))
    for k, v in p.items():
        g["d" + k] = rng.normal(size=v.shape)
    return p, g


def _momentum_cases(rng: np.random.Generator) -> list[Case]:
    out = []
    for i, (dims, beta, lr) in enumerate([([3, 2, 3], 0.9, 0.01), ([4, 3, 1], 0.5, 0.1)]):
        p, g = _state(rng, dims)
        v = {k: rng.normal(size=a.shape) * 0.1 for k, a in g.items()}
        out.append(Case((p, g, v, beta, lr), label=f"random {i + 1}"))
    return out


register(Exercise(
    group="optim", name="update_parameters_with_momentum",
    summary="the momentum step: v := beta v + (1 - beta) dW;  W := W - alpha v",
    signature="def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):",
    doc="""One step of gradient descent with momentum, for every layer l = 1 .. L.

    Formula:
        v["dW" + str(l)] = beta v["dW" + str(l)] + (1 - beta) grads["dW" + str(l)]
        W[l] = W[l] - learning_rate v["dW" + str(l)]          (the same for b)

    Returns:
        parameters, v: the updated dicts (new arrays: do not change the given ones in place)
    """,
    lessons=LESSONS, reference=optim.update_parameters_with_momentum, cases=_momentum_cases,
    step_from=0,
    hints={"in_place": "v[...] *= beta changes the caller's arrays; build new ones "
           "(v[k] = beta * v[k] + ...)",
           "sign": "step against the velocity: W = W - learning_rate * v"},
))


def _adam_cases(rng: np.random.Generator) -> list[Case]:
    out = []
    for i, (dims, t) in enumerate([([3, 2, 3], 2), ([4, 3, 1], 1)]):
        p, g = _state(rng, dims)
        v = {k: rng.normal(size=a.shape) * 0.1 for k, a in g.items()}
        s = {k: rng.random(a.shape) * 0.1 for k, a in g.items()}
        out.append(Case((p, g, v, s, t), {"learning_rate": 0.01}, label=f"random {i + 1}"))
    p, g = _state(rng, [3, 2])  # a large epsilon: shows where it is added (and that it is used)
    v = {k: rng.normal(size=a.shape) * 0.1 for k, a in g.items()}
    s = {k: rng.random(a.shape) * 0.01 for k, a in g.items()}
    out.append(Case((p, g, v, s, 3), {"learning_rate": 0.01, "epsilon": 0.1},
                    label="large epsilon"))
    return out


def _adam_variant(got, want):
    """The course's older version returns (parameters, v, s) only: accept it."""
    if isinstance(got, tuple) and len(got) == 3 and len(want) == 5:
        return want[:3]
    return want


register(Exercise(
    group="optim", name="update_parameters_with_adam",
    summary="the Adam step with bias correction (epsilon outside the square root)",
    signature="def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01,\n"
              "                                beta1=0.9, beta2=0.999, epsilon=1e-8):",
    doc="""One step of Adam, for every layer l = 1 .. L (t counts steps from 1).

    Formula (the same for every W and b):
        v = beta1 v + (1 - beta1) dW;          v_corrected = v / (1 - beta1^t)
        s = beta2 s + (1 - beta2) dW^2;        s_corrected = s / (1 - beta2^t)
        W = W - learning_rate v_corrected / (sqrt(s_corrected) + epsilon)

    Returns:
        parameters, v, s, v_corrected, s_corrected (dicts keyed "dW1", "db1", ... except
        parameters)
    """,
    lessons=LESSONS, reference=optim.update_parameters_with_adam, cases=_adam_cases,
    adapt=_adam_variant, step_from=0,
    hints={"values": "check the bias correction 1 - beta ** t, and that epsilon is added "
           "after the square root",
           "constant_factor": "check the bias corrections v / (1 - beta1 ** t) and "
           "s / (1 - beta2 ** t), and that the learning rate appears once"},
))
