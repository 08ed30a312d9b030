"""The training and evaluation loops behind ``Sequential.fit``, ``evaluate`` and ``predict``.

One epoch of mini-batch gradient descent: shuffle the sample indices (the model's shuffle
generator), then for each batch ``forward -> loss -> backward -> optimizer step``; the epoch
logs are the sample-weighted means of the batch losses and metrics, as in Keras.

Randomness comes from three independent streams spawned from ONE seed with
``np.random.SeedSequence(seed).spawn(3)``: [0] weight initialization, [1] shuffling,
[2] dropout masks. The same seed therefore gives the same run bit for bit.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor
from .callbacks import Callback, History, ProgbarLogger

__all__ = ["DROPOUT", "INIT", "SHUFFLE", "evaluate_arrays", "predict_arrays", "run_fit", "streams"]

INIT, SHUFFLE, DROPOUT = 0, 1, 2  # indices of the spawned random streams


def streams(seed: int | None) -> list[np.random.Generator]:
    """The three generators (initialization, shuffling, dropout) of ``seed`` (fresh if None)."""
    children = np.random.SeedSequence(seed).spawn(3) if seed is not None else [None] * 3
    return [np.random.default_rng(c) for c in children]


def loss_and_probs(
    model: Any, yb: np.ndarray, xb: np.ndarray, training: bool
) -> tuple[Tensor, Any]:
    """The batch loss (a graph when training) and the output metrics should see.

    When the last layer ends with the activation the loss can absorb (softmax/sigmoid with
    a cross-entropy on probabilities), the PRE-activation goes to the fused, stable loss
    primitive: the same loss value, no log(0), and a backward of one subtraction.
    """
    loss_fn = model.loss
    if model._fused():
        return loss_fn.from_logits_call(yb, model._forward(Tensor(xb), training, logits=True))
    out = model._forward(Tensor(xb), training)
    return loss_fn(yb, out), loss_fn.probabilities(out.data)


def _batches(n: int, batch_size: int, order: np.ndarray | None) -> Any:
    for start in range(0, n, batch_size):
        idx = slice(start, start + batch_size)
        yield idx if order is None else order[idx]


def _stop_on_non_finite(model: Any, value: float, epoch: int, batch: int, x: np.ndarray) -> None:
    """A nan/inf loss: the weights are no longer finite, so say why and stop training."""
    lr = getattr(model.optimizer, "learning_rate", "?")
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
    model.stop_training = True


def _run_epoch(
    model: Any,
    x: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    shuffle: bool,
    cbs: list[Callback],
    epoch: int = 0,
) -> dict[str, float]:
    names = ["loss", *model.metric_names]
    params = model.weights
    order = model._shuffle_rng.permutation(len(x)) if shuffle else None
    totals = np.zeros(len(names))
    seen = 0
    logs: dict[str, float] = {}
    for b, idx in enumerate(_batches(len(x), batch_size, order)):
        xb, yb = x[idx], y[idx]
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported below
            loss, probs = loss_and_probs(model, yb, xb, training=True)
            model.optimizer.zero_grad(params)
            loss.backward()
            model.optimizer.step(params)
        model._pristine = False
        m = len(xb)
        seen += m
        value = loss.item()
        if not math.isfinite(value):
            _stop_on_non_finite(model, value, epoch, b, xb)
        totals[0] += value * m
        for j, fn in enumerate(model._metric_fns):
            totals[1 + j] += fn(yb, probs) * m
        logs = dict(zip(names, (totals / seen).tolist(), strict=True))
        for cb in cbs:
            cb.on_batch_end(b, logs)
        if model.stop_training:
            break
    return logs


def run_fit(
    model: Any,
    x: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    validation: tuple[np.ndarray, np.ndarray] | None,
    shuffle: bool,
    verbose: int,
    callbacks: list[Callback] | None,
    initial_epoch: int,
    checkpoint: str | None,
) -> History:
    """The epoch loop of ``Sequential.fit`` on checked arrays (see its docstring)."""
    history = History()
    if checkpoint is not None:
        from .saving import resume

        initial_epoch = resume(model, checkpoint, history, initial_epoch)
    for layer in model.layers:
        layer.rng = model._dropout_rng
    cbs: list[Callback] = [history, *(callbacks or [])]
    if verbose:
        cbs.append(ProgbarLogger(verbose, -(-len(x) // batch_size), epochs))
    for cb in cbs:
        cb.set_model(model)
    model.history, model.stop_training = history, False
    for cb in cbs:
        cb.on_train_begin()
    for epoch in range(initial_epoch, epochs):
        for cb in cbs:
            cb.on_epoch_begin(epoch)
        logs = _run_epoch(model, x, y, batch_size, shuffle, cbs, epoch)
        if validation is not None:
            val = evaluate_arrays(model, *validation, batch_size)
            logs.update({f"val_{k}": v for k, v in val.items()})
        model.epoch = epoch + 1
        for cb in cbs:
            cb.on_epoch_end(epoch, logs)
        if checkpoint is not None:
            model._save_checkpoint(checkpoint, epoch + 1)
        if model.stop_training:
            break
    for cb in cbs:
        cb.on_train_end()
    return history


def evaluate_arrays(model: Any, x: np.ndarray, y: np.ndarray, batch_size: int) -> dict[str, float]:
    """``{"loss": ..., <metric>: ...}``: sample-weighted means over the batches, no graph."""
    totals = np.zeros(1 + len(model._metric_fns))
    with no_grad():
        for idx in _batches(len(x), batch_size, None):
            xb, yb = x[idx], y[idx]
            loss, probs = loss_and_probs(model, yb, xb, training=False)
            totals[0] += loss.item() * len(xb)
            for j, fn in enumerate(model._metric_fns):
                totals[1 + j] += fn(yb, probs) * len(xb)
    return dict(zip(["loss", *model.metric_names], (totals / len(x)).tolist(), strict=True))


def predict_arrays(model: Any, x: np.ndarray, batch_size: int) -> np.ndarray:
    """The model's outputs for ``x``, batch by batch into one preallocated array, no graph."""
    out: np.ndarray | None = None
    with no_grad():
        for idx in _batches(len(x), batch_size, None):
            yb = model._forward(Tensor(x[idx]), training=False).data
            if out is None:
                out = np.empty((len(x), *yb.shape[1:]), dtype=yb.dtype)
            out[idx] = yb
    return out if out is not None else np.empty((0, *model.output_shape[1:]), np.float32)
