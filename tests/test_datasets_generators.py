"""datasets.generators: the course's recipes reproduced draw for draw (checked against
scikit-learn where the course used it), determinism, the documented rules, errors."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath.classic import linear
from nnmath.datasets import (
    make_blobs,
    make_circles,
    make_moons,
    make_planar_flower,
    make_regression,
)


def test_planar_flower_is_the_course_recipe():
    X, Y = make_planar_flower()
    assert X.shape == (2, 400) and Y.shape == (1, 400) and Y.dtype == np.uint8
    np.testing.assert_array_equal(Y[0], np.repeat([0, 1], 200))
    # the recipe written out draw by draw from the course's seed
    rs = np.random.RandomState(1)
    t0 = np.linspace(0, 3.12, 200) + rs.randn(200) * 0.2
    r0 = 4 * np.sin(4 * t0) + rs.randn(200) * 0.2
    np.testing.assert_array_equal(X[0, :200], r0 * np.sin(t0))
    np.testing.assert_array_equal(X[1, :200], r0 * np.cos(t0))
    t1 = np.linspace(3.12, 6.24, 200) + rs.randn(200) * 0.2
    r1 = 4 * np.sin(4 * t1) + rs.randn(200) * 0.2
    np.testing.assert_array_equal(X[0, 200:], r1 * np.sin(t1))
    # the radius never exceeds a + noise: the flower's petals
    assert np.hypot(X[0], X[1]).max() < 5.0
    X2, _ = make_planar_flower(seed=2)
    assert not np.array_equal(X, X2)


def test_moons_equal_sklearn_after_the_courses_global_seed():
    from sklearn.datasets import make_moons as sk_make_moons

    # the course's own order: seed the GLOBAL generator, then call make_moons without a seed
    state = np.random.get_state()  # noqa: NPY002
    try:
        np.random.seed(3)  # noqa: NPY002
        X_sk, y_sk = sk_make_moons(n_samples=300, noise=0.2)
    finally:
        np.random.set_state(state)  # noqa: NPY002
    X, Y = make_moons(n_samples=300, noise=0.2, seed=3)
    assert X.shape == (2, 300) and Y.shape == (1, 300)
    np.testing.assert_array_equal(X, X_sk.T)
    np.testing.assert_array_equal(Y[0], y_sk)


def test_circles_equal_sklearn_recipe():
    from sklearn.datasets import make_circles as sk_make_circles

    for n, seed in ((300, 1), (101, 2)):
        rs = np.random.RandomState(seed)
        X_sk, y_sk = sk_make_circles(n_samples=n, noise=0.05, random_state=rs)
        X, Y = make_circles(n_samples=n, noise=0.05, seed=seed)
        np.testing.assert_array_equal(X, X_sk.T)
        np.testing.assert_array_equal(Y[0], y_sk)
    X, Y = make_circles(200, noise=None, factor=0.5)
    radius = np.hypot(X[0], X[1])
    np.testing.assert_allclose(radius[Y[0] == 0], 1.0)
    np.testing.assert_allclose(radius[Y[0] == 1], 0.5)


def test_blobs_rule():
    X, Y = make_blobs(n_samples=3000, centers=3, n_features=2, cluster_std=0.5, seed=7)
    assert X.shape == (2, 3000) and Y.shape == (1, 3000)
    assert np.bincount(Y[0]).tolist() == [1000, 1000, 1000]
    mu = np.random.default_rng(7).uniform(-10, 10, size=(3, 2))
    for k in range(3):
        pts = X[:, Y[0] == k]
        np.testing.assert_allclose(pts.mean(axis=1), mu[k], atol=0.05)
        np.testing.assert_allclose(pts.std(axis=1), 0.5, rtol=0.1)
    np.testing.assert_array_equal(make_blobs(seed=1)[0], make_blobs(seed=1)[0])
    assert np.bincount(make_blobs(10, centers=3)[1][0]).tolist() == [4, 3, 3]


def test_regression_rule_is_recovered_by_least_squares():
    X, y, coef = make_regression(m=5000, noise=20_000.0, seed=0, return_coef=True)
    assert X.shape == (5000, 2) and y.shape == (5000,)
    assert 500 <= X[:, 0].min() and X[:, 0].max() <= 3500
    assert set(np.unique(X[:, 1])) <= {1.0, 2.0, 3.0, 4.0, 5.0, 6.0}
    w, b = linear.fit_normal_equation(X, y)
    np.testing.assert_allclose(w, [coef["size"], coef["bedrooms"]], rtol=0.1)
    assert b == pytest.approx(coef["intercept"], rel=0.2)
    residual = y - linear.predict(X, w, b)
    assert residual.std() == pytest.approx(20_000, rel=0.05)
    X0, y0 = make_regression(m=50, noise=0.0, seed=3)
    np.testing.assert_allclose(y0, 50_000 + 120 * X0[:, 0] + 15_000 * X0[:, 1])


def test_determinism_and_errors():
    for make in (make_moons, make_circles, make_blobs):
        a, b = make(seed=5), make(seed=5)
        np.testing.assert_array_equal(a[0], b[0])
    with pytest.raises(ValueError, match=r"make_moons: n_samples must be an integer >= 2"):
        make_moons(n_samples=1)
    with pytest.raises(ValueError, match=r"make_planar_flower: expected an even m .* got 401; "
                                         r"use 400 or 402"):
        make_planar_flower(401)  # an odd m would leave one point at (0, 0) labelled 0
    for make in (make_moons, make_circles):
        with pytest.raises(ValueError, match=rf"{make.__name__}: noise must be a standard "
                                             r"deviation >= 0 \(or None\), got -0.1"):
            make(noise=-0.1)
    with pytest.raises(ValueError, match=r"center_box \(low, high\) with low < high, got \(1,\)"):
        make_blobs(center_box=(1,))
    with pytest.raises(ValueError, match=r"factor must be in \[0, 1\)"):
        make_circles(factor=1.5)
    with pytest.raises(ValueError, match="noise must be >= 0"):
        make_regression(noise=-1)
