# nnmath lesson
# order: 14
# summary: max and average pooling on the lecture's 4x4 example and on an edge feature map
# headline: max pool {max_pool}, average pool {avg_pool} (2x2, stride 2)

# %% [markdown]
# # Pooling: max and average
#
# Pooling shrinks a feature map by summarizing each $f \times f$ window: max pooling keeps
# the strongest response (is the feature present anywhere here?), average pooling the mean.
# It has no weights.
#
# $$y_{i,j} = \max_{p,q < f} x_{is+p,\, js+q}, \qquad
# y_{i,j} = \frac{1}{f^2} \sum_{p,q < f} x_{is+p,\, js+q}, \qquad
# n_{\text{out}} = \left\lfloor \frac{n - f}{s} \right\rfloor + 1$$
#
# Backward, max pooling sends the upstream gradient $g$ only to the position of each
# window's maximum; average pooling spreads it evenly, $g / f^2$ to every position.

# %%
import numpy as np

import nnmath as nm
from nnmath import functional as F
from nnmath import kernels, lessons, plots
from nnmath.classic import conv

x = np.array([[1, 3, 2, 1], [2, 9, 1, 1], [1, 3, 2, 3], [5, 6, 1, 2]], dtype=np.float64)
print("input 4x4:\n", x.astype(int))
results = {}
for name, pool in (("max", F.max_pool2d), ("average", F.avg_pool2d)):
    t = nm.Tensor(x[None, :, :, None].copy(), requires_grad=True)
    y = pool(t, 2)
    g = np.array([[1.0, 2.0], [3.0, 4.0]])
    y.backward(g[None, :, :, None])
    results[name] = {"forward": y.numpy()[0, :, :, 0], "grad": t.grad[0, :, :, 0]}
    print(f"\n{name} pool 2x2, stride 2 -> {y.shape[1:3]}:\n{y.numpy()[0, :, :, 0]}")
    print(f"backward with upstream g = [[1, 2], [3, 4]]: dx =\n{t.grad[0, :, :, 0]}")
hp = {"f": 2, "stride": 2}
classic_max, _ = conv.pool_forward(x[None, :, :, None], hp, mode="max")
classic_avg, _ = conv.pool_forward(x[None, :, :, None], hp, mode="average")
agrees = bool(np.allclose(classic_max[0, :, :, 0], results["max"]["forward"])
              and np.allclose(classic_avg[0, :, :, 0], results["average"]["forward"]))
print(f"\nclassic pool_forward (step by step, course notation) agrees: {agrees}")

# %% [markdown]
# ## Pooling a real feature map
#
# On the Sobel edge magnitude of the photo, pooling keeps the edges while dividing the size.

# %%
grey = kernels.load_grey(lessons.photo())
edges = np.hypot(*np.moveaxis(kernels.apply_kernels(grey, ["sobel-x", "sobel-y"]), -1, 0))
fmap = edges[None, :, :, None]
pooled = {f"max {k}x{k}": F.max_pool2d(fmap, k).numpy()[0, :, :, 0] for k in (2, 4, 8)}
pooled["avg 4x4"] = F.avg_pool2d(fmap, 4).numpy()[0, :, :, 0]
print(f"edge map {edges.shape}: " + ", ".join(f"{k} -> {v.shape}" for k, v in pooled.items()))
# Figure: The photo's edge map and the same map after max pooling with 2 x 2, 4 x 4 and 8 x 8
#   windows and average pooling with 4 x 4: the edges survive while the pictures shrink.
plots.plot_image_grid([edges, *pooled.values()],
                      titles=[f"edges {edges.shape}",
                              *(f"{k} {v.shape}" for k, v in pooled.items())],
                      ncols=5, cmap="magma")
lessons.record(max_pool=results["max"]["forward"], avg_pool=results["average"]["forward"],
               max_pool_grad=results["max"]["grad"], avg_pool_grad=results["average"]["grad"],
               classic_agrees=agrees, pooled_shapes={k: list(v.shape) for k, v in pooled.items()})
