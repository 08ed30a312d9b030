"""The scikit-learn bundled sets (optional extra) and the message when it is missing."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from nnmath.datasets import load_diabetes, load_digits


def test_diabetes_published_shape():
    X, y = load_diabetes()
    assert X.shape == (442, 10) and y.shape == (442,)
    assert X.dtype == np.float64 and (y.min(), y.max()) == (25.0, 346.0)
    np.testing.assert_allclose(np.sqrt((X ** 2).sum(axis=0)), 1.0, rtol=1e-6)  # unit norm
    X_raw, _ = load_diabetes(scaled=False)
    assert sorted(np.unique(X_raw[:, 1]).tolist()) == [1.0, 2.0]  # sex coded 1/2


def test_digits_published_shape_and_counts():
    X, y = load_digits()
    assert X.shape == (1797, 64) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert X.min() == 0 and X.max() == 16
    images, _ = load_digits(as_images=True)
    np.testing.assert_array_equal(images.reshape(1797, 64), X)


def test_clear_message_without_sklearn(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # import sklearn -> ImportError
    with pytest.raises(ImportError, match=r'load_digits: needs scikit-learn.*nnmath\[sklearn\]'):
        load_digits()
