"""Splitting, batching, one-hot encoding and standardizing arrays (batch-first, samples on axis 0).

All randomness is explicit: ``seed`` is an int, a ``np.random.Generator`` or None (fresh
entropy).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = ["minibatches", "one_hot", "standardize", "train_test_split"]

Seed = int | np.random.Generator | None


def _rng(seed: Seed, where: str) -> np.random.Generator:
    """``np.random.default_rng(seed)`` with a clear error for anything but an int/Generator."""
    if seed is None or isinstance(seed, np.random.Generator) or (
            isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0):
        return np.random.default_rng(seed)
    raise ValueError(f"{where}: expected seed an int >= 0, a np.random.Generator or None, "
                     f"got {seed!r}")


def _check_pair(where: str, x: np.ndarray, y: np.ndarray | None) -> int:
    if x.ndim == 0:
        raise ValueError(f"{where}: expected x with a sample axis 0, got a scalar")
    if y is not None and (y.ndim == 0 or y.shape[0] != x.shape[0]):
        raise ValueError(
            f"{where}: expected x and y with the same number of samples on axis 0, got "
            f"x {x.shape} and y {y.shape}; for the classic (features, m) layout pass x.T, y.T"
        )
    return x.shape[0]


def train_test_split(
    x: np.ndarray,
    y: np.ndarray,
    test_size: float | int = 0.2,
    seed: Seed = None,
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split samples (axis 0) into a training and a test part.

    ``n_test = ceil(test_size * m)`` for a fraction, or ``test_size`` itself for an int.

    Args:
        x: inputs, samples on axis 0.
        y: targets, same number of samples.
        test_size: fraction in (0, 1) or number of test samples in [1, m - 1].
        seed: int or Generator for the shuffle (ignored when ``shuffle=False``).
        shuffle: shuffle before splitting (False: the last samples are the test set).

    Returns:
        ``x_train, x_test, y_train, y_test`` (scikit-learn's order).

    Raises:
        ValueError: mismatched sample counts or a test size leaving an empty part.

    Example:
        >>> x_tr, x_te, y_tr, y_te = train_test_split(np.arange(10), np.arange(10), 0.3, seed=0)
        >>> len(x_tr), len(x_te)
        (7, 3)
    """
    x, y = np.asarray(x), np.asarray(y)
    m = _check_pair("train_test_split", x, y)
    if isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool):
        n_test = int(test_size)
    elif isinstance(test_size, float) and 0.0 < test_size < 1.0:
        n_test = int(np.ceil(test_size * m))
    else:
        raise ValueError(
            f"train_test_split: expected test_size a fraction in (0, 1) or an int count, got "
            f"{test_size!r}"
        )
    if not 1 <= n_test <= m - 1:
        raise ValueError(
            f"train_test_split: test_size={test_size!r} gives {n_test} test samples of {m}; "
            "expected at least one sample in each part"
        )
    idx = _rng(seed, "train_test_split").permutation(m) if shuffle else np.arange(m)
    train, test = idx[: m - n_test], idx[m - n_test:]
    return x[train], x[test], y[train], y[test]


def one_hot(y: np.ndarray, num_classes: int | None = None, dtype=np.float32) -> np.ndarray:
    """One-hot encode integer labels: ``Y[i, k] = 1 if y[i] == k else 0``.

    Args:
        y: integer labels, any shape ``S`` (e.g. (m,) or the classic (1, m) flattened first).
        num_classes: K; default ``y.max() + 1``.
        dtype: result dtype (float32 for training).

    Returns:
        Array of shape ``S + (K,)``.

    Raises:
        ValueError: non-integer labels, labels outside ``[0, K)``, or num_classes < 1.

    Example:
        >>> one_hot(np.array([2, 0]), 3)
        array([[0., 0., 1.],
               [1., 0., 0.]], dtype=float32)
    """
    y = np.asarray(y)
    if not (np.issubdtype(y.dtype, np.number) or y.dtype == np.bool_):
        raise ValueError(f"one_hot: expected integer labels, got dtype {y.dtype}; map class "
                         "names to 0..K-1 first")
    if y.size and not np.issubdtype(y.dtype, np.integer):
        if not np.all(np.mod(y, 1) == 0):
            raise ValueError(f"one_hot: expected integer labels, got dtype {y.dtype} with "
                             "fractional values")
    y = y.astype(np.int64, copy=False)
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    elif isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) \
            or num_classes < 1:
        raise ValueError(f"one_hot: expected num_classes an int >= 1, got {num_classes!r}")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"one_hot: expected labels in [0, {num_classes}), got values in "
            f"[{y.min()}, {y.max()}]; pass num_classes= the number of classes"
        )
    out = np.zeros((*y.shape, num_classes), dtype=dtype)
    np.put_along_axis(out, y[..., None], 1, axis=-1)
    return out


def minibatches(
    x: np.ndarray,
    y: np.ndarray | None = None,
    batch_size: int = 64,
    shuffle: bool = True,
    seed: Seed = None,
) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    """Yield ``(x_batch, y_batch)`` pairs over samples on axis 0; the last partial batch is kept.

    One permutation per call: ``ceil(m / batch_size)`` batches, every sample exactly once.

    Args:
        x: inputs, samples on axis 0 (e.g. (N, H, W, C) or (N, D)).
        y: targets with the same number of samples, or None (then ``y_batch`` is None).
        batch_size: samples per batch (>= 1).
        shuffle: shuffle the samples first.
        seed: int or Generator for the shuffle.

    Yields:
        ``(x[idx], y[idx])`` for consecutive index blocks (views when ``shuffle=False``).

    Raises:
        ValueError: a batch size < 1 or mismatched sample counts.

    Example:
        >>> [len(xb) for xb, _ in minibatches(np.zeros((10, 3)), np.zeros(10), 4, seed=0)]
        [4, 4, 2]
    """
    x = np.asarray(x)
    y = None if y is None else np.asarray(y)
    m = _check_pair("minibatches", x, y)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"minibatches: expected batch_size an int >= 1, got {batch_size!r}")
    if shuffle:
        idx = _rng(seed, "minibatches").permutation(m)
        for start in range(0, m, batch_size):
            block = idx[start:start + batch_size]
            yield x[block], (None if y is None else y[block])
    else:
        for start in range(0, m, batch_size):
            sl = slice(start, start + batch_size)
            yield x[sl], (None if y is None else y[sl])


def standardize(
    x: np.ndarray, axis: int | tuple[int, ...] | None = 0, eps: float = 1e-8
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standardize to zero mean and unit variance: ``z = (x - mean) / (std + eps)``.

    ``mean`` and ``std`` (population, ddof=0) are taken over ``axis`` and kept with
    ``keepdims`` so the same statistics apply to new data: ``(x_test - mean) / (std + eps)``.

    Args:
        x: array; integer input is converted to float32.
        axis: axis or axes to reduce (0: per feature over samples; None: one global scalar).
        eps: added to std so constant features do not divide by zero.

    Returns:
        ``(z, mean, std)``; z has x's shape, float (float32 unless x is float64).

    Example:
        >>> z, mean, std = standardize(np.array([[1.0, 10.0], [3.0, 30.0]]))
        >>> np.round(z, 6), mean, std
        (array([[-1., -1.],
               [ 1.,  1.]]), array([[ 2., 20.]]), array([[ 1., 10.]]))
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float32)
    mean = x.mean(axis=axis, keepdims=True)
    std = x.std(axis=axis, keepdims=True)
    return (x - mean) / (std + eps), mean, std
