"""Reductions: sum, max, min (and mean, a composite) over every axis/keepdims combination."""

from __future__ import annotations

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnmath import Tensor, gradcheck

AXES = [None, 0, -1, 1, (0, 2), (-1, 0, 1)]
REDUCTIONS = [
    ("sum", lambda t, **k: t.sum(**k), np.sum),
    ("max", lambda t, **k: t.max(**k), np.max),
    ("min", lambda t, **k: t.min(**k), np.min),
    ("mean", lambda t, **k: t.mean(**k), np.mean),
]


def check(fn, *inputs, **kw):
    report = gradcheck(fn, *inputs, **kw)
    assert report.passed, report


@pytest.mark.parametrize(("name", "op", "ref"), REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduce_3d(name, op, ref, axis, keepdims, rng):
    x = rng.permutation(24).reshape(2, 3, 4) + 0.1 * rng.normal(size=(2, 3, 4))  # no ties
    y = op(Tensor(x), axis=axis, keepdims=keepdims)
    want = ref(x, axis=axis, keepdims=keepdims)
    assert y.shape == np.shape(want)
    np.testing.assert_allclose(y.data, want, rtol=1e-12)
    check(lambda t: op(t, axis=axis, keepdims=keepdims), x)


@pytest.mark.parametrize(("name", "op", "ref"), REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@pytest.mark.parametrize("shape", [(), (5,)])
def test_reduce_small_shapes(name, op, ref, shape, rng):
    x = rng.normal(size=shape)
    y = op(Tensor(x))
    assert y.shape == () and isinstance(y.data, np.ndarray)
    np.testing.assert_allclose(y.data, ref(x))
    check(lambda t: op(t), x)


@pytest.mark.parametrize(("name", "op", "ref"), REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reduce_keeps_float32(name, op, ref, rng):
    t = Tensor(rng.normal(size=(3, 4)).astype(np.float32), requires_grad=True)
    y = op(t, axis=1)
    assert y.dtype == np.float32
    y.backward(rng.normal(size=3).astype(np.float32))
    assert t.grad.dtype == np.float32


@pytest.mark.parametrize("which", ["max", "min"])
def test_ties_share_the_gradient(which):
    x = Tensor(np.array([[3.0, 1.0, 3.0], [2.0, 2.0, 2.0]]), requires_grad=True)
    if which == "min":
        x = Tensor(-x.data, requires_grad=True)
    y = x.max(axis=1) if which == "max" else x.min(axis=1)
    y.backward(np.array([2.0, 3.0]))
    np.testing.assert_allclose(x.grad, [[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])


def test_max_of_an_empty_tensor_is_an_error():
    with pytest.raises(ValueError, match=r"max: cannot reduce an empty tensor of shape \(0, 3\)"):
        Tensor(np.ones((0, 3))).max()


@settings(max_examples=30, deadline=None)
@given(data=st.data(), which=st.sampled_from(REDUCTIONS), keepdims=st.booleans())
def test_reduce_random_shapes_and_axes(data, which, keepdims):
    _, op, ref = which
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3))
    axis = data.draw(st.none() | hnp.valid_tuple_axes(len(shape), min_size=1))
    seed = data.draw(st.integers(0, 2**16))
    x = np.random.default_rng(seed).normal(size=shape)  # continuous: no ties
    y = op(Tensor(x), axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(y.data, ref(x, axis=axis, keepdims=keepdims), rtol=1e-12)
    check(lambda t: op(t, axis=axis, keepdims=keepdims), x)


@pytest.mark.parametrize(("name", "op", "ref"), REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_axis_as_list_and_negative(name, op, ref, rng):
    x = rng.normal(size=(2, 3, 4))
    y = op(Tensor(x), axis=[0, -1], keepdims=True)
    np.testing.assert_allclose(y.data, ref(x, axis=(0, 2), keepdims=True), rtol=1e-12)
    check(lambda t: op(t, axis=[-1, 0]), x)


@pytest.mark.parametrize(("name", "op", "ref"), REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@pytest.mark.parametrize(
    ("axis", "message"),
    [(2, "axis 2 is out of range"), (-3, "axis -3 is out of range"),
     ((0, 5), r"axis \(0, 5\) is out of range"), (1.0, "axis 1.0 is out of range"),
     ((0, -2), r"axis \(0, -2\) repeats an axis")],
)
def test_bad_axis_names_the_op_and_the_shape(name, op, ref, axis, message):
    with pytest.raises(ValueError, match=rf"^{name}: {message}.*shape \(2, 3\)"):
        op(Tensor(np.ones((2, 3))), axis=axis)


def test_mean_of_an_integer_tensor_is_exact_float64():
    y = Tensor(np.arange(6).reshape(2, 3)).mean(axis=1)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y.data, [1.0, 4.0])
    assert Tensor(np.arange(6)).mean().item() == 2.5


def test_mean_over_zero_elements_is_a_clear_error():
    with pytest.raises(ValueError, match=r"^mean: cannot average over zero elements.*\(0, 3\)"):
        Tensor(np.ones((0, 3))).mean(axis=0)
    np.testing.assert_array_equal(Tensor(np.ones((0, 3))).mean(axis=1).data, np.ones(0))
