"""Tensor: construction, dtypes, conversions, operators with Python and NumPy values."""

from __future__ import annotations

import numpy as np
import pytest

import nnmath
from nnmath import Tensor
from nnmath import functional as F
from nnmath.tensor import tensor


@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        (1.5, np.float32),
        ([1.0, 2.0], np.float32),
        ([[1, 2]], np.int64),
        (np.ones(3), np.float64),
        (np.ones(3, np.float32), np.float32),
        (np.float64(2.0), np.float64),
        (True, np.bool_),
    ],
)
def test_construction_dtypes(data, dtype):
    assert Tensor(data).dtype == dtype


def test_construction_with_dtype_and_from_tensor():
    t = Tensor([1, 2], dtype=np.float64, requires_grad=True)
    assert t.dtype == np.float64 and t.requires_grad and t.grad is None
    u = Tensor(t)
    assert u.data is t.data and not u.requires_grad
    assert tensor([1.0], requires_grad=True).requires_grad
    arr = np.ones(3)
    assert Tensor(arr).data is arr  # no needless copy


def test_properties_and_conversions():
    t = Tensor(np.arange(6.0).reshape(2, 3))
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and len(t) == 2
    assert t.numpy() is t.data
    assert Tensor(np.array([[4.0]])).item() == 4.0
    with pytest.raises(ValueError, match=r"one-element tensor, got shape \(2, 3\)"):
        t.item()
    assert "Tensor(" in repr(t) and "float64" in repr(t)
    assert "requires_grad=True" in repr(Tensor(1.0, requires_grad=True))
    assert t.is_leaf and (t * 2).is_leaf  # no grad, no graph
    assert not (Tensor(1.0, requires_grad=True) * 2).is_leaf


def test_detach_and_astype_cut_the_graph():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    d = x.detach()
    assert d.data is x.data and not d.requires_grad
    y = (x * d).sum()  # d is a constant: dy/dx = d
    y.backward()
    np.testing.assert_array_equal(x.grad, x.data)
    c = x.astype(np.float32)
    assert c.dtype == np.float32 and not c.requires_grad and c.data is not x.data


def test_python_scalars_on_both_sides(rng):
    a = rng.normal(size=(2, 3)).astype(np.float32)
    t = Tensor(a)
    cases = [
        (t + 2, a + 2), (2 + t, 2 + a), (t - 2, a - 2), (2 - t, 2 - a), (t * 3, a * 3),
        (3 * t, 3 * a), (t / 4, a / 4), (4 / t, 4 / a), (abs(t) ** 2, np.abs(a) ** 2),
        (2.0 ** t, 2.0**a), (-t, -a), (+t, a), (abs(t), np.abs(a)),
    ]
    for got, want in cases:
        assert got.dtype == np.float32
        np.testing.assert_allclose(got.data, want, rtol=1e-6)


def test_numpy_values_do_not_upcast_float32(rng):
    t = Tensor(rng.normal(size=3).astype(np.float32), requires_grad=True)
    ln2 = np.log(2.0)  # a NumPy float64 scalar
    for y in (t * ln2, ln2 * t, t + np.ones(3), np.ones(3) + t, t @ np.ones(3), np.ones(3) @ t):
        assert isinstance(y, Tensor) and y.dtype == np.float32
    y = (ln2 * t + np.arange(3.0)).sum()
    y.backward()
    assert t.grad.dtype == np.float32
    np.testing.assert_allclose(t.grad, np.full(3, ln2, np.float32))


def test_float64_stays_float64():
    t = Tensor(np.ones(2), requires_grad=True)
    y = (t * np.float32(3.0) + 1.0).exp().sum()
    assert y.dtype == np.float64
    y.backward()
    assert t.grad.dtype == np.float64


def test_comparisons_give_boolean_tensors_without_grad():
    t = Tensor(np.array([-1.0, 0.0, 2.0]), requires_grad=True)
    for mask, want in [
        (t > 0, [False, False, True]), (t >= 0, [False, True, True]),
        (t < 0, [True, False, False]), (t <= 0, [True, True, False]),
        (t > Tensor(np.zeros(3)), [False, False, True]),
    ]:
        assert mask.dtype == np.bool_ and not mask.requires_grad
        np.testing.assert_array_equal(mask.data, want)


def test_methods_exist_and_agree_with_functional(rng):
    a = rng.normal(size=(3, 4))
    t = Tensor(a)
    np.testing.assert_allclose(t.relu().data, F.relu(t).data)
    np.testing.assert_allclose(t.sigmoid().data, F.sigmoid(t).data)
    np.testing.assert_allclose(t.tanh().data, F.tanh(t).data)
    np.testing.assert_allclose(t.mean(axis=0).data, a.mean(axis=0))
    np.testing.assert_allclose(t.mean().data, a.mean())
    want = a.mean((0, 1), keepdims=True)
    np.testing.assert_allclose(t.mean(axis=(0, 1), keepdims=True).data, want)
    np.testing.assert_allclose(t.clip(-0.5, 0.5).data, np.clip(a, -0.5, 0.5))
    np.testing.assert_allclose(t.maximum(0.1).data, np.maximum(a, 0.1))
    np.testing.assert_allclose(t.flatten().data, a.ravel())
    np.testing.assert_allclose(t.T.data, a.T)
    np.testing.assert_allclose(t.reshape(2, 6).data, a.reshape(2, 6))
    np.testing.assert_allclose(t.reshape((6, 2)).data, a.reshape(6, 2))
    np.testing.assert_allclose(t.transpose(1, 0).data, a.T)
    np.testing.assert_allclose(t.transpose((1, 0)).data, a.T)


def test_public_names():
    for name in ("Tensor", "tensor", "no_grad", "enable_grad", "gradcheck", "functional",
                 "set_num_threads", "get_num_threads", "is_grad_enabled"):
        assert hasattr(nnmath, name), name


def test_integer_and_boolean_tensors_do_not_upcast_float32(rng):
    x = Tensor(rng.normal(size=(2, 3)).astype(np.float32), requires_grad=True)
    labels = Tensor(np.array([0, 2, 1]))  # int64
    mask = Tensor(np.array([True, False, True]))
    for y in (x * labels, labels * x, x + mask, F.where(mask.data, x, labels),
              F.concat([x, labels.reshape(1, 3)]), x @ Tensor(np.arange(3)), x.maximum(labels)):
        assert y.dtype == np.float32
    (x * labels + labels).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, np.broadcast_to([0.0, 2.0, 1.0], (2, 3)))
    assert (labels * labels).dtype == np.int64  # no floating operand: NumPy's own rules


def test_truth_value_and_float_of_one_element_tensors():
    assert Tensor(np.array(2.0)) > 1 and not (Tensor(np.array([[0.5]])) > 1)
    assert float(Tensor(np.array([3.5], np.float32))) == 3.5
    for t in (Tensor(np.array([0.0, 0.0])), Tensor(np.array([1.0, 1.0]))):  # len() would say 2
        with pytest.raises(ValueError, match=r"truth value of a tensor of shape \(2,\)"):
            bool(t)
    with pytest.raises(ValueError, match=r"one-element tensor, got shape \(2,\)"):
        float(Tensor(np.ones(2)))


_OTHERS = {
    "python float": lambda: 0.7, "python int": lambda: 3, "np.float64 scalar": lambda: np.log(2.0),
    "float64 array": lambda: np.full(3, 0.5), "int array": lambda: np.arange(1, 4),
    "bool array": lambda: np.array([True, True, True]), "list": lambda: [0.5, 1.5, 2.0],
    "int tensor": lambda: Tensor(np.arange(1, 4)), "float64 0-d array": lambda: np.array(0.25),
}
_OPS = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "**": lambda a, b: a**b, "maximum": F.maximum,
    "where": lambda a, b: F.where(np.array([True, False, True]), a, b),
    "concat": lambda a, b: F.concat([_flat(a), _flat(b)]),
}


def _flat(v):
    return v.reshape(-1) if isinstance(v, Tensor) else np.ravel(v)


@pytest.mark.parametrize("op", list(_OPS), ids=list(_OPS))
@pytest.mark.parametrize("other", list(_OTHERS), ids=list(_OTHERS))
def test_float32_survives_every_kind_of_other_operand(op, other, rng):
    x = Tensor(rng.uniform(0.5, 2.0, 3).astype(np.float32), requires_grad=True)
    fn = _OPS[op]
    for y in (fn(x, _OTHERS[other]()), fn(_OTHERS[other](), x)):
        assert y.dtype == np.float32, (op, other, y.dtype)
        y.backward(np.ones(y.shape, np.float32))
        assert x.grad.dtype == np.float32
