"""``Trainer``: the one owner of training state, and the loops of compile / fit / evaluate /
predict (Keras 3's split: the model class holds the structure, ``Trainer`` the training).

One epoch of mini-batch gradient descent: shuffle the sample indices (the shuffle stream),
then for each batch ``forward -> loss -> backward -> optimizer step``; the epoch logs are the
sample-weighted means of the batch losses and metrics, as in Keras.

State, all of it reachable through public methods (``get_training_state`` /
``set_training_state`` copy and restore it bit for bit):

* ``model.compiled``: a :class:`Compiled` (optimizer, loss, metric names and functions);
* ``model.state``: a :class:`TrainingState` (completed epochs, the stop flag, the last
  ``History``, and the three random streams);
* the weights (``model.trainable_weights``) and the optimizer's slots and step count.

Randomness comes from three independent streams spawned from ONE seed with
``np.random.SeedSequence(seed).spawn(3)``: [0] weight initialization, [1] shuffling,
[2] dropout masks. The initialization stream is seeded when the model is BUILT (from
``build(seed=)``, else the model's ``seed``); ``fit(seed=)`` seeds the shuffling and dropout
streams of that fit (and the initialization too only when ``fit`` has to build the model).
It never redraws weights that exist.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import losses as losses_mod
from .. import metrics as metrics_mod
from .. import optimizers as optimizers_mod
from .. import threads
from ..autograd import no_grad
from ..tensor import Tensor
from . import checks, fusion
from .callbacks import Callback, History, ProgbarLogger

__all__ = [
    "DROPOUT",
    "INIT",
    "SHUFFLE",
    "Compiled",
    "Trainer",
    "TrainingState",
    "streams",
]

INIT, SHUFFLE, DROPOUT = 0, 1, 2  # indices of the spawned random streams
_STREAMS = ("init", "shuffle", "dropout")


def streams(seed: int | None) -> list[np.random.Generator]:
    """The three generators (initialization, shuffling, dropout) of ``seed`` (fresh if None)."""
    children = np.random.SeedSequence(seed).spawn(3) if seed is not None else [None] * 3
    return [np.random.default_rng(c) for c in children]


@dataclass
class Compiled:
    """What ``compile`` chose: the optimizer, the loss and the metrics."""

    optimizer: optimizers_mod.Optimizer
    loss: losses_mod.Loss
    metric_names: list[str] = field(default_factory=list)
    metric_fns: list[Any] = field(default_factory=list)


@dataclass
class TrainingState:
    """Everything training changes apart from the weights and the optimizer's slots.

    Attributes:
        epoch: completed epochs (restored from checkpoints).
        stop_training: set (e.g. by a callback) to end ``fit`` after the current batch.
        history: the ``History`` of the last ``fit``.
        init_seed: the seed the weights were drawn from (None: unseeded).
        rngs: the generators ``{"init", "shuffle", "dropout"}`` (None until seeded).
    """

    epoch: int = 0
    stop_training: bool = False
    history: History | None = None
    init_seed: int | None = None
    rngs: dict[str, np.random.Generator | None] = field(
        default_factory=lambda: dict.fromkeys(_STREAMS)
    )


def _batches(n: int, batch_size: int, order: np.ndarray | None) -> Any:
    for start in range(0, n, batch_size):
        idx = slice(start, start + batch_size)
        yield idx if order is None else order[idx]


def _warn_non_finite(value: float, lr: Any, epoch: int, batch: int, x: np.ndarray) -> None:
    """A nan/inf loss: the weights are no longer finite, so say why (training then stops)."""
    scale = float(np.max(np.abs(x))) if x.size and np.isfinite(x).all() else float("nan")
    warnings.warn(
        f"fit: the loss became {value} at epoch {epoch + 1}, batch {batch + 1}; training "
        f"stopped because the weights are no longer finite. Usual causes: a learning rate "
        f"too high (learning_rate={lr}), inputs not scaled (largest |x| in this batch: "
        f"{scale:g}), or nan/inf in the data. Lower learning_rate or scale the inputs "
        "(e.g. x / 255), then train again from fresh weights.",
        RuntimeWarning,
        stacklevel=5,
    )


class Trainer:
    """compile / fit / evaluate / predict and the training state, for a model class that
    provides ``layers``, ``built``, ``input_shape``, ``output_shape``, ``seed``,
    ``build(input_shape, seed=None)`` and ``forward(x, training, logits=False)``.

    The model class calls ``Trainer.__init__`` and never touches ``compiled``/``state``
    except through the methods below; other modules (callbacks, saving, checks) use only
    the public methods and properties.
    """

    layers: list[Any]
    seed: int | None

    def __init__(self) -> None:
        self.compiled: Compiled | None = None
        self.state = TrainingState()

    # ------------------------------------------------------------------ public state views
    @property
    def optimizer(self) -> optimizers_mod.Optimizer | None:
        return self.compiled.optimizer if self.compiled else None

    @property
    def loss(self) -> losses_mod.Loss | None:
        return self.compiled.loss if self.compiled else None

    @property
    def metric_names(self) -> list[str]:
        return list(self.compiled.metric_names) if self.compiled else []

    @property
    def stop_training(self) -> bool:
        """Set to True (e.g. in a callback) to end ``fit`` after the current batch."""
        return self.state.stop_training

    @stop_training.setter
    def stop_training(self, value: bool) -> None:
        self.state.stop_training = bool(value)

    @property
    def epoch(self) -> int:
        """Completed epochs (restored from checkpoints and model files)."""
        return self.state.epoch

    @epoch.setter
    def epoch(self, value: int) -> None:
        self.state.epoch = int(value)

    @property
    def history(self) -> History | None:
        """The ``History`` of the last ``fit`` (None before)."""
        return self.state.history

    @property
    def trainable_weights(self) -> list[Tensor]:
        """All trainable weights, layer by layer (the order optimizers keep state in)."""
        return [w for layer in self.layers for w in layer.weights]

    @property
    def last_layer(self) -> Any:
        return self.layers[-1] if self.layers else None

    def init_stream(self, seed: int | None) -> np.random.Generator:
        """Seed the initialization stream (called by ``build``) and return it."""
        rng = streams(seed)[INIT]
        self.state.rngs["init"], self.state.init_seed = rng, seed
        return rng

    def seed_streams(self, seed: int | None) -> None:
        """Seed the shuffling and dropout streams from ``seed`` (fresh when None); every
        layer draws its dropout masks from the dropout stream."""
        rngs = streams(seed)
        self.state.rngs["shuffle"], self.state.rngs["dropout"] = rngs[SHUFFLE], rngs[DROPOUT]
        self._wire_dropout()

    def _wire_dropout(self) -> None:
        rng = self.state.rngs["dropout"]
        if rng is not None:
            for layer in self.layers:
                layer.rng = rng

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
        compiled = Compiled(optimizers_mod.get(optimizer), losses_mod.get(loss))
        for m in metrics or []:
            fn = metrics_mod.get(m)
            name = m if isinstance(m, str) else getattr(m, "__name__", "metric")
            compiled.metric_names.append("accuracy" if name == "acc" else name)
            compiled.metric_fns.append(fn)
        self.compiled = compiled
        message = fusion.convention_warning(self.last_layer, compiled.loss)
        if message:
            warnings.warn(message, UserWarning, stacklevel=2)  # points at the caller

    def _require_compiled(self, where: str) -> Compiled:
        if self.compiled is None:
            raise RuntimeError(
                f"Sequential.{where}: compile the model first, e.g. model.compile("
                "optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])"
            )
        threads.configure()
        return self.compiled

    # ------------------------------------------------------------------ one batch
    def _loss_and_probs(self, y: Any, x: np.ndarray, training: bool) -> tuple[Tensor, Any]:
        assert self.compiled is not None
        return fusion.loss_and_probs(
            self.forward, self.last_layer, self.compiled.loss, y, Tensor(x), training
        )

    def _step(self, xb: np.ndarray, yb: np.ndarray, params: list[Tensor]) -> tuple[float, Any]:
        """One gradient step on a batch: ``(loss value, outputs for the metrics)``."""
        opt = self.compiled.optimizer  # type: ignore[union-attr]
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported
            loss, probs = self._loss_and_probs(yb, xb, True)
            opt.zero_grad(params)
            loss.backward()
            opt.step(params)
        return loss.item(), probs

    def _batch_logs(self, value: float, yb: Any, probs: Any) -> dict[str, float]:
        c = self.compiled
        assert c is not None
        logs = {"loss": float(value)}
        for name, fn in zip(c.metric_names, c.metric_fns, strict=True):
            logs[name] = float(fn(yb, probs))
        return logs

    def train_on_batch(self, x: Any, y: Any) -> dict[str, float]:
        """One gradient step on ``(x, y)`` as one batch; the batch's ``{"loss", metrics}``.

        Dropout draws from the dropout stream (seeded from the model's seed if no ``fit``
        seeded it yet).

        Raises:
            RuntimeError: not compiled.  ValueError: as in :meth:`fit`.
        """
        self._require_compiled("train_on_batch")
        x, y = checks.check_batch(self, "train_on_batch", x, y)
        if self.state.rngs["dropout"] is None:
            self.seed_streams(self.seed)
        value, probs = self._step(x, y, self.trainable_weights)
        return self._batch_logs(value, y, probs)

    def test_on_batch(self, x: Any, y: Any) -> dict[str, float]:
        """The loss and metrics on ``(x, y)`` as one batch, without a graph or an update.

        Raises:
            RuntimeError: not compiled.  ValueError: as in :meth:`fit`.
        """
        self._require_compiled("test_on_batch")
        x, y = checks.check_batch(self, "test_on_batch", x, y)
        with no_grad():
            loss, probs = self._loss_and_probs(y, x, False)
        return self._batch_logs(loss.item(), y, probs)

    # ------------------------------------------------------------------ snapshot / restore
    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights, in ``trainable_weights`` order."""
        return [w.data.copy() for w in self.trainable_weights]

    def set_weights(self, arrays: list[np.ndarray], where: str = "set_weights") -> None:
        """Copy ``arrays`` into the weights (``trainable_weights`` order, same shapes).

        Raises:
            ValueError: a different number of arrays or a shape that differs.
        """
        weights = self.trainable_weights
        if len(arrays) != len(weights):
            raise ValueError(
                f"{where}: expected {len(weights)} arrays (one per weight), got {len(arrays)}"
            )
        for w, a in zip(weights, arrays, strict=True):
            a = np.asarray(a)
            if a.shape != w.shape:
                raise ValueError(
                    f"{where}: expected weight {w.name} of shape {w.shape}, got {a.shape}"
                )
            w.data[...] = a

    def get_training_state(self) -> dict[str, Any]:
        """A deep copy of everything training changes: ``weights``, ``optimizer`` (slots,
        ``iterations``, ``learning_rate``; None when not compiled), ``rngs`` (the states of
        the init/shuffle/dropout streams), ``epoch`` and ``history``.

        ``set_training_state(state)`` later puts the model back exactly: training on from
        there gives the same numbers bit for bit. (When no ``fit`` or ``train_on_batch`` has
        seeded the shuffling and dropout streams yet, this seeds them from the model's seed
        first, so that the snapshot holds every stream that training will draw from.)
        """
        if self.state.rngs["dropout"] is None:
            self.seed_streams(self.seed)
        opt = self.optimizer
        opt_state = None
        if opt is not None:
            arrays = opt.state_dict() if opt.built else {}
            opt_state = {
                "arrays": {k: np.array(v, copy=True) for k, v in arrays.items()},
                "iterations": opt.iterations,
                "learning_rate": opt.learning_rate,
            }
        rngs = {k: (g.bit_generator.state if g is not None else None)
                for k, g in self.state.rngs.items()}
        history = self.state.history.history if self.state.history else {}
        return {
            "weights": self.get_weights(),
            "optimizer": opt_state,
            "rngs": rngs,
            "epoch": self.state.epoch,
            "history": {k: list(v) for k, v in history.items()},
        }

    def set_training_state(self, state: dict[str, Any]) -> None:
        """Restore a state from :meth:`get_training_state` (keys left out stay as they are;
        the arrays are copied, so ``state`` can be restored again).

        Raises:
            ValueError: weights or optimizer state of another model.
        """
        where = "set_training_state"
        if "weights" in state:
            self.set_weights(state["weights"], where)
        opt_state = state.get("optimizer")
        if opt_state is not None and self.optimizer is not None:
            opt = self.optimizer
            if opt_state["arrays"]:
                opt.load_state_dict(opt_state["arrays"], self.trainable_weights)
            else:
                opt.reset()
            opt.iterations = int(opt_state["iterations"])
            opt.learning_rate = opt_state["learning_rate"]
        for key, value in (state.get("rngs") or {}).items():
            if value is None:
                continue
            if self.state.rngs.get(key) is None:
                self.state.rngs[key] = np.random.default_rng()
            self.state.rngs[key].bit_generator.state = value  # type: ignore[union-attr]
        self._wire_dropout()
        if "epoch" in state:
            self.state.epoch = int(state["epoch"])
        if "history" in state:
            if self.state.history is None:
                self.state.history = History()
            hist = self.state.history
            hist.history = {k: list(v) for k, v in state["history"].items()}
            hist.epoch = list(range(len(hist.history.get("loss", []))))

    def save_checkpoint(self, path: str) -> None:
        """Write weights, optimizer state, completed epochs, random states and history to
        ``path`` (atomically; ``fit(checkpoint=path)`` resumes from it)."""
        from .saving import save_model

        rngs = self.state.rngs
        save_model(
            self,
            path,
            include_optimizer=True,
            training_state={
                "epoch": self.state.epoch,
                "shuffle_rng": rngs["shuffle"].bit_generator.state if rngs["shuffle"] else None,
                "dropout_rng": rngs["dropout"].bit_generator.state if rngs["dropout"] else None,
                "history": self.state.history.history if self.state.history else {},
            },
        )

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
            seed: seeds the shuffling and dropout streams of THIS fit (None: the model's
                seed). Weights are drawn when the model is built, from the model's seed
                (``Sequential(seed=)``) or ``build(seed=)``; only when the model is not
                built yet does ``fit`` build it, from this seed. Existing weights are never
                redrawn. Same seeds, same data: the same run bit for bit.
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
        x, y = checks.check_data(self, "fit", x, y)
        validation = None
        if validation_data is not None:
            validation = checks.check_data(self, "fit (validation_data)", *validation_data)
        self.seed_streams(self.seed if seed is None else seed)
        history = History()
        self.state.history = history
        if checkpoint is not None:
            from .saving import resume

            initial_epoch = resume(self, checkpoint, initial_epoch)
        cbs: list[Callback] = [history, *callbacks]
        if verbose:
            cbs.append(ProgbarLogger(verbose, -(-len(x) // batch_size), epochs))
        self._run_epochs(x, y, range(initial_epoch, epochs), batch_size, shuffle, validation,
                         cbs, checkpoint)
        return history

    def _run_epochs(
        self, x: np.ndarray, y: np.ndarray, epochs: range, batch_size: int, shuffle: bool,
        validation: tuple[np.ndarray, np.ndarray] | None, cbs: list[Callback],
        checkpoint: str | None,
    ) -> None:
        for cb in cbs:
            cb.set_model(self)
        self.state.stop_training = False
        for cb in cbs:
            cb.on_train_begin()
        for epoch in epochs:
            for cb in cbs:
                cb.on_epoch_begin(epoch)
            logs = self._run_epoch(x, y, batch_size, shuffle, cbs, epoch)
            if validation is not None:
                val = self._evaluate_arrays(*validation, batch_size)
                logs.update({f"val_{k}": v for k, v in val.items()})
            self.state.epoch = epoch + 1
            for cb in cbs:
                cb.on_epoch_end(epoch, logs)
            if checkpoint is not None:
                self.save_checkpoint(checkpoint)
            if self.state.stop_training:
                break
        for cb in cbs:
            cb.on_train_end()

    def _run_epoch(
        self, x: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool,
        cbs: list[Callback], epoch: int,
    ) -> dict[str, float]:
        c = self.compiled
        assert c is not None
        names = ["loss", *c.metric_names]
        params = self.trainable_weights
        order = self.state.rngs["shuffle"].permutation(len(x)) if shuffle else None  # type: ignore[union-attr]
        totals = [0.0] * len(names)  # sample-weighted sums of the batch values
        seen = 0
        logs: dict[str, float] = {}
        for b, idx in enumerate(_batches(len(x), batch_size, order)):
            xb, yb = x[idx], y[idx]
            value, probs = self._step(xb, yb, params)
            m = len(xb)
            seen += m
            if not math.isfinite(value):
                _warn_non_finite(value, c.optimizer.learning_rate, epoch, b, xb)
                self.state.stop_training = True
            totals[0] += value * m
            for j, fn in enumerate(c.metric_fns, 1):
                totals[j] += float(fn(yb, probs)) * m
            logs = {name: total / seen for name, total in zip(names, totals, strict=True)}
            for cb in cbs:
                cb.on_batch_end(b, logs)
            if self.state.stop_training:
                break
        return logs

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
        logs = self._evaluate_arrays(x, y, batch_size)
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()), flush=True)
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def _evaluate_arrays(self, x: np.ndarray, y: np.ndarray, batch_size: int) -> dict[str, float]:
        """``{"loss": ..., <metric>: ...}``: sample-weighted means over the batches, no graph."""
        c = self.compiled
        assert c is not None
        totals = np.zeros(1 + len(c.metric_fns))
        with no_grad():
            for idx in _batches(len(x), batch_size, None):
                xb, yb = x[idx], y[idx]
                loss, probs = self._loss_and_probs(yb, xb, False)
                totals[0] += loss.item() * len(xb)
                for j, fn in enumerate(c.metric_fns):
                    totals[1 + j] += fn(yb, probs) * len(xb)
        return dict(zip(["loss", *c.metric_names], (totals / len(x)).tolist(), strict=True))

    def predict(self, x: Any, batch_size: int = 32, verbose: int = 0) -> np.ndarray:
        """The model's outputs for ``x`` (float32 array (N, *output_shape[1:])), batch by batch,
        without a graph.

        Raises:
            ValueError: NaN/inf, or a sample shape the model was not built for.
        """
        threads.configure()
        checks.check_count("predict", "batch_size", batch_size, 1)
        x = checks.as_float32("predict", "x", x)
        checks.check_input_shape(self, "predict", x)
        out: np.ndarray | None = None
        with no_grad():
            for idx in _batches(len(x), batch_size, None):
                yb = self.forward(Tensor(x[idx]), False).data
                if out is None:
                    out = np.empty((len(x), *yb.shape[1:]), dtype=yb.dtype)
                out[idx] = yb
        if verbose:
            print(f"predict: {len(x)} samples", flush=True)
        return out if out is not None else np.empty((0, *self.output_shape[1:]), np.float32)
