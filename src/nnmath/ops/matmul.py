"""Matrix product, the engine's one GEMM primitive."""

from __future__ import annotations

import numpy as np

from ..autograd import Function


class MatMul(Function):
    """Y = A @ B  (NumPy matmul semantics, batched over leading axes).

    For 2-D operands: dL/dA = G @ B^T,  dL/dB = A^T @ G. 1-D operands are promoted to a
    row (A) or column (B) and squeezed back, as in NumPy; broadcast batch axes are summed
    by the engine's broadcasting rule.

    Raises:
        ValueError: the inner dimensions differ (names both shapes).
    """

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(
                f"matmul: operands must have at least 1 dimension, got shapes {a.shape} and "
                f"{b.shape}; use * for scalar multiplication"
            )
        ka = a.shape[-1]
        kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if ka != kb:
            raise ValueError(
                f"matmul: inner dimensions differ, got shapes {a.shape} @ {b.shape} "
                f"({ka} != {kb}); the last axis of the left operand must equal the "
                "second-to-last axis of the right one (transpose one of them?)"
            )
        self.a, self.b = a, b
        try:
            return a @ b
        except ValueError:
            raise ValueError(
                f"matmul: batch axes do not broadcast, got shapes {a.shape} @ {b.shape}; the "
                f"leading axes {a.shape[:-2]} and {b.shape[:-2]} must be equal or 1"
            ) from None

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        a, b = self.a, self.b
        a2 = a[None, :] if a.ndim == 1 else a  # (..., M, K)
        b2 = b[:, None] if b.ndim == 1 else b  # (..., K, N)
        g2 = g
        if b.ndim == 1:
            g2 = g2[..., None]  # restore the dropped N axis
        if a.ndim == 1:
            g2 = g2[..., None, :]  # restore the dropped M axis   (..., M, N)
        need_a, need_b = getattr(self, "needs_input_grad", (True, True))
        ga = gb = None
        if need_a:
            ga = g2 @ np.swapaxes(b2, -1, -2)  # (..., M, K)
            if a.ndim == 1:
                ga = ga[..., 0, :]
        if need_b:
            gb = np.swapaxes(a2, -1, -2) @ g2  # (..., K, N)
            if b.ndim == 1:
                gb = gb[..., 0]
        return ga, gb
