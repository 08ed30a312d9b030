"""Composites: softmax family (incl. stability at +-1000), dropout, linear, wrappers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nnmath import Tensor, gradcheck
from nnmath import functional as F


def check(fn, *inputs, **kw):
    report = gradcheck(fn, *inputs, **kw)
    assert report.passed, report


def ref_logsumexp(x, axis=None, keepdims=False):
    """Plain NumPy reference in extended precision (exact for the tested magnitudes)."""
    x = np.asarray(x, dtype=np.longdouble)
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return (out if keepdims else np.squeeze(out, axis=axis)).astype(np.float64)


def ref_softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_and_log_softmax(axis, rng):
    x = 3 * rng.normal(size=(3, 4))
    np.testing.assert_allclose(F.softmax(Tensor(x), axis=axis).data, ref_softmax(x, axis))
    np.testing.assert_allclose(
        F.log_softmax(Tensor(x), axis=axis).data, np.log(ref_softmax(x, axis)), rtol=1e-12
    )
    np.testing.assert_allclose(F.softmax(Tensor(x), axis).data.sum(axis=axis), 1.0)
    check(lambda t: F.softmax(t, axis=axis), x)
    check(lambda t: F.log_softmax(t, axis=axis), x)


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 2), -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp(axis, keepdims, rng):
    x = 2 * rng.normal(size=(2, 3, 4))
    y = F.logsumexp(Tensor(x), axis=axis, keepdims=keepdims)
    want = ref_logsumexp(x, axis=axis, keepdims=keepdims)
    assert y.shape == want.shape
    np.testing.assert_allclose(y.data, want, rtol=1e-12)
    check(lambda t: F.logsumexp(t, axis=axis, keepdims=keepdims), x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stable_at_plus_minus_1000(dtype):
    x = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -999.0], [1000.0, 1000.0, 1000.0]])
    t = Tensor(x.astype(dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow/underflow/invalid warnings at all
        s = F.softmax(t)
        ls = F.log_softmax(t)
        lse = F.logsumexp(t, axis=1)
        sig = F.sigmoid(t)
        g = np.random.default_rng(1).normal(size=x.shape).astype(dtype)
        (s * g).sum().backward()
        (ls * g).sum().backward()
        lse.sum().backward()
        sig.sum().backward()
    for out in (s, ls, lse, sig):
        assert out.dtype == dtype and np.all(np.isfinite(out.data))
    assert np.all(np.isfinite(t.grad)) and t.grad.dtype == dtype
    np.testing.assert_allclose(s.data, ref_softmax(x), atol=1e-7)
    np.testing.assert_allclose(lse.data, ref_logsumexp(x, axis=1), rtol=1e-6)
    np.testing.assert_allclose(ls.data[0], [0.0, -2000.0, -1000.0], rtol=1e-6)
    np.testing.assert_allclose(lse.data[2], 1000 + np.log(3.0), rtol=1e-6)


def test_softmax_family_gradients_at_large_magnitudes(rng):
    x = 1000 * rng.normal(size=(2, 3)) + np.array([[0.0, 0.5, 1.0], [3.0, 3.2, 3.1]]) * 1e-3
    big = np.array([[1000.0, 1000.5, 999.0], [-1000.0, -1000.2, -999.9]])
    for inp in (x, big):
        check(lambda t: F.log_softmax(t), inp)
        check(lambda t: F.softmax(t), inp)
        check(lambda t: F.logsumexp(t, axis=1), inp)


def test_logsumexp_of_all_minus_infinity_is_minus_infinity():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # log(0) is the right answer here
        y = F.logsumexp(Tensor(np.array([[-np.inf, -np.inf], [0.0, 0.0]])), axis=1)
    assert y.data[0] == -np.inf and y.data[1] == pytest.approx(np.log(2.0))


def test_dropout_identity_when_not_training():
    x = Tensor(np.ones((3, 4), np.float32), requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0, training=True) is x


def test_dropout_is_inverted_and_reproducible():
    x = Tensor(np.full((200, 500), 2.0, np.float32), requires_grad=True)
    y = F.dropout(x, 0.3, training=True, seed=7)
    assert y.dtype == np.float32
    values = np.unique(y.data)
    np.testing.assert_allclose(values, [0.0, 2.0 / 0.7], rtol=1e-6)
    kept = np.mean(y.data != 0)
    assert abs(kept - 0.7) < 0.01  # 1e5 draws: std 0.0015
    assert abs(y.data.mean() - 2.0) < 0.03  # E[y] = x
    np.testing.assert_array_equal(F.dropout(x, 0.3, seed=7).data, y.data)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, (y.data != 0) / 0.7, rtol=1e-6)  # dy/dx = mask/(1-rate)


def test_dropout_with_a_generator_draws_fresh_masks():
    gen = np.random.default_rng(3)
    x = Tensor(np.ones(1000))
    a, b = F.dropout(x, 0.5, seed=gen), F.dropout(x, 0.5, seed=gen)
    assert not np.array_equal(a.data, b.data)
    check(lambda t: F.dropout(t, 0.4, seed=5), np.random.default_rng(0).normal(size=(4, 5)))


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5])
def test_dropout_rejects_bad_rates(rate):
    with pytest.raises(ValueError, match=r"dropout: rate must be in \[0, 1\)"):
        F.dropout(Tensor(np.ones(2)), rate)


def test_linear(rng):
    x, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    np.testing.assert_allclose(F.linear(Tensor(x), Tensor(W), Tensor(b)).data, x @ W + b)
    np.testing.assert_allclose(F.linear(Tensor(x), Tensor(W)).data, x @ W)
    check(lambda a, w, c: F.linear(a, w, c), x, W, b)


def test_elementwise_wrappers(rng):
    x = rng.uniform(0.5, 2.0, size=(2, 3))
    for fn, ref in [
        (F.relu, lambda a: np.maximum(a, 0)), (F.sigmoid, lambda a: 1 / (1 + np.exp(-a))),
        (F.tanh, np.tanh), (F.exp, np.exp), (F.log, np.log), (F.sqrt, np.sqrt),
    ]:
        np.testing.assert_allclose(fn(x).data, ref(x), rtol=1e-12)
        check(fn, x)
    np.testing.assert_allclose(F.clip(Tensor(x), 1.0, 1.5).data, np.clip(x, 1.0, 1.5))
    np.testing.assert_allclose(F.maximum(Tensor(x), 1.0).data, np.maximum(x, 1.0))
    np.testing.assert_allclose(F.matmul(Tensor(x), Tensor(x.T)).data, x @ x.T)
    np.testing.assert_allclose(F.mean(Tensor(x), axis=1).data, x.mean(axis=1))
    assert F.sigmoid(np.float32(0.0)).dtype == np.float32


def test_float32_network_step_has_no_hidden_float64(rng, monkeypatch):
    """A float32 MLP step: every value float32, and no gradient ever needs casting back."""
    from nnmath import autograd

    casts = []
    real_cast = autograd._cast_grad
    monkeypatch.setattr(
        autograd, "_cast_grad", lambda pg, parent, ctx: casts.append(type(ctx).__name__)
        or real_cast(pg, parent, ctx)
    )
    f32 = np.float32
    x = Tensor(rng.normal(size=(8, 5)).astype(f32))
    W1 = Tensor(rng.normal(size=(5, 6)).astype(f32), requires_grad=True)
    b1 = Tensor(np.zeros(6, f32), requires_grad=True)
    W2 = Tensor(rng.normal(size=(6, 3)).astype(f32), requires_grad=True)
    labels = rng.integers(0, 3, 8)
    h = F.dropout(F.linear(x, W1, b1).relu(), 0.2, seed=0)
    h = F.concat([h.sigmoid(), F.pad(h.tanh(), ((0, 0), (0, 1)))[:, :6]], axis=0)
    logits = F.linear(h[:8] * np.log(2.0) + h[8:], W2)
    logp = F.log_softmax(logits, axis=1)
    loss = -logp[np.arange(8), labels].mean() + 1e-3 * (W1 * W1).sum() + F.logsumexp(logits)
    values = [h, logits, logp, loss]
    assert all(v.dtype == f32 for v in values), [v.dtype for v in values]
    loss.backward()
    assert all(p.grad.dtype == f32 for p in (W1, b1, W2))
    assert casts == [], f"float64 gradients were produced inside: {casts}"


@pytest.mark.parametrize(
    ("name", "fn"),
    [("softmax", F.softmax), ("log_softmax", F.log_softmax), ("logsumexp", F.logsumexp)],
)
def test_softmax_family_bad_axis_names_the_function_and_shape(name, fn):
    with pytest.raises(ValueError, match=rf"^{name}: axis 2 is out of range.*shape \(4, 2\)"):
        fn(Tensor(np.ones((4, 2))), axis=2)
