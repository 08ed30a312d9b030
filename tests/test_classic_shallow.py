"""classic.shallow: the planar flower's published cost trace, accuracy and hidden-size sweep;
backward propagation against autodiff and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath import Tensor
from nnmath.classic import shallow
from nnmath.datasets import make_planar_flower

# The course prints these for n_h = 4 (10 000 iterations at 1.2). With learning rate 1.2 the
# run oscillates after ~7000 iterations, and the printed costs at 8000 and 9000 differ between
# published copies of the notebook (0.219471 / 0.219454 ...): the last digits there depend on
# the BLAS's rounding. We check the platform-independent part to the printed digits.
PUBLISHED_COSTS = [0.693048, 0.288083, 0.254385, 0.233864, 0.226792, 0.222644, 0.219731, 0.217504]
# published hidden-size sweep (5000 iterations). We reproduce all seven here, but 20 and 50
# units run in the same rounding-sensitive regime, so they are checked to within one point
# (another BLAS may round differently)
PUBLISHED_SWEEP = {1: 67.5, 2: 67.25, 3: 90.75, 4: 90.5, 5: 91.25, 20: 90.0, 50: 90.25}


@pytest.fixture(scope="module")
def flower():
    return make_planar_flower(m=400, seed=1)


@pytest.mark.slow
def test_n_h_4_published_cost_trace_and_accuracy(flower):
    X, Y = flower
    costs: list[float] = []
    parameters = shallow.nn_model(X, Y, n_h=4, num_iterations=10000, costs=costs)
    assert len(costs) == 10
    assert [round(c, 6) for c in costs[:8]] == PUBLISHED_COSTS
    assert abs(costs[8] - 0.21946) < 2e-4 and abs(costs[9] - 0.21861) < 2e-4
    acc = shallow.accuracy(shallow.predict(parameters, X), Y)
    # A fraction (363 of 400). The course prints it with '%d' (truncation), "Accuracy: 90%";
    # ours is 90.75 %, which printed the course's way is exactly the published 90.
    assert acc == 363 / 400
    assert "%d%%" % (100 * acc) == "90%"  # noqa: UP031 - the course's own format


@pytest.mark.slow
def test_hidden_size_sweep(flower):
    X, Y = flower
    for n_h, published in PUBLISHED_SWEEP.items():
        parameters = shallow.nn_model(X, Y, n_h, num_iterations=5000)
        acc = shallow.accuracy(shallow.predict(parameters, X), Y)
        if n_h <= 5:
            assert 100 * acc == pytest.approx(published, abs=1e-9), n_h
        else:
            assert abs(100 * acc - published) <= 1.0, (n_h, acc)


def test_initialization_is_the_courses(flower):
    p = shallow.initialize_parameters(2, 4, 1)
    rs = np.random.RandomState(2)
    np.testing.assert_array_equal(p["W1"], rs.randn(4, 2) * 0.01)
    np.testing.assert_array_equal(p["W2"], rs.randn(1, 4) * 0.01)
    assert not p["b1"].any() and p["b1"].shape == (4, 1)
    assert shallow.layer_sizes(*flower) == (2, 4, 1)


def _engine_cost(params: dict[str, Tensor], X: np.ndarray, Y: np.ndarray) -> Tensor:
    A1 = (params["W1"] @ Tensor(X) + params["b1"]).tanh()
    A2 = (params["W2"] @ A1 + params["b2"]).sigmoid()
    Yt = Tensor(Y)
    return -((Yt * A2.log() + (1 - Yt) * (1 - A2).log()).sum()) * (1.0 / X.shape[1])


def test_backward_propagation_matches_autodiff_and_finite_differences(rng):
    X = rng.standard_normal((3, 11))
    Y = (rng.random((1, 11)) > 0.5).astype(float)
    params = {
        "W1": rng.standard_normal((5, 3)), "b1": rng.standard_normal((5, 1)),
        "W2": rng.standard_normal((1, 5)), "b2": rng.standard_normal((1, 1)),
    }
    A2, cache = shallow.forward_propagation(X, params)
    grads = shallow.backward_propagation(params, cache, X, Y)

    tensors = {k: Tensor(v, requires_grad=True) for k, v in params.items()}
    J = _engine_cost(tensors, X, Y)
    assert J.item() == pytest.approx(shallow.compute_cost(A2, Y), rel=1e-12)
    J.backward()
    for k, t in tensors.items():
        np.testing.assert_allclose(grads["d" + k], t.grad, rtol=1e-10, atol=1e-12)

    eps = 1e-6
    for k, v in params.items():
        fd = np.zeros_like(v)
        for idx in np.ndindex(v.shape):
            plus = {**params, k: v.copy()}
            minus = {**params, k: v.copy()}
            plus[k][idx] += eps
            minus[k][idx] -= eps
            J_plus = shallow.compute_cost(shallow.forward_propagation(X, plus)[0], Y)
            J_minus = shallow.compute_cost(shallow.forward_propagation(X, minus)[0], Y)
            fd[idx] = (J_plus - J_minus) / (2 * eps)
        np.testing.assert_allclose(grads["d" + k], fd, rtol=1e-6, atol=1e-9)


def test_update_and_errors(rng):
    params = shallow.initialize_parameters(2, 3, 1)
    grads = {"d" + k: np.ones_like(v) for k, v in params.items()}
    new = shallow.update_parameters(params, grads, learning_rate=0.5)
    np.testing.assert_allclose(new["W1"], params["W1"] - 0.5)
    with pytest.raises(ValueError, match=r"expected X of shape \(2, m\)"):
        shallow.forward_propagation(np.zeros((3, 4)), params)
    with pytest.raises(ValueError, match=r"layer_sizes: .*got X \(2, 4\) and Y \(1, 5\); one 0/1 "
                                         r"label per column"):
        shallow.layer_sizes(np.zeros((2, 4)), np.zeros((1, 5)))
    X = rng.standard_normal((2, 4))
    _, cache = shallow.forward_propagation(X, params)
    with pytest.raises(ValueError, match=r"backward_propagation: .*Y \(4,\); use Y.reshape"):
        shallow.backward_propagation(params, cache, X, np.ones(4))
