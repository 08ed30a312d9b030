"""classic.conv: the course's published numbers, loop and vectorized paths agreeing, and the
backward passes against finite differences and the engine's autodiff (im2col built from
GetItem + MatMul primitives, so the engine's own conv op is not involved)."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath import Tensor
from nnmath.classic import conv

CONFIGS = [  # (m, H, W, C_prev, f, C, pad, stride)
    (2, 5, 7, 3, 3, 4, 1, 2),
    (3, 6, 6, 2, 2, 3, 0, 1),
    (1, 7, 5, 4, 3, 2, 2, 3),
    (2, 4, 4, 3, 4, 5, 0, 1),
]


def test_published_forward_and_backward_numbers():
    rs = np.random.RandomState(1)
    a_slice_prev, W, b = rs.randn(4, 4, 3), rs.randn(4, 4, 3), rs.randn(1, 1, 1)
    assert conv.conv_single_step(a_slice_prev, W, b) == pytest.approx(-6.99908945068, abs=1e-11)

    rs = np.random.RandomState(1)
    A_prev, W, b = rs.randn(10, 5, 7, 4), rs.randn(3, 3, 4, 8), rs.randn(1, 1, 1, 8)
    Z, _ = conv.conv_forward(A_prev, W, b, {"pad": 1, "stride": 2})
    assert Z.shape == (10, 3, 4, 8)
    assert Z.mean() == pytest.approx(0.692360880758, abs=1e-12)
    np.testing.assert_allclose(
        Z[3, 2, 1],
        [-1.28912231, 2.27650251, 6.61941931, 0.95527176, 8.25132576, 2.31329639,
         13.00689405, 2.34576051],
        atol=5e-9,
    )

    rs = np.random.RandomState(1)
    A_prev, W, b = rs.randn(10, 4, 4, 3), rs.randn(2, 2, 3, 8), rs.randn(1, 1, 1, 8)
    Z, cache = conv.conv_forward(A_prev, W, b, {"pad": 2, "stride": 2})
    dA, dW, db = conv.conv_backward(Z, cache)
    assert dA.mean() == pytest.approx(1.45243777754, abs=1e-11)
    assert dW.mean() == pytest.approx(1.72699145831, abs=1e-11)
    assert db.mean() == pytest.approx(7.83923256462, abs=1e-11)


def test_published_pooling_numbers():
    A_prev = np.random.RandomState(1).randn(2, 4, 4, 3)
    A, _ = conv.pool_forward(A_prev, {"stride": 2, "f": 3}, mode="max")
    np.testing.assert_allclose(
        A.ravel(), [1.74481176, 0.86540763, 1.13376944, 1.13162939, 1.51981682, 2.18557541],
        atol=5e-9,
    )
    A, _ = conv.pool_forward(A_prev, {"stride": 2, "f": 3}, mode="average")
    np.testing.assert_allclose(
        A.ravel(),
        [0.02105773, -0.20328806, -0.40389855, -0.22154621, 0.51716526, 0.48155844],
        atol=5e-9,
    )
    rs = np.random.RandomState(1)
    A_prev = rs.randn(5, 5, 3, 2)
    _, cache = conv.pool_forward(A_prev, {"stride": 1, "f": 2})
    dA = rs.randn(5, 4, 2, 2)
    np.testing.assert_allclose(
        conv.pool_backward(dA, cache, "max")[1, 1],
        [[0.0, 0.0], [5.05844394, -1.68282702], [0.0, 0.0]], atol=5e-9,
    )
    np.testing.assert_allclose(
        conv.pool_backward(dA, cache, "average")[1, 1],
        [[0.08485462, 0.2787552], [1.26461098, -0.25749373], [1.17975636, -0.53624893]],
        atol=5e-9,
    )


def test_helpers():
    x = np.array([[1.0, 3.0], [4.0, 2.0]])
    np.testing.assert_array_equal(conv.create_mask_from_window(x), [[False, False], [True, False]])
    np.testing.assert_array_equal(conv.distribute_value(2.0, (2, 2)), np.full((2, 2), 0.5))
    padded = conv.zero_pad(np.ones((1, 2, 3, 1)), 2)
    assert padded.shape == (1, 6, 7, 1) and padded.sum() == 6 and padded[0, 2:4, 2:5].all()


@pytest.mark.parametrize("cfg", CONFIGS)
def test_loop_and_vectorized_paths_agree(cfg, rng):
    m, H, W_, C_prev, f, C, pad, stride = cfg
    A = rng.standard_normal((m, H, W_, C_prev))
    W, b = rng.standard_normal((f, f, C_prev, C)), rng.standard_normal((1, 1, 1, C))
    hp = {"pad": pad, "stride": stride}
    Zv, cache = conv.conv_forward(A, W, b, hp)
    Zl, _ = conv.conv_forward(A, W, b, hp, method="loop")
    np.testing.assert_allclose(Zv, Zl, rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(Zv.shape)
    vec, loop = conv.conv_backward(g, cache), conv.conv_backward(g, cache, method="loop")
    for v, lp in zip(vec, loop, strict=True):
        np.testing.assert_allclose(v, lp, rtol=1e-12, atol=1e-12)
    hp_pool = {"f": f, "stride": stride}
    for mode in ("max", "average"):
        Pv, pcache = conv.pool_forward(A, hp_pool, mode)
        Pl, _ = conv.pool_forward(A, hp_pool, mode, method="loop")
        np.testing.assert_array_equal(Pv, Pl)
        gp = rng.standard_normal(Pv.shape)
        np.testing.assert_allclose(
            conv.pool_backward(gp, pcache, mode),
            conv.pool_backward(gp, pcache, mode, method="loop"), rtol=1e-12, atol=1e-12,
        )


def _fd(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    out = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        out[idx] = (f(xp) - f(xm)) / (2 * eps)
    return out


@pytest.mark.parametrize("cfg", CONFIGS[:2])
def test_conv_backward_matches_finite_differences(cfg, rng):
    m, H, W_, C_prev, f, C, pad, stride = cfg
    A = rng.standard_normal((m, H, W_, C_prev))
    W, b = rng.standard_normal((f, f, C_prev, C)), rng.standard_normal((1, 1, 1, C))
    hp = {"pad": pad, "stride": stride}
    Z, cache = conv.conv_forward(A, W, b, hp)
    g = rng.standard_normal(Z.shape)  # random upstream gradient: L = sum(g * Z)
    dA, dW, db = conv.conv_backward(g, cache)
    np.testing.assert_allclose(dA, _fd(lambda a: np.sum(g * conv.conv_forward(a, W, b, hp)[0]), A),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dW, _fd(lambda w: np.sum(g * conv.conv_forward(A, w, b, hp)[0]), W),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(db, _fd(lambda c: np.sum(g * conv.conv_forward(A, W, c, hp)[0]), b),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("mode", ["max", "average"])
def test_pool_backward_matches_finite_differences(mode, rng):
    A = rng.standard_normal((2, 5, 5, 3))
    hp = {"f": 2, "stride": 1}
    P, cache = conv.pool_forward(A, hp, mode)
    g = rng.standard_normal(P.shape)
    dA = conv.pool_backward(g, cache, mode)
    fd = _fd(lambda a: np.sum(g * conv.pool_forward(a, hp, mode)[0]), A)
    np.testing.assert_allclose(dA, fd, rtol=1e-6, atol=1e-8)


def _window_index(n_out_h, n_out_w, f, stride):
    """Row and column indices of every window: two (n_H, n_W, f, f) integer arrays."""
    h = np.arange(n_out_h)[:, None, None, None] * stride + np.arange(f)[None, None, :, None]
    w = np.arange(n_out_w)[None, :, None, None] * stride + np.arange(f)[None, None, None, :]
    shape = (n_out_h, n_out_w, f, f)
    return np.broadcast_to(h, shape), np.broadcast_to(w, shape)


@pytest.mark.parametrize("cfg", CONFIGS)
def test_conv_backward_matches_engine_autodiff(cfg, rng):
    m, H, W_, C_prev, f, C, pad, stride = cfg
    A = rng.standard_normal((m, H, W_, C_prev))
    W, b = rng.standard_normal((f, f, C_prev, C)), rng.standard_normal((1, 1, 1, C))
    Z, cache = conv.conv_forward(A, W, b, {"pad": pad, "stride": stride})
    g = rng.standard_normal(Z.shape)
    dA, dW, db = conv.conv_backward(g, cache)

    tA, tW, tb = (Tensor(v, requires_grad=True) for v in (A, W, b))
    Ph = np.eye(H + 2 * pad, H, k=-pad)  # zero padding as selection matrices
    Pw = np.eye(W_ + 2 * pad, W_, k=-pad)
    Xp = Tensor(Ph) @ tA.transpose(0, 3, 1, 2) @ Tensor(Pw.T)  # (m, C_prev, Hp, Wp)
    n_H, n_W = Z.shape[1:3]
    rows, cols = _window_index(n_H, n_W, f, stride)
    win = Xp[:, :, rows, cols]  # (m, C_prev, n_H, n_W, f, f)
    cols_mat = win.transpose(0, 2, 3, 4, 5, 1).reshape(m * n_H * n_W, f * f * C_prev)
    Zt = (cols_mat @ tW.reshape(f * f * C_prev, C)).reshape(m, n_H, n_W, C) + tb
    np.testing.assert_allclose(Zt.data, Z, rtol=1e-12, atol=1e-12)
    Zt.backward(g)
    np.testing.assert_allclose(dA, tA.grad, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dW, tW.grad, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(db, tb.grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize(("f", "stride"), [(2, 1), (2, 2), (3, 2)])
def test_pool_backward_matches_engine_autodiff(mode, f, stride, rng):
    A = rng.standard_normal((2, 7, 6, 3))
    P, cache = conv.pool_forward(A, {"f": f, "stride": stride}, mode)
    g = rng.standard_normal(P.shape)
    dA = conv.pool_backward(g, cache, mode)
    tA = Tensor(A, requires_grad=True)
    rows, cols = _window_index(P.shape[1], P.shape[2], f, stride)
    win = tA.transpose(0, 3, 1, 2)[:, :, rows, cols]  # (m, C, n_H, n_W, f, f)
    Pt = win.max(axis=(4, 5)) if mode == "max" else win.mean(axis=(4, 5))
    Pt = Pt.transpose(0, 2, 3, 1)
    np.testing.assert_allclose(Pt.data, P, rtol=1e-14)
    Pt.backward(g)
    np.testing.assert_allclose(dA, tA.grad, rtol=1e-10, atol=1e-12)


def test_boundary_errors():
    A = np.zeros((1, 4, 4, 3))
    hp = {"pad": 0, "stride": 1}
    with pytest.raises(ValueError, match=r"expect \(f, f, 3, n_C\)"):
        conv.conv_forward(A, np.zeros((3, 3, 2, 4)), np.zeros((1, 1, 1, 4)), hp)
    with pytest.raises(ValueError, match="does not fit"):
        conv.conv_forward(A, np.zeros((5, 5, 3, 1)), np.zeros((1, 1, 1, 1)), hp)
    with pytest.raises(ValueError, match=r"\(m, n_H, n_W, n_C\).*A\[None\]"):
        conv.pool_forward(np.zeros((4, 4, 3)), {"f": 2, "stride": 2})
    with pytest.raises(ValueError, match="mode must be 'max' or 'average'"):
        conv.pool_forward(A, {"f": 2, "stride": 2}, mode="min")
    with pytest.raises(ValueError, match="method must be 'vectorized' or 'loop'"):
        conv.pool_forward(A, {"f": 2, "stride": 2}, method="fast")
    with pytest.raises(ValueError, match=r"conv_forward: hparameters needs the keys \['stride', "
                                         r"'pad'\], got \{'pad': 1\}"):
        conv.conv_forward(A, np.zeros((3, 3, 3, 1)), np.zeros((1, 1, 1, 1)), {"pad": 1})
    _, cache = conv.conv_forward(A, np.zeros((3, 3, 3, 2)), np.zeros((1, 1, 1, 2)), hp)
    with pytest.raises(ValueError, match=r"conv_backward: expected an upstream gradient of the "
                                         r"forward output's shape \(1, 2, 2, 2\), "
                                         r"got \(1, 4, 4, 2\)"):
        conv.conv_backward(np.zeros((1, 4, 4, 2)), cache)
    _, pcache = conv.pool_forward(A, {"f": 2, "stride": 2})
    with pytest.raises(ValueError, match=r"pool_backward: .*\(1, 2, 2, 3\), got \(1, 4, 4, 3\)"):
        conv.pool_backward(np.zeros((1, 4, 4, 3)), pcache, "max")
