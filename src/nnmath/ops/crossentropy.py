"""Fused, numerically stable cross-entropies computed from logits (primitives for stability).

Composing ``softmax`` then ``log`` overflows for large logits and gives ``log 0 = -inf`` when
a probability underflows; the fused forms below work on the logits with the log-sum-exp
shift, so no input gives inf or NaN, and their backward is the simple closed form (one
subtraction), which is also faster than backpropagating through the composite.

Both ops compute the probabilities (softmax or sigmoid of the logits) for their backward
anyway; a caller that also wants them (for accuracy metrics) passes a ``probs_out`` buffer of
the logits' shape and dtype, which the forward fills, instead of computing them a second time.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from .elementwise import SigmoidOp

__all__ = [
    "SigmoidBinaryCrossEntropy",
    "SoftmaxCrossEntropy",
    "SoftmaxOp",
    "sigmoid_array",
    "softmax_array",
]


def _out(where: str, z: np.ndarray, out: np.ndarray | None) -> np.ndarray | None:
    if out is not None and (out.shape != z.shape or out.dtype != z.dtype):
        raise ValueError(
            f"{where}: expected probs_out of shape {z.shape} and dtype {z.dtype}, got shape "
            f"{out.shape} and dtype {out.dtype}; allocate it with np.empty_like(logits)"
        )
    return out


def softmax_array(z: np.ndarray, axis: int = -1, out: np.ndarray | None = None) -> np.ndarray:
    """softmax(z)_k = e^(z_k - max z) / sum_j e^(z_j - max z), on plain arrays (no graph).

    Writes into ``out`` when given (which may be ``z`` itself); ``z`` is otherwise untouched.
    """
    e = np.subtract(z, z.max(axis=axis, keepdims=True), out=_out("softmax_array", z, out))
    np.exp(e, out=e)
    e /= e.sum(axis=axis, keepdims=True)
    return e


class SoftmaxOp(Function):
    """y = softmax(x) along ``axis`` (:func:`softmax_array`).   dL/dx = y * (g - sum(g * y, axis)).

    The one softmax of the engine (``F.softmax``, the ``"softmax"`` activation); the
    closed-form VJP is one pass instead of backpropagating through exp, sum and division.
    """

    def forward(self, x: np.ndarray, axis: int | tuple[int, ...] | None = -1) -> np.ndarray:
        self.axis = axis
        self.y = softmax_array(x, axis=axis)
        return self.y

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        y = self.y
        return (y * (g - (g * y).sum(axis=self.axis, keepdims=True)),)


def sigmoid_array(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """sigmoid(z) = 1 / (1 + e^-z) on plain arrays, with the stable formula of the SigmoidOp op."""
    p = SigmoidOp().forward(z)
    if out is None:
        return p
    _out("sigmoid_array", z, out)[...] = p
    return out


class SoftmaxCrossEntropy(Function):
    """Mean softmax cross-entropy of logits ``z`` (N, K) against labels, from the logits.

    Formula, with ``m_i = max_k z_ik`` and ``lse_i = m_i + log sum_k e^(z_ik - m_i)``:

        L = (1/N) * sum_i ( lse_i - sum_k y_ik z_ik )      (y one-hot or soft labels)
        L = (1/N) * sum_i ( lse_i - z_i,t_i )               (sparse integer labels t)

    VJP: ``dL/dz = g * (softmax(z) * sum_k y_ik - y) / N`` (``y`` the one-hot of ``t`` when
    sparse, so ``sum_k y_ik = 1``). The labels are constants (no gradient).

    Args (forward): z logits; target labels; sparse: integer labels; probs_out: optional
    (N, K) buffer that receives softmax(z) (kept, unmodified, for the backward).

    Shape: z (N, K); target (N, K) float, or (N,) integers when ``sparse``; output ().
    """

    def forward(
        self,
        z: np.ndarray,
        target: np.ndarray,
        sparse: bool = False,
        probs_out: np.ndarray | None = None,
    ) -> np.ndarray:
        n = z.shape[0]
        out = _out("SoftmaxCrossEntropy", z, probs_out)
        shifted = np.subtract(z, z.max(axis=-1, keepdims=True), out=out)  # (N, K), max 0
        if sparse:
            label_term = shifted[np.arange(n), target].sum()  # sum_i (z_i,t_i - m_i)
            weights = None
        else:
            label_term = (target * shifted).sum()  # sum_ik y_ik (z_ik - m_i)
            weights = target.sum(axis=-1)  # (N,): 1 for one-hot rows
        e = np.exp(shifted, out=shifted)  # never overflows
        s = e.sum(axis=-1, keepdims=True)  # (N, 1), >= 1
        log_s = np.log(s)[:, 0]  # lse_i - m_i
        lse_term = log_s.sum() if sparse else (log_s * weights).sum()
        e /= s
        self.probs, self.target, self.sparse = e, target, sparse
        return np.asarray((lse_term - label_term) / n, dtype=z.dtype)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        p, t = self.probs, self.target
        n = p.shape[0]
        if self.sparse:
            gz = p.copy()
            gz[np.arange(n), t] -= 1.0
        else:
            gz = p * t.sum(axis=-1, keepdims=True) - t
        gz *= g / n
        return (gz,)


class SigmoidBinaryCrossEntropy(Function):
    """Mean binary cross-entropy of logits ``z`` against labels ``y`` in [0, 1], from logits.

    Formula (stable for any z: the exponential's argument is never positive):

        L = mean( max(z, 0) - z * y + log(1 + e^(-|z|)) )
          = mean( -y log sigmoid(z) - (1 - y) log(1 - sigmoid(z)) )

    VJP: ``dL/dz = g * (sigmoid(z) - y) / n`` with n the number of elements.

    Args (forward): z logits; target labels; probs_out: optional buffer of z's shape that
    receives sigmoid(z) (kept, unmodified, for the backward).

    Shape: z and y of the same shape (any); output ().
    """

    def forward(
        self, z: np.ndarray, target: np.ndarray, probs_out: np.ndarray | None = None
    ) -> np.ndarray:
        loss = np.maximum(z, 0) - z * target + np.log1p(np.exp(-np.abs(z)))
        self.probs = sigmoid_array(z, out=probs_out)
        self.target = target
        return np.asarray(loss.mean(), dtype=z.dtype)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        gz = self.probs - self.target
        gz *= g / gz.size
        return (gz.astype(self.probs.dtype, copy=False),)
