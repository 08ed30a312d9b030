"""2-D max and average pooling, channels-last, "valid" windows (Keras semantics).

Window ``(p, q)`` of output position ``(i, j)`` reads ``x[n, i*s_h + p, j*s_w + q, c]``;
``H_out = floor((H - PH) / s_h) + 1`` (rows and columns that do not fill a window are
dropped, as Keras does). Both ops loop over the PH*PW window offsets only: each offset is
one strided view of the whole batch, ``x[:, p::s_h, q::s_w, :]`` cut to the output size, so
the work is vectorized over samples, pixels and channels. This measured faster than a
reshape of non-overlapping windows followed by ``max(axis=(2, 4))`` (4.3 ms vs 8.3 ms for a
(128, 26, 26, 32) float32 batch, 1 thread) and handles overlapping windows too. Shapes and
argument checks come from :mod:`nnmath.geometry`.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..geometry import Pair, pool_geometry

__all__ = ["AvgPool2DOp", "MaxPool2DOp"]


def _offsets(pool: tuple[int, int], strides: tuple[int, int], out_hw: tuple[int, int]):
    """The index of the strided view read by each window offset, in row-major offset order."""
    (ph, pw), (sh, sw), (h_out, w_out) = pool, strides, out_hw
    for p in range(ph):
        rows = slice(p, p + sh * (h_out - 1) + 1, sh)
        for q in range(pw):
            yield (slice(None), rows, slice(q, q + sw * (w_out - 1) + 1, sw), slice(None))


class MaxPool2DOp(Function):
    """y[n, i, j, c] = max over the window of x.   Gradient to the first argmax of each window.

    ``dL/dx[n, i*s_h + p, j*s_w + q, c] += g[n, i, j, c]`` for the first offset ``(p, q)``
    (row-major) where the window attains its maximum; every other element gets 0. Ties
    (common after a ReLU: all-zero windows) therefore send the gradient to one element, as
    TensorFlow and PyTorch do, not split it.

    Shape:
        x (N, H, W, C) -> (N, H_out, W_out, C)
    """

    def forward(
        self, x: np.ndarray, *, pool_size: Pair = 2, strides: Pair | None = None
    ) -> np.ndarray:
        pool, st, out_hw = pool_geometry(x.shape, pool_size, strides, "max_pool2d")
        if pool == st == (2, 2):
            return self._forward_2x2(x, out_hw)
        views = iter(_offsets(pool, st, out_hw))
        first = x[next(views)]
        if pool == (1, 1):
            y = first.copy()
        else:
            y = np.maximum(first, x[next(views)])  # (N, H_out, W_out, C), fresh
        for index in views:
            np.maximum(y, x[index], out=y)
        self.x, self.y, self.geometry = x, y, (pool, st, out_hw)
        self.x_shape = x.shape
        return y

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        pool, st, (h_out, w_out) = self.geometry
        overlapping = st[0] < pool[0] or st[1] < pool[1]
        if st == pool:  # windows tile the input: only the dropped last rows/columns stay 0
            gx = np.empty(self.x_shape, dtype=g.dtype)
            gx[:, h_out * st[0] :, :, :] = 0
            gx[:, : h_out * st[0], w_out * st[1] :, :] = 0
        else:
            gx = np.zeros(self.x_shape, dtype=g.dtype)
        if pool == st == (2, 2):
            return (self._backward_2x2(g, gx),)
        x, y = self.x, self.y
        hit = np.empty(y.shape, dtype=bool)
        taken = None  # windows whose (first) maximum was already found
        n_offsets = pool[0] * pool[1]
        for k, index in enumerate(_offsets(pool, st, (h_out, w_out))):
            np.equal(x[index], y, out=hit)
            if taken is None:
                taken = hit.copy()
            else:
                np.greater(hit, taken, out=hit)  # hit and not taken
                if k < n_offsets - 1:
                    taken |= hit
            if overlapping:
                gx[index] += hit * g
            else:  # disjoint windows: each input element is written exactly once here
                np.multiply(hit, g, out=gx[index])
        return (gx,)

    def _forward_2x2(self, x: np.ndarray, out_hw: tuple[int, int]) -> np.ndarray:
        """2x2 windows, stride 2: a max tree that also records where each maximum sits.

        With ``v0, v1, v2, v3`` the window offsets (0,0), (0,1), (1,0), (1,1) as strided
        views: ``a = max(v0, v1)``, ``b = max(v2, v3)``, ``y = max(a, b)``; three boolean
        codes per output, ``bottom = b > a``, ``right_top = v1 > v0``, ``right_bottom = v3 > v2``
        (strict, so ties keep the first offset in row-major order) locate the first argmax.
        Backward then never reads ``x`` again. Measured against the generic compare-against-y
        path on one MNIST-convnet epoch (float32, 1 thread, shared machine, alternating runs):
        epoch medians 0.5-4.6 % faster in three A/B runs: a small gain, near the noise.
        """
        v0, v1, v2, v3 = (x[index] for index in _offsets((2, 2), (2, 2), out_hw))
        y = np.maximum(v0, v1)  # (N, H_out, W_out, C), fresh: a, then y
        b = np.maximum(v2, v3)
        self.codes = (np.greater(b, y), np.greater(v1, v0), np.greater(v3, v2))
        np.maximum(y, b, out=y)
        self.x, self.y, self.geometry = None, None, ((2, 2), (2, 2), out_hw)
        self.x_shape = x.shape
        return y

    def _backward_2x2(self, g: np.ndarray, gx: np.ndarray) -> np.ndarray:
        """g to the argmax located by :meth:`_forward_2x2`: one masked product per offset,
        ``g * (~bottom & ~right_top)`` to (0, 0), ..., ``g * (bottom & right_bottom)`` to
        (1, 1); every input element is written exactly once.
        """
        bottom, right_top, right_bottom = self.codes
        v0, v1, v2, v3 = (gx[index] for index in _offsets((2, 2), (2, 2), self.geometry[2]))
        top = ~bottom
        np.multiply(g, top & ~right_top, out=v0)
        np.multiply(g, top & right_top, out=v1)
        np.multiply(g, bottom & ~right_bottom, out=v2)
        np.multiply(g, bottom & right_bottom, out=v3)
        return gx


class AvgPool2DOp(Function):
    """y[n, i, j, c] = mean over the window of x.   dL/dx = g / (PH*PW) on every window element.

    Shape:
        x (N, H, W, C) -> (N, H_out, W_out, C)
    """

    def forward(
        self, x: np.ndarray, *, pool_size: Pair = 2, strides: Pair | None = None
    ) -> np.ndarray:
        pool, st, out_hw = pool_geometry(x.shape, pool_size, strides, "avg_pool2d")
        views = iter(_offsets(pool, st, out_hw))
        y = x[next(views)].astype(np.result_type(x.dtype, np.float32))  # (N, H_out, W_out, C)
        for index in views:
            y += x[index]
        y *= y.dtype.type(1.0 / (pool[0] * pool[1]))
        self.x_shape, self.geometry = x.shape, (pool, st, out_hw)
        return y

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        pool, st, out_hw = self.geometry
        share = g * g.dtype.type(1.0 / (pool[0] * pool[1]))
        gx = np.zeros(self.x_shape, dtype=g.dtype)
        for index in _offsets(pool, st, out_hw):
            gx[index] += share
        return (gx,)
