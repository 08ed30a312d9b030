# nnmath lesson
# order: 5
# summary: price from size, bedrooms and age; train/validation cost per iteration for 4 rates

# %% [markdown]
# # House prices: linear regression by gradient descent
#
# A house-price style data set (generated and seeded: 500 houses, price in thousands
# $= 50 + 1.5\,\text{size} + 10\,\text{bedrooms} - 0.8\,\text{age} + \text{noise}$) is split
# 80/20 into training and validation parts. The features are standardized with the
# training statistics only, $x' = (x - \mu_{\text{train}}) / \sigma_{\text{train}}$, so the
# validation part stays unseen.

# %%
import numpy as np

import nnmath as nm
from nnmath import lessons, plots
from nnmath.classic import linear
from nnmath.datasets import standardize, train_test_split

rng = np.random.default_rng(0)
m = 500
size = rng.uniform(40, 250, m)                                   # square metres
bedrooms = np.clip(np.round(size / 45 + rng.normal(0, 0.7, m)), 1, 6)
age = rng.uniform(0, 60, m)                                      # years
price = 50 + 1.5 * size + 10 * bedrooms - 0.8 * age + rng.normal(0, 20, m)
X = np.stack([size, bedrooms, age], axis=1)

X_train, X_val, y_train, y_val = train_test_split(X, price, test_size=0.2, seed=0)
X_train, mean, std = standardize(X_train)
X_val = (X_val - mean) / (std + 1e-8)
print(f"houses: train {X_train.shape}, validation {X_val.shape}; features size, bedrooms, age")


def cost(X, y, w, b):
    r = X @ w + b - y
    return float(r @ r / (2 * len(y)))


w_exact, b_exact = linear.fit_normal_equation(X_train, y_train)
print(f"normal equation: w = {np.round(w_exact, 3)}, b = {b_exact:.3f}, validation cost "
      f"{cost(X_val, y_val, w_exact, b_exact):.3f}")

# %% [markdown]
# ## Gradient descent for four learning rates
#
# $$J(w, b) = \frac{1}{2m} \sum_i (x_i^T w + b - y_i)^2, \qquad
# w := w - \alpha \frac{\partial J}{\partial w}, \quad
# b := b - \alpha \frac{\partial J}{\partial b}$$
#
# The gradient comes from autodiff; after every step the cost is measured on both parts.

# %%
train_curves, val_curves, final_costs = {}, {}, {}
for lr in (1.0, 0.3, 0.1, 0.01):
    w = nm.Tensor(np.zeros(3), requires_grad=True)
    b = nm.Tensor(np.zeros(()), requires_grad=True)
    tr, va = [], []
    for _ in range(100):
        r = w @ X_train.T + b - y_train   # broadcast: (m,) residuals
        J = (r * r).mean() * 0.5
        J.backward()
        tr.append(float(J.item()))
        va.append(cost(X_val, y_val, w.numpy(), float(b.item())))
        w = nm.Tensor(w.numpy() - lr * w.grad, requires_grad=True)
        b = nm.Tensor(b.numpy() - lr * b.grad, requires_grad=True)
    train_curves[f"alpha={lr}"], val_curves[f"alpha={lr}"] = tr, va
    gap = float(np.max(np.abs(w.numpy() - w_exact)))
    final_costs[str(lr)] = {"train": tr[-1], "validation": va[-1], "max_abs_w_minus_exact": gap}
    print(f"alpha = {lr:<5}: after 100 iterations train {tr[-1]:10.3f}  validation "
          f"{va[-1]:10.3f}  |w - w_exact| max {gap:.2e}")

plt = plots.pyplot()
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for name in train_curves:
    axes[0].plot(train_curves[name], label=name)
    axes[1].plot(val_curves[name], label=name)
for ax, title in zip(axes, ("training cost", "validation cost"), strict=True):
    ax.set(yscale="log", xlabel="iteration", title=title)
    ax.legend()
    ax.grid(alpha=0.3)
# Figure: Training cost (left) and validation cost (right) per iteration for learning rates
#   1, 0.3, 0.1 and 0.01 on a log scale: the larger rates reach the minimum within a few
#   dozen steps, 0.01 is still far above it after 100.
lessons.record(normal_equation_w=w_exact, normal_equation_b=b_exact, iterations=100,
               final_costs=final_costs)
