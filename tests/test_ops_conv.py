"""conv2d: forward against a naive loop reference, backward against finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnmath
from nnmath import Tensor
from nnmath import functional as F

# --------------------------------------------------------------------------- naive reference


def tf_same_pads(n: int, k: int, s: int) -> tuple[int, int]:
    """TensorFlow's documented rule for "same" (written independently of the library)."""
    total = max(k - s, 0) if n % s == 0 else max(k - n % s, 0)
    return total // 2, total - total // 2


def naive_conv2d(x, kernel, bias=None, strides=1, padding="valid"):
    """Direct loops over every output element: the definition of cross-correlation."""
    sh, sw = (strides, strides) if isinstance(strides, int) else strides
    kh, kw, c_in, c_out = kernel.shape
    n, h, w, _ = x.shape
    if padding == "valid":
        pads = (0, 0, 0, 0)
    elif padding == "same":
        pads = tf_same_pads(h, kh, sh) + tf_same_pads(w, kw, sw)
    elif isinstance(padding, int):
        pads = (padding,) * 4
    else:
        pads = (padding[0], padding[0], padding[1], padding[1])
    xp = np.zeros((n, h + pads[0] + pads[1], w + pads[2] + pads[3], c_in), dtype=x.dtype)
    xp[:, pads[0] : pads[0] + h, pads[2] : pads[2] + w, :] = x
    h_out = (xp.shape[1] - kh) // sh + 1
    w_out = (xp.shape[2] - kw) // sw + 1
    y = np.zeros((n, h_out, w_out, c_out), dtype=x.dtype)
    for b in range(n):
        for i in range(h_out):
            for j in range(w_out):
                for o in range(c_out):
                    acc = 0.0
                    for p in range(kh):
                        for q in range(kw):
                            for c in range(c_in):
                                acc += xp[b, i * sh + p, j * sw + q, c] * kernel[p, q, c, o]
                    y[b, i, j, o] = acc + (0.0 if bias is None else bias[o])
    return y


# (x shape, kernel shape, strides, padding)
CASES = [
    ((2, 5, 5, 1), (3, 3, 1, 2), 1, "valid"),
    ((2, 6, 7, 3), (3, 3, 3, 4), 1, "same"),
    ((3, 7, 5, 2), (3, 2, 2, 3), 2, "valid"),
    ((2, 7, 6, 2), (3, 3, 2, 2), 2, "same"),
    ((1, 8, 7, 3), (2, 3, 3, 2), (2, 1), "same"),
    ((2, 5, 6, 2), (3, 3, 2, 3), (2, 1), "valid"),
    ((2, 5, 5, 2), (3, 3, 2, 2), 1, 1),
    ((2, 4, 5, 3), (3, 3, 3, 2), 2, (1, 2)),
    ((2, 5, 4, 1), (2, 2, 1, 3), 1, "same"),  # even kernel: asymmetric "same" padding
    ((1, 9, 9, 2), (4, 4, 2, 1), 3, "same"),  # total padding 1: bottom/right only
    ((2, 3, 3, 2), (3, 3, 2, 2), 1, "valid"),  # output 1x1
    # C_in >= 4 takes the per-offset GEMM path of the input gradient
    ((2, 5, 5, 4), (3, 3, 4, 2), 1, "valid"),
    ((2, 6, 5, 4), (3, 3, 4, 3), (2, 1), "same"),
    ((1, 7, 7, 5), (2, 3, 5, 2), 2, (1, 2)),
    ((2, 8, 6, 6), (4, 2, 6, 3), 3, "same"),
]


def _ids(case):
    xs, ks, s, p = case
    return f"x{xs}-k{ks}-s{s}-p{p}".replace(" ", "")


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_forward_matches_naive_loops(case, rng):
    xs, ks, strides, padding = case
    x = rng.standard_normal(xs)
    k = rng.standard_normal(ks)
    b = rng.standard_normal(ks[3])
    got = F.conv2d(Tensor(x), Tensor(k), Tensor(b), strides=strides, padding=padding)
    want = naive_conv2d(x, k, b, strides=strides, padding=padding)
    assert got.shape == want.shape
    np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_backward_matches_finite_differences(case, rng):
    xs, ks, strides, padding = case
    x = rng.standard_normal(xs)
    k = rng.standard_normal(ks)
    b = rng.standard_normal(ks[3])
    report = nnmath.gradcheck(
        lambda x, k, b: F.conv2d(x, k, b, strides=strides, padding=padding), x, k, b
    )
    assert report.passed, str(report)


def test_backward_without_bias_matches_finite_differences(rng):
    x = rng.standard_normal((2, 6, 5, 3))
    k = rng.standard_normal((3, 3, 3, 2))
    report = nnmath.gradcheck(lambda x, k: F.conv2d(x, k, strides=(1, 2), padding="same"), x, k)
    assert report.passed, str(report)


def test_hand_computed_example():
    # 3x3 image 1..9, 2x2 kernel of ones: each output is the sum of a 2x2 block.
    x = np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    k = np.ones((2, 2, 1, 1))
    y = F.conv2d(Tensor(x), Tensor(k))
    np.testing.assert_array_equal(y.data[0, :, :, 0], [[12.0, 16.0], [24.0, 28.0]])
    # kernel gradient with upstream 1 = sum of every element's coverage count * value
    kt = Tensor(k, requires_grad=True)
    F.conv2d(Tensor(x), kt).sum().backward()
    np.testing.assert_array_equal(kt.grad[:, :, 0, 0], [[12.0, 16.0], [24.0, 28.0]])


@pytest.mark.parametrize(
    ("h", "k", "s"), [(28, 3, 1), (28, 3, 2), (13, 3, 2), (5, 2, 1), (9, 4, 3)]
)
def test_same_padding_output_size_is_ceil(h, k, s, rng):
    x = Tensor(rng.standard_normal((1, h, h, 1)))
    y = F.conv2d(x, Tensor(rng.standard_normal((k, k, 1, 1))), strides=s, padding="same")
    assert y.shape == (1, -(-h // s), -(-h // s), 1)


def test_float32_stays_float32(rng):
    x = Tensor(rng.standard_normal((2, 6, 6, 3)).astype(np.float32), requires_grad=True)
    k = Tensor(rng.standard_normal((3, 3, 3, 4)).astype(np.float32), requires_grad=True)
    b = Tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    y = F.conv2d(x, k, b, padding="same")
    assert y.dtype == np.float32
    y.backward(rng.standard_normal(y.shape).astype(np.float32))
    assert x.grad.dtype == k.grad.dtype == b.grad.dtype == np.float32
    want = naive_conv2d(x.data.astype(np.float64), k.data.astype(np.float64), b.data, 1, "same")
    np.testing.assert_allclose(y.data, want, rtol=1e-4, atol=1e-4)


def test_inputs_not_modified_and_input_grad_skipped_when_not_needed(rng):
    x = rng.standard_normal((2, 5, 5, 2))
    k = rng.standard_normal((3, 3, 2, 2))
    x0, k0 = x.copy(), k.copy()
    xt, kt = Tensor(x), Tensor(k, requires_grad=True)
    F.conv2d(xt, kt, padding=1).backward(rng.standard_normal((2, 5, 5, 2)))
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(k, k0)
    assert xt.grad is None and kt.grad is not None and np.abs(kt.grad).sum() > 0


def test_non_contiguous_input(rng):
    # a transposed, strided view: im2col must use the view's strides, not assume C order
    base = rng.standard_normal((3, 9, 2, 10))
    x = base.transpose(2, 1, 3, 0)[:, ::2]  # (2, 5, 10, 3), non-contiguous
    k = rng.standard_normal((3, 2, 3, 4))
    assert not x.flags.c_contiguous
    y = F.conv2d(Tensor(x), Tensor(k), strides=(1, 2))
    np.testing.assert_allclose(y.data, naive_conv2d(x, k, None, (1, 2)), rtol=1e-12, atol=1e-12)
    report = nnmath.gradcheck(lambda x, k: F.conv2d(x, k, strides=(1, 2)), x, k)
    assert report.passed, str(report)


def test_grads_accumulate_with_fan_out(rng):
    # the same input through two convs: dL/dx is the sum of both paths
    x = rng.standard_normal((1, 4, 4, 2))
    k1, k2 = rng.standard_normal((2, 2, 2, 1)), rng.standard_normal((3, 3, 2, 1))

    def f(x):
        return F.conv2d(x, Tensor(k1)).sum() + (F.conv2d(x, Tensor(k2), padding="same") ** 2).sum()

    report = nnmath.gradcheck(f, x)
    assert report.passed, str(report)


# --------------------------------------------------------------------------- errors


def _message(exc_info) -> str:
    return str(exc_info.value)


def test_kernel_larger_than_padded_input():
    with pytest.raises(ValueError) as e:
        F.conv2d(Tensor(np.zeros((1, 4, 4, 1))), Tensor(np.zeros((5, 5, 1, 2))))
    msg = _message(e)
    assert "conv2d" in msg and "(1, 4, 4, 1)" in msg and "(5, 5, 1, 2)" in msg and "padding" in msg
    # the same kernel fits once padded
    y = F.conv2d(Tensor(np.zeros((1, 4, 4, 1))), Tensor(np.zeros((5, 5, 1, 2))), padding=1)
    assert y.shape == (1, 2, 2, 2)


@pytest.mark.parametrize("padding", ["full", "SAME ", -1, (1, 2, 3), 1.5, (1, -1), None, True])
def test_bad_padding_spec(padding):
    with pytest.raises(ValueError) as e:
        F.conv2d(Tensor(np.zeros((1, 5, 5, 1))), Tensor(np.zeros((3, 3, 1, 1))), padding=padding)
    assert "conv2d" in _message(e) and "padding" in _message(e)
    assert "(1, 5, 5, 1)" in _message(e) and "(3, 3, 1, 1)" in _message(e)  # both shapes


@pytest.mark.parametrize("strides", [0, (1, 0), (1, 2, 3), 1.0])
def test_bad_strides(strides):
    with pytest.raises(ValueError) as e:
        F.conv2d(Tensor(np.zeros((1, 5, 5, 1))), Tensor(np.zeros((3, 3, 1, 1))), strides=strides)
    assert "conv2d" in _message(e) and "strides" in _message(e)


def test_channel_mismatch():
    with pytest.raises(ValueError) as e:
        F.conv2d(Tensor(np.zeros((2, 5, 5, 3))), Tensor(np.zeros((3, 3, 1, 4))))
    msg = _message(e)
    assert "conv2d" in msg and "(2, 5, 5, 3)" in msg and "(3, 3, 1, 4)" in msg and "channels" in msg


@pytest.mark.parametrize("shape", [(5, 5, 3), (5, 5), (1, 2, 5, 5, 3)])
def test_input_not_4d(shape):
    with pytest.raises(ValueError) as e:
        F.conv2d(Tensor(np.zeros(shape)), Tensor(np.zeros((3, 3, 3, 4))))
    msg = _message(e)
    assert "conv2d" in msg and str(shape) in msg and "(3, 3, 3, 4)" in msg and "NHWC" in msg


def test_kernel_not_4d_and_bad_bias():
    with pytest.raises(ValueError, match=r"conv2d: expected kernel .*\(3, 3, 4\)"):
        F.conv2d(Tensor(np.zeros((1, 5, 5, 3))), Tensor(np.zeros((3, 3, 4))))
    with pytest.raises(ValueError, match=r"conv2d: expected bias of shape \(4,\).*\(3,\)"):
        F.conv2d(Tensor(np.zeros((1, 5, 5, 3))), Tensor(np.zeros((3, 3, 3, 4))), np.zeros(3))


# --------------------------------------------------------------------------- property test


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 2),
    h=st.integers(1, 7),
    w=st.integers(1, 7),
    kh=st.integers(1, 4),
    kw=st.integers(1, 4),
    c_in=st.integers(1, 5),
    c_out=st.integers(1, 3),
    strides=st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))),
    padding=st.one_of(
        st.sampled_from(["valid", "same"]),
        st.integers(0, 2),
        st.tuples(st.integers(0, 2), st.integers(0, 2)),
    ),
    seed=st.integers(0, 2**16),
)
def test_random_geometries_match_naive_loops(n, h, w, kh, kw, c_in, c_out, strides, padding, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, h, w, c_in))
    k = rng.standard_normal((kh, kw, c_in, c_out))
    sh, sw = (strides, strides) if isinstance(strides, int) else strides
    if padding == "same":
        fits = True
    else:
        ph, pw = (0, 0) if padding == "valid" else (
            (padding, padding) if isinstance(padding, int) else padding
        )
        fits = kh <= h + 2 * ph and kw <= w + 2 * pw
    if not fits:
        with pytest.raises(ValueError, match="larger than the padded input"):
            F.conv2d(Tensor(x), Tensor(k), strides=strides, padding=padding)
        return
    xt, kt = Tensor(x, requires_grad=True), Tensor(k, requires_grad=True)
    y = F.conv2d(xt, kt, strides=strides, padding=padding)
    want = naive_conv2d(x, k, None, strides=(sh, sw), padding=padding)
    np.testing.assert_allclose(y.data, want, rtol=1e-12, atol=1e-12)
    # backward against the naive loops' own adjoint: <g, conv(x)> is linear in x and in k
    g = rng.standard_normal(y.shape)
    y.backward(g)
    eps = 1e-6
    for arr, grad, other in ((x, xt.grad, "x"), (k, kt.grad, "k")):
        d = rng.standard_normal(arr.shape)
        if other == "x":
            up = naive_conv2d(x + eps * d, k, None, (sh, sw), padding)
            down = naive_conv2d(x - eps * d, k, None, (sh, sw), padding)
        else:
            up = naive_conv2d(x, k + eps * d, None, (sh, sw), padding)
            down = naive_conv2d(x, k - eps * d, None, (sh, sw), padding)
        numeric = np.sum(g * (up - down)) / (2 * eps)  # directional derivative
        assert np.sum(grad * d) == pytest.approx(numeric, rel=1e-6, abs=1e-8)


# --------------------------------------------------------------------------- fused ReLU


@pytest.mark.parametrize("case", CASES[:: 3], ids=[_ids(c) for c in CASES[:: 3]])
def test_fused_relu_forward_and_backward(case, rng):
    from nnmath.ops.conv import Conv2DOp as Conv2D

    xs, ks, strides, padding = case
    x, k, b = rng.standard_normal(xs), rng.standard_normal(ks), rng.standard_normal(ks[3])
    z = naive_conv2d(x, k, b, strides=strides, padding=padding)
    y = Conv2D.apply(Tensor(x), Tensor(k), Tensor(b), strides=strides, padding=padding, relu=True)
    np.testing.assert_allclose(y.data, np.maximum(z, 0), rtol=1e-12, atol=1e-12)
    assert np.min(np.abs(z)) > 1e-5  # away from the kink, so finite differences are valid
    report = nnmath.gradcheck(
        lambda x, k, b: Conv2D.apply(x, k, b, strides=strides, padding=padding, relu=True),
        x, k, b,
    )
    assert report.passed, str(report)
