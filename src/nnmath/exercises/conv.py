"""Exercises of convolution and pooling step by step (NHWC, the course's caches).

The course writes these with Python loops over output positions, and so may the learner: no
speed check here (the reference is vectorized; a loop version is fine for learning).
"""

from __future__ import annotations

import numpy as np

from ..classic import conv
from .registry import Case, Exercise, register

LESSONS_CONV = ("convolution",)
LESSONS_POOL = ("pooling",)


def _rs(seed: int = 1) -> np.random.RandomState:
    return np.random.RandomState(seed)


register(Exercise(
    group="conv", name="zero_pad",
    summary="pad the height and width of a batch (m, n_H, n_W, n_C) with zeros",
    signature="def zero_pad(X, pad):",
    doc="""Zero-padding of every image of the batch, on height and width only.

    Args:
        X: (m, n_H, n_W, n_C); pad: the number of zeros on each side
    Returns:
        X_pad: (m, n_H + 2 pad, n_W + 2 pad, n_C)
    Hint: np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant")
    """,
    lessons=LESSONS_CONV, reference=conv.zero_pad,
    cases=lambda rng: [Case((_rs().randn(4, 3, 3, 2), 3), label="course test"),
                       Case((rng.normal(size=(2, 4, 5, 3)), 1), label="random 1")],
    hints={"shape": "pad only axes 1 and 2 (height, width), not the batch or channel axes"},
))


def _single_cases(rng: np.random.Generator) -> list[Case]:
    rs = _rs()
    course = (rs.randn(4, 4, 3), rs.randn(4, 4, 3), rs.randn(1, 1, 1))
    return [Case(course, label="course test", published=(lambda z: z, -6.99908945068, 1e-10)),
            Case((rng.normal(size=(3, 3, 2)), rng.normal(size=(3, 3, 2)),
                  rng.normal(size=(1, 1, 1))), label="random 1")]


register(Exercise(
    group="conv", name="conv_single_step",
    summary="one filter on one window: sum(a_slice_prev * W) + b",
    signature="def conv_single_step(a_slice_prev, W, b):",
    doc="""One step of the convolution: a filter W on one window of the input.

    Formula: Z = sum(a_slice_prev * W) + b   (element-wise product, summed over everything)

    Args:
        a_slice_prev: (f, f, n_C_prev); W: (f, f, n_C_prev); b: (1, 1, 1)
    Returns:
        Z: a number (float(...))
    """,
    lessons=LESSONS_CONV, reference=conv.conv_single_step, cases=_single_cases,
    hints={"shape": "return one number: float(np.sum(a_slice_prev * W) + b)"},
))


def _conv_forward_reference(A_prev, W, b, hparameters):
    return conv.conv_forward(A_prev, W, b, hparameters)


def _forward_cases(rng: np.random.Generator) -> list[Case]:
    rs = _rs()
    course = (rs.randn(10, 5, 7, 4), rs.randn(3, 3, 4, 8), rs.randn(1, 1, 1, 8),
              {"pad": 1, "stride": 2})
    published = (
        lambda out: (float(np.mean(out[0])), out[0][3, 2, 1]),
        (0.692360880758, [-1.28912231, 2.27650251, 6.61941931, 0.95527176, 8.25132576,
                          2.31329639, 13.00689405, 2.34576051]), 5e-9)
    return [
        Case(course, label="course test", published=published),
        Case((rng.normal(size=(2, 5, 5, 3)), rng.normal(size=(3, 3, 3, 2)),
              rng.normal(size=(1, 1, 1, 2)), {"pad": 0, "stride": 1}), label="random 1"),
        Case((rng.normal(size=(1, 6, 7, 2)), rng.normal(size=(2, 2, 2, 3)),
              rng.normal(size=(1, 1, 1, 3)), {"pad": 2, "stride": 3}), label="random 2"),
    ]


register(Exercise(
    group="conv", name="conv_forward",
    summary="the forward convolution of a batch with n_C filters (stride, padding)",
    signature="def conv_forward(A_prev, W, b, hparameters):",
    doc="""The forward pass of a convolution layer.

    Formula: n_H = floor((n_H_prev - f + 2 pad) / stride) + 1  (same for n_W);
        Z[i, h, w, c] = conv_single_step(A_prev_pad[i, vs:vs+f, hs:hs+f, :],
                                         W[:, :, :, c], b[:, :, :, c])
        with vs = h stride, hs = w stride

    Args:
        A_prev: (m, n_H_prev, n_W_prev, n_C_prev); W: (f, f, n_C_prev, n_C);
        b: (1, 1, 1, n_C); hparameters: {"stride": ..., "pad": ...}
    Returns:
        Z: (m, n_H, n_W, n_C)
        cache: (A_prev, W, b, hparameters)
    """,
    lessons=LESSONS_CONV, reference=_conv_forward_reference, cases=_forward_cases,
    helpers=("from nnmath.exercises.course import conv_single_step, zero_pad",),
    hints={"shape": "n_H = int((n_H_prev - f + 2 * pad) / stride) + 1"},
))


def _pool_forward_reference(A_prev, hparameters, mode="max"):
    return conv.pool_forward(A_prev, hparameters, mode)


def _pool_forward_cases(rng: np.random.Generator) -> list[Case]:
    A = _rs().randn(2, 4, 4, 3)
    hp = {"stride": 2, "f": 3}
    return [
        Case((A, hp), label="course test (max)", published=(
            lambda out: out[0].ravel(),
            [1.74481176, 0.86540763, 1.13376944, 1.13162939, 1.51981682, 2.18557541], 5e-9)),
        Case((A, hp, "average"), label="course test (average)", published=(
            lambda out: out[0].ravel(),
            [0.02105773, -0.20328806, -0.40389855, -0.22154621, 0.51716526, 0.48155844], 5e-9)),
        Case((rng.normal(size=(2, 5, 7, 2)), {"stride": 1, "f": 2}, "max"), label="random max"),
        Case((rng.normal(size=(1, 6, 6, 3)), {"stride": 2, "f": 2}, "average"),
             label="random average"),
    ]


register(Exercise(
    group="conv", name="pool_forward",
    summary="max or average pooling of f x f windows with a stride",
    signature='def pool_forward(A_prev, hparameters, mode="max"):',
    doc="""The forward pass of a pooling layer (no padding).

    Formula: n_H = floor((n_H_prev - f) / stride) + 1 (same for n_W);
        A[i, h, w, c] = max (or mean) of A_prev[i, vs:vs+f, hs:hs+f, c]

    Args:
        A_prev: (m, n_H_prev, n_W_prev, n_C); hparameters: {"f": ..., "stride": ...};
        mode: "max" or "average"
    Returns:
        A: (m, n_H, n_W, n_C)
        cache: (A_prev, hparameters)
    """,
    lessons=LESSONS_POOL, reference=_pool_forward_reference, cases=_pool_forward_cases,
    hints={"shape": "n_H = int(1 + (n_H_prev - f) / stride), the same for n_W",
           "values": "window (h, w) is rows h * stride to h * stride + f and columns "
                     "w * stride to w * stride + f (no +1 on the start, f wide)"},
))


def _conv_backward_reference(dZ, cache):
    return conv.conv_backward(dZ, cache)


def _conv_backward_cases(rng: np.random.Generator) -> list[Case]:
    rs = _rs()
    A, W, b = rs.randn(10, 4, 4, 3), rs.randn(2, 2, 3, 8), rs.randn(1, 1, 1, 8)
    Z, cache = conv.conv_forward(A, W, b, {"pad": 2, "stride": 2})
    out = [Case((Z, cache), label="course test", upstream=0, published=(
        lambda r: (float(np.mean(r[0])), float(np.mean(r[1])), float(np.mean(r[2]))),
        (1.45243777754, 1.72699145831, 7.83923256462), 1e-9))]
    geometries = [((2, 5, 5, 2), (3, 3, 2, 3), {"pad": 1, "stride": 1}),
                  ((1, 6, 5, 3), (2, 2, 3, 2), {"pad": 0, "stride": 2})]
    for i, (shape, wshape, hp) in enumerate(geometries):
        Z, cache = conv.conv_forward(rng.normal(size=shape), rng.normal(size=wshape),
                                     rng.normal(size=(1, 1, 1, wshape[3])), hp)
        out.append(Case((rng.normal(size=Z.shape), cache), label=f"random {i + 1}", upstream=0))
    return out


register(Exercise(
    group="conv", name="conv_backward",
    summary="dA_prev, dW, db of a convolution from the upstream dZ",
    signature="def conv_backward(dZ, cache):",
    doc="""The backward pass of a convolution layer.

    Formula (A_prev, W, b, hparameters = cache; a = zero_pad(A_prev, pad)), for every
    sample i, output position (h, w) and filter c, with the window a[i, vs:vs+f, hs:hs+f, :]:
        da[i, vs:vs+f, hs:hs+f, :] += W[:, :, :, c] * dZ[i, h, w, c]
        dW[:, :, :, c]             += window * dZ[i, h, w, c]
        db[:, :, :, c]             += dZ[i, h, w, c]
    then dA_prev = da without the padding.

    Returns:
        dA_prev: (m, n_H_prev, n_W_prev, n_C_prev); dW: (f, f, n_C_prev, n_C); db: (1, 1, 1, n_C)
    """,
    lessons=LESSONS_CONV, reference=_conv_backward_reference, cases=_conv_backward_cases,
    helpers=("from nnmath.exercises.course import zero_pad",), atol=1e-8,
    hints={"shape": "dA_prev has the shape of A_prev (cut the padding off: "
                    "da[:, pad:-pad, pad:-pad, :] when pad > 0), dW that of W, db that of b",
           "values": "accumulate with += (windows overlap when stride < f, so `=` loses "
                     "the earlier windows' share), and slice the window from the padded "
                     "input"},
))


def _pool_backward_reference(dA, cache, mode="max"):
    return conv.pool_backward(dA, cache, mode)


def _pool_backward_cases(rng: np.random.Generator) -> list[Case]:
    rs = _rs()
    A = rs.randn(5, 5, 3, 2)
    _, cache = conv.pool_forward(A, {"stride": 1, "f": 2})
    dA = rs.randn(5, 4, 2, 2)
    out = [
        Case((dA, cache, "max"), label="course test (max)", upstream=0, published=(
            lambda r: r[1, 1], [[0.0, 0.0], [5.05844394, -1.68282702], [0.0, 0.0]], 5e-9)),
        Case((dA, cache, "average"), label="course test (average)", upstream=0, published=(
            lambda r: r[1, 1],
            [[0.08485462, 0.2787552], [1.26461098, -0.25749373], [1.17975636, -0.53624893]],
            5e-9)),
    ]
    for mode, hp in (("max", {"stride": 2, "f": 2}), ("average", {"stride": 1, "f": 3})):
        A = rng.normal(size=(2, 6, 5, 3))
        P, cache = conv.pool_forward(A, hp, mode)
        out.append(Case((rng.normal(size=P.shape), cache, mode), label=f"random {mode}",
                        upstream=0))
    return out


register(Exercise(
    group="conv", name="pool_backward",
    summary="the gradient of max or average pooling, routed back to the windows",
    signature='def pool_backward(dA, cache, mode="max"):',
    doc="""The backward pass of a pooling layer.

    Formula (A_prev, hparameters = cache), for every sample, output position (h, w), channel c:
        max:     dA_prev[window] += (window == max(window)) * dA[i, h, w, c]
        average: dA_prev[window] += dA[i, h, w, c] / (f f)     (spread evenly)

    Returns:
        dA_prev: the shape of A_prev
    """,
    lessons=LESSONS_POOL, reference=_pool_backward_reference, cases=_pool_backward_cases,
    helpers=("from nnmath.exercises.course import create_mask_from_window, distribute_value",),
    hints={"constant_factor": "average pooling spreads dA[i, h, w, c] evenly over the f * f "
                              "window: each entry gets dA / (f * f)",
           "values": "accumulate with += (windows overlap when stride < f); max mode: "
                     "the mask is window == np.max(window) of the forward input A_prev"},
))
