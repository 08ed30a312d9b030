"""``Sequential``: a stack of layers with Keras's compile / fit / evaluate / predict.

This class owns the STRUCTURE (layers, build, forward, summary, config); training and its
state belong to :class:`.training.Trainer`, which it inherits (as Keras 3's ``Model`` does
``Trainer``). Boundary checks live in :mod:`.checks`, the activation/loss fusion in
:mod:`.fusion`, the summary table in :mod:`.summary` and model files in :mod:`.saving`.
Training computes in float32.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..layers import Input, Layer
from ..tensor import Tensor
from . import checks, fusion
from .summary import summary_text
from .training import Trainer

__all__ = ["Sequential"]


class Sequential(Trainer):
    """A linear stack of layers.

    Args:
        layers: the layers, first to last (an ``Input(shape)`` first builds the model at once).
        name: model name for ``summary``.
        seed: default seed for weight initialization (at build), shuffling and dropout
            (recorded in model files).

    Attributes:
        layers, name, seed, built, input_shape: the structure.
        preprocessing: the input description saved with the model (or None).
        compiled, state: the training state, owned by :class:`.training.Trainer`.

    Example:
        >>> model = Sequential([layers.Dense(512, activation="relu"),
        ...                     layers.Dense(10, activation="softmax")])
        >>> model.compile("rmsprop", "sparse_categorical_crossentropy", ["accuracy"])
        >>> history = model.fit(x_train, y_train, epochs=5, batch_size=128, seed=0)
        >>> loss, acc = model.evaluate(x_test, y_test)
    """

    def __init__(
        self, layers: list[Layer] | None = None, name: str = "sequential", seed: int | None = None
    ) -> None:
        super().__init__()
        self.name = name
        self.seed = seed
        self.layers: list[Layer] = []
        self.built = False
        self.input_shape: tuple[int | None, ...] | None = None
        self.preprocessing: dict[str, Any] | None = None
        for layer in layers or []:
            self.add(layer)

    # ------------------------------------------------------------------ structure
    def add(self, layer: Layer) -> None:
        """Append a layer (an ``Input`` only as the first one).

        Raises:
            TypeError: not a Layer.  ValueError: ``Input`` after other layers.
        """
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential.add: expected a Layer, got {type(layer).__name__}; e.g. "
                "layers.Dense(10)"
            )
        if isinstance(layer, Input) and self.layers:
            raise ValueError("Sequential.add: Input(shape) must be the first layer")
        taken = {lay.name for lay in self.layers}
        base, k = layer.name, 0
        while layer.name in taken:
            k += 1
            layer.name = f"{base}_{k}"
        self.layers.append(layer)
        if isinstance(layer, Input):
            self.build((None, *layer.shape))
        elif self.built:  # continue the initialization stream where build left it
            self._build_layer(
                layer, self._output_shape(len(self.layers) - 1), self.state.rngs["init"]
            )

    @staticmethod
    def _build_layer(layer: Layer, shape: tuple, rng: np.random.Generator) -> None:
        layer.rng = rng
        layer.ensure_built(tuple(1 if d is None else d for d in shape))

    def _output_shape(self, upto: int) -> tuple:
        shape = self.input_shape
        for layer in self.layers[:upto]:
            shape = layer.compute_output_shape(shape)
        return shape

    def build(self, input_shape: tuple[int | None, ...], seed: int | None = None) -> None:
        """Create every layer's weights for inputs of ``input_shape`` (batch axis included).

        The weights are drawn in layer order from the initialization stream of ``seed`` (or
        of the model's seed; unseeded when both are None). Layers built before they joined
        the model keep their weights.
        """
        self.input_shape = (None, *tuple(input_shape)[1:])
        rng = self.init_stream(self.seed if seed is None else seed)
        shape = self.input_shape
        for layer in self.layers:
            self._build_layer(layer, shape, rng)
            shape = layer.compute_output_shape(shape)
        self.built = True

    @property
    def weights(self) -> list[Tensor]:
        """All trainable weights, layer by layer (the same as ``trainable_weights``)."""
        return self.trainable_weights

    @property
    def output_shape(self) -> tuple:
        """The output shape, batch axis ``None`` (the model must be built)."""
        self.require_built("output_shape")
        return self._output_shape(len(self.layers))

    def require_built(self, where: str) -> None:
        """Raises ValueError (saying how to build it) when the model is not built."""
        if not self.built:
            raise ValueError(
                f"Sequential.{where}: the model is not built yet; add Input(shape) as the first "
                "layer, call build((None, *sample_shape)), or fit it first"
            )

    def count_params(self) -> int:
        """Number of scalar weights.  Raises ValueError when the model is not built."""
        self.require_built("count_params")
        return sum(layer.count_params() for layer in self.layers)

    def summary(self, print_fn: Any = print) -> str:
        """Print (with ``print_fn``; None prints nothing) and return the table of layers,
        output shapes and parameter counts.  Raises ValueError when the model is not built."""
        self.require_built("summary")
        text = summary_text(self)
        if print_fn is not None:
            print_fn(text)
        return text

    # ------------------------------------------------------------------ forward
    def forward(self, x: Tensor, training: bool, logits: bool = False) -> Tensor:
        """Run the layers on ``x``; with ``logits=True`` the last layer stops before its
        activation (the fused path of :mod:`.fusion`). Consecutive layers that one primitive
        computes faster run as that primitive (``fusion.plan``: conv + ReLU + max pooling)."""
        if logits:
            for step in fusion.plan(self.layers[:-1]):
                x = step(x, training=training)
            layer = self.layers[-1]
            layer.ensure_built(x.shape)
            return layer.call_logits(x, training=training)
        for step in fusion.plan(self.layers):
            x = step(x, training=training)
        return x

    def __call__(self, x: Any, training: bool = False) -> Tensor:
        """The model's output as a Tensor (graph recorded unless under ``no_grad``)."""
        x = x if isinstance(x, Tensor) else Tensor(checks.as_float32("Sequential", "x", x))
        if not self.built:
            self.build((None, *x.shape[1:]))
        return self.forward(x, training)

    # ------------------------------------------------------------------ saving
    def save(
        self, path: str, include_optimizer: bool = True, preprocessing: dict[str, Any] | None = None
    ) -> None:
        """Write ONE safetensors file: weights (+ optimizer state), architecture and compile
        config (JSON metadata), and optionally the input ``preprocessing`` the model expects,
        e.g. ``{"input_shape": [28, 28, 1], "scale": 1/255, "grayscale": True,
        "class_names": [...]}``. Load with ``nnmath.load_model(path)``."""
        from .saving import save_model

        save_model(self, path, include_optimizer=include_optimizer, preprocessing=preprocessing)

    def export(self, path: str, **kwargs: Any) -> Any:
        """Write the model as ONNX; see :func:`nnmath.export.export_onnx` (same keywords)."""
        from ..export import export_onnx

        return export_onnx(self, path, **kwargs)

    def get_config(self) -> dict[str, Any]:
        """The architecture as JSON-serializable values: name, seed, the seed the weights were
        initialized from (None when unseeded), input shape and layers."""
        from ..layers import serialize

        return {
            "name": self.name,
            "seed": self.seed,
            "init_seed": self.state.init_seed,
            "input_shape": list(self.input_shape) if self.input_shape else None,
            "layers": [serialize(layer) for layer in self.layers],
        }
