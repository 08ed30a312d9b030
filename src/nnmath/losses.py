"""Losses as functions ``loss(y_true, y_pred) -> scalar Tensor`` and as Keras-style classes.

Every loss returns the MEAN over the batch (and over the elements of each sample for the
element-wise losses), which is Keras's default "sum over batch size" reduction.

Cross-entropies take ``from_logits``: with ``from_logits=True`` they use the fused, stable
primitives of :mod:`nnmath.ops.crossentropy` (softmax + cross-entropy, sigmoid + binary
cross-entropy); from probabilities they clip to ``[1e-7, 1 - 1e-7]`` as Keras does, so a
probability of exactly 0 or 1 never gives inf or NaN.

Example:
    >>> loss = SparseCategoricalCrossentropy(from_logits=True)
    >>> value = loss(np.array([2, 0]), logits)        # logits: Tensor (2, K)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .ops.crossentropy import (
    SigmoidBinaryCrossEntropy,
    SoftmaxCrossEntropy,
    sigmoid_array,
    softmax_array,
)
from .registry import resolve
from .tensor import Tensor, as_tensors

__all__ = [
    "LOSSES",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "Loss",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "SparseCategoricalCrossentropy",
    "binary_crossentropy",
    "categorical_crossentropy",
    "get",
    "mae",
    "mean_absolute_error",
    "mean_squared_error",
    "mse",
    "sparse_categorical_crossentropy",
]

EPSILON = 1e-7

#: Every loss class by name and alias, filled in when the class is defined
#: (``Loss.__init_subclass__``).
LOSSES: dict[str, type[Loss]] = {}


def _pred(y_pred: Any) -> Tensor:
    return y_pred if isinstance(y_pred, Tensor) else as_tensors((y_pred,))[0]


def _true(y_true: Any, dtype: Any) -> np.ndarray:
    y = y_true.data if isinstance(y_true, Tensor) else np.asarray(y_true)
    return y.astype(dtype, copy=False)


def _same_shape(where: str, y: np.ndarray, p: Tensor) -> np.ndarray:
    """y reshaped to p's shape when only a trailing axis of length 1 differs, else an error."""
    if y.shape == p.shape:
        return y
    if y.size == p.data.size and ((*y.shape, 1) == p.shape or y.shape == (*p.shape, 1)):
        return y.reshape(p.shape)
    raise ValueError(
        f"{where}: expected y_true of the same shape as y_pred {p.shape}, got {y.shape}"
    )


def _check_finite(where: str, p: Tensor) -> None:
    if not np.isfinite(p.data).all():
        raise ValueError(
            f"{where}: y_pred contains NaN or inf (shape {p.shape}); check the inputs for "
            "NaN/inf and lower the learning rate if training diverged"
        )


def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    """MSE = mean((y_pred - y_true)^2).  Shape: y_true and y_pred alike; output ()."""
    p = _pred(y_pred)
    y = _same_shape("mean_squared_error", _true(y_true, p.dtype), p)
    d = p - y
    return (d * d).mean()


def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    """MAE = mean(|y_pred - y_true|).  Shape: y_true and y_pred alike; output ()."""
    p = _pred(y_pred)
    y = _same_shape("mean_absolute_error", _true(y_true, p.dtype), p)
    return (p - y).abs().mean()


mse = mean_squared_error
mae = mean_absolute_error


def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False) -> Tensor:
    """BCE = mean(-y log p - (1 - y) log(1 - p)), p = y_pred or sigmoid(y_pred) from logits.

    Raises:
        ValueError: shapes differ, or labels outside [0, 1].
    """
    return _binary(y_true, y_pred, from_logits)


def _binary(
    y_true: Any, y_pred: Any, from_logits: bool, probs_out: np.ndarray | None = None
) -> Tensor:
    p = _pred(y_pred)
    y = _same_shape("binary_crossentropy", _true(y_true, p.dtype), p)
    if y.size and (y.min() < 0 or y.max() > 1):
        raise ValueError(
            f"binary_crossentropy: expected labels in [0, 1], got values in [{y.min()}, {y.max()}]"
            "; for several classes use sparse_categorical_crossentropy"
        )
    if from_logits:
        return SigmoidBinaryCrossEntropy.apply(p, target=y, probs_out=probs_out)
    pc = p.clip(EPSILON, 1.0 - EPSILON)
    return -(y * pc.log() + (1.0 - y) * (1.0 - pc).log()).mean()


def _check_probabilities(where: str, p: Tensor) -> None:
    d = p.data
    if d.size and (d.min() < 0 or d.max() > 1):
        raise ValueError(
            f"{where}: from_logits=False expects probabilities in [0, 1], got values in "
            f"[{d.min():.3g}, {d.max():.3g}]; these look like logits: pass from_logits=True"
        )


def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False) -> Tensor:
    """CE = (1/N) sum_i sum_k -y_ik log p_ik with one-hot (or soft) labels y.

    Raises:
        ValueError: integer class labels (use the sparse form), or shapes that differ.
    """
    return _categorical(y_true, y_pred, from_logits)


def _categorical(
    y_true: Any, y_pred: Any, from_logits: bool, probs_out: np.ndarray | None = None
) -> Tensor:
    p = _pred(y_pred)
    y = y_true.data if isinstance(y_true, Tensor) else np.asarray(y_true)
    if y.shape != p.shape:
        if y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1 and p.shape[-1] > 1):
            raise ValueError(
                f"categorical_crossentropy: expected one-hot labels of shape {p.shape}, got "
                f"integer labels of shape {y.shape}; use sparse_categorical_crossentropy "
                "(or one-hot encode the labels)"
            )
        raise ValueError(
            f"categorical_crossentropy: expected y_true of shape {p.shape}, got {y.shape}"
        )
    y = y.astype(p.dtype, copy=False)
    if from_logits:
        return SoftmaxCrossEntropy.apply(p, target=y, sparse=False, probs_out=probs_out)
    _check_probabilities("categorical_crossentropy", p)
    n = p.shape[0]
    return -(y * p.clip(EPSILON, 1.0 - EPSILON).log()).sum() * (1.0 / n)


def sparse_labels(where: str, y_true: Any, n_classes: int, n: int) -> np.ndarray:
    """Integer class labels ``(N,)`` checked against ``n_classes``.

    Raises:
        ValueError: one-hot labels, non-integer values, or labels outside [0, K).
    """
    y = y_true.data if isinstance(y_true, Tensor) else np.asarray(y_true)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or len(y) != n:
        hint = (
            "; these look like one-hot labels: use categorical_crossentropy or y.argmax(axis=1)"
            if y.ndim == 2 and y.shape[1] == n_classes
            else ""
        )
        raise ValueError(
            f"{where}: expected integer class labels of shape ({n},), got shape {y.shape}{hint}"
        )
    if not np.issubdtype(y.dtype, np.integer):
        if y.size and not np.array_equal(y, np.round(y)):
            raise ValueError(
                f"{where}: expected integer class labels, got non-integer values of dtype {y.dtype}"
            )
        y = y.astype(np.int64)
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(
            f"{where}: expected labels in [0, {n_classes}) for {n_classes} output classes, got "
            f"labels in [{y.min()}, {y.max()}]; give the last layer as many units as classes"
        )
    return y


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False) -> Tensor:
    """CE = (1/N) sum_i -log p_i,t_i with integer class labels t.

    Raises:
        ValueError: one-hot labels (use the categorical form), labels >= number of classes.
    """
    return _sparse(y_true, y_pred, from_logits)


def _sparse(
    y_true: Any, y_pred: Any, from_logits: bool, probs_out: np.ndarray | None = None
) -> Tensor:
    p = _pred(y_pred)
    if p.ndim != 2:
        raise ValueError(
            f"sparse_categorical_crossentropy: expected y_pred of shape (N, K), got {p.shape}"
        )
    t = sparse_labels("sparse_categorical_crossentropy", y_true, p.shape[1], p.shape[0])
    if from_logits:
        return SoftmaxCrossEntropy.apply(p, target=t, sparse=True, probs_out=probs_out)
    _check_probabilities("sparse_categorical_crossentropy", p)
    onehot = np.zeros(p.shape, dtype=p.dtype)
    onehot[np.arange(len(t)), t] = 1
    return -(onehot * p.clip(EPSILON, 1.0 - EPSILON).log()).sum() * (1.0 / p.shape[0])


class Loss:
    """Keras-style loss object: ``loss(y_true, y_pred) -> scalar Tensor``.

    ``fused_activation`` names the output activation ("softmax"/"sigmoid") that this loss can
    absorb: ``Sequential`` then feeds it the pre-activation through :meth:`from_logits_call`
    (stable and fast) while reporting the same value.
    """

    name = "loss"
    aliases: tuple[str, ...] = ()  # other names ``losses.get`` accepts ("mse", ...)
    fused_activation: str | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Register a subclass that declares its own ``name`` (and ``aliases``) in
        :data:`LOSSES`, so ``losses.get`` and model files find it."""
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            for key in (cls.name, *cls.__dict__.get("aliases", ())):
                LOSSES.setdefault(key.lower(), cls)

    def __init__(self, from_logits: bool = False) -> None:
        self.from_logits = bool(from_logits)

    def __call__(self, y_true: Any, y_pred: Any) -> Tensor:
        raise NotImplementedError

    def from_logits_call(self, y_true: Any, logits: Tensor) -> tuple[Tensor, np.ndarray]:
        """The loss of ``activation(logits)`` computed from the logits, and the probabilities
        (filled in by the fused op's forward, so they cost nothing extra)."""
        raise NotImplementedError(f"{type(self).__name__} has no fused form")

    def probabilities(self, y_pred: np.ndarray) -> np.ndarray:
        """What metrics should see for the model output ``y_pred``: the output itself, or
        the probabilities softmax/sigmoid(y_pred) when this loss takes logits."""
        return y_pred

    def get_config(self) -> dict[str, Any]:
        return {"from_logits": self.from_logits}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(from_logits={self.from_logits})"


class MeanSquaredError(Loss):
    """mean((y_pred - y_true)^2); see :func:`mean_squared_error`."""

    name = "mean_squared_error"
    aliases = ("mse",)

    def __init__(self) -> None:
        super().__init__(False)

    def __call__(self, y_true: Any, y_pred: Any) -> Tensor:
        return mean_squared_error(y_true, y_pred)

    def get_config(self) -> dict[str, Any]:
        return {}


class MeanAbsoluteError(MeanSquaredError):
    """mean(|y_pred - y_true|); see :func:`mean_absolute_error`."""

    name = "mean_absolute_error"
    aliases = ("mae",)

    def __call__(self, y_true: Any, y_pred: Any) -> Tensor:
        return mean_absolute_error(y_true, y_pred)


class BinaryCrossentropy(Loss):
    """Binary cross-entropy; see :func:`binary_crossentropy`. Fuses a final sigmoid."""

    name = "binary_crossentropy"

    @property
    def fused_activation(self) -> str | None:  # type: ignore[override]
        return None if self.from_logits else "sigmoid"

    def __call__(self, y_true: Any, y_pred: Any) -> Tensor:
        return binary_crossentropy(y_true, y_pred, from_logits=self.from_logits)

    def from_logits_call(self, y_true: Any, logits: Tensor) -> tuple[Tensor, np.ndarray]:
        probs = np.empty_like(logits.data)
        return _binary(y_true, logits, True, probs_out=probs), probs

    def probabilities(self, y_pred: np.ndarray) -> np.ndarray:
        return sigmoid_array(y_pred) if self.from_logits else y_pred


class CategoricalCrossentropy(Loss):
    """Categorical cross-entropy (one-hot labels); see :func:`categorical_crossentropy`."""

    name = "categorical_crossentropy"

    @property
    def fused_activation(self) -> str | None:  # type: ignore[override]
        return None if self.from_logits else "softmax"

    def __call__(self, y_true: Any, y_pred: Any) -> Tensor:
        return categorical_crossentropy(y_true, y_pred, from_logits=self.from_logits)

    def from_logits_call(self, y_true: Any, logits: Tensor) -> tuple[Tensor, np.ndarray]:
        probs = np.empty_like(logits.data)
        return _categorical(y_true, logits, True, probs_out=probs), probs

    def probabilities(self, y_pred: np.ndarray) -> np.ndarray:
        return softmax_array(y_pred) if self.from_logits else y_pred


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """Cross-entropy with integer labels; see :func:`sparse_categorical_crossentropy`."""

    name = "sparse_categorical_crossentropy"

    def __call__(self, y_true: Any, y_pred: Any) -> Tensor:
        return sparse_categorical_crossentropy(y_true, y_pred, from_logits=self.from_logits)

    def from_logits_call(self, y_true: Any, logits: Tensor) -> tuple[Tensor, np.ndarray]:
        probs = np.empty_like(logits.data)
        return _sparse(y_true, logits, True, probs_out=probs), probs


def get(identifier: str | Loss, **config: Any) -> Loss:
    """A loss object from a name ("mse", "sparse_categorical_crossentropy", ...) or instance.

    Raises:
        ValueError: unknown name (lists the known ones).
    """
    if isinstance(identifier, Loss):
        return identifier
    hint = " or a Loss instance such as SparseCategoricalCrossentropy(from_logits=True)"
    return resolve("losses.get", "loss", identifier, LOSSES, hint)(**config)
