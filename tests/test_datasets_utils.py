"""train_test_split, one_hot, minibatches, standardize."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath.datasets import minibatches, one_hot, standardize, train_test_split


def test_train_test_split_partitions_and_keeps_pairs(rng):
    x = rng.standard_normal((50, 3))
    y = np.arange(50)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.2, seed=3)
    assert x_tr.shape == (40, 3) and x_te.shape == (10, 3)
    assert sorted(np.concatenate([y_tr, y_te]).tolist()) == list(range(50))
    np.testing.assert_array_equal(x_tr, x[y_tr])  # x and y stay paired
    np.testing.assert_array_equal(x_te, x[y_te])
    again = train_test_split(x, y, test_size=0.2, seed=3)
    np.testing.assert_array_equal(again[3], y_te)  # same seed, same split
    assert not np.array_equal(train_test_split(x, y, 0.2, seed=4)[3], y_te)
    _, _, y_tr, y_te = train_test_split(x, y, test_size=7, shuffle=False)
    assert y_te.tolist() == list(range(43, 50)) and y_tr.tolist() == list(range(43))
    assert len(train_test_split(x, y, test_size=0.33)[1]) == 17  # ceil(0.33 * 50)


def test_train_test_split_errors():
    with pytest.raises(ValueError, match=r"same number of samples.*x \(4,\) and y \(3,\)"):
        train_test_split(np.zeros(4), np.zeros(3))
    with pytest.raises(ValueError, match=r"fraction in \(0, 1\).*got 1.5"):
        train_test_split(np.zeros(4), np.zeros(4), test_size=1.5)
    with pytest.raises(ValueError, match="gives 4 test samples of 4"):
        train_test_split(np.zeros(4), np.zeros(4), test_size=4)


def test_one_hot(rng):
    y = rng.integers(0, 5, 30)
    Y = one_hot(y, 5)
    assert Y.shape == (30, 5) and Y.dtype == np.float32
    np.testing.assert_array_equal(Y.argmax(axis=1), y)
    np.testing.assert_array_equal(Y.sum(axis=1), np.ones(30))
    assert one_hot(np.array([[1, 0]]), 3).shape == (1, 2, 3)
    assert one_hot(np.array([0, 2])).shape == (2, 3)  # K inferred
    np.testing.assert_array_equal(one_hot(np.array([1.0, 0.0]), 2), [[0, 1], [1, 0]])
    with pytest.raises(ValueError, match=r"labels in \[0, 3\), got values in \[0, 3\]"):
        one_hot(np.array([0, 3]), 3)
    with pytest.raises(ValueError, match="integer labels"):
        one_hot(np.array([0.5]), 2)
    with pytest.raises(ValueError, match=r"integer labels, got dtype <U3; map class names"):
        one_hot(np.array(["cat"]))
    with pytest.raises(ValueError, match=r"num_classes an int >= 1, got -1"):
        one_hot(np.array([0, 1]), -1)


@pytest.mark.parametrize("shuffle", [True, False])
def test_minibatches_cover_every_sample_once(rng, shuffle):
    x = rng.standard_normal((10, 4, 4, 2))  # batch-first images
    y = np.arange(10)
    batches = list(minibatches(x, y, batch_size=4, shuffle=shuffle, seed=1))
    assert [len(b[0]) for b in batches] == [4, 4, 2]  # last partial batch included
    seen = np.concatenate([b[1] for b in batches])
    assert sorted(seen.tolist()) == list(range(10))
    for xb, yb in batches:
        np.testing.assert_array_equal(xb, x[yb])
    assert (seen.tolist() != list(range(10))) == shuffle
    again = np.concatenate([b[1] for b in minibatches(x, y, 4, shuffle, seed=1)])
    np.testing.assert_array_equal(seen, again)
    only_x = list(minibatches(x, None, 3, shuffle=False))
    assert len(only_x) == 4 and only_x[-1][1] is None and len(only_x[-1][0]) == 1


def test_minibatches_errors():
    with pytest.raises(ValueError, match="batch_size an int >= 1, got 0"):
        next(minibatches(np.zeros((3, 2)), np.zeros(3), 0))
    with pytest.raises(ValueError, match=r"x \(3, 2\) and y \(2,\).*x.T, y.T"):
        next(minibatches(np.zeros((3, 2)), np.zeros(2), 2))
    with pytest.raises(ValueError, match=r"minibatches: expected seed an int >= 0, a "
                                         r"np.random.Generator or None, got 'a'"):
        next(minibatches(np.zeros((3, 2)), np.zeros(3), 2, seed="a"))
    rng = np.random.default_rng(5)  # a Generator is used as it is: the stream continues
    first = np.concatenate([b for _, b in minibatches(np.zeros(6), np.arange(6), 6, seed=rng)])
    np.testing.assert_array_equal(first, np.random.default_rng(5).permutation(6))


def test_standardize(rng):
    x = rng.standard_normal((100, 3)) * [1.0, 10.0, 0.1] + [5.0, -2.0, 0.0]
    z, mean, std = standardize(x)
    assert mean.shape == (1, 3) and std.shape == (1, 3) and z.dtype == np.float64
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=0), 1, atol=1e-6)
    np.testing.assert_allclose(mean[0], x.mean(axis=0))
    np.testing.assert_allclose((x - mean) / (std + 1e-8), z)
    z, _, std = standardize(np.array([[1, 7], [3, 7]], dtype=np.uint8))
    assert z.dtype == np.float32 and np.isfinite(z).all()  # constant column: no division by 0
    np.testing.assert_allclose(z, [[-1, 0], [1, 0]], atol=1e-6)
    z, mean, _ = standardize(x, axis=None)
    assert mean.shape == (1, 1) and abs(z.mean()) < 1e-12
