"""max_pool2d / avg_pool2d: forward and backward against naive loops and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import nnmath
from nnmath import Tensor
from nnmath import functional as F


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def naive_pool(x, g, pool_size, strides, kind):
    """Loops over every window: the forward values and dL/dx for upstream gradient ``g``."""
    ph, pw = _pair(pool_size)
    sh, sw = _pair(pool_size if strides is None else strides)
    n, h, w, c = x.shape
    h_out, w_out = (h - ph) // sh + 1, (w - pw) // sw + 1
    y = np.zeros((n, h_out, w_out, c))
    gx = np.zeros(x.shape)
    for b in range(n):
        for i in range(h_out):
            for j in range(w_out):
                for ch in range(c):
                    win = x[b, i * sh : i * sh + ph, j * sw : j * sw + pw, ch]
                    if kind == "max":
                        flat = int(np.argmax(win))  # first maximum, row-major
                        y[b, i, j, ch] = win.flat[flat]
                        gx[b, i * sh + flat // pw, j * sw + flat % pw, ch] += g[b, i, j, ch]
                    else:
                        y[b, i, j, ch] = win.mean()
                        gx[b, i * sh : i * sh + ph, j * sw : j * sw + pw, ch] += (
                            g[b, i, j, ch] / (ph * pw)
                        )
    return y, gx


# (x shape, pool_size, strides)
CASES = [
    ((2, 4, 4, 3), 2, None),  # divides: disjoint windows
    ((2, 5, 7, 2), 2, None),  # odd sizes: the last row/column is dropped (floor)
    ((2, 7, 6, 2), 3, 2),  # overlapping windows
    ((1, 6, 6, 3), 2, 1),  # stride 1
    ((2, 7, 8, 2), (2, 3), (2, 1)),  # rectangular window, pair strides
    ((3, 5, 5, 1), (3, 1), None),
    ((1, 3, 3, 4), 3, None),  # one window covering the image
]


def _ids(case):
    return f"x{case[0]}-p{case[1]}-s{case[2]}".replace(" ", "")


OPS = {"max": F.max_pool2d, "avg": F.avg_pool2d}


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_forward_and_backward_match_naive_loops(case, kind, rng):
    shape, pool, strides = case
    x = rng.standard_normal(shape)
    xt = Tensor(x, requires_grad=True)
    y = OPS[kind](xt, pool, strides)
    g = rng.standard_normal(y.shape)
    y.backward(g)
    y_ref, gx_ref = naive_pool(x, g, pool, strides, kind)
    assert y.shape == y_ref.shape
    np.testing.assert_allclose(y.data, y_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(xt.grad, gx_ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_backward_matches_finite_differences(case, kind, rng):
    shape, pool, strides = case
    x = rng.standard_normal(shape)  # continuous values: no ties, max is differentiable
    report = nnmath.gradcheck(lambda x: OPS[kind](x, pool, strides), x)
    assert report.passed, str(report)


@pytest.mark.parametrize(("pool", "strides"), [(2, None), (3, 2), (2, 1)])
def test_max_pool_ties_send_gradient_to_first_argmax(pool, strides, rng):
    # ReLU-like input: many all-zero windows and repeated maxima
    x = np.maximum(rng.integers(-2, 2, size=(2, 6, 7, 3)), 0).astype(np.float64)
    xt = Tensor(x, requires_grad=True)
    y = F.max_pool2d(xt, pool, strides)
    g = rng.standard_normal(y.shape)
    y.backward(g)
    _, gx_ref = naive_pool(x, g, pool, strides, "max")
    np.testing.assert_allclose(xt.grad, gx_ref, rtol=1e-12, atol=1e-14)
    # each window routes its gradient to exactly one element (no splitting among ties)
    if strides is None:
        assert np.count_nonzero(xt.grad) == np.count_nonzero(g)


def test_max_pool_2x2_every_tie_pattern(rng):
    # the 2x2/stride-2 path locates the argmax with three comparisons: every one of the
    # 2**4 patterns of which window elements hold the maximum, one window per pattern
    patterns = np.array([[(k >> b) & 1 for b in range(4)] for k in range(1, 16)], float)
    windows = np.concatenate([patterns, np.zeros((1, 4))])  # plus the all-equal window
    windows += rng.integers(-3, 3, size=(16, 1))  # shift: maxima of either sign
    x = windows.reshape(1, 16, 2, 2).transpose(0, 2, 1, 3).reshape(1, 2, 32, 1)
    x = np.repeat(x, 2, axis=3)  # (1, 2, 32, 2)
    xt = Tensor(x, requires_grad=True)
    y = F.max_pool2d(xt, 2)
    g = rng.standard_normal(y.shape)
    y.backward(g)
    y_ref, gx_ref = naive_pool(x, g, 2, None, "max")
    np.testing.assert_array_equal(y.data, y_ref)
    np.testing.assert_array_equal(xt.grad, gx_ref)


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_non_contiguous_input(kind, rng):
    x = rng.standard_normal((4, 9, 3, 8)).transpose(2, 1, 3, 0)[:, :, ::2]  # (3, 9, 4, 4)
    assert not x.flags.c_contiguous
    xt = Tensor(x, requires_grad=True)
    y = OPS[kind](xt, (3, 2), (2, 1))
    g = rng.standard_normal(y.shape)
    y.backward(g)
    y_ref, gx_ref = naive_pool(x, g, (3, 2), (2, 1), kind)
    np.testing.assert_allclose(y.data, y_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(xt.grad, gx_ref, rtol=1e-12, atol=1e-14)


def test_hand_computed_example():
    x = np.array(
        [[1.0, 3.0, 2.0, 0.0], [4.0, 2.0, 1.0, 2.0], [0.0, 0.0, 5.0, 6.0], [1.0, 2.0, 7.0, 8.0]]
    )
    xt = Tensor(x.reshape(1, 4, 4, 1), requires_grad=True)
    np.testing.assert_array_equal(F.max_pool2d(xt).data[0, :, :, 0], [[4.0, 2.0], [2.0, 8.0]])
    np.testing.assert_array_equal(F.avg_pool2d(xt).data[0, :, :, 0], [[2.5, 1.25], [0.75, 6.5]])
    F.max_pool2d(xt).sum().backward()
    want = np.zeros((4, 4))
    # top-right window 2 0 / 1 2 has a tie: the first maximum, at (0, 2), gets the gradient
    want[1, 0] = want[0, 2] = want[3, 1] = want[3, 3] = 1.0
    np.testing.assert_array_equal(xt.grad[0, :, :, 0], want)


@pytest.mark.parametrize("op", [F.max_pool2d, F.avg_pool2d])
def test_float32_stays_float32_and_input_unchanged(op, rng):
    x = rng.standard_normal((2, 6, 6, 3)).astype(np.float32)
    x0 = x.copy()
    xt = Tensor(x, requires_grad=True)
    y = op(xt, 2)
    assert y.dtype == np.float32 and y.shape == (2, 3, 3, 3)
    y.backward(rng.standard_normal(y.shape).astype(np.float32))
    assert xt.grad.dtype == np.float32
    np.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize(
    ("name", "op"), [("max_pool2d", F.max_pool2d), ("avg_pool2d", F.avg_pool2d)]
)
def test_errors(name, op):
    with pytest.raises(ValueError) as e:
        op(Tensor(np.zeros((5, 5, 3))))
    assert name in str(e.value) and "(5, 5, 3)" in str(e.value) and "NHWC" in str(e.value)
    with pytest.raises(ValueError) as e:
        op(Tensor(np.zeros((1, 2, 5, 3))), 3)
    assert name in str(e.value) and "(1, 2, 5, 3)" in str(e.value) and "(3, 3)" in str(e.value)
    for bad in [0, (2, 0), (1, 2, 3), 2.0]:
        with pytest.raises(ValueError, match=name):
            op(Tensor(np.zeros((1, 4, 4, 1))), bad)
        with pytest.raises(ValueError, match=name):
            op(Tensor(np.zeros((1, 4, 4, 1))), 2, bad)
