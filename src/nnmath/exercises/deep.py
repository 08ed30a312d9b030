"""Exercises of the L-layer network, step by step: linear and activation forward, the model's
forward, the cost, linear and model backward, the update (the course's caches)."""

from __future__ import annotations

import numpy as np

from ..classic import deep
from .registry import Case, Exercise, register
from .shallow import _COST_DOC, _COST_HINTS, _UPDATE_HINTS

LESSONS = ("deep-network",)
_SAMPLES = "samples are the columns: Z = np.dot(W, A) + b"


def _layer(rng: np.random.Generator, n_prev: int, n: int, m: int) -> tuple:
    return rng.normal(size=(n_prev, m)), rng.normal(size=(n, n_prev)), rng.normal(size=(n, 1))


def _net(rng: np.random.Generator, dims: list[int]) -> dict:
    p = {}
    for i in range(1, len(dims)):
        p[f"W{i}"] = rng.normal(size=(dims[i], dims[i - 1])) / np.sqrt(dims[i - 1])
        p[f"b{i}"] = rng.normal(size=(dims[i], 1)) * 0.1
    return p


register(Exercise(
    group="deep", name="linear_forward",
    summary="Z = W A + b for one layer, with the cache (A, W, b)",
    signature="def linear_forward(A, W, b):",
    doc="""The linear part of a layer's forward pass.

    Formula: Z = W A + b          (b broadcast over the m columns)

    Args:
        A: activations of the previous layer (n_prev, m); W: (n, n_prev); b: (n, 1)
    Returns:
        Z: (n, m)
        cache: (A, W, b)
    """,
    lessons=LESSONS, reference=deep.linear_forward,
    cases=lambda rng: [Case(_layer(rng, 3, 1, 2), label="random 1"),
                       Case(_layer(rng, 5, 4, 7), label="random 2")],
    timing=lambda rng: Case(_layer(rng, 10, 8, 3000)),
    hints={"transposed": _SAMPLES},
))


def _act_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((*_layer(rng, 3, 2, 4), "sigmoid"), label="sigmoid"),
            Case((*_layer(rng, 4, 3, 6), "relu"), label="relu")]


register(Exercise(
    group="deep", name="linear_activation_forward",
    summary="one layer LINEAR -> RELU or SIGMOID, with its cache",
    signature="def linear_activation_forward(A_prev, W, b, activation):",
    doc="""One layer: LINEAR -> ACTIVATION.

    Formula: Z = W A_prev + b;  A = relu(Z) = max(0, Z)  or  A = sigmoid(Z)

    Args:
        A_prev: (n_prev, m); W: (n, n_prev); b: (n, 1); activation: "sigmoid" or "relu"
    Returns:
        A: (n, m)
        cache: (linear_cache, activation_cache) = ((A_prev, W, b), Z)
    """,
    lessons=LESSONS, reference=deep.linear_activation_forward, cases=_act_cases,
    helpers=("from nnmath.exercises.course import linear_forward, relu, sigmoid",),
))


def _model_forward_reference(X, parameters):
    return deep.l_model_forward(X, parameters)


register(Exercise(
    group="deep", name="L_model_forward",
    summary="forward pass [LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID with all caches",
    signature="def L_model_forward(X, parameters):",
    doc="""The forward pass of the L-layer model.

    Formula: A[0] = X;  A[l] = relu(W[l] A[l-1] + b[l]) for l = 1 .. L-1;
             AL = sigmoid(W[L] A[L-1] + b[L]);   L = len(parameters) // 2

    Returns:
        AL: (n_L, m)
        caches: the list of the L caches of linear_activation_forward, layer 1 first
    """,
    lessons=LESSONS, reference=_model_forward_reference,
    cases=lambda rng: [Case((rng.normal(size=(5, 4)), _net(rng, [5, 4, 3, 1])), label="random 1"),
                       Case((rng.normal(size=(3, 6)), _net(rng, [3, 2, 1])), label="random 2")],
    helpers=("from nnmath.exercises.course import linear_activation_forward",),
))


def _cost_cases(rng: np.random.Generator) -> list[Case]:
    out = []
    for i, m in enumerate([3, 10]):
        AL = rng.uniform(0.05, 0.95, size=(1, m))
        out.append(Case((AL, (rng.random((1, m)) > 0.5).astype(np.float64)),
                        label=f"random {i + 1}", m=m))
    return out


register(Exercise(
    group="deep", name="compute_cost",
    summary="the cross-entropy cost of the L-layer network",
    signature="def compute_cost(AL, Y):", doc=_COST_DOC.format(a="AL"),
    lessons=LESSONS, reference=deep.compute_cost, cases=_cost_cases, hints=_COST_HINTS,
))


def _linear_backward_cases(rng: np.random.Generator) -> list[Case]:
    out = []
    for i, (n_prev, n, m) in enumerate([(3, 2, 4), (5, 4, 6)]):
        cache = _layer(rng, n_prev, n, m)
        out.append(Case((rng.normal(size=(n, m)), cache), label=f"random {i + 1}", m=m,
                        upstream=0))
    return out


def _linear_backward_reference(dZ, cache):
    return deep.linear_backward(dZ, cache)


register(Exercise(
    group="deep", name="linear_backward",
    summary="dA_prev, dW, db of Z = W A_prev + b from the upstream dZ",
    signature="def linear_backward(dZ, cache):",
    doc="""The backward pass of the linear part of a layer.

    Formula (A_prev, W, b = cache;  m = A_prev.shape[1]):
        dW = (1/m) dZ A_prev^T            (n, n_prev)
        db = (1/m) sum over columns of dZ (n, 1)  (keepdims=True)
        dA_prev = W^T dZ                  (n_prev, m)

    Returns:
        dA_prev, dW, db
    """,
    lessons=LESSONS, reference=_linear_backward_reference, cases=_linear_backward_cases,
    timing=lambda rng: Case((rng.normal(size=(8, 3000)), _layer(rng, 10, 8, 3000)), upstream=0),
    hints={"row_vs_flat": "np.sum(dZ, axis=1, keepdims=True) keeps db a column"},
))


def _model_backward_cases(rng: np.random.Generator) -> list[Case]:
    out = []
    for i, (dims, m) in enumerate([([4, 3, 1], 5), ([5, 4, 3, 1], 7)]):
        X = rng.normal(size=(dims[0], m))
        AL, caches = deep.l_model_forward(X, _net(rng, dims))
        Y = (rng.random((1, m)) > 0.5).astype(np.float64)
        out.append(Case((AL, Y, caches), label=f"random {i + 1}", m=m))
    return out


def _model_backward_reference(AL, Y, caches):
    return deep.l_model_backward(AL, Y, caches)


register(Exercise(
    group="deep", name="L_model_backward",
    summary="the gradients of every layer, from dAL back to layer 1",
    signature="def L_model_backward(AL, Y, caches):",
    doc="""The backward pass of the L-layer model.

    Formula: dAL = -(Y / AL - (1 - Y) / (1 - AL));
             layer L: linear_activation_backward(dAL, caches[L-1], "sigmoid");
             layers L-1 .. 1: linear_activation_backward(dA[l], caches[l-1], "relu")

    Returns:
        grads: {"dA0" .. "dA{L-1}", "dW1" .. "dWL", "db1" .. "dbL"}
            (grads["dA" + str(l-1)], grads["dW" + str(l)], grads["db" + str(l)] per layer)
    """,
    lessons=LESSONS, reference=_model_backward_reference, cases=_model_backward_cases,
    helpers=("from nnmath.exercises.course import linear_activation_backward",),
    hints={"sign": "dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))",
           "shape": "grads['dA' + str(l - 1)] is the gradient of layer l's input: dA0 has "
                    "X's shape, and layer L's dA_prev is stored as dA{L-1}",
           "values": "start from dAL = -(Y / AL - (1 - Y) / (1 - AL)) (not AL - Y, which is "
                     "already dZ), use \"sigmoid\" for layer L and \"relu\" for the others"},
))


def _update_cases(rng: np.random.Generator) -> list[Case]:
    p = _net(rng, [4, 3, 2, 1])
    g = {"d" + k: rng.normal(size=v.shape) for k, v in p.items()}
    return [Case((p, g, 0.1), label="random 1"), Case((_net(rng, [3, 1]), {
        "dW1": rng.normal(size=(1, 3)), "db1": rng.normal(size=(1, 1))}, 1.0), label="random 2")]


register(Exercise(
    group="deep", name="update_parameters",
    summary="one gradient-descent step on every W[l], b[l]",
    signature="def update_parameters(parameters, grads, learning_rate):",
    doc="""One step of gradient descent on every layer (L = len(parameters) // 2).

    Formula: W[l] := W[l] - learning_rate dW[l];  b[l] := b[l] - learning_rate db[l]

    Returns:
        parameters: the updated dict (new arrays: do not change the given ones in place)
    """,
    lessons=LESSONS, reference=deep.update_parameters, cases=_update_cases, hints=_UPDATE_HINTS,
    step_from=0,
))
