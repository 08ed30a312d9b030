"""classic.linear: the diabetes lesson's published numbers, gradient descent converging to the
closed form, ridge against scikit-learn, gradients against autodiff and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath import Tensor
from nnmath.classic import linear
from nnmath.datasets import load_diabetes


@pytest.fixture(scope="module")
def diabetes_feature2():
    X, y = load_diabetes()
    x = X[:, 2:3]
    return x[:-20], y[:-20], x[-20:], y[-20:]


def test_normal_equation_reproduces_published_diabetes_numbers(diabetes_feature2):
    x_train, y_train, x_test, y_test = diabetes_feature2
    w, b = linear.fit_normal_equation(x_train, y_train)
    assert w.shape == (1,)
    assert round(float(w[0]), 8) == 938.23786125
    assert b == pytest.approx(152.91886182616167, abs=1e-9)
    pred = linear.predict(x_test, w, b)
    assert round(linear.mean_squared_error(y_test, pred), 2) == 2548.07
    assert round(linear.r2_score(y_test, pred), 2) == 0.47


def test_gradient_descent_converges_to_normal_equation(diabetes_feature2):
    x_train, y_train, *_ = diabetes_feature2
    w_ne, b_ne = linear.fit_normal_equation(x_train, y_train)
    # feature 2 has variance ~0.0023, so the cost's Hessian has eigenvalues ~1 and ~0.0023:
    # learning rate 1.9 (< 2 / 1) and 20 000 iterations shrink the error by (1 - 0.0044)^20000
    w, b, costs = linear.fit_gradient_descent(x_train, y_train, 1.9, 20_000)
    assert len(costs) == 20_001
    assert np.all(np.diff(costs) <= 1e-9)  # monotone descent
    assert round(float(w[0]), 8) == 938.23786125
    assert b == pytest.approx(b_ne, abs=1e-8)
    assert costs[-1] == pytest.approx(linear.compute_cost(x_train, y_train, w_ne, b_ne), rel=1e-12)


def test_gradient_descent_reports_divergence():
    X = np.array([[1.0], [2.0], [3.0]])
    with pytest.raises(ValueError, match=r"diverged.*smaller learning rate"):
        linear.fit_gradient_descent(X, np.array([1.0, 2.0, 3.0]), 10.0, 2000)


def test_ridge_matches_sklearn_and_reduces_to_least_squares(rng):
    from sklearn.linear_model import Ridge

    X = rng.standard_normal((60, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.7 + 0.1 * rng.standard_normal(60)
    for alpha in (0.0, 0.5, 10.0):
        w, b = linear.fit_ridge(X, y, alpha=alpha)
        ref = Ridge(alpha=alpha).fit(X, y) if alpha else None
        if ref is not None:
            np.testing.assert_allclose(w, ref.coef_, rtol=1e-10)
            assert b == pytest.approx(ref.intercept_, rel=1e-10)
        else:
            w_ne, b_ne = linear.fit_normal_equation(X, y)
            np.testing.assert_allclose(w, w_ne, rtol=1e-10)
            assert b == pytest.approx(b_ne, rel=1e-10)
    assert np.linalg.norm(linear.fit_ridge(X, y, 10.0)[0]) < np.linalg.norm(
        linear.fit_ridge(X, y, 0.0)[0]
    )
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        linear.fit_ridge(X, y, alpha=-1)


def test_gradients_match_autodiff_and_finite_differences(rng):
    X = rng.standard_normal((15, 3))
    y = rng.standard_normal(15)
    w, b = rng.standard_normal(3), 0.3
    dw, db = linear.compute_gradients(X, y, w, b)
    wt = Tensor(w, requires_grad=True)
    bt = Tensor(np.array(b), requires_grad=True)
    r = Tensor(X) @ wt + bt - Tensor(y)
    ((r * r).sum() * (1 / 30)).backward()
    np.testing.assert_allclose(dw, wt.grad, rtol=1e-10, atol=1e-12)
    assert db == pytest.approx(float(bt.grad), rel=1e-10)
    eps = 1e-6
    fd = [
        (linear.compute_cost(X, y, w + e, b) - linear.compute_cost(X, y, w - e, b)) / (2 * eps)
        for e in np.eye(3) * eps
    ]
    np.testing.assert_allclose(dw, fd, rtol=1e-6)
    fd_b = (linear.compute_cost(X, y, w, b + eps) - linear.compute_cost(X, y, w, b - eps)) / (
        2 * eps
    )
    assert db == pytest.approx(fd_b, rel=1e-6)


def test_metrics_and_shape_errors():
    assert linear.mean_squared_error([1, 2, 3], [1, 2, 5]) == pytest.approx(4 / 3)
    assert linear.r2_score([1.0, 2, 3], [1.0, 2, 3]) == 1.0
    with pytest.raises(ValueError, match=r"expected y of shape \(3,\)"):
        linear.fit_normal_equation(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="2 features"):
        linear.predict(np.zeros((3, 2)), np.zeros(3), 0.0)
    with pytest.raises(ValueError, match=r"fit_gradient_descent: X has 2 features .* 3 weights"):
        linear.fit_gradient_descent(np.zeros((3, 2)), np.zeros(3), 0.1, 1, w0=[1.0, 2.0, 3.0])
