"""classic.basics: the course's published values, derivatives against finite differences and
against the engine's autodiff."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath import Tensor
from nnmath.classic import basics


def central_diff(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Element-wise derivative of an element-wise f by central differences."""
    return (f(x + eps) - f(x - eps)) / (2 * eps)


def test_published_values():
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(basics.sigmoid(x), [0.73105858, 0.88079708, 0.95257413], atol=5e-9)
    np.testing.assert_allclose(
        basics.sigmoid_derivative(x), [0.19661193, 0.10499359, 0.04517666], atol=5e-9
    )
    np.testing.assert_allclose(
        basics.normalize_rows(np.array([[0.0, 3, 4], [1, 6, 4]])),
        [[0.0, 0.6, 0.8], [0.13736056, 0.82416338, 0.54944226]],
        atol=5e-9,
    )
    s = basics.softmax(np.array([[9.0, 2, 5, 0, 0], [7, 5, 0, 0, 0]]))
    np.testing.assert_allclose(
        s,
        [
            [9.80897665e-01, 8.94462891e-04, 1.79657674e-02, 1.21052389e-04, 1.21052389e-04],
            [8.78679856e-01, 1.18916387e-01, 8.01252314e-04, 8.01252314e-04, 8.01252314e-04],
        ],
        rtol=1e-8,
    )
    yhat, y = np.array([0.9, 0.2, 0.1, 0.4, 0.9]), np.array([1, 0, 0, 1, 1])
    assert basics.l1_loss(yhat, y) == pytest.approx(1.1, abs=1e-12)
    assert basics.l2_loss(yhat, y) == pytest.approx(0.43, abs=1e-12)


def test_image2vector_order_and_shape():
    image = np.arange(18.0).reshape(3, 3, 2)
    v = basics.image2vector(image)
    assert v.shape == (18, 1)
    np.testing.assert_array_equal(v[:, 0], np.arange(18.0))
    with pytest.raises(ValueError, match="image2vector"):
        basics.image2vector(np.zeros((3, 3)))


def test_sigmoid_stable_for_large_inputs():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = basics.sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_array_equal(s, [0.0, 0.5, 1.0])


def test_softmax_rows_sum_to_one_and_shift_invariant(rng):
    x = rng.standard_normal((4, 6)) * 50
    s = basics.softmax(x)
    np.testing.assert_allclose(s.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(basics.softmax(x + 123.0), s, rtol=1e-10)
    with pytest.raises(ValueError, match="softmax"):
        basics.softmax(np.zeros((2, 2, 2)))


@pytest.mark.parametrize(
    ("derivative", "function"),
    [
        (basics.sigmoid_derivative, basics.sigmoid),
        (basics.tanh_derivative, np.tanh),
        (basics.relu_derivative, basics.relu),
    ],
)
def test_derivatives_match_finite_differences(derivative, function, rng):
    x = rng.standard_normal(50) * 3
    x = x[np.abs(x) > 1e-3]  # relu has no derivative at 0
    np.testing.assert_allclose(derivative(x), central_diff(function, x), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    ("derivative", "method"),
    [
        (basics.sigmoid_derivative, "sigmoid"),
        (basics.tanh_derivative, "tanh"),
        (basics.relu_derivative, "relu"),
    ],
)
def test_derivatives_match_engine_autodiff(derivative, method, rng):
    x = rng.standard_normal((3, 7)) * 3
    g = rng.standard_normal((3, 7))  # random upstream gradient
    t = Tensor(x, requires_grad=True)
    getattr(t, method)().backward(g)
    np.testing.assert_allclose(t.grad, g * derivative(x), rtol=1e-10, atol=1e-12)


def test_softmax_jacobian_vector_product_matches_engine(rng):
    x = rng.standard_normal((3, 5))
    g = rng.standard_normal((3, 5))
    s = basics.softmax(x)
    hand = s * (g - np.sum(g * s, axis=1, keepdims=True))  # J^T g of row-wise softmax
    t = Tensor(x, requires_grad=True)
    e = (t - Tensor(x.max(axis=1, keepdims=True))).exp()
    (e / e.sum(axis=1, keepdims=True)).backward(g)
    np.testing.assert_allclose(t.grad, hand, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        hand,
        np.array([
            [(np.sum(g[i] * basics.softmax(x[i] + d)) - np.sum(g[i] * basics.softmax(x[i] - d)))
             / 2e-6 for d in np.eye(5) * 1e-6]
            for i in range(3)
        ]),
        rtol=1e-6,
        atol=1e-9,
    )


def test_losses_reject_mismatched_shapes():
    with pytest.raises(ValueError, match=r"l1_loss: .*\(3,\) and \(2,\)"):
        basics.l1_loss(np.zeros(3), np.zeros(2))


def test_cross_entropy_value_gradient_and_errors(rng):
    A = rng.uniform(0.05, 0.95, size=(2, 7))
    Y = (rng.random((2, 7)) > 0.5).astype(float)
    J = basics.cross_entropy(A, Y)
    assert J == pytest.approx(-np.mean(np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A), axis=0)))
    # the derivative the docstring states, against the engine and finite differences
    hand = -(Y / A - (1 - Y) / (1 - A)) / A.shape[1]
    t = Tensor(A, requires_grad=True)
    Yt = Tensor(Y)
    (-((Yt * t.log() + (1 - Yt) * (1 - t).log()).sum()) * (1.0 / A.shape[1])).backward()
    np.testing.assert_allclose(t.grad, hand, rtol=1e-10, atol=1e-12)
    eps = 1e-6
    fd = np.zeros_like(A)
    for idx in np.ndindex(A.shape):
        d = np.zeros_like(A)
        d[idx] = eps
        fd[idx] = (basics.cross_entropy(A + d, Y) - basics.cross_entropy(A - d, Y)) / (2 * eps)
    np.testing.assert_allclose(hand, fd, rtol=1e-6, atol=1e-9)
    with pytest.raises(ValueError, match=r"deep.compute_cost: expected predictions and labels of "
                                         r"one shape .* got \(1, 3\) and \(3,\); .*reshape"):
        basics.cross_entropy(np.full((1, 3), 0.5), np.ones(3), where="deep.compute_cost")
