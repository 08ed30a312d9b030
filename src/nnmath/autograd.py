"""Reverse-mode automatic differentiation: the graph, the backward pass, ``no_grad``.

The bottom layer of the engine; it imports nothing else from nnmath. It defines:

* :class:`Node`, what the engine needs of a value in the graph: ``data`` (an array),
  ``requires_grad``, ``grad`` and ``_ctx`` (the op that made it). ``nnmath.tensor.Tensor`` is
  its subclass with the arithmetic; ops make outputs of their inputs' class, so autograd
  never needs to know Tensor (no import cycle, nothing bound late).
* :class:`Function`, the base of every primitive op: ``forward`` (arrays in, array out) and
  ``backward`` (upstream gradient ``g`` in, one vector-Jacobian product per input out).
  ``Op.apply(*inputs, **params)`` runs ``forward`` and, when any input requires a gradient
  and recording is on, links the output to the op so that :func:`backward` can walk the
  graph in reverse topological order.
* Broadcasting's one error (:func:`broadcast_error`, raised by ops that broadcast) and its
  one backward rule (:func:`unbroadcast`, applied here to every input gradient: ops may
  return gradients in the broadcast shape of their output).

The backward pass is iterative (an explicit stack, no recursion), so a chain of 100 000 ops
works.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

__all__ = [
    "Function",
    "Node",
    "as_operands",
    "backward",
    "broadcast_error",
    "enable_grad",
    "gradients",
    "is_grad_enabled",
    "no_grad",
    "unbroadcast",
]

_DEFAULT_FLOAT = np.float32

_grad_enabled = True


def is_grad_enabled() -> bool:
    """Whether new ops are recorded for backward (False inside ``no_grad()``)."""
    return _grad_enabled


class _GradMode(contextlib.ContextDecorator):
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        global _grad_enabled
        self._previous.append(_grad_enabled)
        _grad_enabled = self.enabled

    def __exit__(self, *exc: object) -> None:
        global _grad_enabled
        _grad_enabled = self._previous.pop()


def no_grad() -> _GradMode:
    """Context manager (and decorator) that stops recording ops for backward.

    Example:
        >>> with no_grad():
        ...     y = x * 2        # y.requires_grad is False, no graph is kept
    """
    return _GradMode(False)


def enable_grad() -> _GradMode:
    """Context manager that turns recording back on inside a ``no_grad()`` block."""
    return _GradMode(True)


def unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The one backward rule of broadcasting: sum ``g`` over the axes that were broadcast.

    If ``x`` of shape ``shape`` was broadcast to ``g.shape`` in the forward pass, then
    ``dL/dx = sum of dL/dy over the broadcast axes`` (leading axes that were added, and
    axes where ``x`` had length 1).
    """
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    ones = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if ones:
        g = g.sum(axis=ones, keepdims=True)
    return g.reshape(shape)


def broadcast_error(op: type | str, a: Any, b: Any, err: ValueError) -> ValueError:
    """The one error of broadcasting: a binary op whose operands' shapes do not broadcast.

    Names the op and both shapes, and how to fix it. Operands that do broadcast (the op
    failed for another reason) keep their own ``err``.
    """
    sa, sb = np.shape(getattr(a, "data", a)), np.shape(getattr(b, "data", b))
    try:
        np.broadcast_shapes(sa, sb)
    except ValueError:
        name = op if isinstance(op, str) else op.__name__.lower()
        return ValueError(
            f"{name}: cannot broadcast shapes {sa} and {sb}; aligned from the right, each pair "
            "of axes must be equal or one of them 1 (add a length-1 axis with reshape, e.g. "
            "x.reshape(-1, 1), or transpose one operand)"
        )
    return err


class Node:
    """A value in the graph: ``data``, ``requires_grad``, ``grad``, ``_ctx`` (its op).

    The engine (``Function.apply``, :func:`backward`) works on this interface only;
    ``nnmath.tensor.Tensor`` subclasses it with the constructor and the math.
    """

    data: np.ndarray
    requires_grad: bool = False
    grad: np.ndarray | None = None
    _ctx: Function | None = None
    _retains_grad: bool = False

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool) -> Any:
        """Fast constructor for op outputs (no conversion, no checks)."""
        t = cls.__new__(cls)
        t.data = data if type(data) is np.ndarray else np.asarray(data)
        t.requires_grad = requires_grad
        return t


def as_operands(values: tuple[Any, ...], default: type[Node] | None = None) -> tuple[Any, ...]:
    """Op inputs as nodes; plain values take the node operands' floating dtype and class.

    This is the dtype guard: under NumPy 2 a float64 array or NumPy float64 scalar (such as
    ``np.log(2.0)``) would silently upcast float32, so plain values (floats, ints, bools,
    arrays of them) are cast to the floating dtype of the node operands before any op
    sees them. Integer and boolean nodes (labels, masks) are cast the same way, since
    int64 with float32 also promotes to float64. With no floating node operand, Python
    floats become float32 (the default) while NumPy arrays keep their dtype.

    Plain values become nodes of the first node operand's class (``default`` when there is
    none; with neither, a TypeError: ops need at least one tensor to know what to make).
    """
    float_dtype = None
    plain = False
    kind = None
    for v in values:
        if isinstance(v, Node):
            if kind is None:
                kind = type(v)
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
        return values
    kind = kind or default
    if kind is None:
        raise TypeError(
            f"op inputs: expected at least one Tensor, got {[type(v).__name__ for v in values]};"
            " wrap one input in nnmath.Tensor(...) or call the nnmath.functional version"
        )
    out = []
    for v in values:
        if isinstance(v, Node):
            if float_dtype is not None and v.data.dtype.kind in "iub" and not v.requires_grad:
                v = kind._make(v.data.astype(float_dtype), False)
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
        out.append(kind._make(arr, False))
    return tuple(out)


class Function:
    """Base class of every primitive op.

    Subclasses implement ``forward(*arrays, **params) -> np.ndarray`` and
    ``backward(g) -> tuple`` with one entry per array input (``None`` where no gradient
    flows). They may keep what backward needs as attributes of ``self``; ops must never
    modify their inputs and never touch ``.grad``. Expensive ops may read
    ``self.needs_input_grad`` (one bool per input) in ``backward`` and return ``None`` for
    inputs that need no gradient (MatMul skips a whole GEMM that way). Ops whose operands
    broadcast set ``broadcasts = True``: a shape mismatch then raises :func:`broadcast_error`.
    """

    inputs: tuple[Node, ...]
    needs_input_grad: tuple[bool, ...]  # set when recorded: backward may skip the others
    broadcasts: bool = False
    _freed: bool = False

    def forward(self, *xs: np.ndarray, **params: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Any:
        """Run the op on tensors (or scalars/arrays) and record it when gradients are needed.

        The output is of the inputs' tensor class (``nnmath.Tensor``).
        """
        tensors = as_operands(inputs)
        fn = cls()
        try:
            out = fn.forward(*[t.data for t in tensors], **params)
        except ValueError as err:
            if cls.broadcasts and len(tensors) == 2:
                raise broadcast_error(cls, tensors[0], tensors[1], err) from None
            raise
        kind = type(tensors[0])
        result = kind.__new__(kind)  # Node._make inlined: this line runs once per op
        result.data = out if type(out) is np.ndarray else np.asarray(out)
        if _grad_enabled:
            flags = tuple([t.requires_grad for t in tensors])
            if True in flags:
                result.requires_grad = True
                fn.inputs = tensors
                fn.needs_input_grad = flags
                result._ctx = fn
                return result
        result.requires_grad = False
        return result

    def _release(self) -> None:
        """Drop everything saved for backward, and the links to the inputs.

        The intermediate tensors (activations) can then be freed even while the output is
        kept, e.g. a loss stored for logging; a later backward through here is an error.
        """
        self.__dict__.clear()
        self.inputs = ()
        self._freed = True


def _topological_order(root: Node) -> list[Node]:
    """Nodes reachable from ``root`` that require grad, inputs before the ops using them."""
    order: list[Node] = []
    visited: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        ctx = node._ctx
        if ctx is not None:
            for parent in ctx.inputs:
                if parent.requires_grad and id(parent) not in visited:
                    stack.append((parent, False))
    return order


def backward(root: Node, grad: Any = None, retain_graph: bool = False) -> None:
    """Backpropagate from ``root``: accumulate ``dL/dx`` into ``x.grad`` of every leaf.

    ``grad`` is the upstream gradient ``dL/droot`` (default 1 for a single-element root).
    Non-leaf tensors keep their gradient only if ``retain_grad()`` was called on them.
    """
    if not root.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad (no input had requires_grad=True, "
            "or it was computed under no_grad()); create inputs with requires_grad=True"
        )
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward: an upstream gradient is needed for a non-scalar output of shape "
                f"{root.data.shape}; call .backward(grad) with an array of that shape, or reduce "
                "the output first (e.g. .sum())"
            )
        g0 = np.ones_like(root.data)
    else:
        g0 = np.asarray(grad.data if hasattr(grad, "data") else grad, dtype=root.data.dtype)
        if g0.shape != root.data.shape:
            raise ValueError(
                f"backward: upstream gradient has shape {g0.shape}, expected the output's "
                f"shape {root.data.shape}"
            )
    grads: dict[int, np.ndarray] = {id(root): g0}
    # Arrays that must not become a .grad as they are: the caller's upstream gradient and
    # every array already stored as some tensor's .grad in this pass (an Add hands the same
    # g to both inputs). Keyed by id; the arrays stay alive as .grad (or as g0) meanwhile.
    shared: set[int] = {id(g0)}
    for node in reversed(_topological_order(root)):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        ctx = node._ctx
        if ctx is None or node._retains_grad:
            node.grad = _stored_grad(g, node.grad, shared)
        if ctx is None:
            continue
        if ctx._freed:
            raise RuntimeError(
                "backward: the graph behind this tensor was already freed by an earlier "
                "backward(); pass retain_graph=True to the first backward() to "
                "backpropagate through it again"
            )
        input_grads = ctx.backward(g)
        for parent, pg in zip(ctx.inputs, input_grads, strict=True):
            if pg is None or not parent.requires_grad:
                continue
            if type(pg) is not np.ndarray:
                pg = np.asarray(pg)  # 0-d arithmetic gives NumPy scalars
            data = parent.data
            if pg.shape != data.shape:
                pg = unbroadcast(pg, data.shape)
            if pg.dtype != data.dtype:
                pg = _cast_grad(pg, parent, ctx)
            key = id(parent)
            grads[key] = pg if key not in grads else grads[key] + pg
        if not retain_graph:
            ctx._release()  # also unlinks the inputs so activations can be freed


def _stored_grad(g: np.ndarray, previous: np.ndarray | None, shared: set[int]) -> np.ndarray:
    """The array to keep as ``.grad``: ``previous + g``, or ``g`` itself when nothing shares it.

    ``g`` is copied only when it may be shared: a view of another array (not owning its
    data: a broadcast, a reshape of an op's buffer), the caller's upstream gradient, or an
    array already stored as another tensor's ``.grad`` in this pass. Fresh op outputs are
    kept as they are, which saves a full copy of every leaf gradient (about 5 % of an MLP
    epoch). A stored array is never handed out twice, so in-place updates of one ``.grad``
    (``p.grad *= 0.5``) can never change another.
    """
    if previous is not None:
        out = np.asarray(previous + g)
    elif id(g) in shared or not g.flags.owndata or not g.flags.writeable:
        out = np.array(g)
    else:
        out = g
    shared.add(id(out))
    return out


def _cast_grad(pg: np.ndarray, parent: Node, ctx: Function) -> np.ndarray:
    """Bring a gradient back to its input's dtype (float32 stays float32)."""
    if parent.data.dtype.kind != "f":
        raise TypeError(
            f"backward: {type(ctx).__name__} input of shape {parent.data.shape} has dtype "
            f"{parent.data.dtype} but requires a gradient; only floating tensors have gradients "
            "(convert with .astype('float32') before setting requires_grad)"
        )
    return pg.astype(parent.data.dtype)


def gradients(
    outputs: Node | list[Node],
    inputs: list[Node],
    grad_outputs: Any = None,
    retain_graph: bool = False,
) -> list[np.ndarray | None]:
    """``d(sum_k <u_k, y_k>)/dx`` for each ``x`` in ``inputs``, without touching any ``.grad``.

    The same reverse pass as :func:`backward` (same vector-Jacobian products, same
    broadcasting rule), but the gradients are returned instead of accumulated into leaves.
    ``inputs`` may be leaves or intermediate tensors.

    Args:
        outputs: a tensor ``y`` or a list of tensors ``y_k``.
        inputs: the tensors to differentiate with respect to.
        grad_outputs: upstream gradient ``u`` per output (default: ones, i.e. the
            gradient of ``sum(y)``), an array or a list with one per output.
        retain_graph: keep the graph for another pass (else it is freed as it is walked).

    Returns:
        One array per input (its shape and dtype), or ``None`` where the input did not
        influence any output (or does not require grad).
    """
    outs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    if grad_outputs is None or not isinstance(outputs, (list, tuple)):
        us = [grad_outputs] * len(outs) if grad_outputs is None else [grad_outputs]
    else:
        us = list(grad_outputs)
    grads: dict[int, np.ndarray] = {}
    for out, u in zip(outs, us, strict=True):
        if not out.requires_grad:
            continue
        g0 = np.ones_like(out.data) if u is None else np.asarray(
            u.data if hasattr(u, "data") else u, dtype=out.data.dtype)
        if g0.shape != out.data.shape:
            raise ValueError(
                f"gradients: upstream gradient has shape {g0.shape}, expected the output's "
                f"shape {out.data.shape}"
            )
        grads[id(out)] = g0 if id(out) not in grads else grads[id(out)] + g0
    wanted = {id(t) for t in inputs}
    found: dict[int, np.ndarray] = {}
    order = _topological_order_many([o for o in outs if o.requires_grad])
    for node in reversed(order):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        if id(node) in wanted:
            found[id(node)] = g
        ctx = node._ctx
        if ctx is None:
            continue
        if ctx._freed:
            raise RuntimeError(
                "gradients: the graph behind this tensor was already freed by an earlier "
                "backward pass; keep it with retain_graph=True (persistent=True for a tape)"
            )
        for parent, pg in zip(ctx.inputs, ctx.backward(g), strict=True):
            if pg is None or not parent.requires_grad:
                continue
            pg = np.asarray(pg)
            if pg.shape != parent.data.shape:
                pg = unbroadcast(pg, parent.data.shape)
            if pg.dtype != parent.data.dtype:
                pg = _cast_grad(pg, parent, ctx)
            key = id(parent)
            grads[key] = pg if key not in grads else grads[key] + pg
        if not retain_graph:
            ctx._release()
    return [None if id(t) not in found else np.array(found[id(t)]) for t in inputs]


def _topological_order_many(roots: list[Node]) -> list[Node]:
    """Nodes reachable from any of ``roots`` that require grad, inputs before their users."""
    order: list[Node] = []
    done: set[int] = set()
    for start in roots:
        stack: list[tuple[Node, bool]] = [(start, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in done:
                continue
            done.add(id(node))
            stack.append((node, True))
            if node._ctx is not None:
                stack.extend((p, False) for p in node._ctx.inputs
                             if p.requires_grad and id(p) not in done)
    return order
