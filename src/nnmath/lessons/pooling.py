"""Lesson: max and average pooling on a feature map, forward and backward."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

import nnmath as nm
from nnmath import functional as F  # noqa: N812

if TYPE_CHECKING:
    from . import Context

TITLE = "Pooling: max and average"
SUMMARY = "max and average pooling on the lecture's 4x4 example and on an edge feature map"
EXPLANATION = (
    "Pooling shrinks a feature map by summarizing each window: max pooling keeps the strongest "
    "response (is the feature present anywhere here?), average pooling the mean. It has no "
    "weights. With a 2x2 window and stride 2 the lecture's 4x4 example becomes 2x2. Backward, "
    "max pooling sends the upstream gradient only to the position of each window's maximum; "
    "average pooling spreads it evenly (1/4 each). On a real feature map (the Sobel edge "
    "magnitude of the photo) pooling keeps the edges while dividing the size."
)
FORMULAS = [
    "max pool: y[i, j] = max_{p, q < f} x[i s + p, j s + q]",
    "avg pool: y[i, j] = (1 / f^2) sum_{p, q < f} x[i s + p, j s + q]",
    "n_out = floor((n - f) / s) + 1",
    "backward: max -> g to the argmax of each window;  avg -> g / f^2 to every position",
]
LONG = False


def run(ctx: Context) -> None:
    from nnmath import kernels, plots

    x = np.array([[1, 3, 2, 1], [2, 9, 1, 1], [1, 3, 2, 3], [5, 6, 1, 2]], dtype=np.float64)
    print("input 4x4:\n", x.astype(int))
    results = {}
    for name, fn in (("max", F.max_pool2d), ("average", F.avg_pool2d)):
        t = nm.Tensor(x[None, :, :, None].copy(), requires_grad=True)
        y = fn(t, 2)
        g = np.array([[1.0, 2.0], [3.0, 4.0]])
        y.backward(g[None, :, :, None])
        results[name] = {"forward": y.numpy()[0, :, :, 0], "grad": t.grad[0, :, :, 0]}
        print(f"\n{name} pool 2x2, stride 2 -> {y.shape[1:3]}:\n{y.numpy()[0, :, :, 0]}")
        print(f"backward with upstream g = [[1, 2], [3, 4]]: dx =\n{t.grad[0, :, :, 0]}")
    try:
        from nnmath.classic import conv as cconv

        hp = {"f": 2, "stride": 2}
        cmax, _ = cconv.pool_forward(x[None, :, :, None], hp, mode="max")
        cavg, _ = cconv.pool_forward(x[None, :, :, None], hp, mode="average")
        agree = bool(np.allclose(cmax[0, :, :, 0], results["max"]["forward"])
                     and np.allclose(cavg[0, :, :, 0], results["average"]["forward"]))
        print(f"\nclassic pool_forward (step by step, course notation) agrees: {agree}")
    except ImportError:
        agree = None

    grey = kernels.load_grey(ctx.photo())
    edges = np.hypot(*np.moveaxis(kernels.apply_kernels(grey, ["sobel-x", "sobel-y"]), -1, 0))
    fmap = edges[None, :, :, None]
    pooled = {f"max {k}x{k}": F.max_pool2d(fmap, k).numpy()[0, :, :, 0] for k in (2, 4, 8)}
    pooled["avg 4x4"] = F.avg_pool2d(fmap, 4).numpy()[0, :, :, 0]
    print(f"\nedge map {edges.shape}: " + ", ".join(f"{k} -> {v.shape}" for k, v in pooled.items()))
    plots.plot_image_grid([edges, *pooled.values()],
                          titles=[f"edges {edges.shape}", *(f"{k} {v.shape}"
                                                            for k, v in pooled.items())],
                          ncols=5, cmap="magma", path=ctx.figure("pooled-edges"))
    ctx.record(max_pool=results["max"]["forward"], avg_pool=results["average"]["forward"],
               max_pool_grad=results["max"]["grad"], avg_pool_grad=results["average"]["grad"],
               classic_agrees=agree, pooled_shapes={k: list(v.shape) for k, v in pooled.items()})
