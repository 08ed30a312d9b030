"""Geometry of sliding windows (convolution and pooling): the one owner of shapes and checks.

Every conv/pool output shape, padding amount and argument check in nnmath comes from here:
the primitives (``ops/conv.py``, ``ops/pool.py``), the layers (``layers/conv.py``,
``layers/pooling.py``) and the fixed-kernel demo (``kernels.py``). So one mistake is worded
one way wherever it is made.

Along one spatial axis of length ``n``, with window ``k``, stride ``s`` and ``p_total`` zeros of
padding (both sides together)::

    n_out = floor((n + p_total - k) / s) + 1

Padding follows TensorFlow/Keras: ``"valid"`` (none), ``"same"`` (``n_out = ceil(n / s)``,
total padding ``max((n_out - 1) s + k - n, 0)``, the odd extra row/column at the
bottom/right), an int ``p`` (``p`` on every side) or a pair ``(p_h, p_w)`` (symmetric per axis).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = [
    "Padding",
    "Pair",
    "check_nhwc",
    "check_window_fits",
    "conv_geometry",
    "output_hw",
    "output_length",
    "pair",
    "pool_geometry",
    "resolve_padding",
]

Pair = int | tuple[int, int]
Padding = str | int | tuple[int, int]


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def pair(value: Any, name: str, where: str, minimum: int = 1) -> tuple[int, int]:
    """``3 -> (3, 3)``; ``(2, 1) -> (2, 1)``; anything else is a ValueError naming ``where``.

    Raises:
        ValueError: not an int or a pair of ints, or a value below ``minimum``.
    """
    if _is_int(value):
        out = (int(value), int(value))
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(map(_is_int, value)):
        out = (int(value[0]), int(value[1]))
    else:
        out = None
    if out is None or min(out) < minimum:
        kind = "positive" if minimum == 1 else f">= {minimum}"
        raise ValueError(
            f"{where}: expected {name} as a {kind} int or a pair of ints, got {value!r}; "
            f"e.g. {name}=2 or {name}=(2, 1)"
        )
    return out


def resolve_padding(
    padding: Padding,
    in_hw: tuple[int, int],
    kernel_hw: tuple[int, int],
    strides: tuple[int, int],
    where: str,
) -> tuple[int, int, int, int]:
    """The padding ``(top, bottom, left, right)`` for a padding spec (Keras semantics).

    Raises:
        ValueError: an unknown string, a negative int, or a malformed pair.
    """
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return (0, 0, 0, 0)
        if mode == "same":
            pads = []
            for n, k, s in zip(in_hw, kernel_hw, strides, strict=True):
                total = max((math.ceil(n / s) - 1) * s + k - n, 0)
                pads += [total // 2, total - total // 2]
            return (pads[0], pads[1], pads[2], pads[3])
    elif _is_int(padding) or isinstance(padding, (tuple, list)):
        ph, pw = pair(padding, "padding", where, minimum=0)
        return (ph, ph, pw, pw)
    raise ValueError(
        f"{where}: expected padding 'valid', 'same', an int or a pair of ints, got {padding!r}"
    )


def output_length(n: int | None, k: int, s: int, pad_total: int) -> int | None:
    """Output length along one axis: ``floor((n + pad_total - k) / s) + 1`` (None stays None)."""
    return None if n is None else (n + pad_total - k) // s + 1


def output_hw(
    in_hw: tuple[int | None, int | None],
    window: tuple[int, int],
    strides: tuple[int, int],
    padding: Padding = "valid",
) -> tuple[int | None, int | None]:
    """``(H_out, W_out)`` for a checked geometry; unknown (None) sizes stay None.

    ``"same"`` gives ``ceil(n / s)``; everything else ``floor((n + p_total - k) / s) + 1``.
    """
    if isinstance(padding, str) and padding.lower() == "same":
        h, w = in_hw
        return (
            None if h is None else math.ceil(h / strides[0]),
            None if w is None else math.ceil(w / strides[1]),
        )
    known = (in_hw[0] or 0, in_hw[1] or 0)
    top, bottom, left, right = resolve_padding(padding, known, window, strides, "output_hw")
    return (
        output_length(in_hw[0], window[0], strides[0], top + bottom),
        output_length(in_hw[1], window[1], strides[1], left + right),
    )


def check_nhwc(shape: tuple[Any, ...], where: str, detail: str = "") -> None:
    """Raise unless ``shape`` is 4-D (N, H, W, C); ``detail`` adds context (e.g. the kernel)."""
    if len(shape) != 4:
        raise ValueError(
            f"{where}: expected 4-D input (N, H, W, C), got shape {tuple(shape)}{detail}; "
            "reshape to NHWC, e.g. x.reshape(-1, 28, 28, 1), or add a batch axis"
        )


def check_window_fits(
    where: str,
    window: tuple[int, int],
    in_hw: tuple[int | None, int | None],
    pads: tuple[int, int, int, int],
    *,
    name: str,
    shape: tuple[Any, ...],
    what: str = "input",
    can_pad: bool = True,
    detail: str = "",
) -> None:
    """Raise when the window is larger than the (padded) input along H or W.

    ``name`` is the argument that set the window (``kernel_size``, ``pool_size``); ``what``
    the thing slid over (``input``, ``image``); ``can_pad`` whether padding is a way out;
    ``detail`` adds context (e.g. the kernel).
    """
    hp = None if in_hw[0] is None else in_hw[0] + pads[0] + pads[1]
    wp = None if in_hw[1] is None else in_hw[1] + pads[2] + pads[3]
    if (hp is not None and window[0] > hp) or (wp is not None and window[1] > wp):
        fix = f"use a smaller {name}" + (", more padding or padding='same'" if can_pad else "")
        raise ValueError(
            f"{where}: window {window[0]}x{window[1]} is larger than the padded {what} "
            f"{hp}x{wp} ({name} {tuple(window)}, {what} shape {tuple(shape)}{detail}, padding "
            f"{tuple(pads) if any(pads) else 'none'}); {fix}"
        )


def conv_geometry(
    shape: tuple[Any, ...],
    kernel_hw: tuple[int, int],
    strides: Any,
    padding: Padding,
    where: str,
    detail: str = "",
) -> tuple[tuple[int, int], tuple[int, int, int, int], tuple[Any, Any]]:
    """Check a convolution on an NHWC ``shape``; return ``(strides, pads, (H_out, W_out))``.

    Raises:
        ValueError: non-4-D input, bad strides or padding, or a kernel larger than the
            padded input.
    """
    check_nhwc(shape, where, detail)
    st = pair(strides, "strides", where)
    in_hw = (shape[1], shape[2])
    known = tuple(0 if n is None else n for n in in_hw)
    context = f"{where} (input shape {tuple(shape)}{detail})"
    pads = resolve_padding(padding, known, kernel_hw, st, context)  # type: ignore[arg-type]
    check_window_fits(
        where, kernel_hw, in_hw, pads, name="kernel_size", shape=shape, detail=detail
    )
    return st, pads, output_hw(in_hw, kernel_hw, st, padding)


def pool_geometry(
    shape: tuple[Any, ...], pool_size: Any, strides: Any, where: str
) -> tuple[tuple[int, int], tuple[int, int], tuple[Any, Any]]:
    """Check a "valid" pooling on an NHWC ``shape``; return ``(pool, strides, (H_out, W_out))``.

    ``strides=None`` means ``pool_size`` (non-overlapping windows).

    Raises:
        ValueError: non-4-D input, bad pool size or strides, or a window larger than the input.
    """
    check_nhwc(shape, where)
    pool = pair(pool_size, "pool_size", where)
    st = pool if strides is None else pair(strides, "strides", where)
    in_hw = (shape[1], shape[2])
    check_window_fits(
        where, pool, in_hw, (0, 0, 0, 0), name="pool_size", shape=shape, can_pad=False
    )
    return pool, st, output_hw(in_hw, pool, st, "valid")
