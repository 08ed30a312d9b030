"""``Sequential``: a stack of layers with Keras's compile / fit / evaluate / predict.

Training computes in float32. The loops live in :mod:`.training`, the boundary checks in
:mod:`.checks`, the summary table in :mod:`.summary` and model files in :mod:`.saving`; this
class holds the structure (layers, build, forward) and the public API.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import losses as losses_mod
from .. import metrics as metrics_mod
from .. import optimizers as optimizers_mod
from ..layers import Input, Layer
from ..layers.fusion import plan
from ..tensor import Tensor
from . import checks, training
from .callbacks import Callback, History
from .summary import summary_text

__all__ = ["Sequential"]


class Sequential:
    """A linear stack of layers.

    Args:
        layers: the layers, first to last (an ``Input(shape)`` first builds the model at once).
        name: model name for ``summary``.
        seed: default seed for weight initialization, shuffling and dropout (recorded in
            model files).

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
        self.name = name
        self.seed = seed
        self.layers: list[Layer] = []
        self.built = False
        self.input_shape: tuple[int | None, ...] | None = None
        self.optimizer: optimizers_mod.Optimizer | None = None
        self.loss: losses_mod.Loss | None = None
        self.metric_names: list[str] = []
        self._metric_fns: list[Any] = []
        self.stop_training = False
        self.epoch = 0  # completed epochs (restored from checkpoints)
        self.history: History | None = None
        self.preprocessing: dict[str, Any] | None = None
        self._shuffle_rng: np.random.Generator | None = None
        self._dropout_rng: np.random.Generator | None = None
        self._init_rng: np.random.Generator | None = None  # draws the weights, layer by layer
        self._init_seed: int | None = None  # the seed the current weights were drawn from
        self._pristine = False  # True while the weights are the freshly drawn initial ones
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
            self._pristine = self._pristine and not layer.built  # keep given weights as given
            self._build_layer(layer, self._output_shape(len(self.layers) - 1), self._init_rng)

    @staticmethod
    def _build_layer(layer: Layer, shape: tuple, rng: np.random.Generator) -> None:
        layer.rng = rng
        layer._ensure_built(tuple(1 if d is None else d for d in shape))

    def _output_shape(self, upto: int) -> tuple:
        shape = self.input_shape
        for layer in self.layers[:upto]:
            shape = layer.compute_output_shape(shape)
        return shape

    def build(self, input_shape: tuple[int | None, ...], seed: int | None = None) -> None:
        """Create every layer's weights for inputs of ``input_shape`` (batch axis included).

        The weights are drawn in layer order from the initialization stream of ``seed`` (or
        of the model's seed; unseeded when both are None).
        """
        self.input_shape = (None, *tuple(input_shape)[1:])
        prebuilt = any(layer.built and layer.weights for layer in self.layers)
        seed = self.seed if seed is None else seed
        self._init_rng = training.streams(seed)[training.INIT]
        shape = self.input_shape
        for layer in self.layers:
            self._build_layer(layer, shape, self._init_rng)
            shape = layer.compute_output_shape(shape)
        self.built = True
        # layers built before joining the model keep their weights: fit(seed=) never redraws
        self._init_seed, self._pristine = seed, not prebuilt

    def _reinitialize(self, seed: int) -> None:
        """Draw all weights again from ``seed`` (same shapes and initializers)."""
        for layer in self.layers:
            layer.reset()
        self.build(self.input_shape, seed=seed)

    @property
    def weights(self) -> list[Tensor]:
        """All trainable weights, layer by layer."""
        return [w for layer in self.layers for w in layer.weights]

    @property
    def output_shape(self) -> tuple:
        """The output shape, batch axis ``None`` (the model must be built)."""
        self._require_built("output_shape")
        return self._output_shape(len(self.layers))

    def _require_built(self, where: str) -> None:
        if not self.built:
            raise ValueError(
                f"Sequential.{where}: the model is not built yet; add Input(shape) as the first "
                "layer, call build((None, *sample_shape)), or fit it first"
            )

    def count_params(self) -> int:
        """Number of scalar weights.  Raises ValueError when the model is not built."""
        self._require_built("count_params")
        return sum(layer.count_params() for layer in self.layers)

    def summary(self, print_fn: Any = print) -> str:
        """Print (with ``print_fn``; None prints nothing) and return the table of layers,
        output shapes and parameter counts.  Raises ValueError when the model is not built."""
        self._require_built("summary")
        text = summary_text(self)
        if print_fn is not None:
            print_fn(text)
        return text

    # ------------------------------------------------------------------ compile
    def compile(
        self, optimizer: Any = "rmsprop", loss: Any = None, metrics: list[Any] | None = None
    ) -> None:
        """Choose the optimizer, the loss and the metrics (names or objects).

        Warns (UserWarning) when the loss's ``from_logits`` contradicts the last layer's
        activation: probabilities given to a ``from_logits=True`` loss, or a linear last
        layer with a cross-entropy on probabilities.

        Raises:
            ValueError: no loss, or an unknown optimizer/loss/metric name.
        """
        if loss is None:
            raise ValueError("Sequential.compile: a loss is needed, e.g. loss='mse'")
        if isinstance(metrics, str) or callable(metrics):
            metrics = [metrics]
        self.optimizer = optimizers_mod.get(optimizer)
        self.loss = losses_mod.get(loss)
        self.metric_names, self._metric_fns = [], []
        for m in metrics or []:
            fn = metrics_mod.get(m)
            name = m if isinstance(m, str) else getattr(m, "__name__", "metric")
            self.metric_names.append("accuracy" if name == "acc" else name)
            self._metric_fns.append(fn)
        checks.check_logits_convention(self)

    def _require_compiled(self, where: str) -> None:
        if self.loss is None or self.optimizer is None:
            raise RuntimeError(
                f"Sequential.{where}: compile the model first, e.g. model.compile("
                "optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])"
            )

    # ------------------------------------------------------------------ forward
    def _fused(self) -> bool:
        """Whether the loss absorbs the last layer's activation (see ``training``)."""
        assert self.loss is not None
        act = self.loss.fused_activation
        return act is not None and bool(self.layers) and self.layers[-1].final_activation == act

    def _forward(self, x: Tensor, training: bool, logits: bool = False) -> Tensor:
        # Consecutive layers that one primitive computes faster run fused (layers.fusion).
        if logits:
            for step in plan(self.layers[:-1]):
                x = step(x, training=training)
            layer = self.layers[-1]
            layer._ensure_built(x.shape)
            return layer.call_logits(x, training=training)
        for step in plan(self.layers):
            x = step(x, training=training)
        return x

    def __call__(self, x: Any, training: bool = False) -> Tensor:
        """The model's output as a Tensor (graph recorded unless under ``no_grad``)."""
        x = x if isinstance(x, Tensor) else Tensor(checks.as_float32("Sequential", "x", x))
        if not self.built:
            self.build((None, *x.shape[1:]))
        return self._forward(x, training)

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        x: Any,
        y: Any,
        epochs: int = 1,
        batch_size: int = 32,
        validation_data: tuple[Any, Any] | None = None,
        validation_split: float = 0.0,
        shuffle: bool = True,
        verbose: int = 1,
        callbacks: list[Callback] | None = None,
        seed: int | None = None,
        initial_epoch: int = 0,
        checkpoint: str | None = None,
    ) -> History:
        """Train for ``epochs`` epochs of mini-batch gradient descent.

        Args:
            x, y: inputs (N, ...) and targets (N, ...) (integer labels for sparse losses).
            epochs: index of the last epoch (as in Keras, counting ``initial_epoch``).
            batch_size: samples per gradient step.
            validation_data: ``(x_val, y_val)`` evaluated after each epoch ("val_*" logs).
            validation_split: fraction of the LAST samples of x, y held out for validation.
            shuffle: reshuffle the training samples every epoch.
            verbose: 0 silent; 1 a live progress bar on a terminal (one line per epoch when
                stdout is not a terminal); 2 one line per epoch.
            callbacks: e.g. ``[EarlyStopping(patience=2), ModelCheckpoint(path)]``.
            seed: makes the run reproducible bit for bit: initialization (weights still at
                their untrained initial values are re-drawn from this seed), shuffling and
                dropout. None uses the model's seed.
            initial_epoch: epoch to start from (resuming).
            checkpoint: a file path: resume from it when it exists, and rewrite it atomically
                after every epoch (weights, optimizer state, epoch, random state, history).

        Returns:
            the ``History`` (``history.history["loss"]`` etc., one value per epoch).

        Raises:
            RuntimeError: not compiled.
            TypeError, ValueError: bad epochs/batch_size/validation_split, mismatched lengths,
                NaN/inf inputs, labels that do not fit the loss, a checkpoint of another model.
        """
        self._require_compiled("fit")
        checks.check_fit_args(epochs, batch_size, validation_split)
        callbacks = checks.check_callbacks(callbacks)
        if validation_split and validation_data is None:
            x, y, validation_data = checks.split_validation(x, y, validation_split)
        if not self.built:
            self.build((None, *np.shape(x)[1:]), seed=seed)
        elif seed is not None and self._pristine and seed != self._init_seed:
            self._reinitialize(seed)
        x, y = checks.check_data(self, "fit", x, y)
        validation = None
        if validation_data is not None:
            validation = checks.check_data(self, "fit (validation_data)", *validation_data)
        rngs = training.streams(self.seed if seed is None else seed)
        self._shuffle_rng, self._dropout_rng = rngs[training.SHUFFLE], rngs[training.DROPOUT]
        return training.run_fit(
            self,
            x,
            y,
            epochs=epochs,
            batch_size=batch_size,
            validation=validation,
            shuffle=shuffle,
            verbose=verbose,
            callbacks=callbacks,
            initial_epoch=initial_epoch,
            checkpoint=checkpoint,
        )

    def _save_checkpoint(self, path: str, epoch: int) -> None:
        """Write weights, optimizer state, ``epoch``, random states and history to ``path``."""
        from .saving import save_model

        save_model(
            self,
            path,
            include_optimizer=True,
            training_state={
                "epoch": epoch,
                "shuffle_rng": self._shuffle_rng.bit_generator.state if self._shuffle_rng else None,
                "dropout_rng": self._dropout_rng.bit_generator.state if self._dropout_rng else None,
                "history": self.history.history if self.history else {},
            },
        )

    # ------------------------------------------------------------------ evaluate / predict
    def evaluate(
        self, x: Any, y: Any, batch_size: int = 32, verbose: int = 1
    ) -> float | list[float]:
        """The loss and metrics on ``(x, y)``: ``[loss, *metrics]``, or a float without metrics.

        Raises:
            RuntimeError: not compiled.  ValueError: as in :meth:`fit`.
        """
        self._require_compiled("evaluate")
        checks.check_count("evaluate", "batch_size", batch_size, 1)
        x, y = checks.check_data(self, "evaluate", x, y)
        logs = training.evaluate_arrays(self, x, y, batch_size)
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()), flush=True)
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x: Any, batch_size: int = 32, verbose: int = 0) -> np.ndarray:
        """The model's outputs for ``x`` (float32 array (N, *output_shape[1:])), batch by batch,
        without a graph.

        Raises:
            ValueError: NaN/inf, or a sample shape the model was not built for.
        """
        checks.check_count("predict", "batch_size", batch_size, 1)
        x = checks.as_float32("predict", "x", x)
        checks.check_input_shape(self, "predict", x)
        out = training.predict_arrays(self, x, batch_size)
        if verbose:
            print(f"predict: {len(x)} samples", flush=True)
        return out

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

    def get_config(self) -> dict[str, Any]:
        """The architecture as JSON-serializable values: name, seed, the seed the weights were
        initialized from (None when unseeded), input shape and layers."""
        from ..layers import serialize

        return {
            "name": self.name,
            "seed": self.seed,
            "init_seed": self._init_seed,
            "input_shape": list(self.input_shape) if self.input_shape else None,
            "layers": [serialize(layer) for layer in self.layers],
        }
