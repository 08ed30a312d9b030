"""classic.deep: the cat networks' published cost traces and accuracies (each model trained
once per session), and the hand-derived backward pass against autodiff and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath import Tensor
from nnmath.classic import deep
from nnmath.datasets import load_cat_vs_noncat

# Published traces, every 100 iterations (2500 iterations at 0.0075), rounded to 6 digits.
# The notebook prints 16 digits; published copies differ from each other after the 12th
# (BLAS rounding), so the full-precision values below are compared to 1e-10 relative.
TWO_LAYER_TRACE = [
    0.693050, 0.646432, 0.632514, 0.601502, 0.560197, 0.515830, 0.475490, 0.433916,
    0.400798, 0.358071, 0.339428, 0.305275, 0.274914, 0.246818, 0.198507, 0.174483,
    0.170808, 0.113065, 0.096294, 0.083426, 0.074391, 0.066307, 0.059193, 0.053361, 0.048555,
]
TWO_LAYER_FULL = {0: 0.6930497356599888, 100: 0.6464320953428849, 2400: 0.048554785628770226}
FOUR_LAYER_TRACE = [
    0.771749, 0.672053, 0.648263, 0.611507, 0.567047, 0.540138, 0.527930, 0.465477,
    0.369126, 0.391747, 0.315187, 0.272700, 0.237419, 0.199601, 0.189263, 0.161189,
    0.148214, 0.137775, 0.129740, 0.121225, 0.113821, 0.107839, 0.102855, 0.100897, 0.092878,
]
FOUR_LAYER_FULL = {0: 0.7717493284237686}


@pytest.fixture(scope="module")
def cat_data():
    (x_train, y_train), (x_test, y_test), _ = load_cat_vs_noncat()
    return (
        x_train.reshape(x_train.shape[0], -1).T / 255.0,
        y_train.reshape(1, -1),
        x_test.reshape(x_test.shape[0], -1).T / 255.0,
        y_test.reshape(1, -1),
    )


@pytest.fixture(scope="module")
def two_layer(cat_data):
    X, Y, *_ = cat_data
    return deep.two_layer_model(X, Y, (12288, 7, 1), num_iterations=2500)


@pytest.fixture(scope="module")
def four_layer(cat_data):
    X, Y, *_ = cat_data
    return deep.l_layer_model(X, Y, [12288, 20, 7, 5, 1], num_iterations=2500)


def _accuracies(cat_data, parameters):
    X, Y, X_test, Y_test = cat_data
    return (
        deep.accuracy(deep.predict(X, Y, parameters), Y),
        deep.accuracy(deep.predict(X_test, Y_test, parameters), Y_test),
    )


@pytest.mark.slow
def test_two_layer_cat_model(cat_data, two_layer):
    parameters, costs = two_layer
    assert [round(c, 6) for c in costs] == TWO_LAYER_TRACE
    for i, c in TWO_LAYER_FULL.items():
        assert costs[i // 100] == pytest.approx(c, rel=1e-10)
    assert parameters["W1"].shape == (7, 12288)
    assert _accuracies(cat_data, parameters) == (1.0, 0.72)


@pytest.mark.slow
def test_four_layer_cat_model(cat_data, four_layer, capsys):
    parameters, costs = four_layer
    assert [round(c, 6) for c in costs] == FOUR_LAYER_TRACE
    for i, c in FOUR_LAYER_FULL.items():
        assert costs[i // 100] == pytest.approx(c, rel=1e-10)
    train, test = _accuracies(cat_data, parameters)
    assert round(train * 100, 2) == 98.56 and train == pytest.approx(0.9856459330143541)
    assert test == 0.8
    deep.predict(cat_data[2], cat_data[3], parameters, print_accuracy=True)
    assert capsys.readouterr().out == "Accuracy: 0.8\n"


@pytest.mark.slow
@pytest.mark.parametrize("which", ["two", "four"])
def test_gram_method_same_iterations_as_textbook_loop(cat_data, two_layer, four_layer, which):
    X, Y, *_ = cat_data
    if which == "two":
        (direct, direct_costs), trace = two_layer, TWO_LAYER_TRACE
        params, costs = deep.two_layer_model(X, Y, (12288, 7, 1), learning_rate=0.0075,
                                             num_iterations=2500, method="gram")
    else:
        (direct, direct_costs), trace = four_layer, FOUR_LAYER_TRACE
        params, costs = deep.l_layer_model(X, Y, [12288, 20, 7, 5, 1], num_iterations=2500,
                                           method="gram")
    assert [round(c, 6) for c in costs] == trace
    np.testing.assert_allclose(costs, direct_costs, rtol=1e-11)
    assert sorted(params) == sorted(direct)
    for k, v in direct.items():
        np.testing.assert_allclose(params[k], v, rtol=1e-8, atol=1e-12)
    assert _accuracies(cat_data, params) == _accuracies(cat_data, direct)


def test_gram_method_errors(rng):
    X, Y = rng.standard_normal((3, 5)), np.ones((1, 5))
    with pytest.raises(ValueError, match="method must be 'direct' or 'gram'"):
        deep.l_layer_model(X, Y, [3, 2, 1], num_iterations=1, method="fast")
    with pytest.raises(ValueError, match="needs at least one hidden layer"):
        deep.l_layer_model(X, Y, [3, 1], num_iterations=1, method="gram")


def test_initialization_is_the_courses():
    p = deep.initialize_parameters_deep([5, 4, 3])
    rs = np.random.RandomState(1)
    np.testing.assert_array_equal(p["W1"], rs.randn(4, 5) / np.sqrt(5))
    np.testing.assert_array_equal(p["W2"], rs.randn(3, 4) / np.sqrt(4))
    p = deep.initialize_parameters_deep([5, 4, 3], seed=3, scale=0.01)
    np.testing.assert_array_equal(p["W1"], np.random.RandomState(3).randn(4, 5) * 0.01)
    p = deep.initialize_parameters(3, 2, 1)
    rs = np.random.RandomState(1)
    np.testing.assert_array_equal(p["W1"], rs.randn(2, 3) * 0.01)
    np.testing.assert_array_equal(p["W2"], rs.randn(1, 2) * 0.01)


def _engine_cost(tensors: dict[str, Tensor], X: Tensor, Y: np.ndarray) -> Tensor:
    L = len(tensors) // 2
    A = X
    for l in range(1, L + 1):
        Z = tensors[f"W{l}"] @ A + tensors[f"b{l}"]
        A = Z.sigmoid() if l == L else Z.relu()
    Yt = Tensor(Y)
    return -((Yt * A.log() + (1 - Yt) * (1 - A).log()).sum()) * (1.0 / Y.shape[1])


def test_l_model_backward_matches_autodiff_and_finite_differences(rng):
    dims = [4, 5, 3, 1]
    X = rng.standard_normal((4, 10))
    Y = (rng.random((1, 10)) > 0.5).astype(float)
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1]))
        params[f"b{l}"] = rng.standard_normal((dims[l], 1)) * 0.1
    AL, caches = deep.l_model_forward(X, params)
    grads = deep.l_model_backward(AL, Y, caches)
    assert sorted(grads) == sorted(
        ["dA0", "dA1", "dA2", "dW1", "dW2", "dW3", "db1", "db2", "db3"]
    )

    tensors = {k: Tensor(v, requires_grad=True) for k, v in params.items()}
    Xt = Tensor(X, requires_grad=True)
    J = _engine_cost(tensors, Xt, Y)
    assert J.item() == pytest.approx(deep.compute_cost(AL, Y), rel=1e-12)
    J.backward()
    for k, t in tensors.items():
        np.testing.assert_allclose(grads["d" + k], t.grad, rtol=1e-10, atol=1e-12)
    # the course's dA0 is the gradient of the SUMMED loss (no 1/m): m * dJ/dX
    np.testing.assert_allclose(grads["dA0"], Xt.grad * X.shape[1], rtol=1e-10, atol=1e-12)

    eps = 1e-6
    for k, v in params.items():
        fd = np.zeros_like(v)
        for idx in np.ndindex(v.shape):
            plus, minus = {**params, k: v.copy()}, {**params, k: v.copy()}
            plus[k][idx] += eps
            minus[k][idx] -= eps
            fd[idx] = (
                deep.compute_cost(deep.l_model_forward(X, plus)[0], Y)
                - deep.compute_cost(deep.l_model_forward(X, minus)[0], Y)
            ) / (2 * eps)
        np.testing.assert_allclose(grads["d" + k], fd, rtol=1e-5, atol=1e-8)


def test_layer_backward_with_random_upstream_gradient(rng):
    A_prev = rng.standard_normal((4, 6))
    W, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 1))
    g = rng.standard_normal((3, 6))  # random upstream dA
    for activation, method in (("relu", "relu"), ("sigmoid", "sigmoid")):
        A, cache = deep.linear_activation_forward(A_prev, W, b, activation)
        dA_prev, dW, db = deep.linear_activation_backward(g, cache, activation)
        tA, tW, tb = (Tensor(v, requires_grad=True) for v in (A_prev, W, b))
        out = getattr(tW @ tA + tb, method)()
        np.testing.assert_allclose(out.data, A, rtol=1e-14)
        out.backward(g)
        m = A_prev.shape[1]  # the course's dW, db carry 1/m; dA_prev does not
        np.testing.assert_allclose(dA_prev, tA.grad, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(dW, tW.grad / m, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(db, tb.grad / m, rtol=1e-10, atol=1e-12)


def test_errors_and_skip_of_dA0(rng):
    with pytest.raises(ValueError, match="activation must be 'relu' or 'sigmoid'"):
        deep.linear_activation_forward(np.zeros((2, 3)), np.zeros((1, 2)), np.zeros((1, 1)), "tanh")
    with pytest.raises(ValueError, match=r"needs A of shape \(2, m\)"):
        deep.linear_forward(np.zeros((3, 3)), np.zeros((1, 2)), np.zeros((1, 1)))
    with pytest.raises(ValueError, match="at least two positive sizes"):
        deep.initialize_parameters_deep([5])
    params = deep.initialize_parameters_deep([3, 2, 1])
    AL, caches = deep.l_model_forward(rng.standard_normal((3, 4)), params)
    grads = deep.l_model_backward(AL, np.ones((1, 4)), caches, need_dA0=False)
    assert "dA0" not in grads and "dW1" in grads
