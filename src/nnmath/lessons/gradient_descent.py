# nnmath lesson
# order: 4
# summary: descent on a convex curve and a 2-D bowl; learning rates 1, 0.1, 0.01, 0.001

# %% [markdown]
# # Gradient descent, step by step
#
# Gradient descent repeats one step: move the parameters a little against the gradient,
#
# $$w := w - \alpha \frac{dJ}{dw}.$$
#
# The gradient comes from nnmath's autodiff (`backward()` on the cost). Take the curve
#
# $$J(w) = 9.5 (w - 2)^2 + 1, \qquad \frac{dJ}{dw} = 19 (w - 2),$$
#
# whose minimum is at $w = 2$. Each step multiplies the distance to the minimum by the
# same factor:
#
# $$w_t - 2 = (1 - 19 \alpha)^t (w_0 - 2).$$

# %%
import numpy as np

import nnmath as nm
from nnmath import lessons, plots


def curve(w):
    return 9.5 * (w - 2.0) ** 2 + 1.0


def descend(J, start, learning_rate, steps):
    """Gradient descent with autodiff gradients: the path of w, the costs and the gradients."""
    w = nm.Tensor(np.array(start, dtype=np.float64), requires_grad=True)
    path, costs, grads = [w.numpy().copy()], [], []
    for _ in range(steps):
        cost = J(w)
        cost.backward()
        costs.append(float(cost.item()))
        grads.append(np.array(w.grad))
        w = nm.Tensor(w.numpy() - learning_rate * w.grad, requires_grad=True)
        path.append(w.numpy().copy())
    return np.array(path), np.array(costs), grads


path, costs, grads = descend(curve, 0.0, 0.01, 60)
print("J(w) = 9.5 (w - 2)^2 + 1 from w = 0 with alpha = 0.01:")
for t in range(5):
    g = float(grads[t])
    print(f"  step {t}: w = {path[t]:.6f}  J = {costs[t]:.6f}  dJ/dw = {g:.6f}  "
          f"-> w - 0.01 * {g:.4f} = {path[t + 1]:.6f}")
print(f"  ... step 60: w = {path[-1]:.6f} (minimum at w = 2)")

# %% [markdown]
# ## Four learning rates
#
# The factor $1 - 19\alpha$ decides everything: $\alpha = 0.001$ (factor 0.981) crawls:
# too slow; $\alpha = 0.01$ (0.81) walks straight down: right; $\alpha = 0.1$ ($-0.9$) jumps
# over the minimum every step: oscillating; $\alpha = 1$ ($-18$) lands further away each
# time: diverging. It converges when $|1 - 19\alpha| < 1$ and oscillates when
# $1 - 19\alpha < 0$.

# %%
def verdict(path, target=2.0):
    err = np.abs(path - target)
    if not np.isfinite(err[-1]) or err[-1] > err[0]:
        return "diverging"
    if np.any(np.diff(np.sign(path - target)) != 0):
        return "oscillating"
    return "right" if err[-1] < 1e-2 * err[0] else "too slow"


runs, behaviour, finals = {}, {}, {}
print("Learning rate   factor (1 - 19 alpha)   w after 30 steps   behaviour")
for lr in (1.0, 0.1, 0.01, 0.001):
    runs[lr] = descend(curve, 0.0, lr, 30)
    behaviour[str(lr)], finals[str(lr)] = verdict(runs[lr][0]), float(runs[lr][0][-1])
    print(f"  {lr:<13} {1 - 19 * lr:>12.3f}   {finals[str(lr)]:>20.6g}   {behaviour[str(lr)]}")

plt = plots.pyplot()
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for lr, (p, c, _) in runs.items():
    label = f"alpha={lr} ({behaviour[str(lr)]})"
    axes[0].plot(np.clip(p, -2.0, 6.0), ".-", label=label)
    axes[1].plot(np.minimum(c, 1e6), label=label)
axes[0].axhline(2.0, color="grey", lw=0.8)
axes[0].set(xlabel="step", ylabel="w (clipped to [-2, 6])", ylim=(-2.3, 6.3),
            title="w per step: the minimum is at w = 2")
axes[0].legend(fontsize=8)
axes[1].set(xlabel="step", ylabel="J(w) (clipped at 1e6)", yscale="log", title="cost per step")
# Figure: Thirty steps for each learning rate: w per step (left) and the cost per step on a
#   log scale (right). Alpha 1 diverges, 0.1 oscillates around w = 2, 0.01 arrives, 0.001
#   has hardly moved.

fig, ax = plt.subplots(figsize=(6, 4))
ws = np.linspace(-0.3, 4.3, 200)
ax.plot(ws, curve(ws), color="grey")
ax.plot(path[:15], curve(path[:15]), "o-", label="alpha=0.01, 15 steps (right)")
ax.plot(runs[0.1][0][:10], curve(runs[0.1][0][:10]), "s--",
        label="alpha=0.1, 10 steps (oscillating)")
ax.legend()
ax.set(xlabel="w", ylabel="J(w)", title="Steps on the convex curve")
fig.tight_layout()
# Figure: The steps drawn on the curve J(w): alpha 0.01 walks down one side, alpha 0.1 jumps
#   from one side of the minimum to the other.

# %% [markdown]
# ## A bowl with a steep and a flat direction
#
# On $J(x, y) = x^2 + 10 y^2$, with $\nabla J = (2x, 20y)$, one learning rate must serve
# both axes: the steep one oscillates while the flat one is slow. This is the reason for
# momentum and Adam (lesson loss-landscape).

# %%
def bowl(v):
    return v[0] ** 2 + 10.0 * v[1] ** 2


bowl_path, bowl_costs, _ = descend(bowl, [-4.0, 2.0], 0.08, 40)
print(f"2-D bowl J = x^2 + 10 y^2 from (-4, 2), alpha = 0.08: J {bowl_costs[0]:.3f} -> "
      f"{bowl_costs[-1]:.3g} in 40 steps, ends at ({bowl_path[-1][0]:.4f}, "
      f"{bowl_path[-1][1]:.4f}); y oscillates (factor -0.6), x is slow (factor 0.84)")
# Figure: Forty gradient-descent steps on the contours of the bowl x^2 + 10 y^2: the path
#   zig-zags across the steep y direction while creeping along x.
plots.plot_optimizer_paths(lambda x, y: x**2 + 10 * y**2, {"gradient descent": bowl_path},
                           xlim=(-4.5, 4.5), ylim=(-2.5, 2.5), title="J = x^2 + 10 y^2")
lessons.record(curve_path_alpha_0_01=path[:6], behaviour=behaviour, w_after_30_steps=finals,
               bowl_final=bowl_path[-1], bowl_cost_first=bowl_costs[0],
               bowl_cost_last=bowl_costs[-1])
