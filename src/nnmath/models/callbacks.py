"""Training callbacks and the ``History`` record: EarlyStopping, ModelCheckpoint,
TerminateOnNaN and the Keras-style progress display ``ProgbarLogger``.

A callback receives ``on_train_begin(logs)``, ``on_epoch_begin(epoch)``,
``on_batch_end(batch, logs)``, ``on_epoch_end(epoch, logs)`` and ``on_train_end(logs)``;
``logs`` is a dict such as ``{"loss": 0.21, "accuracy": 0.94, "val_loss": 0.12}``. Setting
``model.stop_training = True`` ends ``fit`` after the current batch or epoch.
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any

__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "ModelCheckpoint",
    "ProgbarLogger",
    "TerminateOnNaN",
]

Logs = dict[str, float]


class Callback:
    """Base class: every hook does nothing; ``self.model`` is set by ``fit``."""

    model: Any = None

    def set_model(self, model: Any) -> None:
        self.model = model

    def on_train_begin(self, logs: Logs | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None: ...
    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None: ...
    def on_train_end(self, logs: Logs | None = None) -> None: ...


class History(Callback):
    """Per-epoch logs: ``history.history["loss"]`` is a list with one float per epoch.

    Attributes:
        history: dict of lists ("loss", metrics, "val_loss", "val_<metric>").
        epoch: the (0-based) epoch indices that ran.
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(float(v))


def _better(mode: str, monitor: str) -> str:
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"callbacks: expected mode 'auto', 'min' or 'max', got {mode!r}")
    if mode == "auto":
        return "max" if ("acc" in monitor or monitor.endswith("auc")) else "min"
    return mode


class EarlyStopping(Callback):
    """Stop training when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    Improvement means ``value < best - min_delta`` (mode "min") or ``value > best + min_delta``
    (mode "max"); "auto" picks "max" for accuracies, else "min".

    Args:
        monitor: a key of the epoch logs (default "val_loss").
        min_delta: smallest change that counts as an improvement.
        patience: epochs without improvement before stopping.
        mode: "auto", "min" or "max".
        restore_best_weights: put back the weights of the best epoch when stopping.

    Raises:
        KeyError: at the end of an epoch, ``monitor`` is not in the logs (lists the keys).

    Example:
        >>> model.fit(x, y, validation_split=0.1, callbacks=[EarlyStopping(patience=2)])
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        mode: str = "auto",
        restore_best_weights: bool = False,
    ) -> None:
        self.monitor, self.min_delta, self.patience = monitor, abs(float(min_delta)), int(patience)
        self.mode = _better(mode, monitor)
        self.restore_best_weights = restore_best_weights
        self.stopped_epoch: int | None = None

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.wait, self.best, self.best_weights = 0, None, None
        self.stopped_epoch = None

    def _improved(self, value: float) -> bool:
        if self.best is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        if self.monitor not in logs:
            raise KeyError(
                f"EarlyStopping: monitor {self.monitor!r} is not in the epoch logs {sorted(logs)}; "
                "pass validation data for val_* keys or choose one of those keys"
            )
        value = float(logs[self.monitor])
        if self._improved(value):
            self.best, self.wait = value, 0
            if self.restore_best_weights:
                self.best_weights = [w.data.copy() for w in self.model.weights]
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                for w, best in zip(self.model.weights, self.best_weights, strict=False):
                    w.data[...] = best


class ModelCheckpoint(Callback):
    """Save the model (weights, optimizer state, epoch) after epochs, atomically.

    Args:
        filepath: the file to write; may contain ``{epoch}`` and log keys, e.g.
            ``"ckpt-{epoch:02d}-{val_loss:.3f}.safetensors"``.
        monitor: the log key compared when ``save_best_only``.
        save_best_only: only write when ``monitor`` improved.
        mode: "auto", "min" or "max".

    The file is written to a temporary name then renamed, so an interruption never leaves
    a half-written checkpoint; resume with ``nnmath.load_model(path)`` and
    ``fit(..., initial_epoch=model.epoch)`` or simply ``fit(..., checkpoint=path)``.
    """

    def __init__(
        self,
        filepath: str,
        monitor: str = "val_loss",
        save_best_only: bool = False,
        mode: str = "auto",
    ) -> None:
        self.filepath, self.monitor, self.save_best_only = str(filepath), monitor, save_best_only
        self.mode = _better(mode, monitor)
        self.best: float | None = None

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        if self.save_best_only:
            value = logs.get(self.monitor)
            if value is None:
                raise KeyError(
                    f"ModelCheckpoint: monitor {self.monitor!r} is not in the epoch logs "
                    f"{sorted(logs)}; pass validation data or choose one of those keys"
                )
            better = self.best is None or (
                value < self.best if self.mode == "min" else value > self.best
            )
            if not better:
                return
            self.best = float(value)
        path = self.filepath.format(epoch=epoch + 1, **logs)
        self.model.save_checkpoint(path)  # the model's epoch count is epoch + 1 here


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch loss is NaN or infinite."""

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(
                f"TerminateOnNaN: batch {batch}: loss is {loss}; stopping training", file=sys.stderr
            )
            self.model.stop_training = True


def _fmt(logs: Logs) -> str:
    return " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())


class ProgbarLogger(Callback):
    """Keras-style progress: a live per-epoch bar on a terminal, one line per epoch otherwise.

    On a terminal (``verbose=1``) a tqdm bar ``Epoch 2/5 117/469 [======>.......] - 00:03 -
    loss: 0.2143 - accuracy: 0.9382`` is redrawn in place (at most every 0.1 s); at the end of
    the epoch it is replaced by the summary ``Epoch 2/5 - 469/469 - 7.9s - loss: ... -
    val_loss: ...``, which is all that is printed when stdout is not a terminal, with
    ``verbose=2``, or when tqdm (the ``data``/``all`` extras) is not installed.

    Args:
        verbose: 0 silent; 1 a live bar when stdout is a terminal (else one line per epoch);
            2 one line per epoch.
        steps: batches per epoch.
        epochs: total epochs.
    """

    REFRESH = 0.1  # seconds between redraws of the live bar
    BAR_FORMAT = "{desc} {n_fmt}/{total_fmt} [{bar:30}] - {elapsed} - {metrics}"

    def __init__(self, verbose: int, steps: int, epochs: int) -> None:
        self.verbose, self.steps, self.epochs = verbose, steps, epochs
        self._bar: Any = None
        self._epoch = self._done = 0
        self._start = 0.0

    def _live_bar(self) -> Any:
        """A tqdm bar for this epoch, or None (not a terminal, verbose != 1, no tqdm)."""
        if self.verbose != 1 or not sys.stdout.isatty():
            return None
        try:
            from tqdm import tqdm
        except ImportError:
            return None

        class KerasBar(tqdm):
            """tqdm with a ``{metrics}`` field (tqdm's own ``{postfix}`` starts with ', ')."""

            metrics = ""

            @property
            def format_dict(self) -> dict:
                return {**super().format_dict, "metrics": self.metrics}

        return KerasBar(
            total=self.steps, desc=f"Epoch {self._epoch_label()}", bar_format=self.BAR_FORMAT,
            ascii=" =", mininterval=self.REFRESH, leave=False, file=sys.stdout,
        )

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._start = time.perf_counter()
        self._epoch, self._done = epoch, 0
        self._bar = self._live_bar()

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self._done = batch + 1
        if self._bar is not None:
            self._bar.metrics = _fmt(logs or {})
            self._bar.update(1)

    def _epoch_label(self) -> str:
        return f"{self._epoch + 1}/{self.epochs}"

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        seconds = time.perf_counter() - self._start
        if self._bar is not None:
            self._bar.close()  # leave=False: the live bar disappears, the summary replaces it
            self._bar = None
        if self.verbose:
            print(
                f"Epoch {self._epoch_label()} - {self._done}/{self.steps} - {seconds:.1f}s"
                f" - {_fmt(logs or {})}",
                flush=True,
            )
