"""The function form of every op, and composites built from primitives.

Import as ``from nnmath import functional as F``. The top layer of the engine (autograd ->
ops -> tensor -> functional): ``F.exp(x)`` is ``Tensor(x).exp()``, one path per op; ops
without a Tensor method (conv, pooling, concat, ...) are called here directly. Composites
(logsumexp, log_softmax, dropout, linear) define no backward of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .ops import elementwise as ew
from .ops import shape as sh
from .ops.conv import Conv2DOp
from .ops.conv_pool import Conv2DReluMaxPoolOp
from .ops.crossentropy import SoftmaxOp
from .ops.pool import AvgPool2DOp, MaxPool2DOp
from .ops.reduce import normalize_axis
from .tensor import Tensor, as_tensors

Axis = int | tuple[int, ...] | None


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else as_tensors((x,))[0]


def relu(x: Any) -> Tensor:
    """relu(x) = max(x, 0)."""
    return _tensor(x).relu()


def sigmoid(x: Any) -> Tensor:
    """sigmoid(x) = 1 / (1 + e^-x), stable for large |x|."""
    return _tensor(x).sigmoid()


def tanh(x: Any) -> Tensor:
    """tanh(x) = (e^x - e^-x) / (e^x + e^-x)."""
    return _tensor(x).tanh()


def mean(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """mean(x) = sum(x) / n, with n the number of elements reduced.

    Floating tensors keep their dtype (the sum times ``1/n`` in that dtype); integer tensors
    give float64, as in NumPy.

    Raises:
        ValueError: ``axis`` out of range for ``x``, or no elements to average (names the
            shape).

    Example: ``mean(Tensor([[1.0, 2.0], [3.0, 5.0]]), axis=0)`` -> ``[2.0, 3.5]``.
    """
    return _tensor(x).mean(axis=axis, keepdims=keepdims)


def exp(x: Any) -> Tensor:
    """exp(x) = e^x."""
    return _tensor(x).exp()


def log(x: Any) -> Tensor:
    """log(x) = ln x (natural logarithm)."""
    return _tensor(x).log()


def sqrt(x: Any) -> Tensor:
    """sqrt(x) = x^(1/2)."""
    return _tensor(x).sqrt()


def clip(x: Any, lo: float | None, hi: float | None) -> Tensor:
    """clip(x, lo, hi) = min(max(x, lo), hi); the gradient flows only inside [lo, hi]."""
    return _tensor(x).clip(lo, hi)


def maximum(a: Any, b: Any) -> Tensor:
    """maximum(a, b) element-wise, broadcasting; ties share the gradient."""
    a, b = as_tensors((a, b))
    return a.maximum(b)


def matmul(a: Any, b: Any) -> Tensor:
    """matmul(a, b) = a @ b (NumPy semantics, batched over leading axes)."""
    a, b = as_tensors((a, b))
    return a @ b


def _detached_max(x: Tensor, axis: Axis, where: str) -> np.ndarray:
    """max of x over ``axis`` (keepdims), as a plain array; non-finite maxima become 0.

    Subtracting it before ``exp`` keeps every exponent <= 0 (no overflow). It carries no
    gradient, and needs none: softmax and logsumexp are invariant to the shift. ``where``
    names the calling function in errors (a bad axis, an empty tensor).
    """
    axis = normalize_axis(axis, x.shape, where)
    if x.size == 0:
        raise ValueError(f"{where}: cannot reduce an empty tensor of shape {x.shape}")
    m = np.max(x.data, axis=axis, keepdims=True)
    return np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)


def logsumexp(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """logsumexp(x) = log(sum_i e^{x_i}) = m + log(sum_i e^{x_i - m}),  m = max_i x_i.

    Stable at any magnitude (|x| = 1000 gives exact values, no overflow warnings). The
    gradient is softmax(x) along ``axis``.

    Args:
        x: input tensor.
        axis: axis or axes to reduce (None: all).
        keepdims: keep the reduced axes with length 1.

    Shape: ``x.shape`` with ``axis`` removed (or set to 1 with ``keepdims``).

    Example:
        >>> logsumexp(Tensor([1000.0, 1000.0])).item()   # 1000 + ln 2
        1000.6931...
    """
    x = _tensor(x)
    axes = normalize_axis(axis, x.shape, "logsumexp")
    m = _detached_max(x, axes, "logsumexp")
    s = (x - m).exp().sum(axis=axes, keepdims=True).log() + m
    if keepdims:
        return s
    kept = () if axes is None else tuple(n for i, n in enumerate(x.shape) if i not in axes)
    return s.reshape(kept)


def softmax(x: Any, axis: int = -1) -> Tensor:
    """softmax(x)_i = e^{x_i - m} / sum_j e^{x_j - m} along ``axis``,  m = max_j x_j.

    Stable at any magnitude; VJP ``dL/dx = y * (g - sum(g * y, axis))``. The one definition
    of softmax: the primitive :class:`~nnmath.ops.crossentropy.SoftmaxOp` on top of
    ``softmax_array`` (which the fused losses and the classic functions use as well).

    Shape: same as ``x``. Example: ``softmax(Tensor([[1.0, 2.0]]))`` -> ``[[0.269, 0.731]]``.
    """
    x = _tensor(x)
    axes = normalize_axis(axis, x.shape, "softmax")
    if x.size == 0:
        raise ValueError(f"softmax: cannot reduce an empty tensor of shape {x.shape}")
    return SoftmaxOp.apply(x, axis=axes)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """log_softmax(x)_i = x_i - logsumexp(x) = (x_i - m) - log(sum_j e^{x_j - m}).

    Stable at any magnitude (no log of 0 for very negative logits). Shape: same as ``x``.

    Example: ``log_softmax(Tensor([0.0, 0.0]))`` -> ``[-0.693, -0.693]``.
    """
    x = _tensor(x)
    z = x - _detached_max(x, axis, "log_softmax")
    return z - z.exp().sum(axis=axis, keepdims=True).log()


def concat(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing ``axis`` (NumPy's concatenate).

    Example: ``concat([ones((2, 3)), zeros((1, 3))], axis=0).shape`` -> ``(3, 3)``.
    """
    return sh.Concat.apply(*as_tensors(tuple(tensors)), axis=axis)


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Stack same-shape tensors along a new ``axis``.

    Example: ``stack([ones(3), zeros(3)], axis=1).shape`` -> ``(3, 2)``.
    """
    return sh.Stack.apply(*as_tensors(tuple(tensors)), axis=axis)


def pad(x: Any, pad_width: Any) -> Tensor:
    """Surround ``x`` with zeros; ``pad_width`` as in ``np.pad`` (int, pair, or a pair per axis).

    Example: ``pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)))`` pads H and W of NHWC by 1.
    """
    return sh.Pad.apply(_tensor(x), pad_width=pad_width)


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """Element-wise ``a if cond else b`` with broadcasting; ``cond`` gets no gradient.

    Raises: ValueError when ``cond``, ``a`` and ``b`` do not broadcast (names all three shapes).

    Example: ``where(x > 0, x, 0.01 * x)`` is a leaky ReLU.
    """
    c = cond.data if isinstance(cond, Tensor) else np.asarray(cond)
    try:
        return ew.Where.apply(*as_tensors((a, b)), cond=c)
    except ValueError:
        shapes = [np.shape(v.data if isinstance(v, Tensor) else v) for v in (c, a, b)]
        raise ValueError(
            "where: cannot broadcast cond, a and b of shapes {}, {} and {}; aligned from the "
            "right, each axis must be equal or 1 in all three".format(*shapes)
        ) from None


def dropout(
    x: Any, rate: float, training: bool = True, seed: int | np.random.Generator | None = None
) -> Tensor:
    """Inverted dropout: y = x * mask / (1 - rate), mask_i ~ Bernoulli(1 - rate).

    Scaling at training time keeps E[y] = x, so inference (``training=False``) is the
    identity and returns ``x`` itself.

    Args:
        x: input tensor.
        rate: probability of zeroing each element, in [0, 1).
        training: apply dropout (True) or return ``x`` unchanged (False).
        seed: an int or a ``np.random.Generator`` (pass a generator to get a fresh mask each
            step); None draws from fresh OS entropy.

    Raises:
        ValueError: ``rate`` outside [0, 1).

    Shape: same as ``x``. Example: ``dropout(h, 0.5, training=True, seed=rng)``.
    """
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout: rate must be in [0, 1), got {rate!r}; rate is the drop share")
    x = _tensor(x)
    if not training or rate == 0.0:
        return x
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    scale = np.asarray(1.0 / (1.0 - rate), dtype=x.dtype)
    mask = (rng.random(x.shape, dtype=np.float32) >= rate) * scale  # 0 or 1/(1-rate)
    return x * mask.astype(x.dtype, copy=False)


def linear(x: Any, W: Any, b: Any = None) -> Tensor:
    """linear(x, W, b) = x @ W + b, with W of shape (D_in, D_out) (Dense's layout).

    Shape: x ``(N, D_in)``, W ``(D_in, D_out)``, b ``(D_out,)`` -> ``(N, D_out)``.
    """
    y = matmul(x, W)
    return y if b is None else y + b


# --------------------------------------------------------------------------- conv and pooling
# Primitives (ops/conv.py, ops/pool.py) for speed: im2col + one GEMM, strided window views.


def conv2d(
    x: Any,
    kernel: Any,
    bias: Any = None,
    strides: int | tuple[int, int] = 1,
    padding: str | int | tuple[int, int] = "valid",
) -> Tensor:
    """2-D convolution (cross-correlation), channels-last, with optional bias.

    y[n, i, j, o] = b[o] + sum_{p, q, c} x_pad[n, i*s_h + p, j*s_w + q, c] * W[p, q, c, o]

    Args:
        x: input ``(N, H, W, C_in)``.
        kernel: ``(KH, KW, C_in, C_out)``.
        bias: ``(C_out,)`` or None.
        strides: an int or a pair ``(s_h, s_w)``.
        padding: ``"valid"``, ``"same"`` (Keras: output ``ceil(H / s)``, extra padding at the
            bottom/right), an int or a pair ``(p_h, p_w)`` of symmetric zero padding.

    Returns:
        Tensor ``(N, H_out, W_out, C_out)`` with ``H_out = floor((H + pad_h - KH) / s_h) + 1``.

    Raises:
        ValueError: non-4-D input or kernel, channel mismatch, bad strides or padding, or a
            kernel larger than the padded input; the message names both shapes.

    Example:
        >>> y = conv2d(x, W, b, strides=2, padding="same")   # (N, 28, 28, 1) -> (N, 14, 14, C_out)
    """
    operands = as_tensors((x, kernel) if bias is None else (x, kernel, bias))
    return Conv2DOp.apply(*operands, strides=strides, padding=padding)


def conv2d_relu_maxpool(
    x: Any,
    kernel: Any,
    bias: Any = None,
    strides: int | tuple[int, int] = 1,
    padding: str | int | tuple[int, int] = "valid",
) -> Tensor:
    """``max_pool2d(relu(conv2d(x, kernel, bias, strides, padding)), 2)`` as one primitive.

    The same values as the three ops in a row, faster: the bias and the ReLU act on the
    pooled quarter of the values (both commute with the maximum) and conv outputs no 2x2
    window reads are never computed. ``Sequential`` uses it for ``Conv2D(activation="relu")``
    followed by ``MaxPool2D(2)``.

    Args and Raises as :func:`conv2d`; also a ValueError when the convolution output is
    smaller than one 2x2 window.

    Returns:
        Tensor ``(N, H_conv // 2, W_conv // 2, C_out)``.

    Example:
        >>> conv2d_relu_maxpool(x, W, b).shape   # x (128, 28, 28, 1), W (3, 3, 1, 32)
        (128, 13, 13, 32)
    """
    operands = as_tensors((x, kernel) if bias is None else (x, kernel, bias))
    return Conv2DReluMaxPoolOp.apply(*operands, strides=strides, padding=padding)


def max_pool2d(
    x: Any, pool_size: int | tuple[int, int] = 2, strides: int | tuple[int, int] | None = None
) -> Tensor:
    """Max pooling over "valid" windows: y[n, i, j, c] = max_{p, q} x[n, i*s_h + p, j*s_w + q, c].

    The gradient goes to the first (row-major) maximum of each window.

    Args:
        x: input ``(N, H, W, C)``.
        pool_size: window, an int or a pair.
        strides: an int or a pair; None means ``pool_size`` (non-overlapping windows).

    Returns:
        Tensor ``(N, H_out, W_out, C)``, ``H_out = floor((H - PH) / s_h) + 1`` (Keras).

    Raises:
        ValueError: non-4-D input, bad pool_size/strides, or a window larger than the input.

    Example:
        >>> max_pool2d(h, 2).shape     # (128, 11, 11, 64) -> (128, 5, 5, 64)
    """
    return MaxPool2DOp.apply(_tensor(x), pool_size=pool_size, strides=strides)


def avg_pool2d(
    x: Any, pool_size: int | tuple[int, int] = 2, strides: int | tuple[int, int] | None = None
) -> Tensor:
    """Average pooling over "valid" windows: y[n, i, j, c] = mean_{p,q} x[n, i*s_h+p, j*s_w+q, c].

    Args, Returns and Raises as :func:`max_pool2d`.

    Example:
        >>> avg_pool2d(h, pool_size=(2, 2), strides=1).shape   # (N, 5, 5, C) -> (N, 4, 4, C)
    """
    return AvgPool2DOp.apply(_tensor(x), pool_size=pool_size, strides=strides)
