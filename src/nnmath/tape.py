"""Three interfaces to the same reverse-mode engine: ``GradientTape``, ``grad``, ``value_and_grad``.

All three run :func:`nnmath.autograd.gradients`, the reverse pass behind ``Tensor.backward``,
so they give the same numbers; none of them touches any tensor's ``.grad``.

* ``GradientTape`` (the TensorFlow way, as the books teach it)::

      with nm.GradientTape() as tape:
          loss = loss_fn(model(x), y)
      grads = tape.gradient(loss, model.trainable_weights)

  Tensors created with ``requires_grad=True`` (weights) are watched automatically; any other
  tensor is watched with ``tape.watch(t)``. A non-scalar target is summed first (TF's rule:
  ``gradient(y, x) = d sum(y) / dx``).
* ``grad(f)`` and ``value_and_grad(f)`` (the JAX/autograd way): ``f`` takes arrays or tensors
  and returns a one-element tensor; ``grad(f)(x) = df/dx`` as a NumPy array.

Gradients are NumPy arrays, not Tensors: first derivatives only (no nested tapes,
no ``grad(grad(f))``; wrapping a gradient in a new Tensor makes it a constant).

Formula (all three): for target ``y = f(x)`` and upstream gradient ``u`` (ones by default),
the result is the vector-Jacobian product ``u^T dy/dx``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import threads
from .autograd import enable_grad, gradients
from .tensor import Tensor

__all__ = ["GradientTape", "grad", "value_and_grad"]

_UNCONNECTED = ("none", "zero")


class GradientTape:
    """Records the operations on watched tensors so that ``gradient`` can differentiate them.

    Args:
        persistent: allow more than one ``gradient`` call (the graph is kept until the tape is
            deleted); by default the first call frees the graph and a second one is an error.
        watch_accessed_variables: watch every tensor with ``requires_grad=True`` (weights)
            automatically (True, as TensorFlow); with False only ``tape.watch`` ed tensors are
            sources, others get None.

    Example:
        >>> x = nm.Tensor(3.0)
        >>> with nm.GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = x * x
        >>> tape.gradient(y, x)
        array(6., dtype=float32)
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self.persistent = bool(persistent)
        self.watch_accessed_variables = bool(watch_accessed_variables)
        self._watched: dict[int, Tensor] = {}
        self._turned_on: list[Tensor] = []  # constants we set requires_grad on while recording
        self._grad_mode = enable_grad()
        self._recording = False
        self._used = False
        threads.configure()  # a training loop, like fit: nnmath's BLAS thread limit (once)

    def __enter__(self) -> GradientTape:
        self._grad_mode.__enter__()
        self._recording = True
        return self

    def __exit__(self, *exc: object) -> None:
        self._recording = False
        self._grad_mode.__exit__(*exc)
        for t in self._turned_on:  # watched constants stay constants outside the tape
            t.requires_grad = False

    def watch(self, tensor: Tensor | Sequence[Tensor]) -> None:
        """Differentiate with respect to ``tensor`` (or each of a list) too.

        Raises:
            TypeError: not a Tensor (wrap arrays: ``x = nm.Tensor(a)``), or not floating.
        """
        for t in _flatten(tensor, "GradientTape.watch"):
            if t.dtype.kind != "f":
                raise TypeError(
                    f"GradientTape.watch: only floating tensors have gradients, got dtype "
                    f"{t.dtype} with shape {t.shape}; convert with .astype('float32')"
                )
            if not self._recording:
                raise RuntimeError(
                    "GradientTape.watch: call watch() inside the `with GradientTape() as "
                    "tape:` block, before the tensor is used"
                )
            if not t.requires_grad:
                t.requires_grad = True
                self._turned_on.append(t)
            self._watched[id(t)] = t

    def watched_variables(self) -> list[Tensor]:
        """The tensors explicitly watched with :meth:`watch`."""
        return list(self._watched.values())

    def gradient(
        self,
        target: Tensor | Sequence[Tensor],
        sources: Any,
        output_gradients: Any = None,
        unconnected: str = "none",
    ) -> Any:
        """``d target / d source`` for each source, in the structure of ``sources``.

        Args:
            target: a Tensor (summed if it has several elements) or a list of them (summed).
            sources: a Tensor, a list/tuple of Tensors, or a dict of Tensors.
            output_gradients: upstream gradient(s) ``u`` for the target(s) (default ones).
            unconnected: ``"none"`` (default, as TensorFlow): a source that did not influence
                the target gets None; ``"zero"``: it gets zeros of its shape.

        Returns:
            NumPy arrays (or None) matching ``sources``: one array for one Tensor, a list for a
            list, a dict for a dict.

        Raises:
            RuntimeError: a second call on a non-persistent tape.
            ValueError: unknown ``unconnected`` value.
        """
        if unconnected not in _UNCONNECTED:
            raise ValueError(
                f"GradientTape.gradient: unconnected must be 'none' or 'zero', got "
                f"{unconnected!r}"
            )
        if self._used and not self.persistent:
            raise RuntimeError(
                "GradientTape.gradient: this tape was already used; a non-persistent tape "
                "can compute gradients only once (its graph is freed). Create it with "
                "GradientTape(persistent=True) to call gradient() several times"
            )
        self._used = True
        flat = _flatten(sources, "GradientTape.gradient")
        targets = list(target) if isinstance(target, (list, tuple)) else [target]
        for t in targets:
            if not isinstance(t, Tensor):
                extra = (
                    "; gradients are NumPy arrays, so a gradient cannot be differentiated again "
                    "(nested tapes for second derivatives are not supported: use "
                    "nnmath.gradcheck's finite differences on the gradient instead)"
                    if isinstance(t, np.ndarray) else ""
                )
                raise TypeError(
                    f"GradientTape.gradient: the target must be a Tensor computed inside the "
                    f"tape, got {type(t).__name__}{extra}"
                )
        allowed = [
            t for t in flat
            if id(t) in self._watched or (self.watch_accessed_variables and t.requires_grad)
        ]
        restore = [t for t in self._turned_on if not t.requires_grad]
        for t in restore:  # after the with-block: re-enable watched constants for the pass
            t.requires_grad = True
        try:
            what = target if isinstance(target, Tensor) else targets
            found = gradients(what, allowed, output_gradients, self.persistent) if allowed else []
        finally:
            for t in restore:
                t.requires_grad = False
        by_id = {id(t): g for t, g in zip(allowed, found, strict=True)}
        results = []
        for t in flat:
            g = by_id.get(id(t))
            if g is None and unconnected == "zero":
                g = np.zeros(t.shape, dtype=t.dtype)
            results.append(g)
        return _unflatten(sources, results)


def _flatten(sources: Any, where: str) -> list[Tensor]:
    if isinstance(sources, Tensor):
        return [sources]
    items = list(sources.values()) if isinstance(sources, dict) else sources
    if not isinstance(items, (list, tuple)):
        raise TypeError(
            f"{where}: expected a Tensor, a list of Tensors or a dict of Tensors, got "
            f"{type(sources).__name__}; wrap arrays as nm.Tensor(a)"
        )
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"{where}: item {i} is a {type(t).__name__}, expected a Tensor; wrap arrays as "
                "nm.Tensor(a)"
            )
    return list(items)


def _unflatten(sources: Any, results: list[Any]) -> Any:
    if isinstance(sources, Tensor):
        return results[0]
    if isinstance(sources, dict):
        return dict(zip(sources.keys(), results, strict=True))
    return type(sources)(results) if isinstance(sources, tuple) else results


# ----------------------------------------------------------------- the functional style
def _argnums(argnums: int | Sequence[int], n: int, where: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for k in nums:
        if not -n <= k < n:
            raise ValueError(f"{where}: argnums={k} is out of range, f got {n} arguments")
    return tuple(k % n for k in nums)


def _as_variable(value: Any, where: str, k: int) -> Tensor:
    """A fresh leaf holding ``value`` (the caller's tensor and its ``.grad`` stay untouched)."""
    data = value.data if isinstance(value, Tensor) else np.asarray(value)
    if data.dtype.kind != "f":
        raise TypeError(
            f"{where}: argument {k} has dtype {data.dtype}, but only floating values have "
            f"gradients; pass floats (e.g. 3.0, not 3) or convert with .astype('float64')"
        )
    return Tensor(data, requires_grad=True)


def value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable[..., tuple[Any, Any]]:
    """``f`` and its gradient in one pass: ``value_and_grad(f)(x) = (f(x), df/dx)``.

    Args:
        f: takes arrays or Tensors and returns a one-element Tensor (or ``(Tensor, aux)``
            with ``has_aux=True``), computed with nnmath operations.
        argnums: which positional argument(s) to differentiate; a tuple gives a tuple of
            gradients.
        has_aux: ``f`` returns ``(value, aux)``; the result is then ``((value, aux), grad)``.

    Returns:
        A function returning ``(value, grads)``: ``value`` a NumPy array (0-d for a scalar),
        ``grads`` one NumPy array per differentiated argument (zeros where it does not
        influence the value), in the argument's dtype.

    Raises:
        TypeError: ``f`` returned something that is not a Tensor, or a non-floating argument.
        ValueError: ``f``'s value has more than one element (differentiate ``sum(u * f)``).

    Example:
        >>> value, g = nm.value_and_grad(lambda x: (x * x).sum())(np.array([1.0, 2.0]))
        >>> float(value), g
        (5.0, array([2., 4.]))
    """

    def wrapped(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        where = f"value_and_grad({getattr(f, '__name__', 'f')})"
        nums = _argnums(argnums, len(args), where)
        call = list(args)
        variables = []
        for k in nums:
            call[k] = _as_variable(args[k], where, k)
            variables.append(call[k])
        with enable_grad():
            result = f(*call, **kwargs)
        out, aux = result if has_aux else (result, None)
        if not isinstance(out, Tensor):
            raise TypeError(
                f"{where}: f must return a Tensor computed from its arguments with nnmath "
                f"operations (Tensor methods, nnmath.functional), got {type(out).__name__}"
            )
        if out.size != 1:
            raise ValueError(
                f"{where}: f must return one number (a loss), got shape {out.shape}; "
                "differentiate a scalar such as out.sum() or (u * out).sum()"
            )
        found = gradients(out, variables) if out.requires_grad else [None] * len(variables)
        grads = [
            np.zeros(v.shape, dtype=v.dtype) if g is None else g
            for v, g in zip(variables, found, strict=True)
        ]
        value = np.array(out.data)
        g_out = grads[0] if isinstance(argnums, int) else tuple(grads)
        return ((value, aux) if has_aux else value), g_out

    wrapped.__name__ = f"value_and_grad_{getattr(f, '__name__', 'f')}"
    wrapped.__doc__ = f"(value, gradient) of {getattr(f, '__name__', 'f')}."
    return wrapped


def grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """The gradient function of ``f``: ``grad(f)(x) = df/dx`` (see :func:`value_and_grad`).

    Example:
        >>> nm.grad(lambda x: x * x)(3.0)
        array(6.)
    """
    vg = value_and_grad(f, argnums, has_aux)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    wrapped.__name__ = f"grad_{getattr(f, '__name__', 'f')}"
    wrapped.__doc__ = f"Gradient of {getattr(f, '__name__', 'f')}."
    return wrapped
