"""Shape primitives: reshape, transpose, indexing, concat, stack, pad."""

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
    """y = x with axes permuted (reversed when ``axes`` is None).

    dL/dx = g transposed by the inverse permutation.
    """

    def forward(self, x: np.ndarray, axes: tuple[int, ...] | None = None) -> np.ndarray:
        try:
            y = np.transpose(x, axes)
        except (ValueError, TypeError):  # AxisError is a ValueError
            raise ValueError(
                f"transpose: axes {axes!r} are not a permutation of the {x.ndim} axes of a "
                f"tensor of shape {x.shape}; give each of 0..{x.ndim - 1} once, or none "
                "to reverse them"
            ) from None
        self.axes = None if axes is None else tuple(a % x.ndim for a in axes)
        return y

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        if self.axes is None:
            return (np.transpose(g),)
        return (np.transpose(g, np.argsort(self.axes)),)


class GetItem(Function):
    """y = x[index] (basic slicing and integer-array indexing).

    dL/dx = zeros of x's shape with g scattered (and summed, for repeated indices) at ``index``.
    """

    def forward(self, x: np.ndarray, index: Any) -> np.ndarray:
        self.shape, self.index = x.shape, index
        try:
            return x[index]
        except IndexError as err:  # stays an IndexError: iteration over a Tensor relies on it
            raise IndexError(f"getitem: {err} (indexing a tensor of shape {x.shape})") from None

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        gx = np.zeros(self.shape, dtype=g.dtype)
        if _is_basic(self.index):
            gx[self.index] = g  # slices and single integers: each element taken at most once
        else:
            np.add.at(gx, self.index, g)  # integer arrays may repeat an index: sum
        return (gx,)


def _is_basic(index: Any) -> bool:
    """Whether ``index`` uses only basic indexing (ints, slices, None, Ellipsis)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(
        isinstance(p, (int, np.integer, slice)) or p is None or p is Ellipsis for p in parts
    )


class Concat(Function):
    """y = [x_1, x_2, ...] joined along ``axis``.   dL/dx_k = the slice of g that x_k fills.

    Raises:
        ValueError: no inputs, or the shapes differ off ``axis`` (names every shape).
    """

    def forward(self, *xs: np.ndarray, axis: int = 0) -> np.ndarray:
        if not xs:
            raise ValueError("concat: expected at least one tensor, got none")
        try:
            y = np.concatenate(xs, axis=axis)
        except (ValueError, np.exceptions.AxisError) as err:
            shapes = ", ".join(str(x.shape) for x in xs)
            raise ValueError(
                f"concat: cannot join shapes {shapes} along axis {axis}; all axes except "
                f"{axis} must match and the ranks must be equal ({err})"
            ) from None
        self.axis = axis % y.ndim
        self.bounds = np.cumsum([x.shape[self.axis] for x in xs])[:-1]
        return y

    def backward(self, g: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.split(g, self.bounds, axis=self.axis))


class Stack(Function):
    """y = x_1, x_2, ... stacked along a NEW axis ``axis``.   dL/dx_k = g taken at k on it.

    Raises:
        ValueError: no inputs, or the shapes differ (names every shape).
    """

    def forward(self, *xs: np.ndarray, axis: int = 0) -> np.ndarray:
        if not xs:
            raise ValueError("stack: expected at least one tensor, got none")
        if any(x.shape != xs[0].shape for x in xs):
            shapes = ", ".join(str(x.shape) for x in xs)
            raise ValueError(f"stack: all tensors must have the same shape, got {shapes}")
        y = np.stack(xs, axis=axis)
        self.axis = axis % y.ndim
        return y

    def backward(self, g: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.moveaxis(g, self.axis, 0))


def normalize_pad_width(pad_width: Any, ndim: int, where: str = "pad") -> np.ndarray:
    """``pad_width`` in NumPy's forms (int, (before, after), or one pair per axis) as (ndim, 2).

    Raises:
        ValueError: not broadcastable to ``(ndim, 2)``, not integers, or negative.
    """
    try:
        arr = np.asarray(pad_width)
        widths = np.broadcast_to(arr, (ndim, 2)) if arr.ndim <= 2 else None
    except ValueError:
        widths = None
    if widths is None or not np.issubdtype(widths.dtype, np.integer) or (widths < 0).any():
        raise ValueError(
            f"{where}: pad_width must be non-negative integers as an int, a (before, after) "
            f"pair, or one pair per axis for a tensor of rank {ndim}; got {pad_width!r}"
        )
    return widths.astype(np.intp)


class Pad(Function):
    """y = x surrounded by zeros: ``pad_width[k] = (before_k, after_k)`` on axis k.

    dL/dx = g with the padding cut off: ``g[b_0 : b_0 + n_0, b_1 : b_1 + n_1, ...]``.
    """

    def forward(self, x: np.ndarray, pad_width: Any) -> np.ndarray:
        widths = normalize_pad_width(pad_width, x.ndim)
        self.crop = tuple(slice(b, b + n) for (b, _), n in zip(widths, x.shape, strict=True))
        return np.pad(x, widths)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g[self.crop],)
