"""The learning-rate range test: the model is left bit for bit, the stable limit 2/lambda_max
matches closed forms (linear regression; logistic regression at w = 0), suggestions."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nnmath as nm
from nnmath import layers, optimizers
from nnmath.tuning import lr_find
from nnmath.tuning.lrfind import largest_eigenvalue, power_iteration, suggest


def _mlp(seed=0):
    model = nm.Sequential([layers.Input((6,)), layers.Dense(16, activation="relu"),
                           layers.Dropout(0.3), layers.Dense(3, activation="softmax")], seed=seed)
    model.compile(optimizers.Adam(learning_rate=0.01), "sparse_categorical_crossentropy",
                  ["accuracy"])
    return model


def _blobs(n=240, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = (rng.normal(size=(n, 6)) + 2.0 * np.eye(3, 6)[y]).astype(np.float32)
    return x, y


def test_lr_find_leaves_the_model_bit_for_bit_as_it_found_it():
    x, y = _blobs()
    model, twin = _mlp(), _mlp()
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, seed=5)  # optimizer slots, streams
    twin.fit(x, y, epochs=1, batch_size=32, verbose=0, seed=5)
    before = model.get_training_state()
    res = lr_find(model, x, y, num_iter=60, batch_size=32, seed=1, curvature=True)
    assert len(res.lrs) >= 10 and res.stable_limit > 0
    after = model.get_training_state()
    for a, b in zip(before["weights"], after["weights"], strict=True):
        assert np.array_equal(a, b)
    assert before["rngs"] == after["rngs"]
    assert before["optimizer"]["iterations"] == after["optimizer"]["iterations"]
    assert model.optimizer.learning_rate == 0.01
    for k, v in before["optimizer"]["arrays"].items():
        assert np.array_equal(v, after["optimizer"]["arrays"][k])
    # and training on from here is the same, bit for bit, as for an untouched twin
    h1 = model.fit(x, y, epochs=2, batch_size=32, verbose=0).history["loss"]
    h2 = twin.fit(x, y, epochs=2, batch_size=32, verbose=0).history["loss"]
    assert h1 == h2


@pytest.mark.parametrize("seed", [0, 1])
def test_stable_limit_of_linear_regression_matches_the_closed_form(seed):
    """MSE of y = x w + b: H = (2/n) [X 1]^T [X 1], GD is stable for eta < 2 / lambda_max."""
    rng = np.random.default_rng(seed)
    n, d = 200, 4
    x = (rng.normal(size=(n, d)) * np.array([3.0, 1.0, 0.5, 0.2]) + 1.0).astype(np.float32)
    y = (x @ rng.normal(size=(d, 1)) + 0.1 * rng.normal(size=(n, 1))).astype(np.float32)
    Xb = np.hstack([x.astype(np.float64), np.ones((n, 1))])
    exact = 2.0 / np.linalg.eigvalsh(2.0 / n * Xb.T @ Xb).max()
    model = nm.Sequential([layers.Input((d,)), layers.Dense(1)], seed=seed)
    model.compile(optimizers.SGD(learning_rate=0.01), "mse")
    res = lr_find(model, x, y, batch_size=n, smoothing=0.0, curvature=True, seed=seed,
                  start_lr=1e-5, end_lr=1.0, num_iter=80)
    assert abs(res.stable_limit - exact) <= 0.1 * exact
    assert res.suggestion < res.stable_limit
    # beyond the limit the range test's loss blows up: the limit is where it diverges
    assert res.lrs[-1] > 0.8 * exact


def test_stable_limit_of_the_classic_cat_logistic_recipe_at_zero_weights():
    """Logistic regression at w = 0: A = 1/2, H = (1/4m) [X; 1][X; 1]^T."""
    from nnmath import recipes

    recipe = recipes.get("cat-logistic")
    data = recipe.load_data()
    model = recipe.build()
    x, y = data.x_train.T, data.y_train.T
    Xb = np.vstack([data.x_train, np.ones((1, x.shape[0]))])  # (n_x + 1, m)
    lam = np.linalg.eigvalsh(Xb.T @ Xb / (4 * x.shape[0])).max()  # same nonzero spectrum
    res = lr_find(model, x, y, batch_size=len(x), smoothing=0.0, curvature=True,
                  start_lr=1e-5, num_iter=60)
    assert abs(res.stable_limit - 2 / lam) <= 0.1 * (2 / lam)
    assert np.all(model.params["w"] == 0) and np.all(model.params["b"] == 0)
    assert isinstance(res.suggestion, float) and res.suggestion < 2 / lam


def test_power_iteration_finds_the_largest_eigenvalue():
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(30, 30)))
    eig = np.linspace(0.1, 5.0, 30)
    eig[-1] = 9.0
    A = q @ np.diag(eig) @ q.T
    assert power_iteration(lambda v: A @ v, 30, rng) == pytest.approx(9.0, rel=1e-4)


def test_largest_eigenvalue_is_the_most_positive_even_when_a_negative_one_dominates():
    """At a network's random start the Hessian can be indefinite with |lambda_min| >
    lambda_max: plain power iteration then returns lambda_min (and 2/lambda is no limit)."""
    rng = np.random.default_rng(1)
    q, _ = np.linalg.qr(rng.normal(size=(30, 30)))
    eig = np.linspace(-9.0, 3.0, 30)
    eig[-1] = 5.0
    A = q @ np.diag(eig) @ q.T
    assert power_iteration(lambda v: A @ v, 30, rng) == pytest.approx(-9.0, rel=1e-3)
    assert largest_eigenvalue(lambda v: A @ v, 30, rng) == pytest.approx(5.0, rel=1e-2)
    # a +-pair (5 and -5, as mnist-mlp's first batch at its start has, about 9.5): plain
    # power iteration's Rayleigh quotient settles on a seed-dependent mix of the two
    pair = np.linspace(-4.0, 4.0, 30)
    pair[0], pair[-1] = -5.0, 5.0
    B = q @ np.diag(pair) @ q.T
    for seed in range(3):
        lam = largest_eigenvalue(lambda v: B @ v, 30, np.random.default_rng(seed))
        assert lam == pytest.approx(5.0, rel=1e-2)


def test_suggestion_is_never_none_and_says_why_it_is_unreliable():
    lrs = np.geomspace(1e-6, 1.0, 50)
    clean = 1.0 / (1.0 + np.exp(4 * (np.log10(lrs) + 3)))  # falls around 1e-3 and levels
    clean[-5:] = [2, 4, 8, 16, 32]
    s, cands, _, _ = suggest(lrs, clean)
    assert set(cands) == {"valley", "steep", "minimum"} and isinstance(s, float)
    assert 1e-5 < s < 1e-1
    few = suggest(lrs[:2], np.array([1.0, np.inf]))
    assert isinstance(few[0], float) and not few[2] and "too few points" in few[3]
    first = suggest(lrs[:1], np.array([np.nan]))  # not finite from the first step on
    assert first[0] == lrs[0] and not first[2] and "too few points" in first[3]
    flat = suggest(lrs, np.ones(50))
    assert not flat[2] and "hardly fell" in flat[3] and math.isfinite(flat[0])


def test_a_rate_range_that_starts_too_high_is_reported_not_a_crash():
    x, y = _blobs()
    model = _mlp()
    model.compile(optimizers.SGD(learning_rate=0.1), "sparse_categorical_crossentropy")
    res = lr_find(model, x, y, start_lr=1e4, end_lr=1e7, num_iter=30)
    assert isinstance(res.suggestion, float) and not res.reliable and res.note


def test_lr_find_errors_say_what_was_expected():
    x, y = _blobs()
    with pytest.raises(ValueError, match="0 < start_lr < end_lr"):
        lr_find(_mlp(), x, y, start_lr=1.0, end_lr=0.1)
    with pytest.raises(ValueError, match="train_on_batch"):
        lr_find(object(), x, y)


def test_plot_marks_suggestions_and_the_stable_limit(tmp_path):
    x, y = _blobs()
    res = lr_find(_mlp(), x, y, num_iter=40, curvature=True, seed=0)
    fig = res.plot(str(tmp_path / "lr.png"))
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any(t.startswith("stable limit") for t in labels)
    assert {"valley", "steep", "minimum"} <= {t.split()[0] for t in labels}
    assert fig.axes[0].get_xscale() == "log" and (tmp_path / "lr.png").stat().st_size > 0
