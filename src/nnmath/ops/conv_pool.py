"""Convolution, ReLU and 2x2 max pooling as ONE primitive (a measured speed gain).

``y = maxpool_2x2(relu(conv2d(x, W) + b))`` computed as ``relu(maxpool_2x2(conv2d(x, W)) + b)``:
the bias is one constant per channel and both ``t -> t + b`` and ReLU are non-decreasing, so
they commute with the maximum (exactly, also in floating point: rounding is monotonic).
The bias add and the ReLU then run on a quarter of the values, and the convolution outputs
that no pooling window reads (the last row/column when the conv output size is odd) are never
computed at all.

The im2col rows are ordered ``(a, b, n, i, j)``: window offset ``(a, b)`` of pooled position
``(i, j)``, i.e. conv output ``(2i + a, 2j + b)``. The GEMM output is then four contiguous
blocks, one per window offset, and the pooling is three element-wise maxima of contiguous
blocks instead of strided views; backward writes the pooled gradient into four contiguous
blocks in the same way.

With compiled kernels switched on (:mod:`nnmath.ops.accel`), the im2col copy, the pooling
(maxima, bias, ReLU and a one-byte arg-max code) and its backward each run as one numba pass
on all threads; the GEMMs are the same. Same values as the NumPy passes (tested).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd import Function, is_grad_enabled
from ..geometry import Padding, Pair
from . import workspace
from .accel import compiled
from .conv import col2im, conv_setup, im2col, pad_input

__all__ = ["Conv2DReluMaxPoolOp"]


class Conv2DReluMaxPoolOp(Function):
    """y = maxpool_2x2(relu(conv2d(x, W) + b)), "valid" 2x2 pooling with stride 2.

    With ``c = conv2d(x, W)`` (cross-correlation, strides and padding as :class:`Conv2DOp`)
    and ``m[n, i, j, o] = max_{a, b in {0, 1}} c[n, 2i + a, 2j + b, o]``::

        y = max(m + b, 0)

    Backward: ``g_m = g * [y > 0]`` (the ReLU), ``dL/db = sum of g_m``, ``g_m`` goes to the
    first (row-major) offset ``(a, b)`` where the window attains its maximum (the pooling),
    giving ``G`` of the conv output's shape; then the convolution's products
    ``dL/dW = X_col^T @ G`` and ``dL/dx = col2im(G @ W_col^T)``.

    Equal to ``MaxPool2DOp(ReLU(Conv2DOp(x, W, b)))`` in value; the gradient also agrees except
    where two window elements tie after adding the bias but not before (the bias is added
    after the maximum here), where the gradient may go to a different one of the tied
    elements. Promoted for a measured speed gain (DESIGN rule 4): see the README's
    benchmark section.

    Shape:
        x (N, H, W, C_in), kernel (KH, KW, C_in, C_out), bias (C_out,) ->
        (N, H_conv // 2, W_conv // 2, C_out) with ``H_conv`` the conv output height.

    Raises:
        ValueError: as :class:`Conv2DOp`, and a conv output smaller than one 2x2 window.
    """

    def forward(
        self,
        x: np.ndarray,
        kernel: np.ndarray,
        bias: np.ndarray | None = None,
        *,
        strides: Pair = 1,
        padding: Padding = "valid",
    ) -> np.ndarray:
        where = "conv2d_relu_maxpool"
        (kh, kw, c_in, c_out), (sh, sw), pads, (h_conv, w_conv) = conv_setup(
            x, kernel, bias, strides, padding, where
        )
        n = x.shape[0]
        h2, w2 = h_conv // 2, w_conv // 2  # pooled output size
        if h2 < 1 or w2 < 1:
            raise ValueError(
                f"{where}: the convolution output ({h_conv}x{w_conv}, input shape {x.shape}, "
                f"kernel {kernel.shape}) is smaller than the 2x2 pooling window; use a larger "
                "input or padding='same'"
            )
        xp = pad_input(x, pads)
        # Receptive field of window offset (a, b), sample n, pooled position (i, j), kernel
        # offset (p, q), channel c: xp[n, (2i + a) s_h + p, (2j + b) s_w + q, c].
        s_n, s_h, s_w, s_c = xp.strides
        shape = (2, 2, n, h2, w2, kh, kw, c_in)
        st = (s_h * sh, s_w * sw, s_n, 2 * s_h * sh, 2 * s_w * sw, s_h, s_w, s_c)
        windows = as_strided(xp, shape=shape, strides=st, writeable=False)
        m2, k = n * h2 * w2, kh * kw * c_in  # pooled rows, GEMM inner size
        kernels = compiled(xp, kernel, bias)  # numba when switched on (ops/accel.py), else None
        if kernels is not None and c_in > 2:
            cols, cols_t = workspace.take((4 * m2, k), windows.dtype), None
            kernels.im2col_rows(xp, cols, (sh, sw), (kh, kw), (h2, w2), (2, 2))
        else:
            cols, cols_t = im2col(windows)  # (4*M2, K); few channels: the (K, 4*M2) copy
        self.buffer = cols if cols_t is None else cols_t  # workspace array, see _release
        conv = workspace.take((4, m2, c_out), np.result_type(xp, kernel))  # blocks (a, b)
        np.matmul(cols, kernel.reshape(k, c_out), out=conv.reshape(4 * m2, c_out))
        recording = is_grad_enabled()
        self.codes = self.code = None
        self.kernels = kernels  # backward uses what forward used, whatever is switched on then
        if kernels is not None:  # one pass: maxima, bias, ReLU and the arg-max code
            y = np.empty((m2, c_out), conv.dtype)
            self.code = code = workspace.take((m2, c_out), np.uint8)
            b = bias if bias is not None else np.zeros(c_out, conv.dtype)
            kernels.pool_forward(conv, b, y, code)  # b in its own dtype: rounded as NumPy
            workspace.give(conv)
        else:
            y = self._pool_numpy(conv, bias, recording)
        self.y, self.cols, self.kernel, self.has_bias = y, cols, kernel, bias is not None
        self.transposed = cols_t is not None
        if not recording:  # no backward will run (no_grad): the scratch is free again
            self._release()
        self.x_shape, self.pads, self.strides_hw = x.shape, pads, (sh, sw)
        self.pooled_hw = (h2, w2)
        return y.reshape(n, h2, w2, c_out)

    def _pool_numpy(
        self, conv: np.ndarray, bias: np.ndarray | None, recording: bool
    ) -> np.ndarray:
        """``max(max_{a,b} conv[a, b] + bias, 0)`` in NumPy passes, and the arg-max codes
        when a backward will follow; ``conv`` goes back to the workspace."""
        m2, c_out = conv.shape[1:]
        v0, v1, v2, v3 = conv  # offsets (0,0), (0,1), (1,0), (1,1): contiguous (M2, C_out)
        y = np.maximum(v0, v1)  # (M2, C_out), the output: fresh
        lower = workspace.take((m2, c_out), conv.dtype)
        np.maximum(v2, v3, out=lower)
        if recording:
            # Where the first maximum sits: the lower row wins only if strictly larger, the
            # right column only if strictly larger (ties keep the first offset, row-major).
            self.codes = codes = workspace.take((3, m2, c_out), np.bool_)
            np.greater(lower, y, out=codes[0])
            np.greater(v1, v0, out=codes[1])
            np.greater(v3, v2, out=codes[2])
        np.maximum(y, lower, out=y)
        workspace.give(conv, lower)
        if bias is not None:
            y += bias
        np.maximum(y, 0, out=y)
        return y

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        c_out = self.kernel.shape[3]
        y = self.y
        big = workspace.take((4, *y.shape), y.dtype)  # dL/d conv output, blocks (a, b)
        hit = None
        if self.code is not None:  # the compiled kernels' one-pass form of the lines below
            gm = np.empty(y.shape, y.dtype)
            g2 = g.reshape(y.shape).astype(y.dtype, copy=False)
            self.kernels.pool_backward(g2, y, self.code, gm, big)
        else:
            gm = g.reshape(y.shape) * (y > 0)  # (M2, C_out): through the ReLU
            bottom, right_top, right_bottom = self.codes
            hit = workspace.take(y.shape, np.bool_)
            np.greater(right_top, bottom, out=hit)  # top & right_top
            np.multiply(gm, hit, out=big[1])
            np.less(right_top, ~bottom, out=hit)  # top & ~right_top
            np.multiply(gm, hit, out=big[0])
            np.greater(bottom, right_bottom, out=hit)  # bottom & ~right_bottom
            np.multiply(gm, hit, out=big[2])
            np.logical_and(bottom, right_bottom, out=hit)
            np.multiply(gm, hit, out=big[3])
        big2 = big.reshape(-1, c_out)  # (4*M2, C_out)
        gk = (self.buffer if self.transposed else self.cols.T) @ big2
        gk = gk.reshape(self.kernel.shape)
        gx = None
        needs = getattr(self, "needs_input_grad", (True,))
        if needs[0]:
            gx = self._input_grad(big2)
        workspace.give(hit, big)
        if not self.has_bias:
            return gx, gk
        gb = np.ones(gm.shape[0], dtype=gm.dtype) @ gm  # (C_out,)
        return gx, gk, gb

    def _input_grad(self, big2: np.ndarray) -> np.ndarray:
        """col2im with one block per window offset ``(a, b)`` (rows ``(a, b, n, i, j)``)."""
        return col2im(big2, self.kernel, self.x_shape, self.pads, self.strides_hw,
                      self.pooled_hw, blocks=(2, 2))

    def _release(self) -> None:
        """Hand the im2col buffer and the argmax codes back to the workspace, then free."""
        d = self.__dict__
        workspace.give(d.get("buffer"), d.get("codes"), d.get("code"))
        super()._release()
