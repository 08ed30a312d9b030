"""Reductions: sum, max, min over axes, with ``keepdims``."""

from __future__ import annotations

import numpy as np

from ..autograd import Function

Axis = int | tuple[int, ...] | None


def _expand(g: np.ndarray, shape: tuple[int, ...], axis: Axis, keepdims: bool) -> np.ndarray:
    """Re-insert the reduced axes of ``g`` (as length 1) so it broadcasts against ``shape``."""
    if axis is None or keepdims:
        return g.reshape([1] * len(shape)) if axis is None and not keepdims else g
    axes = (axis,) if isinstance(axis, int) else axis
    axes = tuple(a % len(shape) for a in axes)
    return np.expand_dims(g, axes)


class Sum(Function):
    """y = sum of x over ``axis``.   dL/dx = g broadcast back to x's shape."""

    def forward(self, x: np.ndarray, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
        self.shape, self.axis, self.keepdims = x.shape, axis, keepdims
        return np.asarray(x.sum(axis=axis, keepdims=keepdims))

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        g = _expand(g, self.shape, self.axis, self.keepdims)
        return (np.broadcast_to(g, self.shape),)


class _Extreme(Function):
    """Shared rule of max and min: the gradient goes to the arg-extreme elements.

    dL/dx_i = g * [x_i == y] / (number of ties), so ties share the gradient equally.
    """

    reduce = staticmethod(np.max)

    def forward(self, x: np.ndarray, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
        if x.size == 0:
            name = type(self).__name__.lower()
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
