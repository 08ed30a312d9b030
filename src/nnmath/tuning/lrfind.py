"""The learning-rate range test, and the largest stable rate from the curvature.

Range test (L. Smith, "Cyclical learning rates", 2017): train for up to ``num_iter``
mini-batches while the rate grows exponentially,

    eta_i = start_lr * (end_lr / start_lr) ** (i / (num_iter - 1)),

record the loss ``L_i`` and its debiased exponential moving average

    m_i = beta m_{i-1} + (1 - beta) L_i,   m_0 = 0,   s_i = m_i / (1 - beta ** (i + 1)),

and stop once ``s_i > diverge * min_j s_j`` or ``L_i`` is not finite. The model is then put
back exactly as it was (weights, optimizer state, every random stream).

Suggestions from the smoothed curve ``s`` against ``log eta`` (the first 10 % of points,
where the average is still noisy, are skipped):

* ``valley``: the middle (in log rate) of the stretch where ``s`` makes the bulk of its
  drop, from 5 % to 95 % of ``s_start - min s`` (a flat start or a flat bottom is no valley);
* ``steep``: where ``s`` falls fastest, ``argmin ds / d log eta``, before the minimum and not
  in its last 3 points (the plunge just before a blow-up);
* ``minimum``: the rate at the lowest ``s``, divided by 10.

``result.suggestion`` is the valley when the rules agree within 10x; otherwise (or with too
few points) ``reliable`` is False, the reason is in ``note``, and the suggestion is the most
conservative (smallest) candidate: never None.

Curvature (``curvature=True``): near the starting weights ``w0`` the loss is about
``L(w0) + g.d + d.H d / 2``; plain gradient descent ``w <- w - eta g`` is stable along the
eigenvector of ``H``'s largest eigenvalue ``lambda_max`` only if ``|1 - eta lambda_max| < 1``,
that is ``eta < 2 / lambda_max``. ``lambda_max`` comes from power iteration
``v <- H v / |H v|``, ``lambda = v . H v`` (shifted by ``-lambda I`` and repeated when the
dominant eigenvalue is negative, as it can be at a network's random start), on
Hessian-vector products from gradient differences (no second-order autodiff):

    H v ~ (g(w0 + eps v) - g(w0 - eps v)) / (2 eps)     (exact for a quadratic loss).

Example:
    >>> result = lr_find(model, x_train, y_train, curvature=True)  # doctest: +SKIP
    >>> result.suggestion, result.reliable, result.stable_limit     # doctest: +SKIP
    (0.0021, True, 0.0113)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["LRFinderResult", "largest_eigenvalue", "lr_find", "power_iteration"]


@dataclass
class LRFinderResult:
    """What the range test found (see the module docstring)."""

    lrs: list[float]
    losses: list[float]
    smoothed: list[float]
    suggestion: float
    suggestions: dict[str, float]
    reliable: bool
    note: str
    stable_limit: float | None = None
    lambda_max: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def plot(self, path: str | None = None) -> Any:
        """Loss and smoothed loss against the rate (log axis), suggestions and the stable
        limit marked; saved to ``path`` when given."""
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6.4, 4))
        ax.plot(self.lrs, self.losses, color="0.75", lw=1, label="loss per batch")
        ax.plot(self.lrs, self.smoothed, color="tab:blue", lw=2, label="smoothed loss")
        ax.set_xscale("log")
        marks = {"valley": "tab:green", "steep": "tab:orange", "minimum": "tab:red"}
        for name, lr in self.suggestions.items():
            ax.axvline(lr, color=marks.get(name, "k"), ls="--", lw=1, label=f"{name} {lr:.2g}")
        if self.stable_limit is not None and math.isfinite(self.stable_limit):
            ax.axvline(self.stable_limit, color="k", lw=1.5,
                       label=f"stable limit 2/lambda_max {self.stable_limit:.2g}")
        finite = [s for s in self.smoothed if math.isfinite(s)]
        if finite:
            lo, hi = min(finite), finite[0]
            ax.set_ylim(lo - 0.1 * abs(hi - lo) - 1e-12, max(hi, lo) + 0.6 * abs(hi - lo) + 1e-12)
        ax.set_xlabel("learning rate (log scale)")
        ax.set_ylabel("loss")
        import textwrap

        state = "reliable" if self.reliable else "NOT reliable: " + self.note.split(";")[0]
        ax.set_title(textwrap.fill(f"range test: suggestion {self.suggestion:.2g} ({state})",
                                   80), fontsize=8)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        if path is not None:
            fig.savefig(path, dpi=100)
        return fig


# ----------------------------------------------------------------------------- gradients
def _weights(model: Any) -> list[Any]:
    ws = getattr(model, "trainable_weights", None)
    return list(ws if ws is not None else model.weights)


def _engine_loss(model: Any, x: np.ndarray, y: Any) -> Any:
    """The model's loss on ``(x, y)`` as a graph (dropout off): the fused, stable path when
    the loss absorbs the last activation, as in training."""
    from nnmath.tensor import Tensor

    try:
        from nnmath.models import fusion
    except ImportError:  # an engine without the fusion module: the plain path
        return model.loss(y, model(Tensor(x), training=False))
    return fusion.loss_and_probs(model.forward, model.last_layer, model.loss, y, Tensor(x),
                                 False)[0]


def _engine_gradient(model: Any, x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """The gradient of the model's loss on ``(x, y)`` at its current weights (no step,
    dropout off)."""
    params = _weights(model)
    for p in params:
        p.grad = None
    _engine_loss(model, np.asarray(x, dtype=np.float32), y).backward()
    grads = [np.zeros_like(p.data) if p.grad is None else np.array(p.grad) for p in params]
    for p in params:
        p.grad = None
    return grads


def _gradient_fn(model: Any, x: np.ndarray, y: np.ndarray) -> tuple[Any, Any, np.ndarray]:
    """``grad(w_flat) -> g_flat`` for the model's loss on ``(x, y)``, ``set(w_flat)``, and
    the current flat weights (float64)."""
    if hasattr(model, "loss_gradient"):  # models outside the engine (classic adapters)
        w0 = np.asarray(model.get_flat_weights(), dtype=np.float64)

        def grad(w: np.ndarray) -> np.ndarray:
            model.set_flat_weights(w)
            return np.asarray(model.loss_gradient(x, y), dtype=np.float64)

        return grad, model.set_flat_weights, w0
    params = _weights(model)
    shapes = [p.data.shape for p in params]
    sizes = [p.data.size for p in params]
    w0 = np.concatenate([p.data.ravel().astype(np.float64) for p in params])

    def set_flat(w: np.ndarray) -> None:
        start = 0
        for p, shape, n in zip(params, shapes, sizes, strict=True):
            p.data[...] = w[start:start + n].reshape(shape)
            start += n

    def grad(w: np.ndarray) -> np.ndarray:
        set_flat(w)
        return np.concatenate([g.ravel().astype(np.float64)
                               for g in _engine_gradient(model, x, y)])

    return grad, set_flat, w0


def power_iteration(hvp: Any, dim: int, rng: np.random.Generator, max_iter: int = 100,
                    tol: float = 1e-5) -> float:
    """The eigenvalue of largest magnitude of the symmetric operator ``v -> hvp(v)``.

    ``v <- H v / |H v|`` converges to the dominant eigenvector (geometrically, with ratio
    ``|lambda_2 / lambda_1|``); its Rayleigh quotient ``v . H v`` is the eigenvalue.
    """
    v = rng.standard_normal(dim)
    v /= np.linalg.norm(v)
    lam = 0.0
    for _ in range(max_iter):
        hv = hvp(v)
        new = float(v @ hv)
        norm = float(np.linalg.norm(hv))
        if norm == 0 or not math.isfinite(norm):
            return new
        v = hv / norm
        if abs(new - lam) <= tol * abs(new):
            return new
        lam = new
    return lam


def curvature(model: Any, x: np.ndarray, y: np.ndarray, seed: int | None = 0,
              max_iter: int = 100) -> float:
    """``lambda_max`` of the loss's Hessian on ``(x, y)`` at the model's current weights
    (the weights are left as they were)."""
    grad, set_flat, w0 = _gradient_fn(model, x, y)
    eps = 1e-3 * max(1.0, float(np.linalg.norm(w0)) / math.sqrt(max(w0.size, 1)))

    def hvp(v: np.ndarray) -> np.ndarray:
        return (grad(w0 + eps * v) - grad(w0 - eps * v)) / (2 * eps)

    try:
        return largest_eigenvalue(hvp, w0.size, np.random.default_rng(seed), max_iter=max_iter)
    finally:
        set_flat(w0)


def largest_eigenvalue(hvp: Any, dim: int, rng: np.random.Generator,
                       max_iter: int = 100, tol: float = 1e-5) -> float:
    """The largest (most positive) eigenvalue ``lambda_max`` of the symmetric operator
    ``v -> hvp(v)``.

    Away from a minimum (a network at its random start) the Hessian is indefinite, and a
    negative eigenvalue can match or beat ``lambda_max`` in magnitude: the Rayleigh quotient
    of plain power iteration then lands on it, or wanders between the two. So first the
    spectral radius ``rho = max |lambda_i|``, from ``|H v| -> rho`` (which converges even
    when ``+rho`` and ``-rho`` are both eigenvalues); if ``v . H v ~ rho``, that is
    ``lambda_max``; otherwise power iteration on the shifted ``H + rho I`` (eigenvalues
    ``lambda_i + rho >= 0``, the largest ``lambda_max + rho``) gives it.
    """
    v = rng.standard_normal(dim)
    v /= np.linalg.norm(v)
    rho = 0.0
    for _ in range(max_iter):
        hv = hvp(v)
        norm = float(np.linalg.norm(hv))
        if norm == 0 or not math.isfinite(norm):
            return float(v @ hv)
        v, done = hv / norm, abs(norm - rho) <= tol * norm
        rho = norm
        if done:
            break
    mu = float(v @ hvp(v))
    if mu >= (1 - 1e-3) * rho:  # v is already lambda_max's eigenvector
        return mu
    return power_iteration(lambda u: hvp(u) + rho * u, dim, rng, max_iter=max_iter,
                           tol=tol) - rho


# ----------------------------------------------------------------------------- suggestions
def suggest(lrs: np.ndarray, smoothed: np.ndarray) -> tuple[float, dict[str, float], bool, str]:
    """``(suggestion, suggestions, reliable, note)`` from a smoothed range-test curve."""
    ok = np.isfinite(smoothed)
    start = float(lrs[0]) if lrs.size else float("nan")
    lrs, s = lrs[ok], smoothed[ok]
    notes: list[str] = []
    if s.size < 3:  # the start rate (even when its own loss was not finite): never None/NaN
        lr = float(lrs[0]) if lrs.size else start
        return lr, {}, False, f"too few points ({s.size}) before the loss diverged: the start " \
            "rate is already too large; lower start_lr"
    skip = max(1, s.size // 10) if s.size >= 20 else 0
    i_min = int(np.argmin(s))
    cands: dict[str, float] = {"minimum": float(lrs[i_min]) / 10}
    lo = min(skip, max(i_min - 2, 0))
    seg_l, seg_s = np.log(lrs[lo:i_min + 1]), s[lo:i_min + 1]
    if seg_s.size >= 3:
        # steepest fall, leaving out the last points before the minimum, where the loss
        # often plunges just before it blows up
        slope = np.gradient(seg_s, seg_l)[:max(seg_s.size - 3, 1)]
        cands["steep"] = float(lrs[lo + int(np.argmin(slope))])
        # the valley: where the loss makes the bulk of its drop, from 5 % to 95 % of it
        drop = seg_s[0] - seg_s[-1]
        if drop > 0:
            a = int(np.argmax(seg_s < seg_s[0] - 0.05 * drop))
            b = int(np.argmax(seg_s <= seg_s[0] - 0.95 * drop))
            cands["valley"] = float(np.exp((seg_l[a] + seg_l[max(a, b)]) / 2))
    if s.size < 10:
        notes.append(f"only {s.size} points before the loss diverged")
    drop = (s[lo] - s[i_min]) / max(abs(s[lo]), 1e-12)
    if drop < 0.02:
        notes.append(f"the smoothed loss hardly fell ({100 * drop:.1f} %): widen the range or "
                     "check the model")
    spread = max(cands.values()) / min(cands.values())
    if len(cands) < 3:
        notes.append(f"only the rule(s) {', '.join(sorted(cands))} applied")
    elif spread > 10:
        notes.append(f"the rules disagree by {spread:.0f}x "
                     f"({', '.join(f'{k} {v:.2g}' for k, v in cands.items())})")
    reliable = not notes
    suggestion = cands["valley"] if reliable else min(cands.values())
    note = "the valley, steep and minimum rules agree within 10x" if reliable else \
        "; ".join(notes) + f"; took the most conservative candidate {suggestion:.2g}"
    return suggestion, cands, reliable, note


# ----------------------------------------------------------------------------- the test
def _batches(n: int, batch_size: int, rng: np.random.Generator):
    while True:
        order = rng.permutation(n)
        for start in range(0, n - n % batch_size if n >= batch_size else n, batch_size):
            yield order[start:start + batch_size]


def lr_find(
    model: Any,
    x: Any,
    y: Any,
    *,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_iter: int = 100,
    batch_size: int = 32,
    smoothing: float = 0.98,
    diverge: float = 4.0,
    seed: int | None = None,
    curvature: bool = False,
) -> LRFinderResult:
    """Run the learning-rate range test on a compiled model, then restore the model.

    Args:
        model: a compiled engine model (``Sequential``), or any object with
            ``train_on_batch``, ``get_training_state``/``set_training_state`` and an
            ``optimizer`` with a settable ``learning_rate`` (the classic recipes' models).
        x, y: training inputs and targets (batch-first).
        start_lr, end_lr: the range of rates (``0 < start_lr < end_lr``).
        num_iter: at most this many mini-batches (a point each).
        batch_size: samples per step (``len(x)`` for full-batch gradient descent).
        smoothing: ``beta`` of the moving average (0 keeps the raw loss).
        diverge: stop once the smoothed loss exceeds ``diverge`` x its best value.
        seed: order of the mini-batches (and the power iteration's start vector).
        curvature: also estimate ``lambda_max`` on the first batch and report
            ``stable_limit = 2 / lambda_max``.

    Returns:
        an :class:`LRFinderResult`.

    Raises:
        ValueError: a bad range, ``num_iter < 2``, ``smoothing`` outside ``[0, 1)``,
            ``diverge <= 1``, or a model without the training contract.
    """
    from .classic_adapter import ClassicTrainer, is_classic

    if is_classic(model):  # a classic recipe's model: plain full-batch gradient descent
        model = ClassicTrainer(model)
    problems = [t for bad, t in (
        (not 0 < start_lr < end_lr, f"0 < start_lr < end_lr, got {start_lr}, {end_lr}"),
        (num_iter < 2, f"num_iter >= 2, got {num_iter}"),
        (not 0 <= smoothing < 1, f"0 <= smoothing < 1, got {smoothing}"),
        (diverge <= 1, f"diverge > 1, got {diverge}"),
        (batch_size < 1, f"batch_size >= 1, got {batch_size}"),
    ) if bad]
    missing = [m for m in ("train_on_batch", "get_training_state", "set_training_state")
               if not hasattr(model, m)]
    if missing:
        problems.append(f"a compiled model with {', '.join(missing)} (an engine Sequential "
                        f"or a recipe's model), got {type(model).__name__}")
    if problems:
        raise ValueError("lr_find: expected " + "; ".join(problems))
    if getattr(model, "optimizer", None) is None:
        raise ValueError("lr_find: the model has no optimizer; compile it first")
    x, y = np.asarray(x), np.asarray(y)
    if hasattr(model, "built") and not model.built and hasattr(model, "build"):
        model.build((None, *x.shape[1:]))
    rng = np.random.default_rng(seed)
    batch_size = min(batch_size, len(x))
    batches = _batches(len(x), batch_size, rng)
    state = model.get_training_state()
    lrs, losses, smoothed = [], [], []
    lam = None
    try:
        first = next(batches)
        if curvature:
            lam = globals()["curvature"](model, x[first], y[first], seed=seed)
            model.set_training_state(state)
        ratio = (end_lr / start_lr) ** (1 / (num_iter - 1))
        avg, best = 0.0, math.inf
        idx = first
        for i in range(num_iter):
            lr = start_lr * ratio ** i
            model.optimizer.learning_rate = lr
            with np.errstate(all="ignore"):
                loss = float(model.train_on_batch(x[idx], y[idx])["loss"])
            avg = smoothing * avg + (1 - smoothing) * loss
            s = avg / (1 - smoothing ** (i + 1))
            lrs.append(lr)
            losses.append(loss)
            smoothed.append(s)
            if not math.isfinite(s) or s > diverge * best:
                break
            best = min(best, s)
            idx = next(batches)
    finally:
        model.set_training_state(state)
    suggestion, cands, reliable, note = suggest(np.array(lrs), np.array(smoothed))
    stable = None
    if lam is not None:
        stable = 2.0 / lam if lam > 0 else math.inf
        if lam <= 0:
            note += "; the largest curvature is not positive (no stable limit)"
        elif suggestion > stable:
            note += (f"; the suggestion is above 2/lambda_max = {stable:.2g}, the limit of "
                     "plain gradient descent (fine for Adam/RMSprop, which rescale steps)")
    return LRFinderResult(lrs, losses, smoothed, float(suggestion), cands, reliable, note,
                          stable, lam)
