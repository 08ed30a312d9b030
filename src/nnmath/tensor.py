"""``Tensor``: an array, its gradient, and the op that produced it.

The engine's layers, bottom up: ``autograd`` (graph nodes, ``Function``, backward) ->
``ops`` (the primitives) -> ``tensor`` (this module) -> ``functional`` (composites, and the
function form of every op). One written-out method per op, each a single call of its
primitive in ``nnmath.ops``; this module never imports ``functional``. Python scalars and
NumPy arrays mix freely with tensors: they take the floating dtype of the tensor operand,
so ``float32 * np.log(2.0)`` stays float32.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import autograd, threads
from .autograd import Node, as_operands, broadcast_error
from .ops import elementwise as ew
from .ops import matmul as mm
from .ops import reduce as rd
from .ops import shape as sh

__all__ = ["Tensor", "as_tensors", "broadcast_error", "tensor"]

_DEFAULT_FLOAT = np.float32
_threads_pending = True  # nnmath's BLAS thread default not applied yet (see nnmath.threads)


def _first_tensor() -> None:
    """Apply the BLAS thread default when the first Tensor is made (not at import)."""
    global _threads_pending
    _threads_pending = False
    threads.configure()


def _is_float(dtype: np.dtype) -> bool:
    return dtype.kind == "f"


class Tensor(Node):
    """An n-dimensional array that can record the ops applied to it and backpropagate.

    Args:
        data: array-like. NumPy arrays keep their dtype; Python floats and lists of floats
            become float32 (the engine's default) unless ``dtype`` is given.
        requires_grad: record ops on this tensor and accumulate ``dL/dx`` in ``.grad``.
        dtype: optional dtype to convert ``data`` to.

    Raises:
        TypeError: ``requires_grad=True`` on a non-floating dtype.

    Example:
        >>> a = Tensor(5.0, requires_grad=True)
        >>> j = 3 * (a + 3.0 * 2.0)
        >>> j.backward(); a.grad
        array(3., dtype=float32)
    """

    __array_ufunc__ = None  # make NumPy defer to Tensor's reflected operators

    # Defaults shared by all instances (with Node's grad, _ctx, _retains_grad); op outputs
    # (made by Node._make) set only data and requires_grad.
    name: str | None = None

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        if _threads_pending:  # one global test per Tensor(...); op outputs skip __init__
            _first_tensor()
        if isinstance(data, Tensor):
            data = data.data
        if dtype is not None:
            arr = np.asarray(data, dtype=dtype)
        elif isinstance(data, np.ndarray):
            arr = data
        else:
            arr = np.asarray(data)
            if arr.dtype == np.float64 and not isinstance(data, np.generic):
                arr = arr.astype(_DEFAULT_FLOAT)
        if requires_grad and not _is_float(arr.dtype):
            raise TypeError(
                f"Tensor: requires_grad=True needs a floating dtype, got {arr.dtype} with shape "
                f"{arr.shape}; convert first, e.g. Tensor(x.astype('float32'), requires_grad=True)"
            )
        self.data: np.ndarray = arr
        self.grad: np.ndarray | None = None
        self.requires_grad: bool = bool(requires_grad)
        self._ctx: autograd.Function | None = None
        self._retains_grad = False
        self.name: str | None = None

    # ----------------------------------------------------------------- properties
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    def __len__(self) -> int:
        return len(self.data)

    def __bool__(self) -> bool:
        """Truth of a one-element tensor (``if loss > 0:``); larger ones are ambiguous.

        Without this, Python would fall back to ``len()``: every non-empty tensor would be
        true whatever its values, and a 0-d one a TypeError.
        """
        if self.data.size != 1:
            raise ValueError(
                f"Tensor: the truth value of a tensor of shape {self.shape} is ambiguous; "
                "use (t > 0).data.any() or .all(), or reduce it first"
            )
        return bool(self.data)

    def __float__(self) -> float:
        """``float(t)`` for a one-element tensor (same as ``t.item()`` as a float)."""
        return float(self.item())

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        body = np.array2string(self.data, prefix="Tensor(")
        return f"Tensor({body}, dtype={self.dtype}{grad})"

    # ----------------------------------------------------------------- conversion
    def numpy(self) -> np.ndarray:
        """The underlying array (not a copy)."""
        return self.data

    def item(self) -> float:
        """The single value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"Tensor.item: needs a one-element tensor, got shape {self.shape}")
        return self.data.item()

    def detach(self) -> Tensor:
        """The same data, cut from the graph (no gradient flows through it)."""
        return Tensor._make(self.data, False)

    def astype(self, dtype: Any) -> Tensor:
        """A copy converted to ``dtype``, cut from the graph."""
        return Tensor(self.data.astype(dtype))

    # ----------------------------------------------------------------- autodiff
    def backward(self, grad: Any = None, retain_graph: bool = False) -> None:
        """Accumulate ``d self / d x`` (times ``grad``) into ``x.grad`` for every leaf ``x``.

        Formula: ``x.grad += grad^T (d self / d x)``, by one reverse pass over the graph
        (iterative, so a chain of 100 000 ops is fine); gradients add up over calls until
        ``zero_grad()``, and a tensor used twice gets the sum of both paths.

        Args:
            grad: the upstream gradient ``dL/dself``, of ``self``'s shape; may be omitted
                for a one-element tensor (then 1).
            retain_graph: keep the graph so that a second ``backward`` can run through it;
                by default it is freed (activations released) as the pass goes.

        Raises:
            RuntimeError: ``self`` does not require grad, ``grad`` is missing for a
                non-scalar, or the graph was already freed by an earlier ``backward``.
            ValueError: ``grad`` has the wrong shape.
            TypeError: an integer tensor was set to require a gradient.

        Example:
            >>> x = Tensor([1.0, 2.0], requires_grad=True)
            >>> (x * x).sum().backward(); x.grad
            array([2., 4.], dtype=float32)
        """
        autograd.backward(self, grad, retain_graph=retain_graph)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient."""
        self.grad = None

    def retain_grad(self) -> Tensor:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward."""
        self._retains_grad = True
        return self

    # ----------------------------------------------------------------- arithmetic
    def __add__(self, other: Any) -> Tensor:
        return ew.Add.apply(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return ew.Add.apply(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return ew.Sub.apply(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return ew.Sub.apply(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return ew.Mul.apply(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return ew.Mul.apply(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return ew.Div.apply(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return ew.Div.apply(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return ew.Pow.apply(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return ew.Pow.apply(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return mm.MatMul.apply(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return mm.MatMul.apply(other, self)

    def __neg__(self) -> Tensor:
        return ew.Neg.apply(self)

    # ----------------------------------------------------------------- comparisons (no grad)
    def __lt__(self, other: Any) -> Tensor:
        return Tensor._make(self.data < _raw(other), False)

    def __le__(self, other: Any) -> Tensor:
        return Tensor._make(self.data <= _raw(other), False)

    def __gt__(self, other: Any) -> Tensor:
        return Tensor._make(self.data > _raw(other), False)

    def __ge__(self, other: Any) -> Tensor:
        return Tensor._make(self.data >= _raw(other), False)

    # ----------------------------------------------------------------- unary math
    def exp(self) -> Tensor:
        """e^x element-wise."""
        return ew.Exp.apply(self)

    def log(self) -> Tensor:
        """Natural logarithm element-wise."""
        return ew.Log.apply(self)

    def sqrt(self) -> Tensor:
        """Square root element-wise."""
        return ew.Sqrt.apply(self)

    def abs(self) -> Tensor:
        """|x| element-wise (gradient 0 at 0)."""
        return ew.Abs.apply(self)

    def relu(self) -> Tensor:
        """max(x, 0) element-wise (gradient 0 at 0)."""
        return ew.ReLUOp.apply(self)

    def sigmoid(self) -> Tensor:
        """1 / (1 + e^-x), stable for any x."""
        return ew.SigmoidOp.apply(self)

    def tanh(self) -> Tensor:
        """Hyperbolic tangent element-wise."""
        return ew.TanhOp.apply(self)

    def clip(self, lo: float | None, hi: float | None) -> Tensor:
        """Clamp to [lo, hi] (either may be None); gradient 0 outside."""
        return ew.Clip.apply(self, lo=lo, hi=hi)

    def maximum(self, other: Any) -> Tensor:
        """Element-wise max with broadcasting; ties share the gradient."""
        return ew.Maximum.apply(self, other)

    # ----------------------------------------------------------------- reductions
    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (all axes when None)."""
        return rd.Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis`` (all axes when None)."""
        return rd.Mean.apply(self, axis=axis, keepdims=keepdims)

    def max(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Maximum over ``axis``; tied maxima share the gradient."""
        return rd.Max.apply(self, axis=axis, keepdims=keepdims)

    def min(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Minimum over ``axis``; tied minima share the gradient."""
        return rd.Min.apply(self, axis=axis, keepdims=keepdims)

    # ----------------------------------------------------------------- shape
    def reshape(self, *shape: Any) -> Tensor:
        """The same elements in a new shape: ``reshape(2, -1)`` or ``reshape((2, -1))``."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return sh.Reshape.apply(self, shape=shape)

    def transpose(self, *axes: Any) -> Tensor:
        """Permute the axes (reverse them when none are given)."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return sh.Transpose.apply(self, axes=axes or None)

    @property
    def T(self) -> Tensor:
        """The transpose (all axes reversed)."""
        return sh.Transpose.apply(self, axes=None)

    def flatten(self) -> Tensor:
        """All elements in one axis: shape ``(size,)``."""
        return sh.Reshape.apply(self, shape=(-1,))

    def __getitem__(self, index: Any) -> Tensor:
        """Basic slicing, integer-array and boolean-mask indexing."""
        return sh.GetItem.apply(self, index=_raw_index(index))

    def __abs__(self) -> Tensor:
        return ew.Abs.apply(self)

    def __pos__(self) -> Tensor:
        return self


def _raw(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _raw_index(index: Any) -> Any:
    if isinstance(index, tuple):
        return tuple(_raw(i) for i in index)
    return _raw(index)


def as_tensors(values: tuple[Any, ...]) -> tuple[Tensor, ...]:
    """Tensors for op inputs: :func:`nnmath.autograd.as_operands` (the dtype guard), with
    plain values becoming Tensors even when no operand is one."""
    return as_operands(values, Tensor)


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Shorthand for ``Tensor(data, requires_grad, dtype)``."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)
