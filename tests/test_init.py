"""Initializers: shapes, dtypes, fans, the variances they promise, seeding, errors."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath import init


@pytest.mark.parametrize(
    ("shape", "fans"),
    [((5,), (5, 5)), ((784, 512), (784, 512)), ((3, 3, 1, 32), (9, 288)), ((2, 4, 6, 8), (48, 64))],
)
def test_compute_fans(shape, fans):
    assert init.compute_fans(shape) == fans


def test_zeros_ones():
    assert np.array_equal(init.zeros((2, 3)), np.zeros((2, 3), np.float32))
    assert init.ones((4,)).dtype == np.float32 and init.ones((4,)).sum() == 4


@pytest.mark.parametrize(
    "name", ["random_normal", "glorot_uniform", "glorot_normal", "he_normal", "he_uniform"]
)
def test_seeded_and_float32(name):
    fn = init.get(name)
    a = fn((30, 20), rng=np.random.default_rng(1))
    b = fn((30, 20), rng=np.random.default_rng(1))
    c = fn((30, 20), rng=np.random.default_rng(2))
    assert a.dtype == np.float32 and a.shape == (30, 20)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert fn((3, 3), rng=np.random.default_rng(0), dtype=np.float64).dtype == np.float64


@pytest.mark.parametrize(
    ("name", "variance"),
    [
        ("glorot_uniform", lambda fi, fo: 2.0 / (fi + fo)),  # U(-l, l): l^2 / 3
        ("glorot_normal", lambda fi, fo: 2.0 / (fi + fo)),
        ("he_normal", lambda fi, fo: 2.0 / fi),
        ("he_uniform", lambda fi, fo: 2.0 / fi),
        ("random_normal", lambda fi, fo: 0.05**2),
    ],
)
def test_variance_matches_formula(name, variance):
    shape = (3, 3, 64, 128)
    w = init.get(name)(shape, rng=np.random.default_rng(0), dtype=np.float64)
    fan_in, fan_out = init.compute_fans(shape)
    assert w.var() == pytest.approx(variance(fan_in, fan_out), rel=0.03)
    assert abs(w.mean()) < 0.05 * np.sqrt(variance(fan_in, fan_out))


def test_bounds():
    w = init.glorot_uniform((100, 50), rng=np.random.default_rng(0))
    limit = np.sqrt(6 / 150)
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.95 * limit
    w = init.he_normal((400, 300), rng=np.random.default_rng(0))
    std = np.sqrt(2 / 400) / 0.87962566103423978
    assert np.abs(w).max() <= 2 * std + 1e-6  # truncated at two standard deviations


def test_unknown_name():
    with pytest.raises(ValueError, match=r"unknown initializer 'xavier'.*glorot_uniform"):
        init.get("xavier")
