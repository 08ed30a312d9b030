# nnmath lesson
# order: 16
# summary: loss surface along two filter-normalized directions; GD, momentum, Adam paths
# headline: loss {loss_at_trained:.3f} at the trained weights, up to {loss_max:.1f} on the grid

# %% [markdown]
# # Loss landscapes and optimizer paths
#
# A network's loss is a function of all its weights at once. To look at it, take the
# trained weights $\theta$ and two random directions $d_1, d_2$ and evaluate the loss on a
# grid (Li et al., 2018):
#
# $$L(\alpha, \beta) = L(\theta + \alpha d_1 + \beta d_2)$$
#
# Each direction is filter-normalized: for every neuron (column of a Dense kernel) the
# random vector is rescaled to the norm of that neuron's weights, so the picture does not
# depend on the weights' scale; biases are left fixed:
#
# $$d_{i,\text{col}} := d_{i,\text{col}} \frac{\lVert \theta_{\text{col}} \rVert}
# {\lVert d_{i,\text{col}} \rVert}$$
#
# The model is the MNIST MLP of the mnist-mlp lesson, trained here for one epoch; the loss is
# measured on 1000 test digits.

# %%
import numpy as np

import nnmath as nm
from nnmath import layers, lessons, optimizers, plots
from nnmath.datasets import load_mnist

FAST = lessons.fast_mode()
(train_images, train_labels), (test_images, test_labels) = load_mnist()
n_train = 10000 if FAST else 60000
x_train = train_images[:n_train].reshape(-1, 784).astype(np.float32) / 255
y_train = train_labels[:n_train].astype(np.int64)
x = test_images[:1000].reshape(-1, 784).astype(np.float32) / 255
y = test_labels[:1000].astype(np.int64)
model = nm.Sequential([layers.Input((784,)), layers.Dense(512, activation="relu"),
                       layers.Dense(10, activation="softmax")], seed=0)
model.compile(optimizer=optimizers.RMSprop(learning_rate=0.001),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, epochs=1, batch_size=128, verbose=2, seed=0)

# %%
def filter_normalized(weights, rng):
    out = []
    for w in weights:
        if w.ndim < 2:  # biases: not moved
            out.append(np.zeros_like(w))
            continue
        d = rng.standard_normal(w.shape).astype(w.dtype)
        axes = tuple(range(w.ndim - 1))  # one filter = everything feeding one output unit
        d *= np.linalg.norm(w, axis=axes, keepdims=True) / (
            np.linalg.norm(d, axis=axes, keepdims=True) + 1e-10)
        out.append(d)
    return out


n = 9 if FAST else 21
grid = np.linspace(-1.0, 1.0, n)
params = model.weights
theta = [p.data.copy() for p in params]
rng = np.random.default_rng(0)
d1, d2 = filter_normalized(theta, rng), filter_normalized(theta, rng)
losses = np.empty((n, n))
print(f"evaluating the loss on a {n}x{n} grid of (a, b) in [-1, 1]^2, 1000 test digits ...")
for j, b in enumerate(grid):
    for i, a in enumerate(grid):
        for p, t, u, v in zip(params, theta, d1, d2, strict=True):
            p.data[...] = t + a * u + b * v
        losses[j, i] = model.evaluate(x, y, batch_size=1000, verbose=0)[0]
for p, t in zip(params, theta, strict=True):
    p.data[...] = t  # back to the trained weights
centre = losses[n // 2, n // 2]
print(f"loss at the trained weights {centre:.4f}; min on the grid {losses.min():.4f}; "
      f"max {losses.max():.2f} (corners: {losses[0, 0]:.2f}, {losses[-1, -1]:.2f})")
# Figure: The MNIST MLP's test loss around its trained weights along two filter-normalized
#   random directions, as labelled contour lines (left) and as a surface (right): a bowl
#   with the trained weights near its bottom.
fig = plots.plot_loss_landscape(grid, grid, losses, title="MNIST MLP loss, filter-normalized")

# %% [markdown]
# ## Why momentum and Adam help
#
# A 2-parameter problem, the narrow valley $J = x^2 / 50 + y^2$: plain gradient descent
# zig-zags across the steep axis and crawls along the flat one, momentum builds speed along
# the valley, Adam rescales each coordinate by its own gradient size
# (`nnmath.optimizers.SGD` and `Adam`):
#
# $$\text{GD: } w := w - \eta g; \qquad \text{momentum: } v := \mu v - \eta g,\ w := w + v$$
#
# $$\text{Adam: } m := \beta_1 m + (1 - \beta_1) g, \quad v := \beta_2 v + (1 - \beta_2) g^2,
# \quad w := w - \frac{\eta\, \hat m}{\sqrt{\hat v} + \epsilon}$$

# %%
def J(p):
    return p[0] ** 2 / 50.0 + p[1] ** 2


paths = {}
for name, opt in (("gradient descent (eta 0.9)", optimizers.SGD(learning_rate=0.9)),
                  ("momentum (eta 0.1, mu 0.9)", optimizers.SGD(learning_rate=0.1, momentum=0.9)),
                  ("Adam (eta 0.5)", optimizers.Adam(learning_rate=0.5))):
    p = nm.Tensor(np.array([-9.0, 2.0]), requires_grad=True)
    path = [p.numpy().copy()]
    for _ in range(60):
        p.grad = None
        J(p).backward()
        opt.step([p])
        path.append(p.numpy().copy())
    paths[name] = np.array(path)
ends = {}
print("J = x^2 / 50 + y^2 from (-9, 2), 60 steps:")
for name, path in paths.items():
    end = path[-1]
    ends[name] = {"end": end, "J": float(end[0] ** 2 / 50 + end[1] ** 2)}
    print(f"  {name:28s} ends at ({end[0]:8.4f}, {end[1]:8.4f})  J = {ends[name]['J']:.2e}")
# Figure: Sixty steps of gradient descent, momentum and Adam from (-9, 2) on the contours of
#   the narrow valley x^2/50 + y^2; crosses mark where each ends.
plots.plot_optimizer_paths(lambda a, b: a**2 / 50 + b**2, paths, xlim=(-10, 3), ylim=(-3, 3),
                           title="J = x^2/50 + y^2")
lessons.record(grid_size=n, loss_at_trained=float(centre), loss_min=float(losses.min()),
               loss_max=float(losses.max()), losses=losses, optimizer_paths_end=ends)
