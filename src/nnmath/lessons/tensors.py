# nnmath lesson
# order: 2
# summary: scalars to 4-D tensors; element-wise ops, broadcasting, dot, reshape, transpose

# %% [markdown]
# # Tensors: rank, shape, dtype and the basic operations
#
# A tensor is an n-dimensional array: its **rank** is the number of axes, its **shape** the
# length of each axis, its **dtype** the type of every element. Deep learning is built from a
# few operations on them: element-wise arithmetic, broadcasting (a smaller tensor is repeated
# along the missing axes), the dot product, reshape (same elements, new shape) and transpose.
#
# $$\operatorname{rank}(x) = \text{len}(x.\text{shape}), \qquad
# \text{size}(x) = \prod_k x.\text{shape}_k$$

# %%
import numpy as np

import nnmath as nm
from nnmath import lessons, plots

rng = np.random.default_rng(0)
examples = {
    "scalar": nm.Tensor(3.0),
    "vector": nm.Tensor([1.0, 2.0, 3.0]),
    "matrix": nm.Tensor(np.arange(6, dtype=np.float32).reshape(2, 3)),
    "3-D tensor (an RGB image)": nm.Tensor(rng.random((4, 5, 3), dtype=np.float32)),
    "4-D tensor (a batch of images)": nm.Tensor(np.zeros((8, 28, 28, 1), dtype=np.float32)),
}
for name, t in examples.items():
    print(f"{name:32s} rank {t.ndim}  shape {t.shape!s:16s} dtype {t.dtype}  size {t.size}")

# %% [markdown]
# ## Element-wise operations and broadcasting
#
# Element-wise: $(x + y)_{ij} = x_{ij} + y_{ij}$. Broadcasting adds a vector of shape $(n,)$
# to every row of a matrix of shape $(m, n)$: the result has shape $(m, n)$.

# %%
a = nm.Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
b = nm.Tensor([10.0, 20.0, 30.0])
print("a =\n", a.numpy(), "\nb =", b.numpy())
print("element-wise a * a =\n", (a * a).numpy())
s = a + b
print("broadcast a + b (2,3)+(3,) ->", s.shape, "\n", s.numpy())

# %% [markdown]
# ## The dot product, the matrix product, reshape and transpose
#
# $$x \cdot y = \sum_i x_i y_i, \qquad (AB)_{ij} = \sum_k A_{ik} B_{kj}, \qquad
# (A^T)_{ij} = A_{ji}$$
#
# Reshape keeps the elements (and so the size) and changes only the shape.

# %%
d = float((b @ b).item())
print("dot b . b =", d, "  (100 + 400 + 900)")
mm = a @ a.T
print("matrix product a @ a.T (2,3)@(3,2) -> ", mm.shape, "\n", mm.numpy())
r = a.reshape(3, 2)
print("reshape (2,3) -> (3,2):\n", r.numpy())
print("transpose a.T:\n", a.T.numpy())

# Figure: Each operation's input and result as a small heat map with its numbers: a, b, the
#   broadcast sum a + b, the matrix product a a^T, a reshaped to (3, 2) and its transpose.
plots.plot_matrices({"a (2, 3)": a.numpy(), "b (3,)": b.numpy(), "a + b (2, 3)": s.numpy(),
                     "a @ a.T (2, 2)": mm.numpy(), "a.reshape(3, 2)": r.numpy(),
                     "a.T (3, 2)": a.T.numpy()},
                    title="element-wise, broadcasting, matrix product, reshape, transpose")
lessons.record(ranks={name: t.ndim for name, t in examples.items()}, dot_bb=d,
               matmul_aaT=mm.numpy(), broadcast_sum=s.numpy())
