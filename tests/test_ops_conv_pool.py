"""The fused conv-ReLU-maxpool primitive, its workspace, and the layer fusion that uses it."""

from __future__ import annotations

import numpy as np
import pytest

import nnmath
from nnmath import Tensor, layers
from nnmath import functional as F
from nnmath.models import fusion
from nnmath.ops import workspace


def naive(x, kernel, bias, strides, padding):
    """Loops: conv2d (independent reference in test_ops_conv), ReLU, then 2x2/2 max pooling."""
    from test_ops_conv import naive_conv2d

    c = np.maximum(naive_conv2d(x, kernel, bias, strides, padding), 0)
    n, h, w, ch = c.shape
    y = np.zeros((n, h // 2, w // 2, ch))
    for i in range(h // 2):
        for j in range(w // 2):
            y[:, i, j, :] = c[:, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2, :].max(axis=(1, 2))
    return y


# (x shape, kernel shape, strides, padding, bias): both im2col layouts (C_in <= 2 and more),
# odd conv outputs (a dropped row/column), strides, padding, no bias
CASES = [
    ((2, 8, 9, 1), (3, 3, 1, 4), 1, "valid", True),
    ((2, 9, 8, 2), (3, 2, 2, 3), 1, "same", True),
    ((3, 10, 11, 5), (3, 3, 5, 4), (2, 1), "same", True),
    ((2, 7, 7, 6), (2, 2, 6, 3), 1, 1, False),
    ((1, 12, 10, 4), (3, 3, 4, 2), 2, (1, 2), True),
]


def _ids(case):
    return f"x{case[0]}-k{case[1]}-s{case[2]}-p{case[3]}-b{case[4]}".replace(" ", "")


def _args(case, rng, dtype=np.float64):
    xs, ks, _, _, with_bias = case
    x = rng.standard_normal(xs).astype(dtype)
    k = rng.standard_normal(ks).astype(dtype)
    b = rng.standard_normal(ks[3]).astype(dtype) if with_bias else None
    return x, k, b


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_forward_matches_loops(case):
    x, k, b = _args(case, np.random.default_rng(0))
    inputs = (x, k) if b is None else (x, k, b)
    y = F.conv2d_relu_maxpool(*inputs, strides=case[2], padding=case[3])
    np.testing.assert_allclose(y.data, naive(x, k, b, case[2], case[3]), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_gradients_match_finite_differences(case):
    x, k, b = _args(case, np.random.default_rng(1))
    st, pad = case[2], case[3]
    if b is None:
        report = nnmath.gradcheck(
            lambda x, k: F.conv2d_relu_maxpool(x, k, strides=st, padding=pad), x, k
        )
    else:
        report = nnmath.gradcheck(
            lambda x, k, b: F.conv2d_relu_maxpool(x, k, b, strides=st, padding=pad), x, k, b
        )
    assert report.passed, report


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_gradients_equal_the_unfused_ops(case):
    """conv2d -> relu -> max_pool2d through separate primitives: the same gradients."""
    rng = np.random.default_rng(2)
    arrays = _args(case, rng, np.float32)
    u = None
    grads = []
    for fused in (True, False):
        ts = [Tensor(a, requires_grad=True) for a in arrays if a is not None]
        if fused:
            y = F.conv2d_relu_maxpool(*ts, strides=case[2], padding=case[3])
        else:
            c = F.conv2d(*ts, strides=case[2], padding=case[3])
            y = F.max_pool2d(c.relu(), 2)
        u = rng.standard_normal(y.shape).astype(np.float32) if u is None else u
        (y * u).sum().backward()
        grads.append([t.grad for t in ts])
    for g_fused, g_ref in zip(*grads, strict=True):
        np.testing.assert_allclose(g_fused, g_ref, rtol=1e-5, atol=1e-5)


def test_input_gradient_skipped_when_not_needed():
    rng = np.random.default_rng(3)
    x = Tensor(rng.standard_normal((2, 6, 6, 1)).astype(np.float32))
    k = Tensor(rng.standard_normal((3, 3, 1, 2)).astype(np.float32), requires_grad=True)
    F.conv2d_relu_maxpool(x, k).sum().backward()
    assert x.grad is None and k.grad is not None and k.grad.dtype == np.float32


def test_retained_graph_gives_the_same_gradients_twice():
    """Arrays saved for backward go back to the workspace only when the graph is freed."""
    rng = np.random.default_rng(4)
    x = Tensor(rng.standard_normal((2, 9, 9, 3)).astype(np.float32), requires_grad=True)
    k = Tensor(rng.standard_normal((3, 3, 3, 4)).astype(np.float32), requires_grad=True)
    y = F.conv2d_relu_maxpool(x, k)
    y.sum().backward(retain_graph=True)
    first = (x.grad.copy(), k.grad.copy())
    F.conv2d_relu_maxpool(x * 2, k).sum().backward()  # another op reuses the workspace
    x.grad = k.grad = None
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, first[0])
    np.testing.assert_array_equal(k.grad, first[1])


def test_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"smaller than the 2x2 pooling window"):
        F.conv2d_relu_maxpool(np.ones((1, 3, 3, 1)), np.ones((3, 3, 1, 1)))
    with pytest.raises(ValueError, match=r"3 channels.*C_in=1"):
        F.conv2d_relu_maxpool(np.ones((1, 6, 6, 3)), np.ones((3, 3, 1, 1)))
    with pytest.raises(ValueError, match=r"bias of shape \(2,\)"):
        F.conv2d_relu_maxpool(np.ones((1, 6, 6, 1)), np.ones((3, 3, 1, 2)), np.ones(3))


# --------------------------------------------------------------------------- workspace


def test_workspace_reuses_given_arrays_and_bounds_its_size(monkeypatch):
    workspace.clear()
    a = workspace.take((3, 4), np.float32)
    workspace.give(a)
    assert workspace.take((3, 4), np.float32) is a
    assert workspace.take((3, 4), np.float32) is not a  # taken: a fresh one now
    assert workspace.take((3, 4), np.float64).dtype == np.float64
    monkeypatch.setattr(workspace, "MAX_BYTES", 100)
    big, small = np.empty(20, np.float32), np.empty(5, np.float32)  # 80 + 20 bytes
    workspace.give(big, small)
    workspace.give(np.empty(3, np.float32))  # over 100 bytes: the oldest shape goes
    assert workspace.take((20,), np.float32) is not big
    assert workspace.take((5,), np.float32) is small
    workspace.clear()


def test_outputs_and_gradients_are_never_workspace_arrays():
    """Two calls give independent outputs, so a held output is never overwritten."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 8, 8, 2)).astype(np.float32)
    k = Tensor(rng.standard_normal((3, 3, 2, 3)).astype(np.float32), requires_grad=True)
    y1 = F.conv2d_relu_maxpool(x, k)
    y1.sum().backward()
    g1, held = k.grad, y1.data.copy()
    k.grad = None
    y2 = F.conv2d_relu_maxpool(x * 3, k)
    y2.sum().backward()
    np.testing.assert_array_equal(y1.data, held)
    assert not np.shares_memory(y1.data, y2.data) and not np.shares_memory(g1, k.grad)


# --------------------------------------------------------------------------- layer fusion


def _convnet(seed=0):
    model = nnmath.Sequential(
        [
            layers.Conv2D(4, 3, activation="relu"),
            layers.MaxPool2D(2),
            layers.Conv2D(5, 3, activation="relu", padding="same"),
            layers.MaxPool2D(2),
            layers.Flatten(),
            layers.Dense(3, activation="softmax"),
        ],
        seed=seed,
    )
    model.build((None, 11, 11, 1))
    return model


def test_plan_fuses_only_relu_conv_followed_by_2x2_max_pool():
    model = _convnet()
    steps = fusion.plan(model.layers)
    assert [type(s).__name__ for s in steps] == ["ConvReluPool", "ConvReluPool", "Flatten", "Dense"]
    other = [
        layers.Conv2D(2, 3, activation="tanh"),
        layers.MaxPool2D(2),
        layers.Conv2D(2, 3, activation="relu"),
        layers.MaxPool2D(3),
        layers.Conv2D(2, 3, activation="relu"),
        layers.AvgPool2D(2),
    ]
    assert fusion.plan(other) == other


def test_fused_model_equals_the_layers_called_one_by_one():
    model = _convnet()
    x = np.random.default_rng(6).random((4, 11, 11, 1)).astype(np.float32)
    out = x
    for layer in model.layers:
        out = layer(Tensor(out)).data
    np.testing.assert_allclose(model.predict(x, verbose=0), out, rtol=1e-6, atol=1e-7)


def test_fused_model_training_is_deterministic():
    rng = np.random.default_rng(7)
    x, y = rng.random((40, 11, 11, 1)).astype(np.float32), rng.integers(0, 3, 40)
    histories = []
    for _ in range(2):
        model = _convnet(seed=3)
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        histories.append(model.fit(x, y, epochs=2, batch_size=16, verbose=0).history)
    assert histories[0] == histories[1]


def test_conv2d_workspace_survives_a_retained_graph():
    """Conv2DOp keeps its im2col buffer until its graph is freed, like the fused op."""
    rng = np.random.default_rng(8)
    x = Tensor(rng.standard_normal((2, 7, 7, 5)).astype(np.float32), requires_grad=True)
    k = Tensor(rng.standard_normal((3, 3, 5, 4)).astype(np.float32), requires_grad=True)
    y = F.conv2d(x, k, padding="same")
    y.sum().backward(retain_graph=True)
    first = k.grad.copy()
    F.conv2d(x * 2, k, padding="same").sum().backward()  # reuses the workspace meanwhile
    k.grad = None
    y.sum().backward()
    np.testing.assert_array_equal(k.grad, first)


def test_fused_model_trains_like_the_unfused_layers(monkeypatch):
    """Same seed, same data: the fused forward pass gives the same training run (up to
    float32 rounding and tie-breaks) as running the layers one by one."""
    rng = np.random.default_rng(9)
    x, y = rng.random((48, 11, 11, 1)).astype(np.float32), rng.integers(0, 3, 48)
    histories = []
    for fused in (True, False):
        if not fused:
            monkeypatch.setattr(fusion, "plan", list)
        model = _convnet(seed=4)
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        histories.append(model.fit(x, y, epochs=3, batch_size=16, verbose=0).history)
    np.testing.assert_allclose(histories[0]["loss"], histories[1]["loss"], rtol=1e-4)
    assert histories[0]["accuracy"] == histories[1]["accuracy"]
