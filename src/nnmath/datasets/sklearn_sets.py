"""Small classic data sets bundled with scikit-learn (an optional extra, imported lazily)."""

from __future__ import annotations

import numpy as np

__all__ = ["load_diabetes", "load_digits"]


def _sklearn_datasets(where: str):
    try:
        from sklearn import datasets
    except ImportError:
        raise ImportError(
            f'{where}: needs scikit-learn, which bundles this data set; pip install '
            '"nnmath[sklearn]" (or pip install scikit-learn)'
        ) from None
    return datasets


def load_diabetes(scaled: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The diabetes regression set (Efron et al. 2004): 442 patients, 10 features, one target.

    Args:
        scaled: scikit-learn's default: each feature centred and scaled to unit L2 norm.
            False gives the original values (age in years, sex 1/2, BMI, ...).

    Returns:
        ``(X, y)``: X (442, 10) float64, y (442,) float64 (disease progression after one
        year, 25..346).

    Raises:
        ImportError: scikit-learn is not installed.

    Example:
        >>> X, y = load_diabetes()                                  # doctest: +SKIP
        >>> X.shape, y.shape
        ((442, 10), (442,))
    """
    d = _sklearn_datasets("load_diabetes").load_diabetes(scaled=scaled)
    return np.asarray(d.data, dtype=np.float64), np.asarray(d.target, dtype=np.float64)


def load_digits(as_images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 hand-written digits (UCI optdigits test part): 1797 images, pixels 0..16.

    Args:
        as_images: return X as (1797, 8, 8) images instead of (1797, 64) rows.

    Returns:
        ``(X, y)``: X (1797, 64) or (1797, 8, 8) float64 in 0..16, y (1797,) int64 0..9.

    Raises:
        ImportError: scikit-learn is not installed.

    Example:
        >>> X, y = load_digits()                                    # doctest: +SKIP
        >>> X.shape, np.bincount(y)[:3]
        ((1797, 64), array([178, 182, 177]))
    """
    d = _sklearn_datasets("load_digits").load_digits()
    X = np.asarray(d.images if as_images else d.data, dtype=np.float64)
    return X, np.asarray(d.target, dtype=np.int64)
