"""Lesson: gradient descent step by step on a convex curve and a 2-D bowl; learning rates."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

import nnmath as nm

if TYPE_CHECKING:
    from . import Context

TITLE = "Gradient descent, step by step"
SUMMARY = "descent on a convex curve and a 2-D bowl; learning rates 1, 0.1, 0.01, 0.001"
EXPLANATION = (
    "Gradient descent repeats one step: move the parameters a little against the gradient. "
    "The gradient comes from nnmath's autodiff (backward on the cost). On the curve "
    "J(w) = 9.5 (w - 2)^2 + 1 (curvature J'' = 19) each step multiplies the distance to the "
    "minimum by (1 - 19 alpha): alpha = 0.001 (factor 0.981) crawls: too slow; alpha = 0.01 "
    "(factor 0.81) walks straight down and arrives: right; alpha = 0.1 (factor -0.9) jumps "
    "over the minimum to the other side every step and settles only slowly: oscillating; "
    "alpha = 1 (factor -18) lands further away each time: diverging. On the bowl "
    "J(x, y) = x^2 + 10 y^2 one learning rate must serve both axes: the steep one "
    "oscillates while the flat one is slow, the reason for momentum and Adam."
)
FORMULAS = [
    "w := w - alpha * dJ/dw",
    "J(w) = 9.5 (w - 2)^2 + 1,  dJ/dw = 19 (w - 2)",
    "w_t - 2 = (1 - 19 alpha)^t (w_0 - 2):  converges iff |1 - 19 alpha| < 1, "
    "oscillates iff 1 - 19 alpha < 0",
    "J(x, y) = x^2 + 10 y^2,  grad J = (2x, 20y)",
]
LONG = False


CURVATURE = 19.0  # J''(w): the factor per step is 1 - CURVATURE * alpha


def _curve(w: nm.Tensor) -> nm.Tensor:
    return 0.5 * CURVATURE * (w - 2.0) ** 2 + 1.0


def _descend(f, start, learning_rate: float, steps: int, grads: list | None = None):
    """Gradient descent with autodiff gradients; returns the path and the cost per step."""
    w = nm.Tensor(np.array(start, dtype=np.float64), requires_grad=True)
    path, costs = [w.numpy().copy()], []
    grads = [] if grads is None else grads
    for _ in range(steps):
        w.grad = None
        cost = f(w)
        cost.backward()
        costs.append(float(cost.item()))
        grads.append(np.array(w.grad))
        w = nm.Tensor(w.numpy() - learning_rate * w.grad, requires_grad=True)
        path.append(w.numpy().copy())
    return np.array(path), np.array(costs)


def _verdict(path: np.ndarray, target: float) -> str:
    err = np.abs(path - target)
    if not np.isfinite(err[-1]) or err[-1] > err[0]:
        return "diverging"
    if np.any(np.diff(np.sign(path - target)) != 0):
        return "oscillating"
    return "right" if err[-1] < 1e-2 * err[0] else "too slow"


def run(ctx: Context) -> None:
    from nnmath import plots

    print("Step by step on J(w) = 9.5 (w - 2)^2 + 1 from w = 0 with alpha = 0.01:")
    grads: list = []
    path, costs = _descend(_curve, 0.0, 0.01, 60, grads)
    for t in range(5):
        g = float(grads[t])  # from backward(); equals 19 (w - 2)
        print(f"  step {t}: w = {path[t]:.6f}  J = {costs[t]:.6f}  dJ/dw = {g:.6f}  "
              f"-> w - 0.01 * {g:.4f} = {path[t + 1]:.6f}")
    print(f"  ... step 60: w = {path[-1]:.6f} (minimum at w = 2)")
    verdicts, finals, runs = {}, {}, {}
    print("\nLearning rate   factor (1 - 19 alpha)   w after 30 steps   behaviour")
    for lr in (1.0, 0.1, 0.01, 0.001):
        runs[lr] = _descend(_curve, 0.0, lr, 30)  # (path, costs)
        verdicts[str(lr)], finals[str(lr)] = _verdict(runs[lr][0], 2.0), float(runs[lr][0][-1])
        print(f"  {lr:<13} {1 - CURVATURE * lr:>12.3f}   {finals[str(lr)]:>20.6g}   "
              f"{verdicts[str(lr)]}")
    plt = plots.pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for lr, (p, c) in runs.items():
        label = f"alpha={lr} ({verdicts[str(lr)]})"
        axes[0].plot(np.clip(p, -2.0, 6.0), ".-", label=label)
        axes[1].plot(np.minimum(c, 1e6), label=label)
    axes[0].axhline(2.0, color="grey", lw=0.8)
    axes[0].set(xlabel="step", ylabel="w (clipped to [-2, 6])", ylim=(-2.3, 6.3),
                title="w per step: the minimum is at w = 2")
    axes[1].set(xlabel="step", ylabel="J(w) (clipped at 1e6)", yscale="log",
                title="cost per step")
    for ax in axes:
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    plots.save(fig, ctx.figure("learning-rates"))
    fig, ax = plt.subplots(figsize=(6, 4))
    ws = np.linspace(-0.3, 4.3, 200)
    ax.plot(ws, 0.5 * CURVATURE * (ws - 2) ** 2 + 1, color="grey")
    for p, style, label in ((path[:15], "o-", "alpha=0.01, 15 steps (right)"),
                            (runs[0.1][0][:10], "s--", "alpha=0.1, 10 steps (oscillating)")):
        ax.plot(p, 0.5 * CURVATURE * (p - 2) ** 2 + 1, style, label=label)
    ax.set(xlabel="w", ylabel="J(w)", title="Steps on the convex curve")
    ax.legend()
    plots.save(fig, ctx.figure("curve-steps"))

    def bowl(v):
        return (v[0] ** 2) + 10.0 * (v[1] ** 2)

    bowl_path, bowl_costs = _descend(bowl, [-4.0, 2.0], 0.08, 40)
    print(f"\n2-D bowl J = x^2 + 10 y^2 from (-4, 2), alpha = 0.08: J {bowl_costs[0]:.3f} -> "
          f"{bowl_costs[-1]:.3g} in 40 steps, ends at ({bowl_path[-1][0]:.4f}, "
          f"{bowl_path[-1][1]:.4f}); y oscillates (factor -0.6), x is slow (factor 0.84)")
    plots.plot_optimizer_paths(lambda x, y: x**2 + 10 * y**2, {"gradient descent": bowl_path},
                               xlim=(-4.5, 4.5), ylim=(-2.5, 2.5), title="J = x^2 + 10 y^2",
                               path=ctx.figure("bowl"))
    ctx.record(curve_path_alpha_0_01=path[:6], behaviour=verdicts, w_after_30_steps=finals,
               bowl_final=bowl_path[-1], bowl_cost_first=bowl_costs[0],
               bowl_cost_last=bowl_costs[-1])
