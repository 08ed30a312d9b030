"""``Layer``: the base of every layer (lazy ``build``, ``call``, ``add_weight``, config).

A layer is built on its first call from the input's shape: ``build(input_shape)`` creates
the weights with ``add_weight``; ``call(x, training)`` computes the output from tensors.
Shapes passed to ``build`` and ``compute_output_shape`` include the batch axis (``None``
when unknown), as in Keras.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from .. import init as initializers
from ..tensor import Tensor

__all__ = ["LAYERS", "Layer", "Shape"]

Shape = tuple[int | None, ...]


#: Every public layer class by class name, filled in by ``Layer.__init_subclass__`` when the
#: class is defined (model files name layers by class). The first class of a name keeps it.
LAYERS: dict[str, type[Layer]] = {}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", name).lower().replace("2_d", "2d")


class Layer:
    """Base class: weights, lazy build, call, shape inference and config.

    Args:
        name: a name for summaries and model files (default: the snake-case class name).

    Attributes:
        built: whether ``build`` ran.
        rng: the ``np.random.Generator`` used by ``add_weight`` (and by Dropout); set by the
            model from its seed; an unseeded generator when None.

    Example:
        >>> layer = Dense(10)
        >>> y = layer(Tensor(np.ones((2, 3), np.float32)))   # builds a (3, 10) kernel
        >>> layer.count_params()
        40
    """

    def __init_subclass__(cls, register: bool = True, **kwargs: Any) -> None:
        """Register the subclass in :data:`LAYERS` under its class name (skipped for names
        starting with ``_`` and for ``class X(Layer, register=False)``)."""
        super().__init_subclass__(**kwargs)
        if register and not cls.__name__.startswith("_"):
            LAYERS.setdefault(cls.__name__, cls)

    def __init__(self, name: str | None = None) -> None:
        self.name = name or _snake(type(self).__name__)
        self.built = False
        self.rng: np.random.Generator | None = None
        self.input_shape: Shape | None = None
        self._weights: dict[str, Tensor] = {}

    # ------------------------------------------------------------------ weights
    def add_weight(
        self, name: str, shape: tuple[int, ...], initializer: Any = "zeros", dtype: Any = np.float32
    ) -> Tensor:
        """Create, register and return a trainable weight ``Tensor`` of ``shape``."""
        values = initializers.get(initializer)(tuple(shape), rng=self.rng, dtype=dtype)
        w = Tensor(values, requires_grad=True)
        w.name = f"{self.name}/{name}"
        self._weights[name] = w
        return w

    @property
    def weights(self) -> list[Tensor]:
        """The trainable weights, in creation order."""
        return list(self._weights.values())

    @property
    def weight_names(self) -> list[str]:
        return list(self._weights)

    def count_params(self) -> int:
        """Number of scalar weights (0 before ``build`` for layers that have weights)."""
        return int(sum(w.size for w in self._weights.values()))

    # ------------------------------------------------------------------ building and calling
    def build(self, input_shape: Shape) -> None:
        """Create the weights for inputs of ``input_shape`` (batch axis included)."""

    def ensure_built(self, input_shape: Shape) -> None:
        """``build`` for ``input_shape`` unless built already (models call this)."""
        if not self.built:
            self.build(tuple(input_shape))
            self.input_shape = (None, *tuple(input_shape)[1:])
            self.built = True

    def reset(self) -> None:
        """Forget the weights: the next build draws new ones (from ``self.rng``)."""
        self._weights = {}
        self.built = False

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        raise NotImplementedError

    def __call__(self, x: Any, training: bool = False) -> Tensor:
        """Build on first use, then ``call``."""
        if not isinstance(x, Tensor):
            x = Tensor(np.asarray(x))
        self.ensure_built(x.shape)
        return self.call(x, training=training)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        """The output shape for ``input_shape`` (batch axis included); identity by default."""
        return tuple(input_shape)

    # ------------------------------------------------------------------ output activation
    #: The activation this layer ends with: a name ("softmax", "relu", ...) or None. It is
    #: all a layer tells about its output; :mod:`nnmath.models.fusion` decides the rest.
    activation: str | None = None

    def call_logits(self, x: Tensor, training: bool = False) -> Tensor:
        """The output BEFORE ``activation`` (used to fuse it into the loss)."""
        raise NotImplementedError(f"{type(self).__name__} has no activation to skip")

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        """The constructor arguments as JSON-serializable values."""
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        return cls(**config)

    def _describe(self) -> str:
        return f"{type(self).__name__}"

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"
