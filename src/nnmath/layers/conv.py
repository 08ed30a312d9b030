"""Convolution and pooling layers on channels-last images: Conv2D, MaxPool2D, AvgPool2D.

Layout: inputs ``(N, H, W, C)``; Conv2D kernel ``(KH, KW, C_in, C_out)``. The computation is
done by the primitives ``F.conv2d`` / ``F.max_pool2d`` / ``F.avg_pool2d`` (im2col + one GEMM,
strided window views). ``activation="relu"`` runs fused inside the convolution primitive
(``ops.conv.Conv2D(..., relu=True)``: bias and ReLU applied in place on the GEMM output),
which is measurably faster than a separate ReLU op and gives the same values and gradients.
"""

from __future__ import annotations

import math
from typing import Any

from .. import functional as F  # noqa: N812
from ..ops.conv import Conv2D as ConvOp
from ..tensor import Tensor
from .base import Layer, Shape
from .core import get_activation

__all__ = ["AvgPool2D", "Conv2D", "MaxPool2D"]


def _pair(where: str, name: str, value: Any) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) and v >= 1 for v in pair):
        raise ValueError(f"{where}: expected {name} as a positive int or a pair, got {value!r}")
    return int(pair[0]), int(pair[1])


def _out_len(size: int | None, k: int, s: int, padding: str) -> int | None:
    """Keras's output length: valid floor((n - k) / s) + 1, same ceil(n / s)."""
    if size is None:
        return None
    if padding == "same":
        return math.ceil(size / s)
    return (size - k) // s + 1


def _check_image(where: str, shape: Shape, kh: int, kw: int, padding: str = "valid") -> None:
    if len(shape) != 4:
        fix = (
            "; reshape to (N, H, W, C), e.g. x.reshape(-1, 28, 28, 1)"
            if len(shape) in (2, 3)
            else ""
        )
        raise ValueError(f"{where}: expected 4-D input (N, H, W, C), got shape {tuple(shape)}{fix}")
    if padding == "valid" and (shape[1] < kh or shape[2] < kw):
        raise ValueError(
            f"{where}: window {kh}x{kw} is larger than the input's H x W {shape[1]}x{shape[2]} "
            f"(shape {tuple(shape)}); use padding='same' or a smaller kernel"
        )


class Conv2D(Layer):
    """2-D convolution: ``y[n,i,j,o] = act(b[o] + sum_{p,q,c} x[n, i*s+p, j*s+q, c] W[p,q,c,o])``.

    Args:
        filters: C_out.
        kernel_size: KH = KW as an int, or a pair (KH, KW).
        strides: an int or a pair (default 1).
        padding: "valid" (no padding) or "same" (output ceil(H / s), as Keras).
        activation: name in ``ACTIVATIONS`` or None.
        use_bias: add ``b`` (zeros at start).
        kernel_initializer: name in ``nnmath.init`` (default "glorot_uniform").

    Raises:
        ValueError: bad arguments; input not 4-D or with a different channel count.

    Shape: x (N, H, W, C_in) -> (N, H_out, W_out, filters); kernel (KH, KW, C_in, filters).

    Example:
        >>> Conv2D(32, kernel_size=3, activation="relu")     # (N, 28, 28, 1) -> (N, 26, 26, 32)
    """

    def __init__(
        self,
        filters: int,
        kernel_size: int | tuple[int, int],
        strides: Any = 1,
        padding: str = "valid",
        activation: str | None = None,
        use_bias: bool = True,
        kernel_initializer: str = "glorot_uniform",
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        where = f"Conv2D({filters})"
        if int(filters) < 1:
            raise ValueError(f"{where}: expected a positive number of filters, got {filters}")
        if padding not in ("valid", "same"):
            raise ValueError(f"{where}: expected padding 'valid' or 'same', got {padding!r}")
        self.filters = int(filters)
        self.kernel_size = _pair(where, "kernel_size", kernel_size)
        self.strides = _pair(where, "strides", strides)
        self.padding = padding
        self.activation = activation
        self._act = get_activation(activation, where)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = kernel_initializer

    def _check(self, shape: Shape) -> None:
        where = f"Conv2D({self.filters})"
        _check_image(where, shape, *self.kernel_size, self.padding)
        if self.built and shape[-1] != self.kernel.shape[2]:
            raise ValueError(
                f"{where}: expected input with {self.kernel.shape[2]} channels (last axis), got "
                f"shape {tuple(shape)}"
            )

    def build(self, input_shape: Shape) -> None:
        self._check(input_shape)
        kh, kw = self.kernel_size
        self.kernel = self.add_weight(
            "kernel", (kh, kw, input_shape[-1], self.filters), self.kernel_initializer
        )
        self.bias = self.add_weight("bias", (self.filters,), "zeros") if self.use_bias else None

    def call_logits(self, x: Tensor, training: bool = False) -> Tensor:
        self._check(x.shape)
        return F.conv2d(x, self.kernel, self.bias, strides=self.strides, padding=self.padding)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        if str(self.activation).lower() == "relu":  # fused into the primitive (speed)
            self._check(x.shape)
            params = (self.kernel,) if self.bias is None else (self.kernel, self.bias)
            return ConvOp.apply(
                x, *params, strides=self.strides, padding=self.padding, relu=True
            )
        return self._act(self.call_logits(x, training))

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        n, h, w, _ = input_shape
        (kh, kw), (sh, sw) = self.kernel_size, self.strides
        return (
            n,
            _out_len(h, kh, sh, self.padding),
            _out_len(w, kw, sw, self.padding),
            self.filters,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "activation": self.activation,
            "use_bias": self.use_bias,
            "kernel_initializer": self.kernel_initializer,
            "name": self.name,
        }


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
        self.pool_size = _pair(where, "pool_size", pool_size)
        self.strides = self.pool_size if strides is None else _pair(where, "strides", strides)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        _check_image(type(self).__name__, x.shape, *self.pool_size)
        return self._fn(x, pool_size=self.pool_size, strides=self.strides)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        n, h, w, c = input_shape
        (ph, pw), (sh, sw) = self.pool_size, self.strides
        return (n, _out_len(h, ph, sh, "valid"), _out_len(w, pw, sw, "valid"), c)

    def get_config(self) -> dict[str, Any]:
        return {"pool_size": list(self.pool_size), "strides": list(self.strides), "name": self.name}


class AvgPool2D(MaxPool2D):
    """Average pooling: ``y[n,i,j,c] = mean_{p<PH, q<PW} x[n, i*s_h+p, j*s_w+q, c]``.

    Args and Shape as :class:`MaxPool2D`.
    """

    _fn = staticmethod(F.avg_pool2d)
