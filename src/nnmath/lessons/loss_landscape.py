"""Lesson: a trained model's loss landscape; gradient descent, momentum and Adam paths."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

import nnmath as nm

if TYPE_CHECKING:
    from . import Context

TITLE = "Loss landscapes and optimizer paths"
SUMMARY = "loss surface along two filter-normalized directions; GD, momentum, Adam paths"
EXPLANATION = (
    "A network's loss is a function of all its weights at once. To look at it, take the "
    "trained weights theta and two random directions d1, d2 and evaluate L(theta + a d1 + "
    "b d2) on a grid (Li et al., 2018). Each direction is filter-normalized: for every neuron "
    "(column of a Dense kernel) the random vector is rescaled to the norm of that neuron's "
    "weights, so the picture does not depend on the weights' scale; biases are left fixed. "
    "The model is the MNIST MLP of the mnist-mlp lesson (trained there; the loss is measured "
    "on 1000 test digits). Then a 2-parameter problem, the narrow valley J = x^2 / 50 + y^2, "
    "shows why momentum and Adam help: plain gradient descent zig-zags across the steep axis "
    "and crawls along the flat one, momentum builds speed along the valley, Adam rescales "
    "each coordinate by its own gradient size (nnmath.optimizers SGD and Adam)."
)
FORMULAS = [
    "L(a, b) = L(theta + a d1 + b d2);  d_i,col := d_i,col * ||theta_col|| / ||d_i,col||",
    "GD: w := w - eta g",
    "momentum: v := mu v - eta g;  w := w + v",
    "Adam: m := b1 m + (1 - b1) g;  v := b2 v + (1 - b2) g^2;  "
    "w := w - eta m_hat / (sqrt(v_hat) + eps)",
]
LONG = True


def _filter_normalized(weights: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
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


def _model(ctx) -> nm.Sequential:
    if "mnist_mlp" in ctx.cache:
        return ctx.cache["mnist_mlp"]
    from nnmath import recipes

    from ._data import mnist_data

    d = mnist_data(ctx)
    print("(mnist-mlp did not run in this session: training the same MLP for 1 epoch on "
          "10 000 digits)")
    model = recipes.build_model("mnist-mlp", seed=ctx.seed)
    model.fit(d["train_x"][:10000].reshape(-1, 784), d["train_y"][:10000], epochs=1,
              batch_size=128, verbose=2, seed=ctx.seed)
    ctx.cache["mnist_mlp"] = model
    return model


def _paths(steps: int) -> dict[str, np.ndarray]:
    from nnmath.optimizers import SGD, Adam

    def J(p: nm.Tensor) -> nm.Tensor:
        return p[0] ** 2 / 50.0 + p[1] ** 2

    out = {}
    for name, opt in (("gradient descent (eta 0.9)", SGD(learning_rate=0.9)),
                      ("momentum (eta 0.1, mu 0.9)", SGD(learning_rate=0.1, momentum=0.9)),
                      ("Adam (eta 0.5)", Adam(learning_rate=0.5))):
        p = nm.Tensor(np.array([-9.0, 2.0]), requires_grad=True)
        path = [p.numpy().copy()]
        for _ in range(steps):
            p.grad = None
            J(p).backward()
            opt.step([p])
            path.append(p.numpy().copy())
        out[name] = np.array(path)
    return out


def run(ctx: Context) -> None:
    from nnmath import plots

    from ._data import mnist_data

    model = _model(ctx)
    d = mnist_data(ctx)
    x, y = d["test_x"][:1000].reshape(-1, 784), d["test_y"][:1000]
    n = 9 if ctx.fast else 21
    grid = np.linspace(-1.0, 1.0, n)
    params = model.weights
    theta = [p.data.copy() for p in params]
    rng = np.random.default_rng(ctx.seed)
    d1, d2 = _filter_normalized(theta, rng), _filter_normalized(theta, rng)
    losses = np.empty((n, n))
    print(f"evaluating the loss on a {n}x{n} grid of (a, b) in [-1, 1]^2, 1000 test digits ...",
          flush=True)
    try:
        for j, b in enumerate(grid):
            for i, a in enumerate(grid):
                for p, t, u, v in zip(params, theta, d1, d2, strict=True):
                    p.data[...] = t + a * u + b * v
                out = model.evaluate(x, y, batch_size=1000, verbose=0)
                losses[j, i] = out[0] if isinstance(out, list) else out
    finally:
        for p, t in zip(params, theta, strict=True):
            p.data[...] = t
    centre = losses[n // 2, n // 2]
    print(f"loss at the trained weights {centre:.4f}; min on the grid {losses.min():.4f}; "
          f"max {losses.max():.2f} (corners: {losses[0, 0]:.2f}, {losses[-1, -1]:.2f})")
    plots.plot_loss_landscape(grid, grid, losses, title="MNIST MLP loss, filter-normalized",
                              path=ctx.figure("landscape"))
    steps = 60
    paths = _paths(steps)
    print(f"\nJ = x^2 / 50 + y^2 from (-9, 2), {steps} steps:")
    finals = {}
    for name, p in paths.items():
        jv = p[-1, 0] ** 2 / 50 + p[-1, 1] ** 2
        finals[name] = {"end": p[-1], "J": float(jv)}
        print(f"  {name:28s} ends at ({p[-1, 0]:8.4f}, {p[-1, 1]:8.4f})  J = {jv:.2e}")
    plots.plot_optimizer_paths(lambda a, b: a**2 / 50 + b**2, paths, xlim=(-10, 3),
                               ylim=(-3, 3), title="J = x^2/50 + y^2", path=ctx.figure("paths"))
    ctx.record(grid_size=n, loss_at_trained=float(centre), loss_min=float(losses.min()),
               loss_max=float(losses.max()), losses=losses, optimizer_paths_end=finals)
