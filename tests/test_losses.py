"""Losses: values against NumPy references, gradients against finite differences (float64,
random upstream gradient), the fused stable forms at extreme inputs, label errors."""

from __future__ import annotations

import numpy as np
import pytest

import nnmath as nm
from nnmath import Tensor, losses
from nnmath.ops.crossentropy import SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy


@pytest.fixture
def data(rng):
    z = rng.normal(size=(6, 4)) * 3  # logits
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    t = rng.integers(0, 4, size=6)
    onehot = np.eye(4)[t]
    return z, p, t, onehot


def test_mse_mae_values(rng):
    y, p = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    assert losses.mean_squared_error(y, Tensor(p)).item() == pytest.approx(np.mean((p - y) ** 2))
    assert losses.mae(y, Tensor(p)).item() == pytest.approx(np.mean(np.abs(p - y)))
    assert losses.MeanSquaredError()(y, Tensor(p)).item() == pytest.approx(np.mean((p - y) ** 2))
    # (N,) targets against an (N, 1) output are accepted
    assert losses.mse(y[:, 0], Tensor(p[:, :1])).item() == pytest.approx(
        np.mean((p[:, 0] - y[:, 0]) ** 2)
    )


def test_crossentropy_values(data):
    z, p, t, onehot = data
    expected = -np.mean(np.log(p[np.arange(6), t]))
    for value in (
        losses.sparse_categorical_crossentropy(t, Tensor(p)),
        losses.sparse_categorical_crossentropy(t, Tensor(z), from_logits=True),
        losses.categorical_crossentropy(onehot, Tensor(p)),
        losses.categorical_crossentropy(onehot, Tensor(z), from_logits=True),
        losses.SparseCategoricalCrossentropy(from_logits=True)(t, Tensor(z)),
    ):
        assert value.item() == pytest.approx(expected, rel=1e-10)


def test_soft_labels_match_definition(rng):
    z = rng.normal(size=(3, 5))
    y = rng.uniform(size=(3, 5))  # rows not summing to 1
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    got = losses.categorical_crossentropy(y, Tensor(z), from_logits=True).item()
    assert got == pytest.approx(-(y * logp).sum() / 3, rel=1e-12)


def test_binary_crossentropy_values(rng):
    z = rng.normal(size=(7, 1)) * 2
    y = rng.integers(0, 2, size=(7, 1)).astype(float)
    p = 1 / (1 + np.exp(-z))
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert losses.binary_crossentropy(y, Tensor(p)).item() == pytest.approx(expected, rel=1e-10)
    assert losses.binary_crossentropy(y, Tensor(z), from_logits=True).item() == pytest.approx(
        expected, rel=1e-12
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda t, oh: lambda z: SoftmaxCrossEntropy.apply(z, target=t, sparse=True),
        lambda t, oh: lambda z: SoftmaxCrossEntropy.apply(z, target=oh, sparse=False),
        lambda t, oh: lambda z: SoftmaxCrossEntropy.apply(z, target=oh * 0.7, sparse=False),
        lambda t, oh: lambda z: losses.sparse_categorical_crossentropy(t, nm.functional.softmax(z)),
        lambda t, oh: lambda z: losses.categorical_crossentropy(oh, nm.functional.softmax(z)),
        lambda t, oh: lambda z: losses.mse(oh, z),
        lambda t, oh: lambda z: losses.mae(oh, z),
    ],
    ids=["fused-sparse", "fused-onehot", "fused-soft", "sparse-probs", "cat-probs", "mse", "mae"],
)
def test_gradients_match_finite_differences(data, make):
    z, _, t, onehot = data
    assert nm.gradcheck(make(t, onehot), z)


def test_sigmoid_bce_gradient(rng):
    z = rng.normal(size=(5, 3)) * 3
    y = rng.uniform(size=(5, 3))
    assert nm.gradcheck(lambda a: SigmoidBinaryCrossEntropy.apply(a, target=y), z)
    assert nm.gradcheck(lambda a: losses.binary_crossentropy(y, nm.functional.sigmoid(a)), z)


def test_fused_equals_composite_gradient(data):
    z, _, t, _ = data
    a = Tensor(z.copy(), requires_grad=True)
    losses.sparse_categorical_crossentropy(t, a, from_logits=True).backward()
    b = Tensor(z.copy(), requires_grad=True)
    losses.sparse_categorical_crossentropy(t, nm.functional.softmax(b)).backward()
    assert np.allclose(a.grad, b.grad, rtol=1e-9, atol=1e-12)


def test_extreme_logits_stay_finite():
    z = Tensor(
        np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0]], np.float32), requires_grad=True
    )
    loss = losses.sparse_categorical_crossentropy([1, 1], z, from_logits=True)
    assert loss.item() == pytest.approx(1000.0)  # sample 0: wrong by 2000 / 2 samples
    loss.backward()
    assert np.isfinite(z.grad).all()
    zb = Tensor(np.array([[500.0], [-500.0], [0.0]], np.float32), requires_grad=True)
    bce = losses.binary_crossentropy([[0.0], [0.0], [1.0]], zb, from_logits=True)
    assert bce.item() == pytest.approx((500 + 0 + np.log(2)) / 3, rel=1e-6)
    bce.backward()
    assert np.isfinite(zb.grad).all()


def test_probabilities_of_exactly_zero_and_one_stay_finite():
    p = Tensor(np.array([[1.0, 0.0], [0.0, 1.0]], np.float32), requires_grad=True)
    for loss in (
        losses.sparse_categorical_crossentropy([1, 1], p),
        losses.categorical_crossentropy([[0, 1], [0, 1]], p),
        losses.binary_crossentropy([[0, 1], [0, 1]], p),
    ):
        assert np.isfinite(loss.item()) and loss.item() > 5  # clipped at 1e-7: -log 1e-7 = 16
        p.grad = None
        loss.backward()
        assert np.isfinite(p.grad).all()


def test_float32_in_float32_out(data):
    z, _, t, _ = data
    loss = losses.sparse_categorical_crossentropy(t, Tensor(z.astype(np.float32)), from_logits=True)
    assert loss.dtype == np.float32


def test_one_hot_labels_to_sparse_loss(data):
    z, _, _, onehot = data
    with pytest.raises(
        ValueError, match=r"integer class labels.*one-hot.*categorical_crossentropy"
    ):
        losses.sparse_categorical_crossentropy(onehot, Tensor(z), from_logits=True)


def test_integer_labels_to_categorical_loss(data):
    z, _, t, _ = data
    with pytest.raises(ValueError, match=r"integer labels.*sparse_categorical_crossentropy"):
        losses.categorical_crossentropy(t, Tensor(z), from_logits=True)


def test_label_out_of_range(data):
    z, _, t, _ = data
    t = t.copy()
    t[2] = 4
    with pytest.raises(
        ValueError, match=r"labels in \[0, 4\) for 4 output classes, got labels in \[\d, 4\].*units"
    ):
        losses.sparse_categorical_crossentropy(t, Tensor(z), from_logits=True)
    with pytest.raises(ValueError, match="labels in"):
        losses.sparse_categorical_crossentropy(-t, Tensor(z), from_logits=True)


def test_logits_given_as_probabilities(data):
    z, _, t, _ = data
    with pytest.raises(ValueError, match="look like logits: pass from_logits=True"):
        losses.sparse_categorical_crossentropy(t, Tensor(z))


def test_shape_mismatch_and_bce_labels(rng):
    with pytest.raises(ValueError, match=r"same shape as y_pred \(4, 2\), got \(4, 3\)"):
        losses.mse(np.zeros((4, 3)), Tensor(np.zeros((4, 2))))
    with pytest.raises(ValueError, match=r"labels in \[0, 1\]"):
        losses.binary_crossentropy(np.array([[2.0]]), Tensor(np.array([[0.5]])))


def test_get_names():
    assert isinstance(losses.get("mse"), losses.MeanSquaredError)
    assert isinstance(
        losses.get("sparse_categorical_crossentropy"), losses.SparseCategoricalCrossentropy
    )
    loss = losses.get("categorical_crossentropy", from_logits=True)
    assert loss.from_logits and loss.fused_activation is None
    assert losses.get("binary_crossentropy").fused_activation == "sigmoid"
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        losses.get("hinge")


def test_fused_ops_hand_back_their_probabilities(data):
    """probs_out receives softmax/sigmoid(z) from the forward; the loss value is unchanged."""
    z, p, t, _ = data
    buf = np.empty_like(z)
    with_buf = SoftmaxCrossEntropy.apply(Tensor(z), target=t, sparse=True, probs_out=buf)
    plain = SoftmaxCrossEntropy.apply(Tensor(z), target=t, sparse=True)
    assert with_buf.item() == plain.item()
    np.testing.assert_allclose(buf, p, rtol=1e-12)
    loss, probs = losses.CategoricalCrossentropy().from_logits_call(np.eye(4)[t], Tensor(z))
    np.testing.assert_allclose(probs, p, rtol=1e-12)
    assert loss.item() == pytest.approx(-np.mean(np.log(p[np.arange(6), t])), rel=1e-12)
    zb = z[:, :1]
    loss, probs = losses.BinaryCrossentropy().from_logits_call((t[:, None] > 1) * 1.0, Tensor(zb))
    np.testing.assert_allclose(probs, 1 / (1 + np.exp(-zb)), rtol=1e-12)
    with pytest.raises(ValueError, match=r"SoftmaxCrossEntropy: expected probs_out of shape"):
        SoftmaxCrossEntropy.apply(Tensor(z), target=t, sparse=True, probs_out=buf[:3])


def test_probabilities_for_metrics(data):
    z, p, _, _ = data
    assert losses.SparseCategoricalCrossentropy().probabilities(p) is p
    np.testing.assert_allclose(
        losses.SparseCategoricalCrossentropy(from_logits=True).probabilities(z), p, rtol=1e-12
    )
    np.testing.assert_allclose(
        losses.BinaryCrossentropy(from_logits=True).probabilities(z), 1 / (1 + np.exp(-z))
    )
    assert losses.MeanSquaredError().probabilities(z) is z
