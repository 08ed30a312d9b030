"""The convolution layer on channels-last images: Conv2D (pooling lives in ``pooling.py``).

Layout: inputs ``(N, H, W, C)``; kernel ``(KH, KW, C_in, C_out)``. The computation is done by
the primitive ``F.conv2d`` (im2col + one GEMM); shapes and argument checks come from
:mod:`nnmath.geometry`. ``activation="relu"`` runs fused inside the convolution primitive
(``ops.conv.Conv2DOp(..., relu=True)``: bias and ReLU applied in place on the GEMM output),
which is measurably faster than a separate ReLU op and gives the same values and gradients.
"""

from __future__ import annotations

from typing import Any

from .. import functional as F  # noqa: N812
from ..geometry import Padding, conv_geometry, pair
from ..ops.conv import Conv2DOp
from ..tensor import Tensor
from .base import Layer, Shape
from .core import get_activation

__all__ = ["Conv2D"]


class Conv2D(Layer):
    """2-D convolution: ``y[n,i,j,o] = act(b[o] + sum_{p,q,c} x[n, i*s+p, j*s+q, c] W[p,q,c,o])``.

    Args:
        filters: C_out.
        kernel_size: KH = KW as an int, or a pair (KH, KW).
        strides: an int or a pair (default 1).
        padding: "valid" (no padding), "same" (output ceil(H / s), as Keras), an int ``p``
            (``p`` zeros on every side) or a pair ``(p_h, p_w)`` (symmetric per axis); see
            :func:`nnmath.geometry.resolve_padding`.
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
        padding: Padding = "valid",
        activation: str | None = None,
        use_bias: bool = True,
        kernel_initializer: str = "glorot_uniform",
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        where = f"Conv2D({filters})"
        if int(filters) < 1:
            raise ValueError(f"{where}: expected a positive number of filters, got {filters}")
        if isinstance(padding, str) and padding not in ("valid", "same"):
            raise ValueError(
                f"{where}: expected padding 'valid', 'same', an int or a pair of ints, got "
                f"{padding!r}"
            )
        self.filters = int(filters)
        self.kernel_size = pair(kernel_size, "kernel_size", where)
        self.strides = pair(strides, "strides", where)
        # "valid"/"same", or explicit zeros (p_h, p_w) checked by geometry.pair (>= 0)
        self.padding: Padding = (
            padding if isinstance(padding, str) else pair(padding, "padding", where, minimum=0)
        )
        self.activation = activation
        self._act = get_activation(activation, where)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = kernel_initializer

    def _check(self, shape: Shape) -> None:
        where = f"Conv2D({self.filters})"
        conv_geometry(shape, self.kernel_size, self.strides, self.padding, where)
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
            return Conv2DOp.apply(
                x, *params, strides=self.strides, padding=self.padding, relu=True
            )
        return self._act(self.call_logits(x, training))

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        where = f"Conv2D({self.filters})"
        _, _, (h_out, w_out) = conv_geometry(
            input_shape, self.kernel_size, self.strides, self.padding, where
        )
        return (input_shape[0], h_out, w_out, self.filters)

    def get_config(self) -> dict[str, Any]:
        return {
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding if isinstance(self.padding, str) else list(self.padding),
            "activation": self.activation,
            "use_bias": self.use_bias,
            "kernel_initializer": self.kernel_initializer,
            "name": self.name,
        }
