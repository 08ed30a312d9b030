"""``Sequential``: a stack of layers with Keras's compile / fit / evaluate / predict.

Training computes in float32. When the last layer ends with softmax (sigmoid) and the loss
is a (sparse) categorical (binary) cross-entropy on probabilities, the model feeds the
PRE-activation to the fused, stable loss primitive: the same loss value, no log(0), and a
backward of one subtraction instead of softmax's Jacobian.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import losses as losses_mod
from .. import metrics as metrics_mod
from .. import optimizers as optimizers_mod
from ..autograd import no_grad
from ..layers import Input, Layer
from ..tensor import Tensor
from .callbacks import Callback, History, ProgbarLogger

__all__ = ["Sequential"]


def _as_float32(where: str, name: str, x: Any) -> np.ndarray:
    arr = np.asarray(x.data if isinstance(x, Tensor) else x)
    if arr.dtype != np.float32:
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise TypeError(f"{where}: expected a numeric array for {name}, got dtype {arr.dtype}")
        arr = arr.astype(np.float32)
    if not np.isfinite(arr).all():
        bad = np.flatnonzero(~np.isfinite(arr.reshape(len(arr), -1)).all(axis=1))
        raise ValueError(
            f"{where}: {name} contains NaN or inf in {len(bad)} sample(s) (first: index {bad[0]});"
            f" remove or impute them first (e.g. np.nan_to_num({name}))"
        )
    return arr


def _targets(where: str, y: Any) -> np.ndarray:
    arr = np.asarray(y.data if isinstance(y, Tensor) else y)
    if np.issubdtype(arr.dtype, np.floating):
        arr = _as_float32(where, "y", arr)
    return arr


class Sequential:
    """A linear stack of layers.

    Args:
        layers: the layers, first to last (an ``Input(shape)`` first builds the model at once).
        name: model name for ``summary``.
        seed: default seed for weight initialization, shuffling and dropout.

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
        for layer in layers or []:
            self.add(layer)

    # ------------------------------------------------------------------ structure
    def add(self, layer: Layer) -> None:
        """Append a layer (an ``Input`` only as the first one).

        Raises:
            TypeError: not a Layer.  ValueError: ``Input`` after other layers.
        """
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add: expected a Layer, got {type(layer).__name__}")
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
        elif self.built:
            self._build_layer(layer, self._output_shape(len(self.layers) - 1), self._init_rng())

    def _init_rng(self, seed: int | None = None) -> np.random.Generator:
        seed = self.seed if seed is None else seed
        return np.random.default_rng(
            np.random.SeedSequence(seed).spawn(3)[0] if seed is not None else None
        )

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

        The weights are drawn from ``seed`` (or the model's seed) in layer order.
        """
        self.input_shape = (None, *tuple(input_shape)[1:])
        rng = self._init_rng(seed)
        shape = self.input_shape
        for layer in self.layers:
            self._build_layer(layer, shape, rng)
            shape = layer.compute_output_shape(shape)
        self.built = True

    @property
    def weights(self) -> list[Tensor]:
        """All trainable weights, layer by layer."""
        return [w for layer in self.layers for w in layer.weights]

    @property
    def output_shape(self) -> tuple:
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
        """Print (and return) a table of layers, output shapes and parameter counts."""
        self._require_built("summary")
        rows = [("Layer (type)", "Output Shape", "Param #")]
        shape = self.input_shape
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
            rows.append(
                (
                    f"{layer.name} ({type(layer).__name__})",
                    str(tuple(shape)),
                    f"{layer.count_params():,}",
                )
            )
        width = (34, 28, 12)
        line = "=" * sum(width)
        table = ["".join(c.ljust(w) for c, w in zip(r, width, strict=True)) for r in rows]
        out = [f'Model: "{self.name}"', table[0], line, *table[1:]]
        total = self.count_params()
        out += [
            line,
            f"Total params: {total:,}",
            f"Trainable params: {total:,}",
            "Non-trainable params: 0",
        ]
        text = "\n".join(out)
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
        """
        if loss is None:
            raise ValueError("Sequential.compile: a loss is needed, e.g. loss='mse'")
        self.optimizer = optimizers_mod.get(optimizer)
        self.loss = losses_mod.get(loss)
        self.metric_names, self._metric_fns = [], []
        for m in metrics or []:
            fn = metrics_mod.get(m)
            name = m if isinstance(m, str) else getattr(m, "__name__", "metric")
            self.metric_names.append("accuracy" if name == "acc" else name)
            self._metric_fns.append(fn)
        self._check_logits_convention()

    def _check_logits_convention(self) -> None:
        if not self.layers or not isinstance(
            self.loss, (losses_mod.CategoricalCrossentropy, losses_mod.BinaryCrossentropy)
        ):
            return
        act = self.layers[-1].final_activation
        where = f"Sequential.compile: loss {self.loss.name}"
        if self.loss.from_logits and act in ("softmax", "sigmoid"):
            warnings.warn(
                f"{where} has from_logits=True but the last layer ends with {act}, so the model "
                f"outputs probabilities, not logits; use from_logits=False (the default) or "
                f"remove the final {act}",
                UserWarning,
                stacklevel=3,
            )
        elif not self.loss.from_logits and act is None:
            fix = (
                "softmax"
                if isinstance(self.loss, losses_mod.CategoricalCrossentropy)
                else "sigmoid"
            )
            warnings.warn(
                f"{where} expects probabilities but the last layer {self.layers[-1].name!r} has no "
                f"activation (it outputs logits); pass from_logits=True to the loss or add "
                f"activation='{fix}'",
                UserWarning,
                stacklevel=3,
            )

    def _require_compiled(self, where: str) -> None:
        if self.loss is None or self.optimizer is None:
            raise RuntimeError(
                f"Sequential.{where}: compile the model first, e.g. model.compile("
                "optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])"
            )

    # ------------------------------------------------------------------ forward
    def _fused(self) -> bool:
        assert self.loss is not None
        act = self.loss.fused_activation
        return act is not None and bool(self.layers) and self.layers[-1].final_activation == act

    def _forward(self, x: Tensor, training: bool, logits: bool = False) -> Tensor:
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            if logits and i == last:
                layer._ensure_built(x.shape)
                return layer.call_logits(x, training=training)
            x = layer(x, training=training)
        return x

    def __call__(self, x: Any, training: bool = False) -> Tensor:
        """The model's output as a Tensor (graph recorded unless under ``no_grad``)."""
        x = x if isinstance(x, Tensor) else Tensor(_as_float32("Sequential", "x", x))
        if not self.built:
            self.build((None, *x.shape[1:]))
        return self._forward(x, training)

    def _loss_and_probs(
        self, yb: np.ndarray, xb: np.ndarray, training: bool
    ) -> tuple[Tensor, np.ndarray]:
        assert self.loss is not None
        if self._fused():
            out = self._forward(Tensor(xb), training, logits=True)
            return self.loss.from_logits_call(yb, out)
        out = self._forward(Tensor(xb), training)
        return self.loss(yb, out), out.data

    # ------------------------------------------------------------------ data checks
    def _check_data(self, where: str, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        x = _as_float32(where, "x", x)
        y = _targets(where, y)
        if len(x) != len(y):
            raise ValueError(
                f"{where}: x and y must have the same number of samples, got {len(x)} and "
                f"{len(y)}; check that the labels match the inputs"
            )
        if len(x) == 0:
            raise ValueError(f"{where}: expected at least one sample, got x of shape {x.shape}")
        if not self.built:
            self.build((None, *x.shape[1:]))
        elif tuple(x.shape[1:]) != tuple(self.input_shape[1:]):
            raise ValueError(
                f"{where}: the model was built for samples of shape {tuple(self.input_shape[1:])}, "
                f"got x of shape {x.shape}; reshape the inputs (e.g. x.reshape(len(x), -1))"
            )
        self._check_labels(y)
        return x, y

    def _check_labels(self, y: np.ndarray) -> None:
        """Fail before training when the labels do not fit the loss (runs the loss's checks)."""
        out_shape = self.output_shape
        if isinstance(self.loss, losses_mod.SparseCategoricalCrossentropy) and len(out_shape) == 2:
            losses_mod.sparse_labels(self.loss.name, y, out_shape[1], len(y))
        probe = np.full((min(len(y), 2), *out_shape[1:]), 0.5, dtype=np.float32)
        if len(out_shape) == 2 and out_shape[1] > 1:
            probe[:] = 1.0 / out_shape[1]
        with no_grad():
            self.loss(y[: len(probe)], Tensor(probe))

    # ------------------------------------------------------------------ fit
    def _rngs(self, seed: int | None) -> None:
        seed = self.seed if seed is None else seed
        children = np.random.SeedSequence(seed).spawn(3) if seed is not None else [None] * 3
        self._shuffle_rng = np.random.default_rng(children[1])
        self._dropout_rng = np.random.default_rng(children[2])

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
            verbose: 0 silent, 1 progress bar (one line per epoch when not a terminal), 2 lines.
            callbacks: e.g. ``[EarlyStopping(patience=2), ModelCheckpoint(path)]``.
            seed: makes the run reproducible bit for bit (initialization when the model is not
                built yet, shuffling, dropout).
            initial_epoch: epoch to start from (resuming).
            checkpoint: a file path: resume from it when it exists, and rewrite it atomically
                after every epoch (weights, optimizer state, epoch, random state, history).

        Returns:
            the ``History`` (``history.history["loss"]`` etc., one value per epoch).

        Raises:
            ValueError: mismatched lengths, NaN/inf inputs, labels that do not fit the loss.
        """
        self._require_compiled("fit")
        if validation_split and validation_data is None:
            if not 0.0 < validation_split < 1.0:
                raise ValueError(
                    f"fit: expected validation_split in (0, 1), got {validation_split}"
                )
            n_val = int(len(x) * validation_split)
            x, y = np.asarray(x), np.asarray(y)
            validation_data = (x[len(x) - n_val :], y[len(y) - n_val :])
            x, y = x[: len(x) - n_val], y[: len(y) - n_val]
        if not self.built and seed is not None:
            self.build((None, *np.shape(x)[1:]), seed=seed)
        x, y = self._check_data("fit", x, y)
        if validation_data is not None:
            xv, yv = self._check_data("fit (validation_data)", *validation_data)
        self._rngs(seed)
        history = History()
        if checkpoint is not None:
            from .saving import _resume

            initial_epoch = _resume(self, checkpoint, history, initial_epoch)
        for layer in self.layers:
            layer.rng = self._dropout_rng
        n = len(x)
        steps = -(-n // batch_size)
        cbs: list[Callback] = [history, *(callbacks or [])]
        if verbose:
            cbs.append(ProgbarLogger(verbose, steps, epochs))
        for cb in cbs:
            cb.set_model(self)
        self.history, self.stop_training = history, False
        params = self.weights
        names = ["loss", *self.metric_names]
        for cb in cbs:
            cb.on_train_begin()
        for epoch in range(initial_epoch, epochs):
            for cb in cbs:
                cb.on_epoch_begin(epoch)
            order = self._shuffle_rng.permutation(n) if shuffle else None
            totals = np.zeros(1 + len(self._metric_fns))
            seen = 0
            for b in range(steps):
                idx = slice(b * batch_size, (b + 1) * batch_size)
                if order is not None:
                    idx = order[idx]
                xb, yb = x[idx], y[idx]
                loss, probs = self._loss_and_probs(yb, xb, training=True)
                self.optimizer.zero_grad(params)
                loss.backward()
                self.optimizer.step(params)
                m = len(xb)
                seen += m
                totals[0] += loss.item() * m
                for j, fn in enumerate(self._metric_fns):
                    totals[1 + j] += fn(yb, probs) * m
                logs = dict(zip(names, (totals / seen).tolist(), strict=True))
                for cb in cbs:
                    cb.on_batch_end(b, logs)
                if self.stop_training:
                    break
            if validation_data is not None:
                val = self._evaluate_arrays(xv, yv, batch_size)
                logs.update({f"val_{k}": v for k, v in val.items()})
            self.epoch = epoch + 1
            for cb in cbs:
                cb.on_epoch_end(epoch, logs)
            if checkpoint is not None:
                self._save_checkpoint(checkpoint, epoch + 1)
            if self.stop_training:
                break
        for cb in cbs:
            cb.on_train_end()
        return history

    def _save_checkpoint(self, path: str, epoch: int) -> None:
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
    def _evaluate_arrays(self, x: np.ndarray, y: np.ndarray, batch_size: int) -> dict[str, float]:
        totals = np.zeros(1 + len(self._metric_fns))
        with no_grad():
            for start in range(0, len(x), batch_size):
                xb, yb = x[start : start + batch_size], y[start : start + batch_size]
                loss, probs = self._loss_and_probs(yb, xb, training=False)
                totals[0] += loss.item() * len(xb)
                for j, fn in enumerate(self._metric_fns):
                    totals[1 + j] += fn(yb, probs) * len(xb)
        return dict(zip(["loss", *self.metric_names], (totals / len(x)).tolist(), strict=False))

    def evaluate(
        self, x: Any, y: Any, batch_size: int = 32, verbose: int = 1
    ) -> float | list[float]:
        """The loss and metrics on ``(x, y)``: ``[loss, *metrics]``, or a float without metrics."""
        self._require_compiled("evaluate")
        x, y = self._check_data("evaluate", x, y)
        logs = self._evaluate_arrays(x, y, batch_size)
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()), flush=True)
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x: Any, batch_size: int = 32, verbose: int = 0) -> np.ndarray:
        """The model's outputs for ``x`` (float32 array), batch by batch, without a graph."""
        x = _as_float32("predict", "x", x)
        if not self.built:
            self.build((None, *x.shape[1:]))
        elif tuple(x.shape[1:]) != tuple(self.input_shape[1:]):
            raise ValueError(
                f"predict: the model was built for samples of shape {tuple(self.input_shape[1:])}, "
                f"got x of shape {x.shape}"
            )
        out: np.ndarray | None = None
        with no_grad():
            for start in range(0, len(x), batch_size):
                yb = self._forward(Tensor(x[start : start + batch_size]), training=False).data
                if out is None:
                    out = np.empty((len(x), *yb.shape[1:]), dtype=yb.dtype)
                out[start : start + len(yb)] = yb
        if verbose:
            print(f"predict: {len(x)} samples", flush=True)
        return out if out is not None else np.empty((0, *self.output_shape[1:]), np.float32)

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
        from ..layers import serialize

        return {
            "name": self.name,
            "seed": self.seed,
            "input_shape": list(self.input_shape) if self.input_shape else None,
            "layers": [serialize(layer) for layer in self.layers],
        }
