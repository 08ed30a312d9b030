"""Convolution and pooling step by step, with a vectorized path that gives the same numbers.

Layout as in the course: activations NHWC ``(m, n_H, n_W, n_C)``, filters
``W`` ``(f, f, n_C_prev, n_C)``, biases ``b`` ``(1, 1, 1, n_C)``,
``hparameters = {"stride": s, "pad": p}`` (convolution) or ``{"stride": s, "f": f}``
(pooling). Output size: ``n_H = floor((n_H_prev - f + 2 p) / s) + 1``.

Every forward/backward takes ``method="vectorized"`` (default) or ``method="loop"``. The loop
path is the lesson's: a Python loop over output positions ``(h, w)`` (vectorized over samples
and channels, so still usable); the vectorized path uses strided window views and one
``tensordot``, and its backward loops only over the ``f x f`` kernel offsets.

Formulas (``a`` the zero-padded input, ``h, w`` output positions, ``i, j`` kernel offsets)::

    Z[n, h, w, c]     = sum_{i, j, k} a[n, s h + i, s w + j, k] W[i, j, k, c] + b[c]
    dW[i, j, k, c]    = sum_{n, h, w} a[n, s h + i, s w + j, k] dZ[n, h, w, c]
    db[c]             = sum_{n, h, w} dZ[n, h, w, c]
    da[n, s h + i, s w + j, k] += sum_c W[i, j, k, c] dZ[n, h, w, c]

Example:
    >>> A = np.random.default_rng(0).standard_normal((2, 5, 7, 4))
    >>> W = np.random.default_rng(1).standard_normal((3, 3, 4, 8)); b = np.zeros((1, 1, 1, 8))
    >>> Z, cache = conv_forward(A, W, b, {"pad": 1, "stride": 2}); Z.shape
    (2, 3, 4, 8)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "conv_backward",
    "conv_forward",
    "conv_single_step",
    "create_mask_from_window",
    "distribute_value",
    "pool_backward",
    "pool_forward",
    "zero_pad",
]

_METHODS = ("vectorized", "loop")


def _check_method(where: str, method: str) -> None:
    if method not in _METHODS:
        raise ValueError(f"{where}: method must be 'vectorized' or 'loop', got {method!r}")


def _check_nhwc(where: str, A: np.ndarray) -> None:
    if A.ndim != 4:
        raise ValueError(
            f"{where}: expected activations of shape (m, n_H, n_W, n_C), got shape {A.shape}; "
            "add the batch axis with A[None] for a single image"
        )


def _hparams(where: str, hparameters: dict[str, int], keys: tuple[str, str]) -> tuple[int, int]:
    missing = [k for k in keys if k not in hparameters]
    if missing:
        raise ValueError(
            f"{where}: hparameters needs the keys {list(keys)}, got {hparameters!r}; e.g. "
            f"{{{keys[0]!r}: 2, {keys[1]!r}: 1}}"
        )
    return int(hparameters[keys[0]]), int(hparameters[keys[1]])


def _check_upstream(where: str, g: np.ndarray, shape: tuple[int, ...]) -> None:
    if np.shape(g) != shape:
        raise ValueError(
            f"{where}: expected an upstream gradient of the forward output's shape {shape}, "
            f"got {np.shape(g)}"
        )


def zero_pad(X: np.ndarray, pad: int) -> np.ndarray:
    """Pad height and width of a batch ``(m, n_H, n_W, n_C)`` with ``pad`` zeros on each side.

    Shape: ``(m, n_H, n_W, n_C) -> (m, n_H + 2 pad, n_W + 2 pad, n_C)``.

    Example:
        >>> zero_pad(np.ones((4, 3, 3, 2)), 2).shape
        (4, 7, 7, 2)
    """
    X = np.asarray(X)
    _check_nhwc("zero_pad", X)
    if pad < 0:
        raise ValueError(f"zero_pad: pad must be >= 0, got {pad}")
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant")


def conv_single_step(a_slice_prev: np.ndarray, W: np.ndarray, b: np.ndarray) -> float:
    """One filter on one window. Formula: ``Z = sum(a_slice_prev * W) + b``.

    Shape: ``a_slice_prev`` and ``W`` ``(f, f, n_C_prev)``; ``b`` ``(1, 1, 1)``.
    """
    if a_slice_prev.shape != W.shape:
        raise ValueError(
            f"conv_single_step: window {a_slice_prev.shape} and filter {W.shape} must have "
            "the same shape"
        )
    return float(np.sum(a_slice_prev * W) + np.asarray(b).item())


def _out_size(where: str, n: int, f: int, pad: int, stride: int) -> int:
    if stride < 1:
        raise ValueError(f"{where}: stride must be >= 1, got {stride}")
    size = (n - f + 2 * pad) // stride + 1
    if size < 1:
        raise ValueError(
            f"{where}: a window of size {f} does not fit an input of size {n} with pad {pad}; "
            "use a smaller filter or more padding"
        )
    return size


def _windows(a: np.ndarray, f: int, stride: int, n_H: int, n_W: int) -> np.ndarray:
    """Strided view of all f x f windows: ``(m, n_H, n_W, n_C, f, f)`` (no copy)."""
    win = sliding_window_view(a, (f, f), axis=(1, 2))
    return win[:, : stride * (n_H - 1) + 1 : stride, : stride * (n_W - 1) + 1 : stride]


def conv_forward(
    A_prev: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    hparameters: dict[str, int],
    method: str = "vectorized",
) -> tuple[np.ndarray, tuple[Any, ...]]:
    """Forward convolution (cross-correlation, as in deep learning).

    Args:
        A_prev: ``(m, n_H_prev, n_W_prev, n_C_prev)``; W: ``(f, f, n_C_prev, n_C)``;
        b: ``(1, 1, 1, n_C)``; hparameters: ``{"stride", "pad"}``; method: see module doc.

    Returns:
        ``(Z, cache)`` with Z ``(m, n_H, n_W, n_C)`` and ``cache = (A_prev, W, b, hparameters)``.

    Raises:
        ValueError: channel mismatch, filter too big, bad method.
    """
    _check_method("conv_forward", method)
    A_prev = np.asarray(A_prev, dtype=np.float64)
    _check_nhwc("conv_forward", A_prev)
    f, f2, n_C_prev, n_C = W.shape
    if f != f2 or A_prev.shape[3] != n_C_prev:
        raise ValueError(
            f"conv_forward: filters {W.shape} expect (f, f, {A_prev.shape[3]}, n_C) for input "
            f"of shape {A_prev.shape}"
        )
    stride, pad = _hparams("conv_forward", hparameters, ("stride", "pad"))
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    n_H = _out_size("conv_forward", n_H_prev, f, pad, stride)
    n_W = _out_size("conv_forward", n_W_prev, f, pad, stride)
    a = zero_pad(A_prev, pad)
    b4 = np.asarray(b, dtype=np.float64).reshape(1, 1, 1, n_C)
    if method == "vectorized":
        win = _windows(a, f, stride, n_H, n_W)  # (m, n_H, n_W, n_C_prev, f, f)
        Z = np.tensordot(win, W, axes=([4, 5, 3], [0, 1, 2])) + b4
    else:
        Z = np.empty((m, n_H, n_W, n_C))
        Wf = W.reshape(f * f * n_C_prev, n_C)
        for h in range(n_H):
            for w in range(n_W):
                vs, hs = h * stride, w * stride
                a_slice = a[:, vs : vs + f, hs : hs + f, :].reshape(m, -1)  # (m, f f n_C_prev)
                Z[:, h, w, :] = a_slice @ Wf + b4[0, 0]
    return Z, (A_prev, W, b, hparameters)


def conv_backward(
    dZ: np.ndarray, cache: tuple[Any, ...], method: str = "vectorized"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward convolution (formulas in the module docstring).

    Args:
        dZ: upstream gradient ``(m, n_H, n_W, n_C)``, the shape of the forward output.
        cache: from :func:`conv_forward`; method: see module doc.

    Returns:
        ``(dA_prev, dW, db)`` with the shapes of ``A_prev``, ``W`` and ``b``.

    Raises:
        ValueError: ``dZ`` is not shaped like the forward output, bad method.
    """
    _check_method("conv_backward", method)
    A_prev, W, b, hparameters = cache
    stride, pad = _hparams("conv_backward", hparameters, ("stride", "pad"))
    f, _, n_C_prev, n_C = W.shape
    n_H = (A_prev.shape[1] - f + 2 * pad) // stride + 1
    n_W = (A_prev.shape[2] - f + 2 * pad) // stride + 1
    _check_upstream("conv_backward", dZ, (A_prev.shape[0], n_H, n_W, n_C))
    m = A_prev.shape[0]
    a = zero_pad(A_prev, pad)
    da = np.zeros_like(a)
    if method == "vectorized":
        win = _windows(a, f, stride, n_H, n_W)  # (m, n_H, n_W, n_C_prev, f, f)
        dW = np.tensordot(win, dZ, axes=([0, 1, 2], [0, 1, 2])).transpose(1, 2, 0, 3)
        hs, ws = stride * (n_H - 1) + 1, stride * (n_W - 1) + 1
        for i in range(f):  # loop over kernel offsets only
            for j in range(f):
                da[:, i : i + hs : stride, j : j + ws : stride, :] += np.tensordot(
                    dZ, W[i, j], axes=([3], [1])
                )
    else:
        dW = np.zeros_like(W, dtype=np.float64)
        Wf = W.reshape(-1, n_C)
        for h in range(n_H):
            for w in range(n_W):
                vs, hs_ = h * stride, w * stride
                g = dZ[:, h, w, :]  # (m, n_C)
                da[:, vs : vs + f, hs_ : hs_ + f, :] += (g @ Wf.T).reshape(m, f, f, n_C_prev)
                a_slice = a[:, vs : vs + f, hs_ : hs_ + f, :].reshape(m, -1)
                dW += (a_slice.T @ g).reshape(W.shape)
    db = dZ.sum(axis=(0, 1, 2)).reshape(np.shape(b))
    dA_prev = da[:, pad : pad + A_prev.shape[1], pad : pad + A_prev.shape[2], :]
    return dA_prev, dW, db


def pool_forward(
    A_prev: np.ndarray, hparameters: dict[str, int], mode: str = "max", method: str = "vectorized"
) -> tuple[np.ndarray, tuple[Any, ...]]:
    """Max or average pooling over ``f x f`` windows with ``stride`` (no padding).

    Formula: ``A[n, h, w, c] = max`` (or mean) ``of A_prev[n, s h : s h + f, s w : s w + f, c]``.

    Returns:
        ``(A, cache)`` with A ``(m, n_H, n_W, n_C)`` and ``cache = (A_prev, hparameters)``.
    """
    _check_method("pool_forward", method)
    if mode not in ("max", "average"):
        raise ValueError(f"pool_forward: mode must be 'max' or 'average', got {mode!r}")
    A_prev = np.asarray(A_prev, dtype=np.float64)
    _check_nhwc("pool_forward", A_prev)
    f, stride = _hparams("pool_forward", hparameters, ("f", "stride"))
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    n_H = _out_size("pool_forward", n_H_prev, f, 0, stride)
    n_W = _out_size("pool_forward", n_W_prev, f, 0, stride)
    reduce = np.max if mode == "max" else np.mean
    if method == "vectorized":
        A = reduce(_windows(A_prev, f, stride, n_H, n_W), axis=(4, 5))
    else:
        A = np.empty((m, n_H, n_W, n_C))
        for h in range(n_H):
            for w in range(n_W):
                vs, hs = h * stride, w * stride
                A[:, h, w, :] = reduce(A_prev[:, vs : vs + f, hs : hs + f, :], axis=(1, 2))
    return A, (A_prev, hparameters)


def create_mask_from_window(x: np.ndarray) -> np.ndarray:
    """Boolean mask of the maximum of a window: ``mask = (x == max(x))`` (ties all True)."""
    return x == np.max(x)


def distribute_value(dz: float, shape: tuple[int, int]) -> np.ndarray:
    """Spread ``dz`` evenly over a window: every entry ``dz / (n_H n_W)``.

    Example:
        >>> distribute_value(2.0, (2, 2))
        array([[0.5, 0.5],
               [0.5, 0.5]])
    """
    n_H, n_W = shape
    return np.full((n_H, n_W), dz / (n_H * n_W))


def pool_backward(
    dA: np.ndarray, cache: tuple[Any, ...], mode: str = "max", method: str = "vectorized"
) -> np.ndarray:
    """Backward pooling.

    Formula: max: the gradient of each output goes to every position of its window that holds
    the window's maximum (the course's mask, so ties each get the full gradient); average:
    ``dA / f^2`` to every position of the window. Overlapping windows add up.

    Returns:
        ``dA_prev`` with the shape of ``A_prev``.

    Raises:
        ValueError: ``dA`` is not shaped like the forward output, bad mode or method.
    """
    _check_method("pool_backward", method)
    if mode not in ("max", "average"):
        raise ValueError(f"pool_backward: mode must be 'max' or 'average', got {mode!r}")
    A_prev, hparameters = cache
    f, stride = _hparams("pool_backward", hparameters, ("f", "stride"))
    n_H = (A_prev.shape[1] - f) // stride + 1
    n_W = (A_prev.shape[2] - f) // stride + 1
    _check_upstream("pool_backward", dA, (A_prev.shape[0], n_H, n_W, A_prev.shape[3]))
    dA_prev = np.zeros(A_prev.shape)
    if method == "vectorized":
        hs, ws = stride * (n_H - 1) + 1, stride * (n_W - 1) + 1
        if mode == "max":
            A_max = _windows(A_prev, f, stride, n_H, n_W).max(axis=(4, 5))  # (m, n_H, n_W, n_C)
        for i in range(f):  # loop over window offsets only
            for j in range(f):
                block = (slice(None), slice(i, i + hs, stride), slice(j, j + ws, stride))
                if mode == "max":
                    dA_prev[block] += np.where(A_prev[block] == A_max, dA, 0.0)
                else:
                    dA_prev[block] += dA / (f * f)
    else:
        for h in range(n_H):
            for w in range(n_W):
                vs, hs_ = h * stride, w * stride
                window = A_prev[:, vs : vs + f, hs_ : hs_ + f, :]
                g = dA[:, h : h + 1, w : w + 1, :]
                if mode == "max":
                    mask = window == window.max(axis=(1, 2), keepdims=True)
                    dA_prev[:, vs : vs + f, hs_ : hs_ + f, :] += mask * g
                else:
                    dA_prev[:, vs : vs + f, hs_ : hs_ + f, :] += g / (f * f)
    return dA_prev
