"""Layer fusion: consecutive layers that one primitive computes faster than two.

One pattern today: ``Conv2D(activation="relu")`` directly followed by a 2x2/2 ``MaxPool2D``
runs as :func:`nnmath.functional.conv2d_relu_maxpool` (the same values; the ReLU and the
bias act on the pooled quarter of the values; see that op for the measurement). The layers
stay as they are (weights, config, summary, model files); only the forward pass of a model
takes the fused route, through :func:`plan`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import functional as F  # noqa: N812
from ..tensor import Tensor
from .conv import Conv2D
from .pooling import MaxPool2D

__all__ = ["ConvReluPool", "plan"]


class ConvReluPool:
    """A step of the forward pass: ``pool(conv(x))`` for a fusable pair, as one op."""

    def __init__(self, conv: Any, pool: Any) -> None:
        self.conv, self.pool = conv, pool

    def __call__(self, x: Tensor, training: bool = False) -> Tensor:
        conv = self.conv
        if not isinstance(x, Tensor):
            x = Tensor(x)
        conv._ensure_built(x.shape)
        conv._check(x.shape)
        params = (conv.kernel,) if conv.bias is None else (conv.kernel, conv.bias)
        out = F.conv2d_relu_maxpool(x, *params, strides=conv.strides, padding=conv.padding)
        self.pool._ensure_built(conv.compute_output_shape(x.shape))
        return out


def fusable(first: Any, second: Any) -> bool:
    """Whether ``second(first(x))`` is a Conv2D with ReLU followed by a 2x2/2 max pooling."""
    return (
        type(first) is Conv2D
        and str(first.activation).lower() == "relu"
        and type(second) is MaxPool2D
        and tuple(second.pool_size) == (2, 2)
        and tuple(second.strides) == (2, 2)
    )


def plan(layers: Sequence[Any]) -> list[Any]:
    """The forward pass as callables ``step(x, training=...)``: layers, fused where possible."""
    steps: list[Any] = []
    i = 0
    while i < len(layers):
        if i + 1 < len(layers) and fusable(layers[i], layers[i + 1]):
            steps.append(ConvReluPool(layers[i], layers[i + 1]))
            i += 2
        else:
            steps.append(layers[i])
            i += 1
    return steps
