"""nnmath.datasets.prepared: the one loader + scaling per data set (recipes, lessons, evaluate)."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath import datasets
from nnmath.datasets import load_prepared, prepared_names


def test_cat_columns_are_the_course_arrays(data_dir):
    (xtr, ytr), _, classes = datasets.load_cat_vs_noncat()
    d = load_prepared("catvnoncat")
    X, Y = d.columns("train")
    np.testing.assert_array_equal(X, xtr.reshape(209, -1).T / 255.0)  # bit for bit
    np.testing.assert_array_equal(Y, ytr.reshape(1, -1))
    assert X.dtype == np.float64 and Y.dtype == np.float64
    assert d.columns("test")[0].shape == (12288, 50) and d.class_names == classes
    x, y = d.limit(5).samples("train")
    assert x.shape == (5, 64, 64, 3) and x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(x, xtr[:5].astype(np.float32) / np.float32(255))


def test_digits_as_the_engine_takes_them(data_dir):
    (xtr, ytr), _ = datasets.load_mnist()
    d = load_prepared("mnist").limit(100)
    x, y = d.samples("train")
    assert x.shape == (100, 28, 28, 1)
    np.testing.assert_array_equal(x, datasets.digit_images(xtr[:100]))
    np.testing.assert_array_equal(y, ytr[:100])
    flat, _ = d.samples("test", (784,))
    assert flat.shape == (10000, 784) and d.class_names[7] == "7"
    with pytest.raises(ValueError, match=r"sample has shape \[28, 28, 1\]; it cannot be "
                                         r"reshaped to \[64, 64, 3\]"):
        d.samples("train", (64, 64, 3))
    with pytest.raises(ValueError, match="expected split 'train' or 'test', got 'val'"):
        d.samples("val")


def test_planar_points_are_used_as_they_are():
    X, Y = datasets.make_planar_flower(seed=1)
    d = load_prepared("planar")
    Xc, Yc = d.columns("train")
    np.testing.assert_array_equal(Xc, X)
    np.testing.assert_array_equal(Yc, Y)
    assert d.sample_shape == (2,) and d.class_names == ["red", "blue"]


def test_names_and_unknown_names():
    assert prepared_names() == ["catvnoncat", "mnist", "fashion-mnist", "planar"]
    assert datasets.prepared.class_names("fashion-mnist")[9] == "Ankle boot"
    with pytest.raises(KeyError, match="unknown data set 'dogs'; expected one of catvnoncat"):
        load_prepared("dogs")
