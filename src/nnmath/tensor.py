"""``Tensor``: an array, its gradient, and the op that produced it.

One written-out method per op; each calls the primitive in ``nnmath.ops`` or a composite in
``nnmath.functional``. Python scalars and NumPy arrays mix freely with tensors: they take the
floating dtype of the tensor operand, so ``float32 * np.log(2.0)`` stays float32.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import autograd
from .ops import elementwise as ew
from .ops import matmul as mm
from .ops import reduce as rd
from .ops import shape as sh

__all__ = ["Tensor", "as_tensors", "broadcast_error", "tensor"]

_DEFAULT_FLOAT = np.float32


def _is_float(dtype: np.dtype) -> bool:
    return dtype.kind == "f"


class Tensor:
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

    # Defaults shared by all instances; op outputs set only data and requires_grad.
    grad: np.ndarray | None = None
    _ctx: autograd.Function | None = None
    _retains_grad: bool = False
    name: str | None = None

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
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

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool) -> Tensor:
        """Fast constructor for op outputs (no conversion, no checks)."""
        t = cls.__new__(cls)
        t.data = data if type(data) is np.ndarray else np.asarray(data)
        t.requires_grad = requires_grad
        return t

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
        try:
            return ew.Add.apply(self, other)
        except ValueError as err:
            raise broadcast_error(ew.Add, self, other, err) from None

    def __radd__(self, other: Any) -> Tensor:
        try:
            return ew.Add.apply(other, self)
        except ValueError as err:
            raise broadcast_error(ew.Add, other, self, err) from None

    def __sub__(self, other: Any) -> Tensor:
        try:
            return ew.Sub.apply(self, other)
        except ValueError as err:
            raise broadcast_error(ew.Sub, self, other, err) from None

    def __rsub__(self, other: Any) -> Tensor:
        try:
            return ew.Sub.apply(other, self)
        except ValueError as err:
            raise broadcast_error(ew.Sub, other, self, err) from None

    def __mul__(self, other: Any) -> Tensor:
        try:
            return ew.Mul.apply(self, other)
        except ValueError as err:
            raise broadcast_error(ew.Mul, self, other, err) from None

    def __rmul__(self, other: Any) -> Tensor:
        try:
            return ew.Mul.apply(other, self)
        except ValueError as err:
            raise broadcast_error(ew.Mul, other, self, err) from None

    def __truediv__(self, other: Any) -> Tensor:
        try:
            return ew.Div.apply(self, other)
        except ValueError as err:
            raise broadcast_error(ew.Div, self, other, err) from None

    def __rtruediv__(self, other: Any) -> Tensor:
        try:
            return ew.Div.apply(other, self)
        except ValueError as err:
            raise broadcast_error(ew.Div, other, self, err) from None

    def __pow__(self, other: Any) -> Tensor:
        try:
            return ew.Pow.apply(self, other)
        except ValueError as err:
            raise broadcast_error(ew.Pow, self, other, err) from None

    def __rpow__(self, other: Any) -> Tensor:
        try:
            return ew.Pow.apply(other, self)
        except ValueError as err:
            raise broadcast_error(ew.Pow, other, self, err) from None

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
        return ew.ReLU.apply(self)

    def sigmoid(self) -> Tensor:
        """1 / (1 + e^-x), stable for any x."""
        return ew.Sigmoid.apply(self)

    def tanh(self) -> Tensor:
        """Hyperbolic tangent element-wise."""
        return ew.Tanh.apply(self)

    def clip(self, lo: float | None, hi: float | None) -> Tensor:
        """Clamp to [lo, hi] (either may be None); gradient 0 outside."""
        return ew.Clip.apply(self, lo=lo, hi=hi)

    def maximum(self, other: Any) -> Tensor:
        """Element-wise max with broadcasting; ties share the gradient."""
        try:
            return ew.Maximum.apply(self, other)
        except ValueError as err:
            raise broadcast_error(ew.Maximum, self, other, err) from None

    # ----------------------------------------------------------------- reductions
    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (all axes when None)."""
        return rd.Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis`` (all axes when None)."""
        return functional.mean(self, axis=axis, keepdims=keepdims)

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


def broadcast_error(op: type, a: Any, b: Any, err: ValueError) -> ValueError:
    """The error for a binary op whose operands failed: names the op and both shapes.

    Operands that do broadcast (the op failed for another reason) keep their own ``err``.
    """
    sa, sb = np.shape(_raw(a)), np.shape(_raw(b))
    try:
        np.broadcast_shapes(sa, sb)
    except ValueError:
        return ValueError(
            f"{op.__name__.lower()}: cannot broadcast shapes {sa} and {sb}; aligned from the "
            "right, each pair of axes must be equal or one of them 1 (add a length-1 axis "
            "with reshape, e.g. x.reshape(-1, 1), or transpose one operand)"
        )
    return err


def as_tensors(values: tuple[Any, ...]) -> tuple[Tensor, ...]:
    """Tensors for op inputs; non-tensors take the tensors' floating dtype.

    This is the dtype guard: under NumPy 2 a float64 array or NumPy float64 scalar (such as
    ``np.log(2.0)``) would silently upcast float32, so plain values (floats, ints, bools,
    arrays of them) are cast to the floating dtype of the tensor operands before any op
    sees them. Integer and boolean tensors (labels, masks) are cast the same way, since
    int64 with float32 also promotes to float64. With no floating tensor operand, Python
    floats become float32 (the default) while NumPy arrays keep their dtype.
    """
    float_dtype = None
    plain = False
    for v in values:
        if isinstance(v, Tensor):
            dt = v.data.dtype
            if dt.kind == "f":
                if float_dtype is None:  # (not `dt != None`: NumPy reads None as float64)
                    float_dtype = dt
                elif dt != float_dtype:
                    float_dtype = np.promote_types(float_dtype, dt)
            elif dt.kind in "iub":
                plain = True  # may need the cast below
        else:
            plain = True
    if not plain:
        return values  # type: ignore[return-value]
    out = []
    for v in values:
        if isinstance(v, Tensor):
            if float_dtype is not None and v.data.dtype.kind in "iub" and not v.requires_grad:
                v = Tensor._make(v.data.astype(float_dtype), False)
            out.append(v)  # (an integer tensor set to require grad fails in backward)
            continue
        if float_dtype is not None and isinstance(v, (float, int)):
            arr = np.array(v, dtype=float_dtype)  # the common case: x * 2.0
        else:
            arr = np.asarray(v)
            if float_dtype is not None:
                if arr.dtype != float_dtype and arr.dtype.kind in "fiub":
                    arr = arr.astype(float_dtype)
            elif arr.dtype == np.float64 and not isinstance(v, np.ndarray):
                arr = arr.astype(_DEFAULT_FLOAT)
        out.append(Tensor._make(arr, False))
    return tuple(out)


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Shorthand for ``Tensor(data, requires_grad, dtype)``."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


autograd._register_tensor_type(Tensor, as_tensors)

# Imported last: functional needs Tensor, Tensor.mean needs functional.
from . import functional  # noqa: E402
