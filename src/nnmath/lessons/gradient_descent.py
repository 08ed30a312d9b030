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
    "J(w) = 7.5 (w - 2)^2 + 1 (curvature J'' = 15) each step multiplies the distance to the "
    "minimum by (1 - 15 alpha): alpha = 0.001 crawls (too slow), 0.01 converges smoothly "
    "(right), 0.1 overshoots back and forth while converging (oscillating) and 1 overshoots "
    "further each time (diverging). On the bowl J(x, y) = x^2 + 10 y^2 the steep axis "
    "oscillates while the flat one is slow: the reason for momentum and Adam."
)
FORMULAS = [
    "w := w - alpha * dJ/dw",
    "J(w) = 7.5 (w - 2)^2 + 1,  dJ/dw = 15 (w - 2)",
    "w_t - 2 = (1 - 15 alpha)^t (w_0 - 2):  |1 - 15 alpha| < 1 converges",
    "J(x, y) = x^2 + 10 y^2,  grad J = (2x, 20y)",
]
LONG = False


def _curve(w: nm.Tensor) -> nm.Tensor:
    return 7.5 * (w - 2.0) ** 2 + 1.0


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

    print("Step by step on J(w) = 7.5 (w - 2)^2 + 1 from w = 0 with alpha = 0.01:")
    grads: list = []
    path, costs = _descend(_curve, 0.0, 0.01, 60, grads)
    for t in range(5):
        g = float(grads[t])  # from backward(); equals 15 (w - 2)
        print(f"  step {t}: w = {path[t]:.6f}  J = {costs[t]:.6f}  dJ/dw = {g:.6f}  "
              f"-> w - 0.01 * {g:.4f} = {path[t + 1]:.6f}")
    print(f"  ... step 60: w = {path[-1]:.6f} (minimum at w = 2)")
    verdicts, finals, curves = {}, {}, {}
    print("\nLearning rate   factor (1 - 15 alpha)   w after 30 steps   behaviour")
    for lr in (1.0, 0.1, 0.01, 0.001):
        p, c = _descend(_curve, 0.0, lr, 30)
        verdicts[str(lr)], finals[str(lr)] = _verdict(p, 2.0), float(p[-1])
        curves[f"alpha={lr}"] = np.minimum(c, 1e6)
        print(f"  {lr:<13} {1 - 15 * lr:>12.3f}   {p[-1]:>20.6g}   {verdicts[str(lr)]}")
    plots.plot_costs(curves, logy=True, title="J(w) per step for four learning rates (clipped 1e6)",
                     path=ctx.figure("learning-rates"))
    plt = plots.pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    ws = np.linspace(-0.3, 4.3, 200)
    ax.plot(ws, 7.5 * (ws - 2) ** 2 + 1, color="grey")
    p01, _ = _descend(_curve, 0.0, 0.1, 8)
    ax.plot(path[:15], 7.5 * (path[:15] - 2) ** 2 + 1, "o-", label="alpha=0.01 (right)")
    ax.plot(p01, 7.5 * (p01 - 2) ** 2 + 1, "s--", label="alpha=0.1 (oscillating)")
    ax.set_xlabel("w")
    ax.set_ylabel("J(w)")
    ax.legend()
    ax.set_title("Steps on the convex curve")
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
