"""Numerical gradient checks: analytic vector-Jacobian products against central differences.

For a function ``y = f(x_1, ..., x_n)`` the engine computes ``u^T (dy/dx_k)`` for an upstream
gradient ``u``. :func:`gradcheck` draws a random ``u`` (a seeded standard normal; an all-ones
``u`` would hide transposition bugs), runs one backward pass, and compares the result with
the central difference of the scalar ``phi(x) = sum(u * f(x))``::

    dphi/dx_i ~= (phi(x + eps e_i) - phi(x - eps e_i)) / (2 eps)

for every element ``i`` of every checked input, in float64. Per input it reports the
relative error ``||g - g_num|| / (||g|| + ||g_num||)``, the worst element and both values
there. An input passes when its relative error is at most ``rtol`` or every element differs
by at most ``atol``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .autograd import enable_grad, no_grad
from .tensor import Tensor

__all__ = ["GradcheckReport", "InputCheck", "gradcheck"]


@dataclass
class InputCheck:
    """The comparison for one input (or one parameter).

    Attributes:
        name: ``"input 0"``, ``"input 1"``, ... or ``"param 0"``, ... (or the tensor's name).
        shape: the input's shape.
        rel_error: ``||g - g_num|| / (||g|| + ||g_num||)`` (0 when both are zero).
        max_abs_error: ``max |g - g_num|`` over the checked elements.
        worst_index: the element where ``|g - g_num|`` is largest.
        analytic, numeric: ``g`` and ``g_num`` at ``worst_index``.
        passed: ``rel_error <= rtol or max_abs_error <= atol``.
        grad, grad_numeric: the full arrays (NaN where an element was not sampled).
    """

    name: str
    shape: tuple[int, ...]
    rel_error: float
    max_abs_error: float
    worst_index: tuple[int, ...]
    analytic: float
    numeric: float
    passed: bool
    checked: int
    grad: np.ndarray = field(repr=False)
    grad_numeric: np.ndarray = field(repr=False)

    def __str__(self) -> str:
        status = "ok  " if self.passed else "FAIL"
        return (
            f"{status} {self.name} {self.shape}: rel error {self.rel_error:.3e}, "
            f"max abs error {self.max_abs_error:.3e} at {self.worst_index} "
            f"(analytic {self.analytic:.10g}, numeric {self.numeric:.10g}; "
            f"{self.checked} elements)"
        )


@dataclass
class GradcheckReport:
    """Result of :func:`gradcheck`: one :class:`InputCheck` per checked input.

    ``bool(report)`` is ``report.passed``, so ``assert gradcheck(f, x)`` works and prints the
    report when it fails.
    """

    checks: list[InputCheck]
    eps: float
    atol: float
    rtol: float

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def max_rel_error(self) -> float:
        return max((c.rel_error for c in self.checks), default=0.0)

    def __bool__(self) -> bool:
        return self.passed

    def __getitem__(self, i: int) -> InputCheck:
        return self.checks[i]

    def __len__(self) -> int:
        return len(self.checks)

    def __str__(self) -> str:
        head = (
            f"gradcheck {'PASSED' if self.passed else 'FAILED'} "
            f"(eps={self.eps:g}, rtol={self.rtol:g}, atol={self.atol:g})"
        )
        return "\n".join([head, *("  " + str(c) for c in self.checks)])

    __repr__ = __str__


def _to_input(value: Any) -> tuple[Any, bool]:
    """(the value fn receives, whether it is floating and may be checked)."""
    if isinstance(value, Tensor):
        arr = value.data
    elif isinstance(value, (np.ndarray, np.generic, float, int, list, tuple)) and not isinstance(
        value, bool
    ):
        arr = np.asarray(value)
    else:
        return value, False  # None, strings, callables...: passed through untouched
    if np.issubdtype(arr.dtype, np.floating):
        return Tensor(np.array(arr, dtype=np.float64)), True  # a float64 copy
    return Tensor(np.array(arr)), False


def gradcheck(
    fn: Callable[..., Tensor],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-7,
    rtol: float = 1e-5,
    wrt: int | Sequence[int] | None = None,
    params: Sequence[Tensor] = (),
    samples: int | None = None,
    seed: int | np.random.Generator = 0,
) -> GradcheckReport:
    """Compare ``fn``'s backward pass with central finite differences, in float64.

    Formula: with a random upstream gradient ``u`` and ``phi(x) = sum(u * fn(x))``, the
    analytic ``g = u^T J`` (one backward pass) is compared with
    ``g_num_i = (phi(x + eps e_i) - phi(x - eps e_i)) / (2 eps)``;
    ``rel_error = ||g - g_num|| / (||g|| + ||g_num||)``.

    Args:
        fn: takes one Tensor per input (in order) and returns a floating Tensor of any shape.
        *inputs: arrays, Tensors or scalars. Floating ones are copied to float64 and may be
            checked; integer/bool ones (labels, indices) are passed as Tensors unchanged;
            anything else (None, strings) is passed through as is.
        eps: the finite-difference step.
        atol: an input also passes when every element differs by at most this.
        rtol: an input passes when its relative error is at most this.
        wrt: index or indices of the inputs to check (default: every floating input).
        params: leaf Tensors that ``fn`` uses from its closure (a model's weights). They must
            already be float64; they are perturbed in place and restored, and their ``.grad``
            is left as it was.
        samples: check only this many randomly chosen elements per input (for big inputs);
            default: every element.
        seed: seed or generator for the upstream gradient and the sampled elements.

    Returns:
        A :class:`GradcheckReport`; truthy when every checked input passed.

    Raises:
        TypeError: ``fn`` did not return a Tensor, or ``wrt`` names a non-floating input.
        ValueError: ``fn``'s output or a parameter is not float64 (the check needs float64
            throughout: cast the weights with ``.astype(np.float64)`` first), ``wrt`` is out
            of range, or there is nothing to check.

    Shape: inputs and output of any shape; ``g`` and ``g_num`` have each input's shape.

    Example:
        >>> report = gradcheck(lambda a, b: (a * b).sum(axis=0), np.ones((3, 2)), np.ones(2))
        >>> report.passed
        True
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    converted = [_to_input(v) for v in inputs]
    args = [v for v, _ in converted]
    floating = [i for i, (_, ok) in enumerate(converted) if ok]
    targets = _targets(wrt, inputs, len(args), floating)
    params = _checked_params(params)
    if not targets and not params:
        raise ValueError("gradcheck: nothing to check (no floating inputs, no params)")
    checked: list[tuple[str, Tensor]] = []
    for i in targets:
        args[i].requires_grad = True
        checked.append((args[i].name or f"input {i}", args[i]))
    checked += [(p.name or f"param {k}", p) for k, p in enumerate(params)]

    def evaluate() -> Tensor:
        return _float64_output(fn(*args))

    u, analytic = _analytic(evaluate, checked, params, rng)
    with no_grad():
        checks = [
            _compare(name, g, *_numeric(evaluate, t, u, eps, samples, rng), atol, rtol)
            for (name, t), g in zip(checked, analytic, strict=True)
        ]
    return GradcheckReport(checks, eps, atol, rtol)


def _targets(wrt: Any, inputs: Sequence[Any], n: int, floating: list[int]) -> list[int]:
    """The indices of the inputs to check: ``wrt`` validated, or every floating input."""
    if wrt is None:
        return floating
    targets = [wrt] if isinstance(wrt, int) else list(wrt)
    for i in targets:
        if not -n <= i < n:
            raise ValueError(f"gradcheck: wrt={i} is out of range, fn gets {n} inputs")
        if i % n not in floating:
            raise TypeError(
                f"gradcheck: wrt={i} names a non-floating input ({type(inputs[i]).__name__});"
                " only floating inputs have gradients"
            )
    return [i % n for i in targets]


def _checked_params(params: Sequence[Tensor]) -> list[Tensor]:
    """``params`` as a list, each a float64 leaf Tensor that requires a gradient."""
    params = list(params)
    for k, p in enumerate(params):
        if not isinstance(p, Tensor) or p.dtype != np.float64 or not p.requires_grad:
            got = p.dtype if isinstance(p, Tensor) else type(p).__name__
            raise ValueError(
                f"gradcheck: params[{k}] must be a float64 Tensor with requires_grad=True, got "
                f"{got}; cast the model's weights to float64 before checking"
            )
    return params


def _float64_output(out: Any) -> Tensor:
    """``fn``'s output, required to be a float64 Tensor."""
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    if out.dtype != np.float64:
        raise ValueError(
            f"gradcheck: fn returned a {out.dtype} tensor of shape {out.shape}; the check "
            "needs float64 throughout (are some weights float32? cast them to float64)"
        )
    return out


def _analytic(
    evaluate: Callable[[], Tensor],
    checked: list[tuple[str, Tensor]],
    params: list[Tensor],
    rng: np.random.Generator,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """The random upstream gradient ``u`` and ``g = u^T J`` for every checked tensor, from
    one backward pass (the params' own ``.grad`` is left as it was)."""
    saved_grads = [p.grad for p in params]
    for p in params:
        p.grad = None
    with enable_grad():
        out = evaluate()
        u = rng.standard_normal(out.shape)
        if out.requires_grad:
            out.backward(u)
    analytic = [np.zeros(t.shape) if t.grad is None else np.array(t.grad) for _, t in checked]
    for p, g in zip(params, saved_grads, strict=True):
        p.grad = g
    return u, analytic


def _numeric(
    evaluate: Callable[[], Tensor],
    t: Tensor,
    u: np.ndarray,
    eps: float,
    samples: int | None,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Central differences of ``phi(x) = sum(u * fn(x))`` over the elements of ``t`` (all, or
    ``samples`` random ones): ``(g_num, the flat indices checked)``; NaN where unsampled."""
    if not t.data.flags.c_contiguous or not t.data.flags.writeable:
        t.data = np.array(t.data, order="C")  # so that ravel below is a view
    x = t.data.reshape(-1)  # a view: perturbations reach the tensor fn sees
    n = x.size
    picks = (
        np.arange(n)
        if samples is None or samples >= n
        else np.sort(rng.choice(n, size=samples, replace=False))
    )
    g_num = np.full(n, np.nan)
    for i in picks:
        original = x[i]
        x[i] = original + eps
        plus = np.array(evaluate().data)  # a copy: the output may view the input
        x[i] = original - eps
        minus = np.array(evaluate().data)
        x[i] = original
        g_num[i] = np.vdot(plus - minus, u) / (2 * eps)
    return g_num.reshape(t.shape), picks


def _compare(
    name: str, g: np.ndarray, g_num: np.ndarray, picks: np.ndarray, atol: float, rtol: float
) -> InputCheck:
    a = g.reshape(-1)[picks]
    b = g_num.reshape(-1)[picks]
    diff = np.abs(a - b)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    rel = float(np.linalg.norm(a - b) / denom) if denom > 0 else 0.0
    if not np.all(np.isfinite(diff)):
        rel = float("inf")
    worst = int(np.nanargmax(np.where(np.isnan(diff), np.inf, diff))) if diff.size else 0
    max_abs = float(diff[worst]) if diff.size else 0.0
    flat = int(picks[worst]) if diff.size else 0
    index = tuple(int(i) for i in np.unravel_index(flat, g.shape)) if g.size else ()
    passed = bool(rel <= rtol or max_abs <= atol)
    return InputCheck(
        name=name,
        shape=tuple(g.shape),
        rel_error=rel,
        max_abs_error=max_abs,
        worst_index=index,
        analytic=float(a[worst]) if diff.size else 0.0,
        numeric=float(b[worst]) if diff.size else 0.0,
        passed=passed,
        checked=int(picks.size),
        grad=g,
        grad_numeric=g_num,
    )
