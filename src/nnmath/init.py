"""Weight initializers: zeros, ones, random_normal, glorot_*, he_*.

Every initializer has the signature ``init(shape, rng=None, dtype=np.float32) -> np.ndarray``
and takes its randomness from ``rng`` (a ``np.random.Generator``; a fresh unseeded one when
None), so one seed reproduces a model. Fans follow Keras's rule for the engine's layouts:

* Dense kernel ``(D_in, D_out)``: ``fan_in = D_in``, ``fan_out = D_out``;
* Conv2D kernel ``(KH, KW, C_in, C_out)``: ``fan_in = KH*KW*C_in``, ``fan_out = KH*KW*C_out``.

Example:
    >>> w = glorot_uniform((784, 512), rng=np.random.default_rng(0))
    >>> w.dtype, w.shape
    (dtype('float32'), (784, 512))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .registry import resolve

__all__ = [
    "compute_fans",
    "get",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "ones",
    "random_normal",
    "zeros",
]

Shape = tuple[int, ...]
Initializer = Callable[..., np.ndarray]

# std of a standard normal truncated to [-2, 2]; Keras divides by it so the truncated
# draw has the intended variance.
_TRUNC_STD = 0.87962566103423978


def _rng(rng: np.random.Generator | None) -> np.random.Generator:
    return rng if rng is not None else np.random.default_rng()


def compute_fans(shape: Shape) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of ``shape``.

    Formula: 1-D ``(n,)`` -> ``(n, n)``; 2-D ``(D_in, D_out)`` -> ``(D_in, D_out)``;
    k-D ``(*kernel, C_in, C_out)`` -> ``(prod(kernel)*C_in, prod(kernel)*C_out)``.
    """
    shape = tuple(int(s) for s in shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


def _truncated_normal(shape: Shape, std: float, rng: np.random.Generator, dtype: Any) -> np.ndarray:
    """N(0, std^2) truncated at two standard deviations (redraws the outliers, vectorized)."""
    z = rng.standard_normal(shape)
    bad = np.abs(z) > 2.0
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2.0
    return (z * std).astype(dtype)


def zeros(
    shape: Shape, rng: np.random.Generator | None = None, dtype: Any = np.float32
) -> np.ndarray:
    """W = 0."""
    return np.zeros(shape, dtype=dtype)


def ones(
    shape: Shape, rng: np.random.Generator | None = None, dtype: Any = np.float32
) -> np.ndarray:
    """W = 1."""
    return np.ones(shape, dtype=dtype)


def random_normal(
    shape: Shape,
    rng: np.random.Generator | None = None,
    dtype: Any = np.float32,
    mean: float = 0.0,
    stddev: float = 0.05,
) -> np.ndarray:
    """W ~ N(mean, stddev^2), Keras's defaults mean 0, stddev 0.05."""
    return (_rng(rng).standard_normal(shape) * stddev + mean).astype(dtype)


def glorot_uniform(
    shape: Shape, rng: np.random.Generator | None = None, dtype: Any = np.float32
) -> np.ndarray:
    """W ~ U(-l, l) with l = sqrt(6 / (fan_in + fan_out))  (Glorot & Bengio 2010; Keras default)."""
    fan_in, fan_out = compute_fans(shape)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return _rng(rng).uniform(-limit, limit, shape).astype(dtype)


def glorot_normal(
    shape: Shape, rng: np.random.Generator | None = None, dtype: Any = np.float32
) -> np.ndarray:
    """W ~ N(0, 2 / (fan_in + fan_out)) truncated at 2 std, rescaled to keep that variance."""
    fan_in, fan_out = compute_fans(shape)
    std = np.sqrt(2.0 / (fan_in + fan_out)) / _TRUNC_STD
    return _truncated_normal(tuple(shape), std, _rng(rng), dtype)


def he_normal(
    shape: Shape, rng: np.random.Generator | None = None, dtype: Any = np.float32
) -> np.ndarray:
    """W ~ N(0, 2 / fan_in) truncated at 2 std, rescaled to keep that variance (He et al. 2015)."""
    fan_in, _ = compute_fans(shape)
    std = np.sqrt(2.0 / fan_in) / _TRUNC_STD
    return _truncated_normal(tuple(shape), std, _rng(rng), dtype)


def he_uniform(
    shape: Shape, rng: np.random.Generator | None = None, dtype: Any = np.float32
) -> np.ndarray:
    """W ~ U(-l, l) with l = sqrt(6 / fan_in)."""
    fan_in, _ = compute_fans(shape)
    limit = np.sqrt(6.0 / fan_in)
    return _rng(rng).uniform(-limit, limit, shape).astype(dtype)


_INITIALIZERS: dict[str, Initializer] = {
    "zeros": zeros,
    "ones": ones,
    "random_normal": random_normal,
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
}


def get(identifier: str | Initializer) -> Initializer:
    """The initializer named ``identifier`` (or ``identifier`` itself when callable).

    Raises:
        ValueError: unknown name (lists the known ones).
    """
    if callable(identifier):
        return identifier
    hint = " or a callable (shape, rng, dtype) -> array"
    return resolve("init.get", "initializer", identifier, _INITIALIZERS, hint)
