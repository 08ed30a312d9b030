"""Fused, numerically stable cross-entropies computed from logits (primitives for stability).

Composing ``softmax`` then ``log`` overflows for large logits and gives ``log 0 = -inf`` when
a probability underflows; the fused forms below work on the logits with the log-sum-exp
shift, so no input gives inf or NaN, and their backward is the simple closed form (one
subtraction), which is also faster than backpropagating through the composite.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function

__all__ = ["SigmoidBinaryCrossEntropy", "SoftmaxCrossEntropy", "softmax_array"]


def softmax_array(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """softmax(z)_k = e^(z_k - max z) / sum_j e^(z_j - max z), on plain arrays (no graph)."""
    e = z - z.max(axis=axis, keepdims=True)
    np.exp(e, out=e)
    e /= e.sum(axis=axis, keepdims=True)
    return e


class SoftmaxCrossEntropy(Function):
    """Mean softmax cross-entropy of logits ``z`` (N, K) against labels, from the logits.

    Formula, with ``m_i = max_k z_ik`` and ``lse_i = m_i + log sum_k e^(z_ik - m_i)``:

        L = (1/N) * sum_i ( lse_i - sum_k y_ik z_ik )      (y one-hot or soft labels)
        L = (1/N) * sum_i ( lse_i - z_i,t_i )               (sparse integer labels t)

    VJP: ``dL/dz = g * (softmax(z) - y) / N`` (``y`` the one-hot of ``t`` when sparse).
    The labels are constants (no gradient). ``forward`` keeps ``self.probs = softmax(z)`` so
    callers can compute metrics without a second softmax.

    Shape: z (N, K); target (N, K) float, or (N,) integers when ``sparse``; output ().
    """

    def forward(self, z: np.ndarray, target: np.ndarray, sparse: bool = False) -> np.ndarray:
        n = z.shape[0]
        shifted = z - z.max(axis=-1, keepdims=True)  # (N, K), max 0: exp never overflows
        e = np.exp(shifted)
        s = e.sum(axis=-1, keepdims=True)  # (N, 1), >= 1
        log_s = np.log(s)
        if sparse:
            picked = shifted[np.arange(n), target]  # (N,)
            loss = log_s.sum() - picked.sum()
        else:
            # sum_k y_ik * (lse_i - z_ik), also right for rows that do not sum to 1
            loss = (log_s[:, 0] * target.sum(axis=-1)).sum() - (target * shifted).sum()
        e /= s
        self.probs, self.target, self.sparse = e, target, sparse
        return np.asarray(loss / n, dtype=z.dtype)

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
    ``forward`` keeps ``self.probs = sigmoid(z)``.

    Shape: z and y of the same shape (any); output ().
    """

    def forward(self, z: np.ndarray, target: np.ndarray) -> np.ndarray:
        e = np.exp(-np.abs(z))  # in (0, 1]
        loss = np.maximum(z, 0) - z * target + np.log1p(e)
        self.probs = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)
        self.target = target
        return np.asarray(loss.mean(), dtype=z.dtype)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        gz = self.probs - self.target
        gz *= g / gz.size
        return (gz.astype(self.probs.dtype, copy=False),)
