"""classic.optim: the moons model's published accuracies for gd, momentum and Adam (each
trained once per session), mini-batches, the update rules and decay schedules, and the
backward pass against autodiff and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath import Tensor
from nnmath.classic import optim
from nnmath.datasets import make_moons

# published (10 000 epochs, learning rate 0.0007, mini-batches of 64): 0.7967, 0.7967, 0.94
PUBLISHED = {"gd": 0.7966666666666666, "momentum": 0.7966666666666666, "adam": 0.94}


@pytest.fixture(scope="module")
def moons_models():
    X, Y = make_moons(n_samples=300, noise=0.2, seed=3)
    out = {}
    for name in PUBLISHED:
        costs: list[float] = []
        params = optim.model(X, Y, [2, 5, 2, 1], optimizer=name, num_epochs=10000, costs=costs)
        out[name] = (optim.accuracy(optim.predict(X, params), Y), costs)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PUBLISHED))
def test_moons_published_accuracies(moons_models, name):
    acc, costs = moons_models[name]
    assert acc == pytest.approx(PUBLISHED[name], abs=1e-12)
    assert len(costs) == 100 and costs[-1] < costs[0]


def test_random_mini_batches_published_sanity_check():
    rs = np.random.RandomState(1)
    X = rs.randn(12288, 148)
    Y = rs.randn(1, 148) < 0.5
    batches = optim.random_mini_batches(X, Y, mini_batch_size=64, seed=0)
    assert [b[0].shape for b in batches] == [(12288, 64), (12288, 64), (12288, 20)]
    assert [b[1].shape for b in batches] == [(1, 64), (1, 64), (1, 20)]
    np.testing.assert_allclose(batches[0][0][0][0:3], [0.90085595, -0.7612069, 0.2344157],
                               atol=5e-9)
    # a permutation of the columns: every sample exactly once, labels kept with their sample
    allX = np.concatenate([b[0] for b in batches], axis=1)
    order = np.argsort(allX[0])
    np.testing.assert_array_equal(allX[:, order], X[:, np.argsort(X[0])])
    with pytest.raises(ValueError, match="same number of columns"):
        optim.random_mini_batches(X, Y[:, :10])


def test_update_rules(rng):
    params = {"W1": rng.standard_normal((3, 2)), "b1": rng.standard_normal((3, 1))}
    g1 = {"dW1": rng.standard_normal((3, 2)), "db1": rng.standard_normal((3, 1))}
    g2 = {"dW1": rng.standard_normal((3, 2)), "db1": rng.standard_normal((3, 1))}
    lr, beta = 0.1, 0.9
    gd = optim.update_parameters_with_gd(params, g1, lr)
    np.testing.assert_allclose(gd["W1"], params["W1"] - lr * g1["dW1"])
    # momentum, two steps: v2 = beta (1 - beta) g1 + (1 - beta) g2
    v = optim.initialize_velocity(params)
    p1, v = optim.update_parameters_with_momentum(params, g1, v, beta, lr)
    p2, v = optim.update_parameters_with_momentum(p1, g2, v, beta, lr)
    v2 = beta * (1 - beta) * g1["dW1"] + (1 - beta) * g2["dW1"]
    np.testing.assert_allclose(v["dW1"], v2, rtol=1e-14)
    np.testing.assert_allclose(p2["W1"], params["W1"] - lr * (1 - beta) * g1["dW1"] - lr * v2)
    # Adam, first step: v_hat = g, s_hat = g^2, so the step is lr * g / (|g| + eps)
    v, s = optim.initialize_adam(params)
    pa, v, s, v_c, s_c = optim.update_parameters_with_adam(params, g1, v, s, t=1, learning_rate=lr)
    np.testing.assert_allclose(v_c["dW1"], g1["dW1"], rtol=1e-12)
    np.testing.assert_allclose(s_c["dW1"], g1["dW1"] ** 2, rtol=1e-12)
    np.testing.assert_allclose(
        pa["W1"], params["W1"] - lr * g1["dW1"] / (np.abs(g1["dW1"]) + 1e-8), rtol=1e-12
    )
    # second step against the formulas written out
    pb, v, s, _, _ = optim.update_parameters_with_adam(pa, g2, v, s, t=2, learning_rate=lr)
    m2 = 0.9 * 0.1 * g1["dW1"] + 0.1 * g2["dW1"]
    s2 = 0.999 * 0.001 * g1["dW1"] ** 2 + 0.001 * g2["dW1"] ** 2
    step = lr * (m2 / (1 - 0.9**2)) / (np.sqrt(s2 / (1 - 0.999**2)) + 1e-8)
    np.testing.assert_allclose(pb["W1"], pa["W1"] - step, rtol=1e-12)
    with pytest.raises(ValueError, match="counts steps from 1"):
        optim.update_parameters_with_adam(params, g1, v, s, t=0)


def test_learning_rate_decay_published_values():
    assert optim.update_lr(0.5, 2, 1) == pytest.approx(0.16666666666666666, rel=1e-15)
    assert optim.schedule_lr_decay(0.5, 100, 1) == 0.5
    assert optim.schedule_lr_decay(0.5, 1000, 1) == 0.25
    assert optim.schedule_lr_decay(0.3, 10, 1, time_interval=5) == pytest.approx(0.1)


def test_backward_propagation_matches_autodiff_and_finite_differences(rng):
    params = optim.initialize_parameters([2, 5, 2, 1])
    params = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in params.items()}
    X = rng.standard_normal((2, 9))
    Y = (rng.random((1, 9)) > 0.5).astype(float)
    AL, cache = optim.forward_propagation(X, params)
    assert len(cache) == 12  # the course's (z1, a1, W1, b1, ..., z3, a3, W3, b3)
    np.testing.assert_array_equal(cache[9], AL)
    grads = optim.backward_propagation(X, Y, cache)

    tensors = {k: Tensor(v, requires_grad=True) for k, v in params.items()}
    A = Tensor(X)
    for l in (1, 2, 3):
        Z = tensors[f"W{l}"] @ A + tensors[f"b{l}"]
        A = Z.sigmoid() if l == 3 else Z.relu()
    Yt = Tensor(Y)
    J = -((Yt * A.log() + (1 - Yt) * (1 - A).log()).sum()) * (1.0 / 9)
    assert J.item() == pytest.approx(optim.compute_cost(AL, Y) / 9, rel=1e-12)
    J.backward()
    for k, t in tensors.items():
        np.testing.assert_allclose(grads["d" + k], t.grad, rtol=1e-10, atol=1e-12)

    def mean_cost(p):
        return optim.compute_cost(optim.forward_propagation(X, p)[0], Y) / 9

    eps = 1e-6
    for k, v in params.items():
        fd = np.zeros_like(v)
        for idx in np.ndindex(v.shape):
            plus, minus = {**params, k: v.copy()}, {**params, k: v.copy()}
            plus[k][idx] += eps
            minus[k][idx] -= eps
            fd[idx] = (mean_cost(plus) - mean_cost(minus)) / (2 * eps)
        np.testing.assert_allclose(grads["d" + k], fd, rtol=1e-5, atol=1e-9)


def test_he_initialization_and_errors():
    p = optim.initialize_parameters([2, 5, 2, 1])
    rs = np.random.RandomState(3)
    np.testing.assert_array_equal(p["W1"], rs.randn(5, 2) * np.sqrt(2 / 2))
    np.testing.assert_array_equal(p["W2"], rs.randn(2, 5) * np.sqrt(2 / 5))
    X, Y = make_moons(20)
    with pytest.raises(ValueError, match="optimizer must be 'gd', 'momentum' or 'adam'"):
        optim.model(X, Y, [2, 3, 1], optimizer="sgd", num_epochs=1)
    with pytest.raises(ValueError, match=r"optim.model: expected layers_dims \[n_x=2, ..., 1\] for "
                                         r"X of shape \(2, 20\), got \[3, 3, 1\]"):
        optim.model(X, Y, [3, 3, 1], optimizer="adam", num_epochs=1)
    with pytest.raises(ValueError, match=r"optim.model: .*pass X.T"):
        optim.model(X.T, Y, [20, 3, 1], optimizer="adam", num_epochs=1)
