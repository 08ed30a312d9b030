"""Optimizer base class: slot state per parameter, in-place updates, state save/load.

An optimizer updates each parameter tensor ``p`` in place from its gradient ``p.grad``
(``p.data`` keeps its identity and dtype: float32 weights stay float32). Subclasses declare
their state arrays (``slot_names``) and implement ``_update(w, g, slots, tmp)`` with NumPy
in-place ufuncs on one preallocated scratch buffer ``tmp`` per parameter, so a training step
allocates nothing. Large parameters are updated block by block (``CHUNK`` elements) so every
pass of the rule reads cached memory; the result is identical (the rules are element-wise).

Subnormal state. A slot that decays geometrically (RMSprop's and Adam's averages, momentum)
shrinks by a constant factor on every step in which its weight gets no gradient, as happens to
the first-layer weights of MNIST's rarely inked border pixels. After a few hundred such steps
its values fall below the smallest normal float (``np.finfo(dtype).tiny``) into subnormal
numbers, and on x86 CPUs every ufunc pass that reads or produces them becomes 10-100 times
slower per element: an MNIST MLP's epoch grew 25 % slower over six epochs of RMSprop. So every
``FLUSH_EVERY`` steps, state values smaller than ``2**FLUSH_BITS * tiny`` in magnitude are set
to zero. This only moves the state's underflow point up by ``FLUSH_BITS`` binary orders of
magnitude (2^-100 instead of 2^-149 in float32): a velocity that small changes no update with
the default epsilons (``sqrt(v) < 2^-50`` is below half a unit in the last place of
``epsilon = 1e-7``), and a momentum or first moment that small moves no weight larger than
about 1e-15 (Adam's defaults; SGD's momentum: 1e-23). Tests check that the weights come out
bit for bit the same with and without the flush.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["CHUNK", "FLUSH_BITS", "FLUSH_EVERY", "OPTIMIZERS", "Optimizer", "flush_tiny"]

CHUNK = 32768  # elements per block of an update: 5 float32 blocks fit in a 1 MB L2 cache
FLUSH_EVERY = 32  # steps between flushes of nearly subnormal state to zero
FLUSH_BITS = 26  # state below 2**FLUSH_BITS times the smallest normal float is flushed

#: Every optimizer class by its ``name`` ("sgd", "adam", ...), filled in when the class is
#: defined (``Optimizer.__init_subclass__``): ``optimizers.get`` and model files look here.
OPTIMIZERS: dict[str, type[Optimizer]] = {}


class Optimizer:
    """Base of every update rule.

    Args:
        learning_rate: step size ``eta`` (a positive float).

    Raises:
        ValueError: non-positive learning rate.

    Example:
        >>> opt = SGD(learning_rate=0.1)
        >>> loss.backward(); opt.step(params); opt.zero_grad(params)
    """

    name = "optimizer"
    slot_names: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Register a subclass that declares its own ``name`` in :data:`OPTIMIZERS`."""
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            OPTIMIZERS.setdefault(cls.name.lower(), cls)

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = learning_rate
        self.iterations = 0
        self._slots: list[dict[str, np.ndarray]] = []
        self._tmp: list[np.ndarray] = []
        self._shapes: list[tuple[int, ...]] = []
        self._views: list[Any] = []  # per parameter: its blocks' views (see _block_views)

    @property
    def learning_rate(self) -> float:
        """The step size ``eta``; may be set between steps (takes effect on the next step).

        Raises:
            ValueError: setting a non-positive value.
        """
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        value = float(value)
        if not value > 0:
            raise ValueError(
                f"{type(self).__name__}: expected a positive learning_rate, got {value}"
            )
        self._learning_rate = value

    # ------------------------------------------------------------------ state
    @property
    def built(self) -> bool:
        """Whether the state arrays exist (after the first step or ``build``)."""
        return bool(self._shapes)

    def build(self, params: Sequence[Tensor]) -> None:
        """Create the zero-initialized state arrays (and scratch buffers) of ``params``."""
        self._shapes = [p.shape for p in params]
        self._slots = [
            {s: np.zeros(p.shape, dtype=p.dtype) for s in self.slot_names} for p in params
        ]
        self._tmp = [np.empty(p.shape, dtype=p.dtype) for p in params]
        self._views = [None] * len(params)

    def reset(self) -> None:
        """Forget all state (slots and step count): the next step starts afresh."""
        self._shapes, self._slots, self._tmp, self._views = [], [], [], []
        self.iterations = 0

    def _check_built(self, params: Sequence[Tensor]) -> None:
        shapes = [p.shape for p in params]
        if shapes != self._shapes:
            if self._shapes:
                raise ValueError(
                    f"{type(self).__name__}.step: this optimizer holds state for parameters of "
                    f"shapes {self._shapes}, got {shapes}; use a new optimizer per model"
                )
            self.build(params)

    def step(self, params: Sequence[Tensor]) -> None:
        """Apply one update to every parameter that has a gradient (in place)."""
        self._check_built(params)
        self.iterations += 1
        flush = bool(self.slot_names) and self.iterations % FLUSH_EVERY == 0
        for i, p in enumerate(params):
            g = p.grad
            if g is None:
                continue
            w = p.data
            blocks = self._block_views(i, w) if g.flags.c_contiguous else None
            if blocks is None:
                slots, tmp = self._slots[i], self._tmp[i]
                self._update(w, g, slots, tmp)
                if flush:
                    flush_tiny(slots.values(), tmp)
                continue
            # Cache blocking: all passes of the rule run on one block while it sits in the
            # CPU cache (about 30 % faster than whole-array passes for a 784x512 kernel).
            g = g.reshape(-1)
            for block, w_block, slot_blocks, tmp_block in blocks:
                self._update(w_block, g[block], slot_blocks, tmp_block)
                if flush:  # while the block is still in the cache
                    flush_tiny(slot_blocks.values(), tmp_block)

    def _block_views(self, i: int, w: np.ndarray) -> list[tuple[slice, Any, Any, Any]] | None:
        """``(slice, weight block, slot blocks, scratch block)`` per ``CHUNK`` elements of
        parameter ``i`` (None when it is small or not contiguous). Made once per weight
        array and kept: the views of the state never change, only the gradient is new."""
        if w.size <= CHUNK or not w.flags.c_contiguous:
            return None
        cached = self._views[i]
        if cached is None or cached[0] is not w:
            flat_w, flat_tmp = w.reshape(-1), self._tmp[i].reshape(-1)
            flat = {k: v.reshape(-1) for k, v in self._slots[i].items()}
            blocks = []
            for start in range(0, w.size, CHUNK):
                b = slice(start, start + CHUNK)
                blocks.append((b, flat_w[b], {k: v[b] for k, v in flat.items()}, flat_tmp[b]))
            self._views[i] = cached = (w, blocks)
        return cached[1]

    def apply_gradients(self, grads_and_vars: Any) -> None:
        """One update from explicit ``(gradient, weight)`` pairs, as Keras's optimizers take them.

        ``opt.apply_gradients(zip(grads, model.trainable_weights))`` sets each weight's
        ``.grad`` to its array (None skips that weight) and runs :meth:`step` on all of them,
        so the state is kept per weight in the order given (give the same order every time).

        Raises:
            ValueError: a gradient whose shape differs from its weight's.
        """
        params = []
        for g, w in grads_and_vars:
            if g is not None:
                g = np.asarray(g.data if isinstance(g, Tensor) else g, dtype=w.dtype)
                if g.shape != w.shape:
                    raise ValueError(
                        f"{type(self).__name__}.apply_gradients: gradient of shape {g.shape} "
                        f"for weight {w.name or ''} of shape {w.shape}; pass gradients in the "
                        "same order as the weights"
                    )
            w.grad = g
            params.append(w)
        self.step(params)

    @staticmethod
    def zero_grad(params: Sequence[Tensor]) -> None:
        """Forget the gradients of ``params`` (before the next backward)."""
        for p in params:
            p.grad = None

    def _update(
        self, w: np.ndarray, g: np.ndarray, slots: dict[str, np.ndarray], tmp: np.ndarray
    ) -> None:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (JSON-serializable)."""
        return {"learning_rate": self.learning_rate}

    def state_dict(self) -> dict[str, np.ndarray]:
        """All state as named arrays: ``iterations`` and ``<param index>/<slot>``."""
        state = {"iterations": np.array(self.iterations, dtype=np.int64)}
        for i, slots in enumerate(self._slots):
            for s, arr in slots.items():
                state[f"{i}/{s}"] = arr
        return state

    def load_state_dict(self, state: dict[str, np.ndarray], params: Sequence[Tensor]) -> None:
        """Restore state saved by :meth:`state_dict` for the same ``params``.

        Raises:
            ValueError: a state array is missing or has the wrong shape.
        """
        self.build(params)
        self.iterations = int(state["iterations"])
        for i, slots in enumerate(self._slots):
            for s, arr in slots.items():
                key = f"{i}/{s}"
                if key not in state or state[key].shape != arr.shape:
                    got = state[key].shape if key in state else "nothing"
                    raise ValueError(
                        f"{type(self).__name__}.load_state_dict: expected state {key!r} of "
                        f"shape {arr.shape}, got {got}; the state belongs to another model"
                    )
                arr[...] = state[key]

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def flush_tiny(arrays: Any, scratch: np.ndarray) -> None:
    """Set the values of ``arrays`` smaller than ``2**FLUSH_BITS`` times the smallest normal
    float in magnitude to zero, in place (``scratch``: a float buffer of the same shape).

    See the module docstring: this keeps optimizer state out of the slow subnormal range.
    """
    for a in arrays:
        limit = np.finfo(a.dtype).tiny * 2.0**FLUSH_BITS
        np.abs(a, out=scratch)
        np.copyto(a, 0, where=scratch < limit)
