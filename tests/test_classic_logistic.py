"""classic.logistic: the cat classifier's published cost trace and accuracies, the course's
small published examples, gradients against autodiff and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath import Tensor
from nnmath.classic import logistic
from nnmath.datasets import load_cat_vs_noncat

# printed every 100 iterations by the course (2000 iterations, learning rate 0.005)
PUBLISHED_COSTS = [
    0.693147, 0.584508, 0.466949, 0.376007, 0.331463, 0.303273, 0.279880, 0.260042,
    0.242941, 0.228004, 0.214820, 0.203078, 0.192544, 0.183033, 0.174399, 0.166521,
    0.159305, 0.152667, 0.146542, 0.140872,
]


@pytest.fixture(scope="module")
def cat_model():
    (x_train, y_train), (x_test, y_test), _ = load_cat_vs_noncat()
    X_train = x_train.reshape(x_train.shape[0], -1).T / 255.0
    X_test = x_test.reshape(x_test.shape[0], -1).T / 255.0
    d = logistic.model(
        X_train, y_train.reshape(1, -1), X_test, y_test.reshape(1, -1),
        num_iterations=2000, learning_rate=0.005,
    )
    return d, X_train.shape, X_test.shape


@pytest.mark.slow
def test_cat_logistic_regression_reproduces_published_numbers(cat_model):
    d, train_shape, test_shape = cat_model
    assert train_shape == (12288, 209) and test_shape == (12288, 50)
    assert len(d["costs"]) == 20
    assert [round(c, 6) for c in d["costs"]] == PUBLISHED_COSTS
    assert d["train_accuracy"] == 207 / 209  # fractions; printed as 99.04306220095694 %
    assert d["test_accuracy"] == pytest.approx(0.70, abs=1e-15)
    assert d["w"].shape == (12288, 1)
    assert d["Y_prediction_test"].shape == (1, 50)
    assert d["num_iterations"] == 2000 and d["learning_rate"] == 0.005


@pytest.mark.slow
def test_gram_method_same_numbers_as_textbook_loop(cat_model):
    d, _, _ = cat_model
    (x_train, y_train), (x_test, y_test), _ = load_cat_vs_noncat()
    X = x_train.reshape(x_train.shape[0], -1).T / 255.0
    X_test = x_test.reshape(x_test.shape[0], -1).T / 255.0
    g = logistic.model(X, y_train.reshape(1, -1), X_test, y_test.reshape(1, -1),
                       num_iterations=2000, learning_rate=0.005, method="gram")
    assert [round(c, 6) for c in g["costs"]] == PUBLISHED_COSTS
    np.testing.assert_allclose(g["costs"], d["costs"], rtol=1e-12)
    np.testing.assert_allclose(g["w"], d["w"], rtol=1e-9, atol=1e-14)
    assert g["b"] == pytest.approx(d["b"], rel=1e-9)
    assert (g["train_accuracy"], g["test_accuracy"]) == (d["train_accuracy"], d["test_accuracy"])


def test_gram_method_from_nonzero_start(rng):
    X = rng.standard_normal((30, 8))
    Y = (rng.random((1, 8)) > 0.5).astype(float)
    w0 = rng.standard_normal((30, 1)) * 0.1
    p1, g1, c1 = logistic.optimize(w0, 0.3, X, Y, 250, 0.05)
    p2, g2, c2 = logistic.optimize(w0, 0.3, X, Y, 250, 0.05, method="gram")
    np.testing.assert_allclose(p2["w"], p1["w"], rtol=1e-11, atol=1e-13)
    assert p2["b"] == pytest.approx(p1["b"], rel=1e-11)
    np.testing.assert_allclose(g2["dw"], g1["dw"], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(c2, c1, rtol=1e-12)
    with pytest.raises(ValueError, match="method must be 'direct' or 'gram'"):
        logistic.optimize(w0, 0.3, X, Y, 1, 0.05, method="fast")


def test_propagate_published_example():
    w, b = np.array([[1.0], [2.0]]), 2.0
    X, Y = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]]), np.array([[1, 0, 1]])
    grads, cost = logistic.propagate(w, b, X, Y)
    np.testing.assert_allclose(grads["dw"], [[0.99845601], [2.39507239]], atol=5e-9)
    assert grads["db"] == pytest.approx(0.00145557813678, abs=1e-13)
    assert cost == pytest.approx(5.801545319394553, abs=1e-14)


def test_optimize_and_predict_published_examples(capsys):
    w, b = np.array([[1.0], [2.0]]), 2.0
    X, Y = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]]), np.array([[1, 0, 1]])
    params, grads, costs = logistic.optimize(
        w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=True
    )
    assert capsys.readouterr().out == "Cost after iteration 0: 5.801545\n"
    np.testing.assert_allclose(params["w"], [[0.19033591], [0.12259159]], atol=5e-9)
    assert params["b"] == pytest.approx(1.92535983008, abs=1e-11)
    np.testing.assert_allclose(grads["dw"], [[0.67752042], [1.41625495]], atol=5e-9)
    assert grads["db"] == pytest.approx(0.219194504541, abs=1e-12)
    assert costs == [pytest.approx(5.801545319394553)]
    np.testing.assert_array_equal(w, [[1.0], [2.0]])  # the caller's w is not modified
    p = logistic.predict(
        np.array([[0.1124579], [0.23106775]]), -0.3, np.array([[1.0, -1.1, -3.2], [1.2, 2.0, 0.1]])
    )
    np.testing.assert_array_equal(p, [[1.0, 1.0, 0.0]])


def test_propagate_gradients_match_autodiff_and_finite_differences(rng):
    n, m = 6, 9
    X = rng.standard_normal((n, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    w, b = rng.standard_normal((n, 1)) * 0.5, 0.2
    grads, cost = logistic.propagate(w, b, X, Y)

    wt, bt = Tensor(w, requires_grad=True), Tensor(np.array(b), requires_grad=True)
    A = (wt.T @ Tensor(X) + bt).sigmoid()
    J = -((Tensor(Y) * A.log() + (1 - Tensor(Y)) * (1 - A).log()).sum()) * (1.0 / m)
    J.backward()
    assert cost == pytest.approx(J.item(), rel=1e-12)
    np.testing.assert_allclose(grads["dw"], wt.grad, rtol=1e-10, atol=1e-12)
    assert grads["db"] == pytest.approx(float(bt.grad), rel=1e-10, abs=1e-12)

    eps = 1e-6
    fd = np.array([
        (logistic.propagate(w + e, b, X, Y)[1] - logistic.propagate(w - e, b, X, Y)[1]) / (2 * eps)
        for e in np.eye(n)[:, :, None] * eps
    ])
    np.testing.assert_allclose(grads["dw"].ravel(), fd, rtol=1e-6, atol=1e-9)
    fd_b = (logistic.propagate(w, b + eps, X, Y)[1] - logistic.propagate(w, b - eps, X, Y)[1]) / (
        2 * eps
    )
    assert grads["db"] == pytest.approx(fd_b, rel=1e-6, abs=1e-9)


def test_single_neuron_forward_and_backward():
    r = logistic.single_neuron(w=[2, -3, -3], x=[-1, -2], y=1)
    assert r["z"] == 1.0
    assert r["a"] == pytest.approx(1 / (1 + np.exp(-1.0)), rel=1e-15)
    assert r["cost"] == pytest.approx(-np.log(r["a"]), rel=1e-15)
    # the notes' gradients of the neuron's output:
    # dx = [0.393, -0.590], dw = [-0.197, -0.393, 0.197]
    np.testing.assert_allclose(r["dx_a"], [0.393, -0.590], atol=1e-3)
    np.testing.assert_allclose(r["dw_a"], [-0.197, -0.393, 0.197], atol=1e-3)
    # the cost's gradients against autodiff
    wt = Tensor(np.array([2.0, -3.0, -3.0]), requires_grad=True)
    xt = Tensor(np.array([-1.0, -2.0]), requires_grad=True)
    z = wt[0] * xt[0] + wt[1] * xt[1] + wt[2]
    (-(z.sigmoid().log())).backward()
    assert r["dz"] == pytest.approx(r["a"] - 1)
    np.testing.assert_allclose(r["dw"], wt.grad, rtol=1e-12)
    np.testing.assert_allclose(r["dx"], xt.grad, rtol=1e-12)
    # and against finite differences of the cost
    eps = 1e-6
    w0, x0 = np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0])

    def cost(w, x):
        return logistic.single_neuron(w, x)["cost"]

    fd_w = [(cost(w0 + e, x0) - cost(w0 - e, x0)) / (2 * eps) for e in np.eye(3) * eps]
    fd_x = [(cost(w0, x0 + e) - cost(w0, x0 - e)) / (2 * eps) for e in np.eye(2) * eps]
    np.testing.assert_allclose(r["dw"], fd_w, rtol=1e-7)
    np.testing.assert_allclose(r["dx"], fd_x, rtol=1e-7)
    with pytest.raises(ValueError, match="one weight per input plus the bias"):
        logistic.single_neuron(w=[1, 2], x=[1, 2])


def test_boundary_errors():
    w, _ = logistic.initialize_with_zeros(3)
    assert w.shape == (3, 1)
    with pytest.raises(ValueError, match=r"expected w of shape \(4, 1\).*flatten images"):
        logistic.propagate(w, 0.0, np.zeros((4, 5)), np.zeros((1, 5)))
    with pytest.raises(ValueError, match=r"propagate: .*Y of shape \(1, m\), got X \(3, 5\) and "
                                         r"Y \(5,\); use Y.reshape\(1, -1\)"):
        logistic.propagate(w, 0.0, np.zeros((3, 5)), np.zeros(5))
    # images flattened with samples as rows: the error names the fix
    with pytest.raises(ValueError, match=r"optimize: .*got X \(5, 3\) and Y \(1, 5\); X seems to "
                                         r"hold the samples as rows; pass X.T"):
        logistic.model(np.zeros((5, 3)), np.zeros((1, 5)), np.zeros((5, 3)), np.zeros((1, 5)), 1)
