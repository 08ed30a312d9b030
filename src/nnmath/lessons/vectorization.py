# nnmath lesson
# order: 8
# summary: the same dot product as a Python loop and as one vectorized call, timed
# headline: np.dot is {speedup:.0f}x faster than the Python loop for 100 000 elements
# varies: loop_ms, vectorized_ms, speedup, layer_loop_ms, layer_vectorized_ms

# %% [markdown]
# # Vectorization: for-loop against np.dot
#
# $z = w^T x + b$ is a sum over $n_x$ products,
#
# $$z = w^T x = \sum_{i=1}^{n_x} w_i x_i, \qquad Z = w^T X + b \ \text{(all } m
# \text{ samples at once)}.$$
#
# Written as a Python loop every product is an interpreted step; written as one vectorized
# call the whole sum runs in compiled SIMD code. The classic notes report roughly 79 ms for
# the loop against about 1 ms vectorized for 100 000 elements; here we time the same thing
# on this machine (median of repeats). The times differ from run to run.

# %%
import time

import numpy as np

from nnmath import lessons, plots


def loop_dot(a, b):
    c = 0.0
    for i in range(a.shape[0]):
        c += a[i] * b[i]
    return c


def median_ms(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(times))


n = 100_000
rng = np.random.default_rng(0)
a, b = rng.random(n), rng.random(n)
loop_val, vec_val = loop_dot(a, b), float(np.dot(a, b))
loop_ms = median_ms(lambda: loop_dot(a, b), 5)
vec_ms = median_ms(lambda: np.dot(a, b), 20)
print(f"n = {n:,} elements (float64)")
print(f"for loop : {loop_ms:9.2f} ms   result {loop_val:.6f}")
print(f"np.dot   : {vec_ms:9.3f} ms   result {vec_val:.6f}")
print(f"speed-up : {loop_ms / vec_ms:.0f}x  (same result to {abs(loop_val - vec_val):.1e})")

# %% [markdown]
# ## A whole layer at once
#
# $Z = W X$ for $m$ samples in one matrix product, against a loop over the samples.

# %%
W, X = rng.standard_normal((64, 256)), rng.standard_normal((256, 2000))
layer_loop = median_ms(lambda: np.stack([W @ X[:, j] for j in range(X.shape[1])], 1), 3)
layer_vec = median_ms(lambda: W @ X, 10)
print(f"layer Z = W X, W (64, 256), X (256, 2000): loop over samples {layer_loop:.2f} ms, "
      f"one matmul {layer_vec:.3f} ms ({layer_loop / layer_vec:.0f}x)")
plt = plots.pyplot()
fig, ax = plt.subplots(figsize=(6, 3))
bars = ax.barh(["for loop (n = 100 000)", "np.dot", "loop over 2000 samples",
                "one matmul W X"], [loop_ms, vec_ms, layer_loop, layer_vec],
               color=["tab:red", "tab:green"] * 2)
ax.bar_label(bars, fmt="%.3g ms", padding=3, fontsize=8)
ax.set_xscale("log")
ax.set_xlim(right=max(loop_ms, layer_loop) * 20)  # room for the labels
ax.set(xlabel="milliseconds (log scale)", title="Vectorization")
# Figure: Measured times on a log scale: the Python loop against np.dot for one dot product,
#   and a loop over 2000 samples against one matrix product for a whole layer.
lessons.record(n=n, loop_ms=loop_ms, vectorized_ms=vec_ms, speedup=loop_ms / vec_ms,
               abs_difference=abs(loop_val - vec_val), layer_loop_ms=layer_loop,
               layer_vectorized_ms=layer_vec)
