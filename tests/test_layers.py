"""Layers: one contract test for every layer (output shape = compute_output_shape, parameter
count, finite non-zero gradients for every weight, save/load round trip), gradients against
finite differences in float64, forward references and boundary errors."""

from __future__ import annotations

import numpy as np
import pytest

import nnmath as nm
from nnmath import Tensor, layers
from nnmath.layers import deserialize, serialize

# (factory, input shape, expected parameter count)
CASES = {
    "dense": (lambda: layers.Dense(7, activation="tanh"), (4, 5), 5 * 7 + 7),
    "dense-nobias": (lambda: layers.Dense(3, use_bias=False), (4, 5), 15),
    "dense-softmax": (lambda: layers.Dense(3, activation="softmax"), (4, 5), 18),
    "conv": (lambda: layers.Conv2D(4, 3, activation="relu"), (2, 7, 7, 3), 3 * 3 * 3 * 4 + 4),
    "conv-same-s2": (
        lambda: layers.Conv2D(3, (2, 3), strides=2, padding="same"),
        (2, 7, 8, 2),
        2 * 3 * 2 * 3 + 3,
    ),
    "conv-int-padding": (
        lambda: layers.Conv2D(2, 3, strides=2, padding=(2, 1), activation="tanh"),
        (2, 5, 6, 3),
        3 * 3 * 3 * 2 + 2,
    ),
    "maxpool": (lambda: layers.MaxPool2D(2), (2, 6, 7, 3), 0),
    "avgpool": (lambda: layers.AvgPool2D(3, strides=1), (2, 6, 6, 2), 0),
    "flatten": (lambda: layers.Flatten(), (2, 3, 4, 5), 0),
    "dropout": (lambda: layers.Dropout(0.3), (8, 6), 0),
    "activation": (lambda: layers.Activation("sigmoid"), (3, 4), 0),
    "relu": (lambda: layers.ReLU(), (3, 4), 0),
    "sigmoid": (lambda: layers.Sigmoid(), (3, 4), 0),
    "tanh": (lambda: layers.Tanh(), (3, 4), 0),
    "softmax": (lambda: layers.Softmax(), (3, 4), 0),
    "input": (lambda: layers.Input((4,)), (3, 4), 0),
}


@pytest.mark.parametrize("case", list(CASES))
def test_layer_contract(case, tmp_path, rng):
    make, shape, n_params = CASES[case]
    layer = make()
    layer.rng = np.random.default_rng(0)
    x = Tensor(rng.normal(size=shape).astype(np.float32), requires_grad=True)
    y = layer(x, training=True)
    # 1. output shape equals compute_output_shape (batch axis None)
    expected = layer.compute_output_shape((None, *shape[1:]))
    assert (None, *y.shape[1:]) == tuple(expected)
    assert y.dtype == np.float32
    # 2. parameter count
    assert layer.count_params() == n_params == sum(w.size for w in layer.weights)
    # 3. finite, non-zero gradients for every weight (and the input) after one backward
    y.backward(rng.normal(size=y.shape).astype(np.float32))
    for w in [*layer.weights, x]:
        assert w.grad is not None and w.grad.shape == w.shape
        assert np.isfinite(w.grad).all() and np.abs(w.grad).sum() > 0
    # 4. save/load round trip gives identical outputs
    model = nm.Sequential([layers.Input(shape[1:]), layer] if case != "input" else [layer])
    path = tmp_path / "layer.safetensors"
    model.save(path)
    again = nm.load_model(path)
    assert type(again.layers[-1]) is type(layer)
    assert again.layers[-1].get_config() == layer.get_config()
    xs = rng.normal(size=shape).astype(np.float32)
    assert np.array_equal(model.predict(xs), again.predict(xs))


def test_every_nnmath_layer_has_a_contract_case():
    """A new layer is its class + its case in CASES: the registry finds the class, this test
    finds a layer without a case."""
    covered = {type(make()).__name__ for make, _, _ in CASES.values()}
    ours = {name for name, cls in layers.LAYERS.items() if cls.__module__.startswith("nnmath.")}
    assert ours - covered == set(), "add a CASES entry for each of these layers"


def _float64(layer: layers.Layer, shape: tuple[int, ...], rng) -> None:
    layer.rng = np.random.default_rng(0)
    layer(Tensor(np.zeros(shape, np.float32)))
    for w in layer.weights:
        w.data = w.data.astype(np.float64) + rng.normal(size=w.shape) * 0.1  # non-zero bias


@pytest.mark.parametrize(
    "case",
    [
        "dense",
        "dense-nobias",
        "dense-softmax",
        "conv-same-s2",
        "conv-int-padding",
        "maxpool",
        "avgpool",
        "flatten",
        "sigmoid",
        "tanh",
        "softmax",
    ],
)
def test_layer_gradcheck_float64(case, rng):
    make, shape, _ = CASES[case]
    layer = make()
    _float64(layer, shape, rng)
    x = rng.normal(size=shape)
    report = nm.gradcheck(lambda a: layer(a), x, params=layer.weights)
    assert report, str(report)


def test_conv_tanh_gradcheck_float64(rng):
    layer = layers.Conv2D(3, 3, activation="tanh")
    _float64(layer, (2, 5, 6, 2), rng)
    assert nm.gradcheck(lambda a: layer(a), rng.normal(size=(2, 5, 6, 2)), params=layer.weights)


def test_dropout_gradcheck_with_fixed_mask(rng):
    layer = layers.Dropout(0.4)

    def fn(a):
        layer.rng = np.random.default_rng(7)  # the same mask at every evaluation
        return layer(a, training=True)

    assert nm.gradcheck(fn, rng.normal(size=(5, 4)))


def test_dense_forward_reference(rng):
    layer = layers.Dense(4, activation="relu")
    x = rng.normal(size=(3, 5)).astype(np.float32)
    y = layer(x).data
    w, b = layer.kernel.data, layer.bias.data
    assert layer.kernel.shape == (5, 4)  # (D_in, D_out)
    assert np.allclose(y, np.maximum(x @ w + b, 0), atol=1e-6)


def test_conv_forward_reference(rng):
    layer = layers.Conv2D(4, (2, 3), activation=None)
    x = rng.normal(size=(2, 5, 6, 3)).astype(np.float32)
    y = layer(x).data
    w = layer.kernel.data  # (KH, KW, C_in, C_out)
    assert w.shape == (2, 3, 3, 4)
    win = np.lib.stride_tricks.sliding_window_view(x, (2, 3), axis=(1, 2))  # (N, 4, 4, C, KH, KW)
    ref = np.einsum("nijcpq,pqco->nijo", win, w)
    assert np.allclose(y, ref, atol=1e-5)


@pytest.mark.parametrize(("padding", "pads"), [(1, (1, 1)), ((2, 0), (2, 0)), ([0, 3], (0, 3))])
def test_conv_explicit_padding_is_zeros_around_the_image(padding, pads, rng):
    # padding=p / (p_h, p_w): the "valid" convolution of the image with p zeros on each side
    layer = layers.Conv2D(3, (3, 2), strides=(2, 1), padding=padding, activation="tanh")
    x = rng.normal(size=(2, 5, 4, 2)).astype(np.float32)
    y = layer(x).data
    ph, pw = pads
    xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (3, 2), axis=(1, 2))[:, ::2]
    ref = np.tanh(np.einsum("nijcpq,pqco->nijo", win, layer.kernel.data) + layer.bias.data)
    assert y.shape == ref.shape == layer.compute_output_shape((2, 5, 4, 2))
    assert np.allclose(y, ref, atol=1e-5)
    assert layer.get_config()["padding"] == list(pads)


def test_pool_forward_reference(rng):
    x = rng.normal(size=(2, 4, 6, 3)).astype(np.float32)
    blocks = x.reshape(2, 2, 2, 3, 2, 3)
    assert np.array_equal(layers.MaxPool2D(2)(x).data, blocks.max(axis=(2, 4)))
    assert np.allclose(layers.AvgPool2D(2)(x).data, blocks.mean(axis=(2, 4)), atol=1e-6)


def test_dense_rejects_images_and_suggests_flatten():
    with pytest.raises(
        ValueError,
        match=r"Dense\(10\): expected 2-D input.*got shape "
        r"\(32, 28, 28\); add Flatten\(\) first",
    ):
        layers.Dense(10)(np.zeros((32, 28, 28), np.float32))
    built = layers.Dense(10)
    built(np.zeros((2, 784), np.float32))
    with pytest.raises(
        ValueError,
        match=r"expected input \(N, 784\) with last axis 784, got "
        r"shape \(32, 28, 28\); add Flatten\(\) first",
    ):
        built(np.zeros((32, 28, 28), np.float32))
    with pytest.raises(ValueError, match=r"last axis 784, got shape \(32, 100\)"):
        built(np.zeros((32, 100), np.float32))


def test_conv_errors():
    with pytest.raises(
        ValueError,
        match=r"expected 4-D input \(N, H, W, C\), got shape "
        r"\(8, 28, 28\); reshape",
    ):
        layers.Conv2D(8, 3)(np.zeros((8, 28, 28), np.float32))
    conv = layers.Conv2D(8, 3)
    conv(np.zeros((1, 8, 8, 3), np.float32))
    with pytest.raises(ValueError, match="expected input with 3 channels"):
        conv(np.zeros((1, 8, 8, 1), np.float32))
    with pytest.raises(ValueError, match="window 5x5 is larger than"):
        layers.MaxPool2D(5)(np.zeros((1, 4, 4, 1), np.float32))
    with pytest.raises(ValueError, match="padding 'valid', 'same', an int or a pair"):
        layers.Conv2D(8, 3, padding="full")
    with pytest.raises(ValueError, match=r"padding as a >= 0 int or a pair of ints, got -1"):
        layers.Conv2D(8, 3, padding=-1)
    with pytest.raises(ValueError, match=r"padding as a >= 0 int or a pair of ints, got \(1, 2"):
        layers.Conv2D(8, 3, padding=(1, 2, 3))
    with pytest.raises(ValueError, match="kernel_size as a positive int or a pair"):
        layers.Conv2D(8, 0)


def test_dropout_behaviour():
    layer = layers.Dropout(0.25)
    x = Tensor(np.ones((200, 100), np.float32))
    assert layer(x, training=False) is x
    layer.rng = np.random.default_rng(3)
    y = layer(x, training=True).data
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.01
    layer.rng = np.random.default_rng(3)
    assert np.array_equal(layer(x, training=True).data, y)
    with pytest.raises(ValueError, match=r"rate in \[0, 1\)"):
        layers.Dropout(1.0)


def test_input_and_activation_errors():
    with pytest.raises(ValueError, match=r"Input: expected samples of shape \(4,\)"):
        layers.Input((4,))(np.zeros((2, 5), np.float32))
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        layers.Dense(3, activation="gelu")


def test_serialize_round_trip_and_unknown():
    for make, _, _ in CASES.values():
        layer = make()
        again = deserialize(serialize(layer))
        assert type(again) is type(layer) and again.get_config() == layer.get_config()
    with pytest.raises(ValueError, match="unknown layer 'LSTM'"):
        deserialize({"class_name": "LSTM", "config": {}})


def test_weights_seeded_and_glorot():
    a, b = layers.Dense(6), layers.Dense(6)
    a.rng, b.rng = np.random.default_rng(1), np.random.default_rng(1)
    a(np.zeros((1, 4), np.float32))
    b(np.zeros((1, 4), np.float32))
    assert np.array_equal(a.kernel.data, b.kernel.data)
    assert np.abs(a.kernel.data).max() <= np.sqrt(6 / 10)
    assert np.array_equal(a.bias.data, np.zeros(6, np.float32))


@pytest.mark.parametrize(
    ("make", "shape"),
    [
        (lambda act: layers.Dense(6, activation=act), (5, 4)),
        (lambda act: layers.Dense(6, activation=act, use_bias=False), (5, 4)),
        (lambda act: layers.Conv2D(3, 3, activation=act), (2, 6, 5, 1)),
        (lambda act: layers.Conv2D(4, 2, strides=2, padding="same", activation=act), (2, 7, 6, 5)),
        (lambda act: layers.Conv2D(2, 3, activation=act, use_bias=False), (2, 5, 5, 2)),
    ],
)
def test_fused_relu_layers_equal_the_unfused_composition(make, shape, rng):
    # activation="relu" runs one fused primitive; the same weights through the plain
    # layer plus F.relu must give the same output and the same gradients (random upstream).
    fused, plain = make("relu"), make(None)
    x = rng.normal(size=shape)
    y = fused(Tensor(x))
    plain(Tensor(x))  # build
    for a, b in zip(plain.weights, fused.weights, strict=True):
        a.data = b.data.copy()
    xt = Tensor(x, requires_grad=True)
    xf = Tensor(x, requires_grad=True)
    y = fused(xf)
    y_ref = nm.functional.relu(plain(xt))
    assert type(y._ctx).__name__ in ("Affine", "Conv2DOp") or fused.use_bias is False
    assert np.min(np.abs(plain(Tensor(x)).data)) > 1e-6  # no pre-activation at the kink
    np.testing.assert_allclose(y.data, y_ref.data, rtol=1e-12, atol=1e-12)
    g = rng.normal(size=y.shape)
    y.backward(g)
    y_ref.backward(g)
    np.testing.assert_allclose(xf.grad, xt.grad, rtol=1e-12, atol=1e-12)
    for a, b in zip(plain.weights, fused.weights, strict=True):
        np.testing.assert_allclose(b.grad, a.grad, rtol=1e-12, atol=1e-12)
    assert np.any(y.data == 0) and np.any(y.data > 0)  # the ReLU both cut and passed
