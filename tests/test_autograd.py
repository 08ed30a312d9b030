"""Autodiff semantics: accumulation, fan-out, no_grad, freed graphs, deep chains, dtypes."""

from __future__ import annotations

import gc
import sys
import weakref

import numpy as np
import pytest

from nnmath import Tensor, enable_grad, is_grad_enabled, no_grad
from nnmath.autograd import Function, unbroadcast


def test_gradients_accumulate_until_zero_grad():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    w = np.array([0.5, -1.0, 2.0])
    (x * w).sum().backward()
    np.testing.assert_array_equal(x.grad, w)
    (x * w).sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * w)
    x.zero_grad()
    assert x.grad is None
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data)


def test_fan_out_sums_the_paths():
    x = Tensor(np.array(3.0), requires_grad=True)
    (x * x).backward()  # d(x^2)/dx = 2x
    assert x.grad == 6.0 and isinstance(x.grad, np.ndarray)
    x.zero_grad()
    # diamond: y = (x + 1) * (x - 2) * x uses x three times
    y = (x + 1) * (x - 2) * x
    y.backward()
    assert x.grad == pytest.approx(3 * 3.0**2 - 2 * 3.0 - 2)


def test_shared_subexpression_is_visited_once():
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    h = x * 3.0
    y = (h + h + h).sum()  # dy/dx = 9
    y.backward()
    np.testing.assert_array_equal(x.grad, [9.0, 9.0])


def test_no_grad_records_nothing_and_restores():
    x = Tensor(np.ones(3), requires_grad=True)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        y = x * 2
        with enable_grad():
            z = x * 2
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert not y.requires_grad and y._ctx is None
    assert z.requires_grad and z._ctx is not None
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.sum().backward()


def test_no_grad_as_decorator_and_after_an_exception():
    @no_grad()
    def f(t):
        return t * 2

    x = Tensor(np.ones(2), requires_grad=True)
    assert not f(x).requires_grad and not f(x).requires_grad  # reusable, re-entrant
    with pytest.raises(ZeroDivisionError), no_grad():
        raise ZeroDivisionError
    assert is_grad_enabled()


def test_freed_graph_raises_a_clear_error():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"already freed.*retain_graph=True"):
        y.backward()


def test_freed_graph_error_through_a_shared_subgraph():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = x * 2.0
    z1, z2 = (h * 3.0).sum(), (h * 4.0).sum()
    z1.backward()  # frees h's op too
    with pytest.raises(RuntimeError, match="already freed"):
        z2.backward()


def test_backward_releases_the_activations():
    x = Tensor(np.ones(1000), requires_grad=True)
    h = x.exp() * 2.0
    alive = weakref.ref(h)
    loss = (h * 3.0).sum()
    del h
    gc.collect()
    assert alive() is not None  # the graph needs it for backward
    loss.backward()
    gc.collect()
    assert alive() is None  # freed although the loss is still here
    assert loss.item() == pytest.approx(6000 * np.e)


def test_retain_graph_allows_a_second_backward():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad, 2 * 2 * x.data)


def test_chain_of_100000_ops_is_iterative():
    x = Tensor(np.array(0.5), requires_grad=True)
    y = x
    for _ in range(50_000):
        y = y * 1.0
        y = y + 0.0
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # anything recursive would fail
    try:
        y.backward()
    finally:
        sys.setrecursionlimit(limit)
    assert x.grad == 1.0
    del y
    gc.collect()  # freeing the long chain must not crash either


def test_upstream_gradient_checks():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"non-scalar output of shape \(2, 3\)"):
        y.backward()
    with pytest.raises(ValueError, match=r"shape \(3,\), expected the output's shape \(2, 3\)"):
        y.backward(np.ones(3))
    g = np.arange(6.0).reshape(2, 3)
    y.backward(Tensor(g))
    np.testing.assert_array_equal(x.grad, 2 * g)


def test_non_leaf_gradients_are_kept_only_on_request():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = x * 3.0
    k = (x * 2.0).retain_grad()
    (h * k).sum().backward()
    assert h.grad is None
    np.testing.assert_allclose(k.grad, h.data)
    np.testing.assert_allclose(x.grad, 3 * k.data + 2 * h.data)


def test_integer_tensor_cannot_ask_for_a_gradient():
    with pytest.raises(TypeError, match=r"floating dtype, got int64 with shape \(2, 2\)"):
        Tensor(np.ones((2, 2), dtype=np.int64), requires_grad=True)
    # set by hand afterwards: backward refuses instead of truncating gradients
    n = Tensor(np.array([1, 2]))
    n.requires_grad = True
    x = Tensor(np.array([0.5, 0.25]), requires_grad=True)
    with pytest.raises(TypeError, match=r"Mul input of shape \(2,\) has dtype int64"):
        (x * n).sum().backward()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradients_keep_the_dtype(dtype):
    x = Tensor(np.ones((2, 3), dtype), requires_grad=True)
    b = Tensor(np.ones(3, dtype), requires_grad=True)
    y = ((x * np.log(2.0) + b) / np.float64(3.0)).exp().sum()
    assert y.dtype == dtype
    y.backward()
    assert x.grad.dtype == dtype and b.grad.dtype == dtype


def test_mixed_precision_gradients_are_cast_back():
    x32 = Tensor(np.ones(3, np.float32), requires_grad=True)
    w64 = Tensor(np.full(3, 2.0), requires_grad=True)
    y = (x32 * w64).sum()
    assert y.dtype == np.float64  # two tensors: NumPy promotion, explicitly chosen
    y.backward()
    assert x32.grad.dtype == np.float32 and w64.grad.dtype == np.float64
    np.testing.assert_array_equal(x32.grad, 2.0)


def test_only_inputs_that_require_grad_get_one():
    x = Tensor(np.ones(2), requires_grad=True)
    c = Tensor(np.full(2, 5.0))
    (x * c).sum().backward()
    assert c.grad is None and x.grad is not None


def test_op_that_gives_no_gradient_to_an_input():
    class FirstOnly(Function):
        def forward(self, a, b):
            return a + b

        def backward(self, g):
            return g, None

    a = Tensor(np.ones(2), requires_grad=True)
    b = Tensor(np.ones(2), requires_grad=True)
    FirstOnly.apply(a, b).sum().backward()
    assert a.grad is not None and b.grad is None


@pytest.mark.parametrize(
    ("g_shape", "shape", "expected"),
    [
        ((2, 3), (2, 3), np.ones((2, 3))),
        ((2, 3), (3,), np.full(3, 2.0)),
        ((2, 3), (1, 3), np.full((1, 3), 2.0)),
        ((2, 3), (2, 1), np.full((2, 1), 3.0)),
        ((4, 2, 3), (2, 1), np.full((2, 1), 12.0)),
        ((2, 3), (), np.array(6.0)),
        ((2, 3), (1, 1), np.full((1, 1), 6.0)),
    ],
)
def test_unbroadcast_sums_the_broadcast_axes(g_shape, shape, expected):
    out = unbroadcast(np.ones(g_shape), shape)
    assert out.shape == shape
    np.testing.assert_array_equal(out, expected)


def test_unbroadcast_with_random_values(rng):
    g = rng.normal(size=(4, 2, 3))
    np.testing.assert_allclose(unbroadcast(g, (2, 1)), g.sum(axis=(0, 2))[:, None])


def test_leaves_fed_by_one_add_never_share_a_grad_array():
    # Add hands the same g to both inputs; leaf gradients are stored without a copy only
    # when nothing else can hold the array.
    rng = np.random.default_rng(3)
    a = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    b = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    g = rng.standard_normal((3, 4))
    (a + b).backward(g)
    assert not np.shares_memory(a.grad, b.grad)
    assert not np.shares_memory(a.grad, g) and not np.shares_memory(b.grad, g)
    a.grad *= 0.0  # an in-place update of one gradient leaves the others alone
    np.testing.assert_array_equal(b.grad, g)
    # the caller's array as the root's own gradient, and broadcast (view) gradients
    x = Tensor(rng.standard_normal(4), requires_grad=True)
    x.backward(g[0])
    assert not np.shares_memory(x.grad, g)
    s = Tensor(rng.standard_normal((1, 4)), requires_grad=True)
    y = (s + a) * 2.0
    y.backward(g)
    np.testing.assert_allclose(s.grad, 2 * g.sum(axis=0, keepdims=True))
    assert s.grad.flags.writeable and s.grad.flags.owndata
