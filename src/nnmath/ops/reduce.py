"""Reductions: sum, mean, max, min over axes, with ``keepdims``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function

Axis = int | tuple[int, ...] | None


def normalize_axis(axis: Any, shape: tuple[int, ...], where: str) -> tuple[int, ...] | None:
    """``axis`` (None, an int, or a tuple/list of ints) as None or a tuple of axes in [0, ndim).

    Raises:
        ValueError: an axis out of range, repeated, or not an integer; the message names
            ``where`` (the op) and the tensor's shape.
    """
    if axis is None:
        return None
    ndim = len(shape)
    if type(axis) is int and -ndim <= axis < ndim:  # the common case, checked cheaply
        return (axis % ndim,)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else axis
    try:
        axes = tuple(axes)
    except TypeError:
        axes = (axis,)  # not iterable: reported below
    ok = all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axes)
    if not ok or any(not -ndim <= a < ndim for a in axes):
        raise ValueError(
            f"{where}: axis {axis!r} is out of range for a tensor of shape {shape} (rank "
            f"{ndim}); use None, an int or a tuple of ints in [{-ndim}, {ndim - 1}]"
        )
    normalized = tuple(int(a) % ndim for a in axes)
    if len(set(normalized)) != len(normalized):
        raise ValueError(
            f"{where}: axis {axis!r} repeats an axis of the tensor of shape {shape}; "
            "name each axis once"
        )
    return normalized


def _expand(
    g: np.ndarray, shape: tuple[int, ...], axis: tuple[int, ...] | None, keepdims: bool
) -> np.ndarray:
    """Re-insert the reduced axes of ``g`` (as length 1) so it broadcasts against ``shape``.

    ``axis`` is already normalized by :func:`normalize_axis`.
    """
    if keepdims:
        return g
    if axis is None:
        return g.reshape([1] * len(shape))
    return np.expand_dims(g, axis)


class Sum(Function):
    """y = sum of x over ``axis``.   dL/dx = g broadcast back to x's shape."""

    def forward(self, x: np.ndarray, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
        axis = normalize_axis(axis, x.shape, "sum")
        self.shape, self.axis, self.keepdims = x.shape, axis, keepdims
        return np.asarray(x.sum(axis=axis, keepdims=keepdims))

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        g = _expand(g, self.shape, self.axis, self.keepdims)
        return (np.broadcast_to(g, self.shape),)


class Mean(Function):
    """y = sum of x over ``axis`` / n, n = number of elements reduced.   dL/dx = g / n, broadcast.

    Floating inputs keep their dtype (the sum times ``1/n`` in that dtype); integer inputs
    give float64 (the exact true division ``sum / n``), as in NumPy.
    """

    def forward(self, x: np.ndarray, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
        given, axis = axis, normalize_axis(axis, x.shape, "mean")
        n = x.size if axis is None else int(np.prod([x.shape[a] for a in axis]))
        if n == 0:
            raise ValueError(
                f"mean: cannot average over zero elements (tensor of shape {x.shape}, axis "
                f"{given!r}); the mean of nothing is undefined"
            )
        self.shape, self.axis, self.keepdims, self.n = x.shape, axis, keepdims, n
        total = x.sum(axis=axis, keepdims=keepdims)
        if x.dtype.kind != "f":
            return np.asarray(total / n)
        return np.asarray(total * x.dtype.type(1.0 / n))

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        g = _expand(g, self.shape, self.axis, self.keepdims) * g.dtype.type(1.0 / self.n)
        return (np.broadcast_to(g, self.shape),)


class _Extreme(Function):
    """Shared rule of max and min: the gradient goes to the arg-extreme elements.

    dL/dx_i = g * [x_i == y] / (number of ties), so ties share the gradient equally.
    """

    reduce = staticmethod(np.max)

    def forward(self, x: np.ndarray, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
        name = type(self).__name__.lower()
        axis = normalize_axis(axis, x.shape, name)
        if x.size == 0:
            raise ValueError(
                f"{name}: cannot reduce an empty tensor of shape {x.shape}; it has no {name}"
            )
        self.x, self.axis, self.keepdims = x, axis, keepdims
        self.y = np.asarray(self.reduce(x, axis=axis, keepdims=keepdims))
        return self.y

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        shape = self.x.shape
        y = _expand(self.y, shape, self.axis, self.keepdims)
        g = _expand(g, shape, self.axis, self.keepdims)
        hit = self.x == y
        count = hit.sum(axis=self.axis, keepdims=True).astype(g.dtype)
        return (hit * (g / count),)


class Max(_Extreme):
    """y = max of x over ``axis``.   dL/dx = g at the maximum (ties share it)."""

    reduce = staticmethod(np.max)


class Min(_Extreme):
    """y = min of x over ``axis``.   dL/dx = g at the minimum (ties share it)."""

    reduce = staticmethod(np.min)
