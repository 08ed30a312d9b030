"""Fusion: where a model computes several of its steps as one primitive. Two seams.

**1. The last layer's activation and the loss ("fused logits").**

A softmax (sigmoid) output followed by a cross-entropy on probabilities is computed as ONE
stable primitive on the pre-activation ``z`` (:mod:`nnmath.ops.crossentropy`):

    L = -(1/N) sum_i log softmax(z_i)[t_i],     dL/dz = (softmax(z) - onehot(t)) / N

the same value as the unfused chain, without ``log(0)``, and a backward of one subtraction.

Who supplies what:

* a layer only exposes its ``activation`` (a name or None) and ``call_logits(x)``, its
  output before that activation;
* a loss only exposes ``fused_activation`` (the activation it can absorb, or None),
  ``from_logits_call(y, z)`` and ``probabilities(out)``;
* this module decides: :func:`fuses` (is the fused path taken?), :func:`loss_and_probs`
  (the batch loss and what metrics see) and :func:`convention_warning` (a ``from_logits``
  setting that contradicts the last activation).

**2. Layer pairs.** ``Conv2D(activation="relu")`` directly followed by a 2x2/2 ``MaxPool2D``
runs as :func:`nnmath.functional.conv2d_relu_maxpool` (the same values; the bias and the
ReLU act on the pooled quarter of the values; see :mod:`nnmath.ops.conv_pool` for the
measurement). The layers stay as they are (weights, config, summary, model files); only the
forward pass takes the fused route, through :func:`plan`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .. import functional as F  # noqa: N812
from .. import losses as losses_mod
from ..layers.conv import Conv2D
from ..layers.pooling import MaxPool2D
from ..tensor import Tensor

__all__ = [
    "ConvReluPool",
    "activation_of",
    "convention_warning",
    "fusable",
    "fuses",
    "loss_and_probs",
    "plan",
]


def activation_of(layer: Any) -> str | None:
    """The normalized name of the activation ``layer`` ends with ("softmax", ...), or None."""
    act = getattr(layer, "activation", None)
    if act is None:
        return None
    act = str(act).lower()
    return None if act == "linear" else act


def fuses(last_layer: Any, loss: Any) -> bool:
    """Whether ``loss`` absorbs ``last_layer``'s activation (the fused logits path)."""
    act = getattr(loss, "fused_activation", None)
    return act is not None and last_layer is not None and activation_of(last_layer) == act


def loss_and_probs(
    forward: Callable[..., Tensor], last_layer: Any, loss: Any, y: Any, x: Tensor, training: bool
) -> tuple[Tensor, Any]:
    """The batch loss (a graph when training) and the outputs metrics should see.

    ``forward(x, training, logits)`` runs the model; with ``logits=True`` it returns the last
    layer's pre-activation. On the fused path the loss primitive fills in the probabilities
    during its forward (no extra pass); otherwise the loss says what its metrics see
    (``loss.probabilities``: softmax/sigmoid of logits when ``from_logits=True``).
    """
    if fuses(last_layer, loss):
        return loss.from_logits_call(y, forward(x, training, True))
    out = forward(x, training, False)
    return loss(y, out), loss.probabilities(out.data)


def convention_warning(last_layer: Any, loss: Any) -> str | None:
    """The message for a ``from_logits`` setting that contradicts the last activation, or None:
    probabilities given to a ``from_logits=True`` loss, or a linear last layer with a
    cross-entropy that expects probabilities."""
    if last_layer is None or not isinstance(
        loss, (losses_mod.CategoricalCrossentropy, losses_mod.BinaryCrossentropy)
    ):
        return None
    act = activation_of(last_layer)
    where = f"Sequential.compile: loss {loss.name}"
    if loss.from_logits and act in ("softmax", "sigmoid"):
        return (
            f"{where} has from_logits=True but the last layer ends with {act}, so the model "
            f"outputs probabilities, not logits; use from_logits=False (the default) or "
            f"remove the final {act}"
        )
    if not loss.from_logits and act is None:
        fix = "softmax" if isinstance(loss, losses_mod.CategoricalCrossentropy) else "sigmoid"
        return (
            f"{where} expects probabilities but the last layer {last_layer.name!r} has no "
            f"activation (it outputs logits); pass from_logits=True to the loss or add "
            f"activation='{fix}'"
        )
    return None


# --------------------------------------------------------------------------- layer pairs
class ConvReluPool:
    """A step of the forward pass: ``pool(conv(x))`` for a fusable pair, as one primitive."""

    def __init__(self, conv: Conv2D, pool: MaxPool2D) -> None:
        self.conv, self.pool = conv, pool

    def __call__(self, x: Tensor, training: bool = False) -> Tensor:
        conv = self.conv
        if not isinstance(x, Tensor):
            x = Tensor(x)
        conv.ensure_built(x.shape)
        conv_shape = conv.compute_output_shape(x.shape)  # checks, in the layer's words
        self.pool.ensure_built(conv_shape)
        params = (conv.kernel,) if conv.bias is None else (conv.kernel, conv.bias)
        return F.conv2d_relu_maxpool(x, *params, strides=conv.strides, padding=conv.padding)


def fusable(first: Any, second: Any) -> bool:
    """Whether ``second(first(x))`` is a Conv2D with ReLU followed by a 2x2/2 max pooling."""
    return (
        type(first) is Conv2D
        and activation_of(first) == "relu"
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
