"""Matrix product: NumPy semantics (1-D promotion, batching, broadcast batches), VJPs, errors."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath import Tensor, gradcheck
from nnmath.ops.matmul import Affine

SHAPES = [
    ((3, 4), (4, 2)),
    ((1, 4), (4, 1)),
    ((4,), (4, 2)),
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((2, 3, 4), (4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((4,), (2, 4, 3)),
    ((2, 3, 4), (4,)),
]


@pytest.mark.parametrize(("sa", "sb"), SHAPES)
def test_matmul_forward_and_backward(sa, sb, rng):
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    y = Tensor(a) @ Tensor(b)
    assert y.shape == (a @ b).shape
    np.testing.assert_allclose(y.data, a @ b, rtol=1e-12)
    report = gradcheck(lambda x, z: x @ z, a, b)
    assert report.passed, report


def test_matmul_keeps_float32_and_inputs(rng):
    a = rng.normal(size=(5, 3)).astype(np.float32)
    b = rng.normal(size=(3, 2)).astype(np.float32)
    a0, b0 = a.copy(), b.copy()
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    y = ta @ tb
    g = rng.normal(size=(5, 2)).astype(np.float32)
    y.backward(g)
    assert y.dtype == ta.grad.dtype == tb.grad.dtype == np.float32
    np.testing.assert_allclose(ta.grad, g @ b.T, rtol=1e-5)
    np.testing.assert_allclose(tb.grad, a.T @ g, rtol=1e-5)
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(b, b0)


def test_mismatched_inner_dimensions_name_both_shapes():
    with pytest.raises(ValueError, match=r"matmul: .*\(32, 784\) @ \(10, 784\).*784 != 10"):
        Tensor(np.ones((32, 784))) @ Tensor(np.ones((10, 784)))


def test_mismatched_batch_axes_name_both_shapes():
    with pytest.raises(ValueError, match=r"matmul: batch axes.*\(2, 3, 4\) @ \(5, 4, 2\)"):
        Tensor(np.ones((2, 3, 4))) @ Tensor(np.ones((5, 4, 2)))


def test_scalar_operand_is_an_error():
    with pytest.raises(ValueError, match=r"matmul: .*shapes \(\) and \(3,\); use \*"):
        Tensor(np.array(2.0)) @ Tensor(np.ones(3))


# --------------------------------------------------------------------------- Affine (Dense)


@pytest.mark.parametrize("relu", [False, True])
@pytest.mark.parametrize(("n", "d_in", "d_out"), [(5, 3, 4), (1, 6, 2), (7, 1, 1)])
def test_affine_forward_and_backward(relu, n, d_in, d_out, rng):
    x, W, b = rng.normal(size=(n, d_in)), rng.normal(size=(d_in, d_out)), rng.normal(size=d_out)
    z = x @ W + b
    want = np.maximum(z, 0) if relu else z
    y = Affine.apply(Tensor(x), Tensor(W), Tensor(b), relu=relu)
    np.testing.assert_allclose(y.data, want, rtol=1e-12, atol=1e-15)
    assert np.min(np.abs(z)) > 1e-4  # no pre-activation at the ReLU kink (finite differences)
    report = gradcheck(lambda a, w, c: Affine.apply(a, w, c, relu=relu), x, W, b)
    assert report.passed, report


def test_affine_skips_the_input_gradient_and_keeps_float32(rng):
    x = rng.normal(size=(6, 4)).astype(np.float32)
    W = rng.normal(size=(4, 3)).astype(np.float32)
    b = rng.normal(size=3).astype(np.float32)
    x0 = x.copy()
    xt, Wt, bt = Tensor(x), Tensor(W, requires_grad=True), Tensor(b, requires_grad=True)
    y = Affine.apply(xt, Wt, bt, relu=True)
    g = rng.normal(size=y.shape).astype(np.float32)
    y.backward(g)
    gz = g * (x @ W + b > 0)
    assert xt.grad is None and y.dtype == Wt.grad.dtype == bt.grad.dtype == np.float32
    np.testing.assert_allclose(Wt.grad, x.T @ gz, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bt.grad, gz.sum(axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(x, x0)
