"""Lesson: tensors: rank, shape, dtype; element-wise ops, broadcasting, dot, reshape, transpose."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

import nnmath as nm

if TYPE_CHECKING:
    from . import Context

TITLE = "Tensors: rank, shape, dtype and the basic operations"
SUMMARY = "scalars to 4-D tensors; element-wise ops, broadcasting, dot, reshape, transpose"
EXPLANATION = (
    "A tensor is an n-dimensional array: its rank is the number of axes, its shape the length "
    "of each axis, its dtype the type of every element. Deep learning is built from a few "
    "operations on them: element-wise arithmetic, broadcasting (a smaller tensor is repeated "
    "along missing axes), the dot product, reshape (same elements, new shape) and transpose."
)
FORMULAS = [
    "rank(x) = len(x.shape);  size(x) = prod(x.shape)",
    "(x + y)[i, j] = x[i, j] + y[i, j]   (element-wise)",
    "broadcast: (m, n) + (n,) -> (m, n), the row is added to every row",
    "(A @ B)[i, j] = sum_k A[i, k] B[k, j];  x . y = sum_i x_i y_i",
    "reshape keeps size; transpose: (A.T)[i, j] = A[j, i]",
]
LONG = False


def _figure(ctx: Context, arrays: dict[str, np.ndarray]) -> None:
    """Each small matrix as a heat map with its numbers written in the cells."""
    from nnmath import plots

    plt = plots.pyplot()
    fig, axes = plt.subplots(1, len(arrays), figsize=(2.3 * len(arrays), 2.6))
    for ax, (title, m) in zip(axes, arrays.items(), strict=True):
        ax.imshow(m, cmap="Blues")
        mid = (m.min() + m.max()) / 2
        for (i, j), v in np.ndenumerate(m):
            ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=9,
                    color="white" if v > mid else "black")
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("element-wise, broadcasting, matrix product, reshape, transpose", y=1.08)
    plots.save(fig, ctx.figure("operations"))


def run(ctx: Context) -> None:
    rng = np.random.default_rng(ctx.seed)
    examples = {
        "scalar": nm.Tensor(3.0),
        "vector": nm.Tensor([1.0, 2.0, 3.0]),
        "matrix": nm.Tensor(np.arange(6, dtype=np.float32).reshape(2, 3)),
        "3-D tensor (an RGB image)": nm.Tensor(rng.random((4, 5, 3), dtype=np.float32)),
        "4-D tensor (a batch of images)": nm.Tensor(np.zeros((8, 28, 28, 1), dtype=np.float32)),
    }
    ranks = {}
    for name, t in examples.items():
        print(f"{name:32s} rank {t.ndim}  shape {t.shape!s:16s} dtype {t.dtype}  size {t.size}")
        ranks[name] = t.ndim
    a = nm.Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    b = nm.Tensor([10.0, 20.0, 30.0])
    print("\na =\n", a.numpy(), "\nb =", b.numpy())
    print("element-wise a * a =\n", (a * a).numpy())
    s = a + b
    print("broadcast a + b (2,3)+(3,) ->", s.shape, "\n", s.numpy())
    d = float((b @ b).item())
    print("dot b . b =", d, "  (100 + 400 + 900)")
    mm = a @ a.T
    print("matrix product a @ a.T (2,3)@(3,2) -> ", mm.shape, "\n", mm.numpy())
    r = a.reshape(3, 2)
    print("reshape (2,3) -> (3,2):\n", r.numpy())
    print("transpose a.T:\n", a.T.numpy())
    _figure(ctx, {"a (2, 3)": a.numpy(), "b (3,)": b.numpy()[None, :],
                  "a + b (2, 3)": s.numpy(), "a @ a.T (2, 2)": mm.numpy(),
                  "a.reshape(3, 2)": r.numpy(), "a.T (3, 2)": a.T.numpy()})
    ctx.record(ranks=ranks, dot_bb=d, matmul_aaT=mm.numpy(), broadcast_sum=s.numpy())
