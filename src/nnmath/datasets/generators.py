"""Generated teaching data sets, deterministic from a seed.

The classification sets follow the classic course's layout: samples are columns, ``X`` is
``(2, m)`` float64 and ``Y`` is ``(1, m)`` of 0/1 labels (for the batch-first engine use
``X.T`` and ``Y.ravel()``). ``make_planar_flower`` and ``make_moons`` reproduce the course's
data bit for bit (same recipe, same random draws in the same order), which is what makes the
course's published accuracies reproducible. ``make_regression`` (the house-price lesson) is a
regression design matrix with samples as rows, as ``nnmath.classic.linear`` expects.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_planar_flower",
    "make_regression",
]


def _check_positive(where: str, name: str, value: int, minimum: int = 1) -> int:
    if int(value) != value or value < minimum:
        raise ValueError(f"{where}: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def make_planar_flower(m: int = 400, seed: int | None = 1) -> tuple[np.ndarray, np.ndarray]:
    """The two-class "flower" of the shallow-network lesson (the course's planar data set).

    Rule: ``a = 4`` petals' radius, ``N = m // 2`` points per class. For class ``j`` in 0, 1:
    ``t = linspace(3.12 j, 3.12 (j + 1), N) + 0.2 randn(N)`` and
    ``r = a sin(4 t) + 0.2 randn(N)``; the points are ``(r sin t, r cos t)``. Draws come from
    ``np.random.RandomState(seed)`` in the course's order (t then r, class 0 then class 1),
    equal to the course's ``np.random.seed(1)`` recipe.

    Args:
        m: number of points (even; 400 in the course).
        seed: random seed (the course's 1).

    Returns:
        ``(X, Y)``: ``X`` ``(2, m)`` float64, ``Y`` ``(1, m)`` uint8 (first half 0, second 1).

    Raises:
        ValueError: m odd or < 2.

    Example:
        >>> X, Y = make_planar_flower(); X.shape, Y.shape, int(Y.sum())
        ((2, 400), (1, 400), 200)
    """
    m = _check_positive("make_planar_flower", "m", m, 2)
    if m % 2:
        raise ValueError(f"make_planar_flower: expected an even m (m / 2 points per class), "
                         f"got {m}; use {m - 1} or {m + 1}")
    rs = np.random.RandomState(seed)
    N = m // 2
    a = 4.0
    X = np.zeros((m, 2))
    Y = np.zeros((m, 1), dtype=np.uint8)
    for j in range(2):  # two classes: the recipe's draw order is per class
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + rs.randn(N) * 0.2
        r = a * np.sin(4 * t) + rs.randn(N) * 0.2
        X[N * j : N * (j + 1)] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[N * j : N * (j + 1)] = j
    return X.T, Y.T


def _check_noise(where: str, noise: float | None) -> None:
    if noise is not None and not noise >= 0:
        raise ValueError(f"{where}: noise must be a standard deviation >= 0 (or None), "
                         f"got {noise!r}")


def _shuffle_and_noise(
    X: np.ndarray, y: np.ndarray, rs: np.random.RandomState, shuffle: bool, noise: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Permute the rows (``rs.shuffle`` of an index), then add ``N(0, noise^2)`` to every value."""
    if shuffle:
        idx = np.arange(X.shape[0])
        rs.shuffle(idx)
        X, y = X[idx], y[idx]
    if noise is not None:
        X = X + rs.normal(scale=noise, size=X.shape)
    return X, y


def make_moons(
    n_samples: int = 300, noise: float | None = 0.2, seed: int | None = 3, shuffle: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (the optimization lesson's data set).

    Rule: ``n_out = n // 2`` points on the upper half circle ``(cos s, sin s)``,
    ``s = linspace(0, pi, n_out)`` (label 0), ``n_in = n - n_out`` on the lower one
    ``(1 - cos s, 0.5 - sin s)`` (label 1); rows shuffled, then Gaussian noise of standard
    deviation ``noise`` added. With ``np.random.RandomState(seed)`` driving the shuffle and
    the noise, this gives the same points as the course's ``np.random.seed(3)`` followed by
    scikit-learn's ``make_moons(n_samples=300, noise=.2)``.

    Returns:
        ``(X, Y)``: ``X`` ``(2, n_samples)`` float64, ``Y`` ``(1, n_samples)`` int64.

    Raises:
        ValueError: n_samples < 2 or noise < 0.

    Example:
        >>> X, Y = make_moons(); X.shape, Y.shape
        ((2, 300), (1, 300))
    """
    n = _check_positive("make_moons", "n_samples", n_samples, 2)
    _check_noise("make_moons", noise)
    rs = np.random.RandomState(seed)
    n_out = n // 2
    n_in = n - n_out
    s_out = np.linspace(0, np.pi, n_out)
    s_in = np.linspace(0, np.pi, n_in)
    X = np.column_stack(
        [
            np.concatenate([np.cos(s_out), 1 - np.cos(s_in)]),
            np.concatenate([np.sin(s_out), 1 - np.sin(s_in) - 0.5]),
        ]
    )
    y = np.concatenate([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    X, y = _shuffle_and_noise(X, y, rs, shuffle, noise)
    return X.T, y.reshape(1, -1)


def make_circles(
    n_samples: int = 300,
    noise: float | None = 0.05,
    factor: float = 0.8,
    seed: int | None = 1,
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """A large circle containing a smaller one (the initialization lesson's data set).

    Rule: ``n_out = n // 2`` points ``(cos s, sin s)`` with ``s = linspace(0, 2 pi, n_out)``
    (end point excluded), label 0; ``n_in = n - n_out`` points ``factor (cos s, sin s)``,
    label 1; rows shuffled, then Gaussian noise of standard deviation ``noise``, all drawn
    from ``np.random.RandomState(seed)`` (scikit-learn's ``make_circles`` recipe).

    Returns:
        ``(X, Y)``: ``X`` ``(2, n_samples)`` float64, ``Y`` ``(1, n_samples)`` int64.

    Raises:
        ValueError: ``factor`` not in [0, 1), n_samples < 2 or noise < 0.

    Example:
        >>> X, Y = make_circles(100, seed=2); X.shape
        (2, 100)
    """
    n = _check_positive("make_circles", "n_samples", n_samples, 2)
    _check_noise("make_circles", noise)
    if not 0 <= factor < 1:
        raise ValueError(f"make_circles: factor must be in [0, 1), got {factor}")
    rs = np.random.RandomState(seed)
    n_out = n // 2
    n_in = n - n_out
    s_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    s_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.column_stack(
        [
            np.concatenate([np.cos(s_out), factor * np.cos(s_in)]),
            np.concatenate([np.sin(s_out), factor * np.sin(s_in)]),
        ]
    )
    y = np.concatenate([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    X, y = _shuffle_and_noise(X, y, rs, shuffle, noise)
    return X.T, y.reshape(1, -1)


def make_blobs(
    n_samples: int = 300,
    centers: int = 3,
    n_features: int = 2,
    cluster_std: float = 1.0,
    center_box: tuple[float, float] = (-10.0, 10.0),
    seed: int | None = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters around random centres.

    Rule: with ``rng = np.random.default_rng(seed)``: ``centers`` centres drawn uniformly in
    ``center_box`` (shape ``(centers, n_features)``); class ``k`` gets ``n // centers``
    points (the first ``n % centers`` classes one more), each ``center_k + cluster_std z``
    with ``z ~ N(0, I)``. Points are ordered by class (shuffle them yourself if needed).

    Returns:
        ``(X, Y)``: ``X`` ``(n_features, n_samples)`` float64, ``Y`` ``(1, n_samples)`` int64
        labels ``0 .. centers - 1``.

    Raises:
        ValueError: a count < 1, cluster_std < 0, or center_box not (low, high) with low < high.

    Example:
        >>> X, Y = make_blobs(10, centers=2); X.shape, sorted(set(Y.ravel().tolist()))
        ((2, 10), [0, 1])
    """
    n = _check_positive("make_blobs", "n_samples", n_samples)
    k = _check_positive("make_blobs", "centers", centers)
    d = _check_positive("make_blobs", "n_features", n_features)
    if not cluster_std >= 0:
        raise ValueError(f"make_blobs: cluster_std must be >= 0, got {cluster_std}")
    if len(center_box) != 2 or not center_box[0] < center_box[1]:
        raise ValueError(f"make_blobs: expected center_box (low, high) with low < high, got "
                         f"{center_box!r}")
    rng = np.random.default_rng(seed)
    mu = rng.uniform(center_box[0], center_box[1], size=(k, d))
    counts = np.full(k, n // k)
    counts[: n % k] += 1
    y = np.repeat(np.arange(k, dtype=np.int64), counts)
    X = mu[y] + cluster_std * rng.standard_normal((n, d))
    return X.T, y.reshape(1, -1)


def make_regression(
    m: int = 200,
    noise: float = 20_000.0,
    seed: int | None = 0,
    return_coef: bool = False,
) -> tuple[np.ndarray, np.ndarray] | tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """House prices from size and bedrooms: a linear-regression lesson data set.

    Rule (``rng = np.random.default_rng(seed)``, drawn in this order)::

        size     ~ Uniform(500, 3500)                       square feet
        bedrooms = clip(round(size / 700 + N(0, 0.6^2)), 1, 6)
        price    = 50 000 + 120 * size + 15 000 * bedrooms + N(0, noise^2)   dollars

    Args:
        m: number of houses.
        noise: standard deviation of the price noise in dollars.
        seed: random seed.
        return_coef: also return the true coefficients.

    Returns:
        ``(X, y)`` with ``X`` ``(m, 2)`` float64 (columns: size, bedrooms; rows are samples,
        as ``nnmath.classic.linear`` expects) and ``y`` ``(m,)`` prices; with
        ``return_coef``, also ``{"intercept": 50000.0, "size": 120.0, "bedrooms": 15000.0}``.

    Example:
        >>> X, y = make_regression(5); X.shape, y.shape
        ((5, 2), (5,))
    """
    m = _check_positive("make_regression", "m", m)
    if noise < 0:
        raise ValueError(f"make_regression: noise must be >= 0, got {noise}")
    coef = {"intercept": 50_000.0, "size": 120.0, "bedrooms": 15_000.0}
    rng = np.random.default_rng(seed)
    size = rng.uniform(500.0, 3500.0, size=m)
    bedrooms = np.clip(np.round(size / 700.0 + rng.normal(0.0, 0.6, size=m)), 1, 6)
    price = (
        coef["intercept"]
        + coef["size"] * size
        + coef["bedrooms"] * bedrooms
        + rng.normal(0.0, noise, size=m)
    )
    X = np.column_stack([size, bedrooms])
    if return_coef:
        return X, price, coef
    return X, price
