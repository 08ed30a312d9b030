"""Optional compiled kernels (numba) for the element-wise parts of the convolution ops.

Only imported when compiled kernels are switched on (:mod:`nnmath.ops.accel`); the pure-NumPy
code in :mod:`nnmath.ops.conv` and :mod:`nnmath.ops.conv_pool` is the default and the
reference these kernels are tested against. Each kernel computes exactly what its NumPy
counterpart computes, in one pass over memory instead of several, on all the threads nnmath
may use (``prange`` over the batch): that is where the gain lies at two threads, where NumPy's
element-wise passes run on one core while BLAS runs on two.

Every kernel loops over samples in parallel and over pixels inside: it is compiled machine
code, so these loops are the vectorized form (rule "no Python loops over samples or pixels"
is about interpreted loops).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

__all__ = ["col2im_gather", "im2col_rows", "pool_backward", "pool_forward", "set_threads"]

# OpenMP first: with waiting threads asleep (see ops/accel.py) it measured fastest here.
numba.config.THREADING_LAYER_PRIORITY = ["omp", "tbb", "workqueue"]

_OPTIONS = {"parallel": True, "cache": True, "nogil": True, "fastmath": False}


_threads = numba.config.NUMBA_NUM_THREADS  # the count set_threads chose


def set_threads(n: int) -> None:
    """Use ``n`` threads (at most numba's thread pool size) for the kernels."""
    global _threads
    _threads = max(1, min(int(n), numba.config.NUMBA_NUM_THREADS))
    numba.set_num_threads(_threads)


def _follow_threads() -> None:
    """numba keeps its thread count per Python thread: a kernel called from another thread
    than :func:`set_threads` (a Dask worker's task thread, a GUI's) would run on all cores.
    Apply the chosen count in the calling thread too (about 1 us per call)."""
    if numba.get_num_threads() != _threads:
        numba.set_num_threads(_threads)


@njit(**_OPTIONS)
def _pool_forward(conv, bias, y, code):  # pragma: no cover - compiled
    m2, c_out = y.shape
    for r in prange(m2):
        for c in range(c_out):
            v0, v1, v2, v3 = conv[0, r, c], conv[1, r, c], conv[2, r, c], conv[3, r, c]
            # np.maximum keeps a NaN from either side; the codes are strict comparisons
            top = v0 if (v0 >= v1 or v0 != v0) else v1
            low = v2 if (v2 >= v3 or v2 != v2) else v3
            kt = 1 if v1 > v0 else 0
            kl = 3 if v3 > v2 else 2
            m = top if (top >= low or top != top) else low
            code[r, c] = kl if low > top else kt
            y[r, c] = m + bias[c]  # rounded to y's dtype, as NumPy's ``y += bias``
            s = y[r, c]
            # np.maximum(s, 0): NaN stays, and -0.0 becomes +0.0 (NumPy returns the 0)
            y[r, c] = s if (s > 0 or s != s) else 0


def pool_forward(conv: np.ndarray, bias: np.ndarray, y: np.ndarray, code: np.ndarray) -> None:
    """``y = max(max_k conv[k] + bias, 0)`` and ``code`` = the first (row-major) arg-max.

    ``conv`` (4, M2, C): the conv output's four window offsets ``(0,0), (0,1), (1,0), (1,1)``;
    ``bias`` (C,) of any float dtype (the sum is rounded to ``y``'s dtype, as NumPy rounds
    it); ``y`` (M2, C) and ``code`` (M2, C) uint8 are written. Same values and same tie
    rule as the NumPy path of :class:`~nnmath.ops.conv_pool.Conv2DReluMaxPoolOp`.
    """
    _follow_threads()
    _pool_forward(conv, bias, y, code)


@njit(**_OPTIONS)
def _pool_backward(g, y, code, gm, big):  # pragma: no cover - compiled
    m2, c_out = y.shape
    for r in prange(m2):
        for c in range(c_out):
            gv = g[r, c] * (1.0 if y[r, c] > 0 else 0.0)
            gm[r, c] = gv
            k = code[r, c]
            big[0, r, c] = gv * (1.0 if k == 0 else 0.0)
            big[1, r, c] = gv * (1.0 if k == 1 else 0.0)
            big[2, r, c] = gv * (1.0 if k == 2 else 0.0)
            big[3, r, c] = gv * (1.0 if k == 3 else 0.0)


def pool_backward(
    g: np.ndarray, y: np.ndarray, code: np.ndarray, gm: np.ndarray, big: np.ndarray
) -> None:
    """``gm = g * [y > 0]`` (through the ReLU) and ``big[k] = gm * [code == k]`` (the pooling).

    Shapes: ``g, y, code, gm`` (M2, C); ``big`` (4, M2, C). ``gm`` and ``big`` are written.
    """
    _follow_threads()
    _pool_backward(g, y, code, gm, big)


@njit(**_OPTIONS)
def _im2col_rows(xp, cols, sh, sw, kh, kw, h_o, w_o, bh, bw):  # pragma: no cover
    # xp (n, H_p, W_p * C): each kernel row p reads KW * C contiguous values
    n = xp.shape[0]
    run = cols.shape[1] // kh
    c_in = run // kw
    for t in prange(bh * bw * n):
        a = t // (bw * n)
        b = (t // n) % bw
        s = t % n
        base = t * h_o * w_o
        for i in range(h_o):
            r0 = (bh * i + a) * sh
            for j in range(w_o):
                c0 = (bw * j + b) * sw * c_in
                row = base + i * w_o + j
                for p in range(kh):
                    for u in range(run):
                        cols[row, p * run + u] = xp[s, r0 + p, c0 + u]


def im2col_rows(
    xp: np.ndarray,
    cols: np.ndarray,
    strides: tuple[int, int],
    window: tuple[int, int],
    out_hw: tuple[int, int],
    blocks: tuple[int, int],
) -> None:
    """Fill ``cols`` (B_h*B_w*N*H_o*W_o, KH*KW*C) with the receptive fields of the padded
    input ``xp`` (N, H_p, W_p, C); rows in ``(a, b, n, i, j)`` order as :func:`~nnmath.ops.conv.
    col2im` describes them, columns in ``(p, q, c)`` order."""
    _follow_threads()
    (sh, sw), (kh, kw), (h_o, w_o), (bh, bw) = strides, window, out_hw, blocks
    n, h_p, w_p, c = xp.shape
    flat = np.ascontiguousarray(xp).reshape(n, h_p, w_p * c)
    _im2col_rows(flat, cols, sh, sw, kh, kw, h_o, w_o, bh, bw)


@njit(**_OPTIONS)
def _col2im_gather(dcols, gx, top, left, sh, sw, h_o, w_o, bh, bw):  # pragma: no cover
    # dcols (bh, bw, n, h_o, w_o, kh, kw, c); gx (n, h, w, c): unpadded input gradient
    n, h, w, c_in = gx.shape
    kh, kw = dcols.shape[5], dcols.shape[6]
    for s in prange(n):
        for r in range(h):
            rp = r + top  # row in the padded input
            for col in range(w):
                cp = col + left
                for c in range(c_in):
                    gx[s, r, col, c] = 0.0
                for p in range(kh):
                    t = rp - p
                    if t < 0 or t % sh != 0:
                        continue
                    u = t // sh  # conv output row
                    a, i = u % bh, u // bh
                    if i >= h_o:
                        continue
                    for q in range(kw):
                        v = cp - q
                        if v < 0 or v % sw != 0:
                            continue
                        z = v // sw
                        b, j = z % bw, z // bw
                        if j >= w_o:
                            continue
                        for c in range(c_in):
                            gx[s, r, col, c] += dcols[a, b, s, i, j, p, q, c]


def col2im_gather(
    dcols: np.ndarray,
    gx: np.ndarray,
    pads: tuple[int, int, int, int],
    strides: tuple[int, int],
    out_hw: tuple[int, int],
    blocks: tuple[int, int],
) -> None:
    """``gx`` (N, H, W, C) = every receptive field's gradient ``dcols`` (B_h, B_w, N, H_o,
    W_o, KH, KW, C) summed back where it was read, padding dropped. A gather: each input
    position adds its at most KH*KW contributions in ``(p, q)`` order, as the NumPy scatter
    does, and is written once."""
    _follow_threads()
    (sh, sw), (h_o, w_o), (bh, bw) = strides, out_hw, blocks
    _col2im_gather(dcols, gx, pads[0], pads[2], sh, sw, h_o, w_o, bh, bw)
