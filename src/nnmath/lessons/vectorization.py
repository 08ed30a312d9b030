"""Lesson: vectorization: a Python for-loop dot product against the vectorized one, timed."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from . import Context

TITLE = "Vectorization: for-loop against np.dot"
SUMMARY = "the same dot product as a Python loop and as one vectorized call, timed"
EXPLANATION = (
    "z = w^T x + b is a sum over n_x products. Written as a Python loop every product is an "
    "interpreted step; written as one vectorized call the whole sum runs in compiled SIMD code. "
    "The classic notes report roughly 79 ms for the loop against about 1 ms vectorized for "
    "100 000 elements; here we time the same thing on this machine (median of repeats)."
)
FORMULAS = ["z = w^T x = sum_{i=1}^{n_x} w_i x_i", "Z = w^T X + b   (all m samples at once)"]
LONG = False


def _loop_dot(a: np.ndarray, b: np.ndarray) -> float:
    c = 0.0
    for i in range(a.shape[0]):
        c += a[i] * b[i]
    return c


def _median_ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(times))


def run(ctx: Context) -> None:
    n = 100_000
    rng = np.random.default_rng(ctx.seed)
    a, b = rng.random(n), rng.random(n)
    loop_val, vec_val = _loop_dot(a, b), float(np.dot(a, b))
    loop_ms = _median_ms(lambda: _loop_dot(a, b), 5)
    vec_ms = _median_ms(lambda: np.dot(a, b), 20)
    print(f"n = {n:,} elements (float64)")
    print(f"for loop : {loop_ms:9.2f} ms   result {loop_val:.6f}")
    print(f"np.dot   : {vec_ms:9.3f} ms   result {vec_val:.6f}")
    print(f"speed-up : {loop_ms / vec_ms:.0f}x  (same result to {abs(loop_val - vec_val):.1e})")
    # a whole layer at once: Z = W X for m samples, against a loop over samples
    W, X = rng.standard_normal((64, 256)), rng.standard_normal((256, 2000))
    loop_layer = _median_ms(lambda: np.stack([W @ X[:, j] for j in range(X.shape[1])], 1), 3)
    vec_layer = _median_ms(lambda: W @ X, 10)
    print(f"\nlayer Z = W X, W (64, 256), X (256, 2000): loop over samples {loop_layer:.2f} ms, "
          f"one matmul {vec_layer:.3f} ms ({loop_layer / vec_layer:.0f}x)")
    from nnmath import plots

    plt = plots.pyplot()
    fig, ax = plt.subplots(figsize=(6, 3))
    bars = ax.barh(["for loop (n = 100 000)", "np.dot", "loop over 2000 samples",
                    "one matmul W X"], [loop_ms, vec_ms, loop_layer, vec_layer],
                   color=["tab:red", "tab:green"] * 2)
    ax.bar_label(bars, fmt="%.3g ms", padding=3, fontsize=8)
    ax.set_xscale("log")
    ax.set_xlim(right=max(loop_ms, loop_layer) * 20)  # room for the labels
    ax.set_xlabel("milliseconds (log scale)")
    ax.set_title("Vectorization")
    plots.save(fig, ctx.figure("timings"))
    ctx.record(n=n, loop_ms=loop_ms, vectorized_ms=vec_ms, speedup=loop_ms / vec_ms,
               abs_difference=abs(loop_val - vec_val), layer_loop_ms=loop_layer,
               layer_vectorized_ms=vec_layer)
