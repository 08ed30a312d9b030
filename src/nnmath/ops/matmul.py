"""Matrix products: the general ``MatMul`` and the Dense layer's ``Affine`` (x @ W + b)."""

from __future__ import annotations

import numpy as np

from ..autograd import Function

__all__ = ["Affine", "MatMul"]


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


class Affine(Function):
    """Y = X @ W + b, optionally followed by ReLU: the Dense layer's primitive.

    Formula (``relu=True`` applies ``max(., 0)`` to the affine output ``Z``)::

        Z = X @ W + b,   Y = Z  or  Y = max(Z, 0)

    With ``G`` the upstream gradient and ``G_Z = G`` (or ``G * [Y > 0]`` with ReLU), the
    vector-Jacobian products are::

        dL/dX = G_Z @ W^T,   dL/dW = X^T @ G_Z,   dL/db = sum_n G_Z[n]

    A primitive for a measured speed gain (DESIGN rule 4), not a composite of MatMul, Add
    and ReLU: it skips dL/dX when X needs no gradient (a network's first layer: a third of
    an MNIST MLP's backward FLOPs), adds the bias and applies the ReLU in place on the fresh
    GEMM output (no broadcast-bias gradient, no second activation-sized array), and takes
    the ReLU mask from the saved output.

    Shape:
        X (N, D_in), W (D_in, D_out), b (D_out,) -> Y (N, D_out)

    Example:
        >>> Affine.apply(x, W, b, relu=True)     # = relu(x @ W + b), as Dense(..., "relu")
    """

    def forward(self, x: np.ndarray, w: np.ndarray, b: np.ndarray, *, relu: bool = False):
        self.x, self.w, self.relu = x, w, relu
        y = x @ w  # (N, D_out), fresh
        y += b
        if relu:
            np.maximum(y, 0, out=y)
            self.y = y
        return y

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        if self.relu:
            g = g * (self.y > 0)  # G_Z, a fresh array
        gx = g @ self.w.T if self.needs_input_grad[0] else None
        return gx, self.x.T @ g, g.sum(axis=0)
