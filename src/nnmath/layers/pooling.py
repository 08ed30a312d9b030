"""Pooling layers on channels-last images: MaxPool2D, AvgPool2D ("valid" windows, Keras).

The computation is done by the primitives ``F.max_pool2d`` / ``F.avg_pool2d`` (strided window
views); shapes and argument checks come from :mod:`nnmath.geometry`.
"""

from __future__ import annotations

from typing import Any

from .. import functional as F  # noqa: N812
from ..geometry import pair, pool_geometry
from ..tensor import Tensor
from .base import Layer, Shape

__all__ = ["AvgPool2D", "MaxPool2D"]


class MaxPool2D(Layer):
    """Max pooling: ``y[n,i,j,c] = max_{p<PH, q<PW} x[n, i*s_h+p, j*s_w+q, c]`` ("valid" windows).

    Args:
        pool_size: an int or a pair (default 2).
        strides: an int or a pair; None means ``pool_size``.

    Shape: (N, H, W, C) -> (N, floor((H - PH) / s_h) + 1, floor((W - PW) / s_w) + 1, C).

    Example:
        >>> MaxPool2D(2)        # (N, 26, 26, 32) -> (N, 13, 13, 32)
    """

    _fn = staticmethod(F.max_pool2d)

    def __init__(
        self, pool_size: int | tuple[int, int] = 2, strides: Any = None, name: str | None = None
    ) -> None:
        super().__init__(name)
        where = type(self).__name__
        self.pool_size = pair(pool_size, "pool_size", where)
        self.strides = self.pool_size if strides is None else pair(strides, "strides", where)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        pool_geometry(x.shape, self.pool_size, self.strides, type(self).__name__)
        return self._fn(x, pool_size=self.pool_size, strides=self.strides)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        _, _, (h_out, w_out) = pool_geometry(
            input_shape, self.pool_size, self.strides, type(self).__name__
        )
        return (input_shape[0], h_out, w_out, input_shape[3])

    def get_config(self) -> dict[str, Any]:
        return {"pool_size": list(self.pool_size), "strides": list(self.strides), "name": self.name}


class AvgPool2D(MaxPool2D):
    """Average pooling: ``y[n,i,j,c] = mean_{p<PH, q<PW} x[n, i*s_h+p, j*s_w+q, c]``.

    Args and Shape as :class:`MaxPool2D`.
    """

    _fn = staticmethod(F.avg_pool2d)
