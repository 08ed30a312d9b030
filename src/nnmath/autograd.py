"""Reverse-mode automatic differentiation: the graph, the backward pass, ``no_grad``.

Every primitive op is a :class:`Function` subclass with ``forward`` (arrays in, array out)
and ``backward`` (upstream gradient ``g`` in, one vector-Jacobian product per input out).
Calling ``Op.apply(*tensors, **params)`` runs ``forward`` and, when any input requires a
gradient and recording is on, links the output to the op so that ``Tensor.backward`` can
walk the graph in reverse topological order.

The backward pass is iterative (an explicit stack, no recursion), so a chain of 100 000 ops
works. Broadcasting has exactly one backward rule, :func:`unbroadcast`, applied here to every
input gradient: ops may return gradients in the broadcast shape of their output.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .tensor import Tensor

__all__ = [
    "Function", "backward", "enable_grad", "gradients", "is_grad_enabled", "no_grad", "unbroadcast",
]

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


class Function:
    """Base class of every primitive op.

    Subclasses implement ``forward(*arrays, **params) -> np.ndarray`` and
    ``backward(g) -> tuple`` with one entry per array input (``None`` where no gradient
    flows). They may keep what backward needs as attributes of ``self``; ops must never
    modify their inputs and never touch ``.grad``. Expensive ops may read
    ``self.needs_input_grad`` (one bool per input) in ``backward`` and return ``None`` for
    inputs that need no gradient (MatMul skips a whole GEMM that way).
    """

    inputs: tuple[Tensor, ...]
    needs_input_grad: tuple[bool, ...]  # set when recorded: backward may skip the others
    _freed: bool = False

    def forward(self, *xs: np.ndarray, **params: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Tensor:
        """Run the op on tensors (or scalars/arrays) and record it when gradients are needed."""
        tensors = _as_tensors(inputs)
        fn = cls()
        out = fn.forward(*[t.data for t in tensors], **params)
        if _grad_enabled:
            flags = tuple([t.requires_grad for t in tensors])
            if True in flags:
                result = _make_tensor(out, True)
                fn.inputs = tensors
                fn.needs_input_grad = flags
                result._ctx = fn
                return result
        return _make_tensor(out, False)

    def _release(self) -> None:
        """Drop everything saved for backward, and the links to the inputs.

        The intermediate tensors (activations) can then be freed even while the output is
        kept, e.g. a loss stored for logging; a later backward through here is an error.
        """
        self.__dict__.clear()
        self.inputs = ()
        self._freed = True


def _unbound(*args: Any) -> Any:  # pragma: no cover - replaced when nnmath.tensor loads
    raise RuntimeError("autograd: nnmath.tensor has not been imported")


_as_tensors = _unbound
_make_tensor = _unbound


def _register_tensor_type(tensor_type: type, as_tensors: Any) -> None:
    """Called once by ``nnmath.tensor``: the Tensor constructor and converter ops use.

    (autograd cannot import tensor at the top, since tensor imports autograd; binding the two
    functions once keeps an import statement out of every op call.)
    """
    global _as_tensors, _make_tensor
    _as_tensors = as_tensors
    _make_tensor = tensor_type._make


def _topological_order(root: Tensor) -> list[Tensor]:
    """Nodes reachable from ``root`` that require grad, inputs before the ops using them."""
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
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


def backward(root: Tensor, grad: Any = None, retain_graph: bool = False) -> None:
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
                f"{root.shape}; call .backward(grad) with an array of that shape, or reduce "
                "the output first (e.g. .sum())"
            )
        g0 = np.ones_like(root.data)
    else:
        g0 = np.asarray(grad.data if hasattr(grad, "data") else grad, dtype=root.dtype)
        if g0.shape != root.shape:
            raise ValueError(
                f"backward: upstream gradient has shape {g0.shape}, expected the output's "
                f"shape {root.shape}"
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


def _cast_grad(pg: np.ndarray, parent: Tensor, ctx: Function) -> np.ndarray:
    """Bring a gradient back to its input's dtype (float32 stays float32)."""
    if parent.data.dtype.kind != "f":
        raise TypeError(
            f"backward: {type(ctx).__name__} input of shape {parent.shape} has dtype "
            f"{parent.dtype} but requires a gradient; only floating tensors have gradients "
            "(convert with .astype('float32') before setting requires_grad)"
        )
    return pg.astype(parent.data.dtype)


def gradients(
    outputs: Tensor | list[Tensor],
    inputs: list[Tensor],
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


def _topological_order_many(roots: list[Tensor]) -> list[Tensor]:
    """Nodes reachable from any of ``roots`` that require grad, inputs before their users."""
    order: list[Tensor] = []
    done: set[int] = set()
    for start in roots:
        stack: list[tuple[Tensor, bool]] = [(start, False)]
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
