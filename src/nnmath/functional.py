"""Composites built from primitives; none defines a backward of its own.

Import as ``from nnmath import functional as F``.
"""

from __future__ import annotations

from typing import Any

from .ops import elementwise as ew
from .tensor import Tensor, as_tensors

Axis = int | tuple[int, ...] | None


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else as_tensors((x,))[0]


def relu(x: Any) -> Tensor:
    """relu(x) = max(x, 0)."""
    return ew.ReLU.apply(x)


def sigmoid(x: Any) -> Tensor:
    """sigmoid(x) = 1 / (1 + e^-x), stable for large |x|."""
    return ew.Sigmoid.apply(x)


def tanh(x: Any) -> Tensor:
    """tanh(x) = (e^x - e^-x) / (e^x + e^-x)."""
    return ew.Tanh.apply(x)


def mean(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """mean(x) = sum(x) / n, with n the number of elements reduced."""
    x = _tensor(x)
    if axis is None:
        n = x.size
    else:
        axes = (axis,) if isinstance(axis, int) else axis
        n = 1
        for a in axes:
            n *= x.shape[a]
    return x.sum(axis=axis, keepdims=keepdims) * (1.0 / n)
