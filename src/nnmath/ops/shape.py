"""Shape primitives: reshape, transpose, indexing (more are added here: concat, stack, pad)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function


class Reshape(Function):
    """y = x viewed with a new shape.   dL/dx = g reshaped to x's shape."""

    def forward(self, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        self.in_shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) "
                f"into {tuple(shape)}; the number of elements must stay the same"
            ) from None

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g.reshape(self.in_shape),)


class Transpose(Function):
    """y = x with axes permuted (reversed when ``axes`` is None).   dL/dx = g, inverse permutation."""

    def forward(self, x: np.ndarray, axes: tuple[int, ...] | None = None) -> np.ndarray:
        self.axes = axes
        return np.transpose(x, axes)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        if self.axes is None:
            return (np.transpose(g),)
        return (np.transpose(g, np.argsort(self.axes)),)


class GetItem(Function):
    """y = x[index] (basic slicing and integer-array indexing).

    dL/dx = zeros of x's shape with g scattered (and summed, for repeated indices) at ``index``.
    """

    def forward(self, x: np.ndarray, index: Any) -> np.ndarray:
        self.shape, self.dtype, self.index = x.shape, x.dtype, index
        return x[index]

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        gx = np.zeros(self.shape, dtype=g.dtype)
        np.add.at(gx, self.index, g)
        return (gx,)
