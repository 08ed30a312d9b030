"""Element-wise primitives: forward against NumPy, backward against finite differences."""

from __future__ import annotations

import warnings

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnmath import Tensor, gradcheck
from nnmath import functional as F


def check(fn, *inputs, **kw):
    report = gradcheck(fn, *inputs, **kw)
    assert report.passed, report


def away_from_zero(rng, shape, low=0.3, high=2.0):
    """Values with |v| in [low, high] and random signs (no kinks, no poles)."""
    return rng.uniform(low, high, size=shape) * rng.choice([-1.0, 1.0], size=shape)


SHAPE_PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((5,), ())]

# name, engine op, NumPy reference, how to draw (a, b)
BINARY = [
    ("add", lambda a, b: a + b, np.add, lambda r, sa, sb: (r.normal(size=sa), r.normal(size=sb))),
    ("sub", lambda a, b: a - b, np.subtract,
     lambda r, sa, sb: (r.normal(size=sa), r.normal(size=sb))),
    ("mul", lambda a, b: a * b, np.multiply,
     lambda r, sa, sb: (r.normal(size=sa), r.normal(size=sb))),
    ("div", lambda a, b: a / b, np.divide,
     lambda r, sa, sb: (r.normal(size=sa), away_from_zero(r, sb))),
    ("pow", lambda a, b: a**b, np.power,
     lambda r, sa, sb: (r.uniform(0.5, 2.0, size=sa), r.normal(size=sb))),
    ("maximum", lambda a, b: a.maximum(b), np.maximum,
     lambda r, sa, sb: (r.normal(size=sa), r.normal(size=sb))),
]


@pytest.mark.parametrize(("name", "op", "ref", "draw"), BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize(("sa", "sb"), SHAPE_PAIRS)
def test_binary_forward_and_backward(name, op, ref, draw, sa, sb, rng):
    a, b = draw(rng, sa, sb)
    np.testing.assert_allclose(op(Tensor(a), Tensor(b)).data, ref(a, b), rtol=1e-12)
    check(op, a, b)


UNARY = [
    ("neg", lambda x: -x, np.negative, lambda r, s: r.normal(size=s)),
    ("exp", lambda x: x.exp(), np.exp, lambda r, s: r.normal(size=s)),
    ("log", lambda x: x.log(), np.log, lambda r, s: r.uniform(0.3, 3.0, size=s)),
    ("sqrt", lambda x: x.sqrt(), np.sqrt, lambda r, s: r.uniform(0.3, 3.0, size=s)),
    ("abs", lambda x: x.abs(), np.abs, away_from_zero),
    ("relu", lambda x: x.relu(), lambda x: np.maximum(x, 0), away_from_zero),
    ("sigmoid", lambda x: x.sigmoid(), lambda x: 1 / (1 + np.exp(-x)),
     lambda r, s: 3 * r.normal(size=s)),
    ("tanh", lambda x: x.tanh(), np.tanh, lambda r, s: r.normal(size=s)),
    ("clip", lambda x: x.clip(-0.5, 0.8), lambda x: np.clip(x, -0.5, 0.8),
     lambda r, s: r.choice([-1.5, -0.2, 0.1, 0.4, 1.2], size=s) + 0.05 * r.normal(size=s)),
    ("clip_lo", lambda x: x.clip(0.0, None), lambda x: np.clip(x, 0.0, None), away_from_zero),
    ("clip_hi", lambda x: x.clip(None, 0.0), lambda x: np.clip(x, None, 0.0), away_from_zero),
]


@pytest.mark.parametrize(("name", "op", "ref", "draw"), UNARY, ids=[u[0] for u in UNARY])
@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 4)])
def test_unary_forward_and_backward(name, op, ref, draw, shape, rng):
    x = draw(rng, shape)
    np.testing.assert_allclose(op(Tensor(x)).data, ref(x), rtol=1e-12)
    check(op, x)


@pytest.mark.parametrize(
    "op",
    [b[1] for b in BINARY] + [lambda a, b: F.where(a.data > 0, a, b)],
)
def test_binary_ops_keep_float32_and_do_not_modify_inputs(op, rng):
    a = rng.uniform(0.5, 2.0, size=(3, 4)).astype(np.float32)
    b = rng.uniform(0.5, 2.0, size=(4,)).astype(np.float32)
    a0, b0 = a.copy(), b.copy()
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    y = op(ta, tb)
    assert y.dtype == np.float32
    y.backward(rng.normal(size=y.shape).astype(np.float32))
    assert ta.grad.dtype == np.float32 and tb.grad.dtype == np.float32
    assert ta.grad.shape == a.shape and tb.grad.shape == b.shape
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(b, b0)


@pytest.mark.parametrize("op", [u[1] for u in UNARY])
def test_unary_ops_keep_float32_and_do_not_modify_inputs(op, rng):
    x = rng.uniform(0.3, 2.0, size=(3, 4)).astype(np.float32)
    x0 = x.copy()
    t = Tensor(x, requires_grad=True)
    y = op(t)
    assert y.dtype == np.float32
    y.backward(np.ones(y.shape, np.float32))
    assert t.grad.dtype == np.float32
    np.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_and_tanh_are_stable_at_1000(dtype):
    x = Tensor(np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0], dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = x.sigmoid()
        y.backward(np.ones(5, dtype))
        t = x.tanh()
    assert y.dtype == dtype and x.grad.dtype == dtype
    want = [0.0, 1 / (1 + np.exp(30.0)), 0.5, 1 / (1 + np.exp(-30.0)), 1.0]
    np.testing.assert_allclose(y.data, want, rtol=1e-6)
    assert np.all(np.isfinite(x.grad)) and x.grad[0] == 0 and x.grad[-1] == 0
    assert x.grad[2] == 0.25
    np.testing.assert_array_equal(t.data[[0, -1]], [-1.0, 1.0])


def test_sigmoid_gradient_in_the_tails():
    # Left tail: y is tiny and exact, so finite differences are accurate there.
    check(lambda x: x.sigmoid(), np.array([-40.0, -20.0, -8.0]), atol=1e-30)
    # Right tail: y rounds towards 1, so compare with the exact e^-x / (1 + e^-x)^2 instead.
    x = Tensor(np.array([8.0, 20.0]), requires_grad=True)
    x.sigmoid().sum().backward()
    e = np.exp(-x.data)
    np.testing.assert_allclose(x.grad, e / (1 + e) ** 2, rtol=1e-6)


def test_relu_gradient_at_zero_is_zero():
    x = Tensor(np.array([-1.0, 0.0, 2.0]), requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0])


def test_maximum_ties_share_the_gradient():
    a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = Tensor(np.array([2.0, 2.0, 2.0]), requires_grad=True)
    a.maximum(b).backward(np.array([1.0, 4.0, 1.0]))
    np.testing.assert_array_equal(a.grad, [0.0, 2.0, 1.0])
    np.testing.assert_array_equal(b.grad, [1.0, 2.0, 0.0])


def test_pow_with_a_constant_exponent_and_nonpositive_base():
    check(lambda x: x**2, np.array([-1.5, 0.5, 2.0]))
    check(lambda x: x**3.0, np.array([-1.5, 0.7]))
    # exponent gradient: ln(a) only exists for a > 0, it is 0 elsewhere (documented)
    a = Tensor(np.array([-2.0, 2.0]))
    b = Tensor(np.array([2.0, 2.0]), requires_grad=True)
    (a**b).sum().backward()
    np.testing.assert_allclose(b.grad, [0.0, 4 * np.log(2.0)])


def test_where_forward_backward_and_broadcasting(rng):
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(4,))
    cond = rng.random((3, 1)) > 0.5
    np.testing.assert_array_equal(F.where(cond, Tensor(a), Tensor(b)).data, np.where(cond, a, b))
    check(lambda x, y: F.where(cond, x, y), a, b)
    check(lambda x: F.where(Tensor(a) > 0, x, 0.0), a)


def test_clip_needs_a_bound():
    with pytest.raises(ValueError, match="clip: give at least one of lo and hi"):
        Tensor(np.ones(2)).clip(None, None)


@settings(max_examples=25, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       seed=st.integers(0, 2**16))
def test_mul_div_under_random_broadcasting(shapes, seed):
    rng = np.random.default_rng(seed)
    sa, sb = shapes.input_shapes
    a, b = rng.normal(size=sa), away_from_zero(rng, sb)
    y = Tensor(a) * Tensor(b) / Tensor(b + 3.0)
    np.testing.assert_allclose(y.data, a * b / (b + 3.0), rtol=1e-12)
    check(lambda x, z: x * z / (z + 3.0), a, b)


@pytest.mark.parametrize(
    ("name", "op"),
    [("add", lambda a, b: a + b), ("add", lambda a, b: b.data + a),
     ("sub", lambda a, b: a - b), ("sub", lambda a, b: b.data - a),
     ("mul", lambda a, b: a * b), ("mul", lambda a, b: b.data * a),
     ("div", lambda a, b: a / b), ("div", lambda a, b: b.data / a),
     ("pow", lambda a, b: a**b), ("pow", lambda a, b: b.data**a),
     ("maximum", lambda a, b: a.maximum(b)), ("maximum", lambda a, b: F.maximum(b, a))],
)
def test_broadcast_mismatch_names_the_op_and_both_shapes(name, op):
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones(4))
    with pytest.raises(ValueError, match=rf"^{name}: cannot broadcast shapes \((2, 3|4,)\) and"):
        op(a, b)
    with pytest.raises(ValueError) as err:
        op(a, b)
    assert "(2, 3)" in str(err.value) and "(4,)" in str(err.value)


def test_where_mismatch_names_all_three_shapes():
    with pytest.raises(ValueError, match=r"^where: .*shapes \(3,\), \(2, 4\) and \(\)"):
        F.where(np.ones(3, bool), Tensor(np.ones((2, 4))), 0.0)


def test_other_value_errors_are_not_reworded():
    # the shapes broadcast: NumPy's own message about integer powers must come through
    with pytest.raises(ValueError, match="negative integer powers"):
        Tensor(np.array([2, 3])) ** Tensor(np.array([-1]))
