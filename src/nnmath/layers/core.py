"""Core layers: Dense, Flatten, Dropout, Activation, ReLU, Sigmoid, Tanh, Softmax, Input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import functional as F  # noqa: N812
from ..ops.matmul import Affine
from ..tensor import Tensor
from .base import Layer, Shape

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "Dense",
    "Dropout",
    "Flatten",
    "Input",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "get_activation",
]


def linear(x: Tensor) -> Tensor:
    """linear(x) = x."""
    return x


ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "linear": linear,
    "relu": F.relu,
    "sigmoid": F.sigmoid,
    "tanh": F.tanh,
    "softmax": F.softmax,  # over the last axis (its default): the one softmax
}


def get_activation(name: str | None, where: str = "activation") -> Callable[[Tensor], Tensor]:
    """The activation function named ``name`` (None means linear).

    Raises:
        ValueError: unknown name (lists the known ones).
    """
    fn = ACTIVATIONS.get("linear" if name is None else str(name).lower())
    if fn is None:
        raise ValueError(
            f"{where}: unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)} or None"
        )
    return fn


class Dense(Layer):
    """Fully connected layer: ``y = activation(x @ W + b)``.

    Args:
        units: D_out, the number of outputs.
        activation: name in ``ACTIVATIONS`` ("relu", "softmax", ...) or None (linear).
        use_bias: add ``b`` (initialized to zeros).
        kernel_initializer: name in ``nnmath.init`` (default "glorot_uniform").
        name: optional layer name.

    Raises:
        ValueError: input not 2-D, or a last axis that differs from the built kernel's.

    Shape: x (N, D_in) -> (N, D_out); kernel W (D_in, D_out), bias b (D_out,).

    With a bias, ``x @ W + b`` is one primitive (``ops.matmul.Affine``), and
    ``activation="relu"`` is fused into it (same values and gradients, one array less).

    Example:
        >>> Dense(512, activation="relu")
    """

    def __init__(
        self,
        units: int,
        activation: str | None = None,
        use_bias: bool = True,
        kernel_initializer: str = "glorot_uniform",
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        if int(units) < 1:
            raise ValueError(f"Dense: expected a positive number of units, got {units}")
        self.units = int(units)
        self.activation = activation
        self._act = get_activation(activation, f"Dense({units})")
        self.use_bias = bool(use_bias)
        self.kernel_initializer = kernel_initializer

    def _check(self, shape: Shape) -> None:
        d_in = self.kernel.shape[0] if self.built else None
        if len(shape) != 2 or (d_in is not None and shape[-1] != d_in):
            expected = f"input (N, {d_in}) with last axis {d_in}" if d_in else "2-D input (N, D_in)"
            fix = "; add Flatten() first" if len(shape) > 2 else ""
            raise ValueError(
                f"Dense({self.units}): expected {expected}, got shape {tuple(shape)}{fix}"
            )

    def build(self, input_shape: Shape) -> None:
        self._check(input_shape)
        self.kernel = self.add_weight(
            "kernel", (input_shape[-1], self.units), self.kernel_initializer
        )
        self.bias = self.add_weight("bias", (self.units,), "zeros") if self.use_bias else None

    def call_logits(self, x: Tensor, training: bool = False) -> Tensor:
        self._check(x.shape)
        if self.bias is None:
            return x @ self.kernel
        return Affine.apply(x, self.kernel, self.bias)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        if str(self.activation).lower() == "relu" and self.bias is not None:  # fused primitive
            self._check(x.shape)
            return Affine.apply(x, self.kernel, self.bias, relu=True)
        return self._act(self.call_logits(x, training))

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (*tuple(input_shape)[:-1], self.units)

    def get_config(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "activation": self.activation,
            "use_bias": self.use_bias,
            "kernel_initializer": self.kernel_initializer,
            "name": self.name,
        }


class Flatten(Layer):
    """Flatten all axes but the batch axis: ``(N, d1, d2, ...) -> (N, d1*d2*...)``."""

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        return x.reshape(x.shape[0], -1)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        rest = tuple(input_shape)[1:]
        size = None if any(d is None for d in rest) else int(np.prod(rest, dtype=np.int64))
        return (input_shape[0], size)


class Dropout(Layer):
    """Inverted dropout: ``y = x * mask / (1 - rate)``, ``mask ~ Bernoulli(1 - rate)``, in training.

    At inference (``training=False``) ``y = x``. The mask comes from ``self.rng`` (set by the
    model's seed), so a seeded run is reproducible.

    Args:
        rate: fraction of units dropped, in [0, 1).

    Raises:
        ValueError: rate outside [0, 1).

    Shape: any -> same.
    """

    def __init__(self, rate: float, name: str | None = None) -> None:
        super().__init__(name)
        if not 0.0 <= float(rate) < 1.0:
            raise ValueError(f"Dropout: expected rate in [0, 1), got {rate}")
        self.rate = float(rate)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        if not training or self.rate == 0.0:
            return x
        if self.rng is None:
            self.rng = np.random.default_rng()
        return F.dropout(x, self.rate, training=True, seed=self.rng)

    def get_config(self) -> dict[str, Any]:
        return {"rate": self.rate, "name": self.name}


class Activation(Layer):
    """Apply an activation by name: ``y = f(x)``; see ``ACTIVATIONS``.

    Example:
        >>> Activation("softmax")
    """

    def __init__(self, activation: str, name: str | None = None) -> None:
        super().__init__(name)
        self.activation = activation
        self._act = get_activation(activation, "Activation")

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        return self._act(x)

    def call_logits(self, x: Tensor, training: bool = False) -> Tensor:
        return x

    def get_config(self) -> dict[str, Any]:
        return {"activation": self.activation, "name": self.name}


class _FixedActivation(Activation):
    """An Activation whose function is fixed by the class (``ACTIVATION``)."""

    ACTIVATION = "linear"

    def __init__(self, name: str | None = None) -> None:
        super().__init__(self.ACTIVATION, name)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}


class ReLU(_FixedActivation):
    """y = max(x, 0)."""

    ACTIVATION = "relu"


class Sigmoid(_FixedActivation):
    """y = 1 / (1 + e^-x)."""

    ACTIVATION = "sigmoid"


class Tanh(_FixedActivation):
    """y = tanh(x)."""

    ACTIVATION = "tanh"


class Softmax(_FixedActivation):
    """y_k = e^(x_k) / sum_j e^(x_j) over the last axis."""

    ACTIVATION = "softmax"


class Input(Layer):
    """Declare the per-sample input shape so the model builds at once.

    Args:
        shape: the shape of one sample, without the batch axis, e.g. ``(28, 28, 1)``.

    Raises:
        ValueError: at call time, an input whose per-sample shape differs.

    Example:
        >>> Sequential([Input((784,)), Dense(10)]).count_params()
        7850
    """

    def __init__(self, shape: tuple[int, ...] | list[int] | int, name: str | None = None) -> None:
        super().__init__(name)
        self.shape = (int(shape),) if np.isscalar(shape) else tuple(int(s) for s in shape)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        if tuple(x.shape[1:]) != self.shape:
            raise ValueError(
                f"Input: expected samples of shape {self.shape} (batch shape (N, "
                f"{', '.join(map(str, self.shape))})), got a batch of shape {x.shape}"
            )
        return x

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[0], *self.shape)

    def get_config(self) -> dict[str, Any]:
        return {"shape": list(self.shape), "name": self.name}
