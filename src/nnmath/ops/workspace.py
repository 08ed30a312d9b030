"""Scratch arrays that ops reuse from batch to batch instead of allocating fresh ones.

Why: a fresh multi-megabyte array is usually a fresh mapping from the operating system, and
every page of it faults on first touch. On the MNIST convnet the fused conv-ReLU-pool spent
more time in those faults than in the arithmetic of its element-wise steps (a 2.7 MB
``np.maximum`` into a fresh array: 3.5 ms; into a reused one: 0.6 ms; float32, 1 thread).

The rule that keeps this safe: an op takes a scratch array with :func:`take` and hands it
back with :func:`give` only once nothing can read it again: arrays used inside one
``forward`` or ``backward`` call at its end, arrays saved for backward when the graph that
used them is freed (``Function._release``). Arrays an op returns (outputs, gradients) are
never scratch: the caller may keep them.

The pool keeps at most :data:`PER_SHAPE` arrays per (shape, dtype) and at most
:data:`MAX_BYTES` in total (the least recently given shapes are dropped first), so it stays
about the size of one training step's scratch.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

__all__ = ["MAX_BYTES", "PER_SHAPE", "clear", "give", "take"]

PER_SHAPE = 2
MAX_BYTES = 256 * 2**20

_free: OrderedDict[tuple[tuple[int, ...], str], list[np.ndarray]] = OrderedDict()
_bytes = 0


def take(shape: tuple[int, ...], dtype: np.dtype | type) -> np.ndarray:
    """An uninitialized C-contiguous array of ``shape`` and ``dtype`` (reused when possible)."""
    global _bytes
    key = (tuple(shape), np.dtype(dtype).str)
    stack = _free.get(key)
    if stack:
        arr = stack.pop()
        _bytes -= arr.nbytes
        return arr
    return np.empty(shape, dtype)


def give(*arrays: np.ndarray | None) -> None:
    """Return scratch arrays from :func:`take` to the pool (``None`` entries are skipped)."""
    global _bytes
    for arr in arrays:
        if arr is None:
            continue
        key = (arr.shape, arr.dtype.str)
        stack = _free.setdefault(key, [])
        _free.move_to_end(key)
        if len(stack) < PER_SHAPE:
            stack.append(arr)
            _bytes += arr.nbytes
    while _bytes > MAX_BYTES and _free:
        _, stack = _free.popitem(last=False)
        _bytes -= sum(a.nbytes for a in stack)


def clear() -> None:
    """Drop every pooled array (frees the memory)."""
    global _bytes
    _free.clear()
    _bytes = 0
