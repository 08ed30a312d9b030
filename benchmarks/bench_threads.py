"""BLAS threads: 1 vs 2 on a small training-like step and a large GEMM, idle and under load.

Usage:
    python benchmarks/bench_threads.py [--rounds 5] [--big 1536]

Workloads (float32):
  * step: one dense layer's forward + backward at MNIST-batch size,
    Y = X @ W (128x784 @ 784x512), dW = X^T @ G, dX = G @ W^T;
  * gemm: one (big x big) @ (big x big) product.

Thread counts alternate inside each round (1, 2, 1, 2, ...) so that changing load from
other processes affects both equally; the "busy" condition adds one process spinning on a
core, like a second job on the machine. Prints the median time of each cell and the ratio
t(2 threads) / t(1 thread): below 1 means two threads help.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np

import nnmath  # noqa: F401  (the timings set their own limits with threadpool_limits)


def step(rng: np.random.Generator, reps: int) -> float:
    X = rng.standard_normal((128, 784), dtype=np.float32)
    W = rng.standard_normal((784, 512), dtype=np.float32)
    G = rng.standard_normal((128, 512), dtype=np.float32)
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        _ = X @ W
        _ = X.T @ G
        _ = G @ W.T
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def gemm(rng: np.random.Generator, n: int, reps: int) -> float:
    A = rng.standard_normal((n, n), dtype=np.float32)
    B = rng.standard_normal((n, n), dtype=np.float32)
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        _ = A @ B
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def measure(rounds: int, big: int) -> dict[tuple[str, int], float]:
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    cells: dict[tuple[str, int], list[float]] = {}
    for _ in range(rounds):
        for threads in (1, 2):
            with threadpool_limits(limits=threads, user_api="blas"):
                cells.setdefault(("step", threads), []).append(step(rng, reps=20))
                cells.setdefault(("gemm", threads), []).append(gemm(rng, big, reps=2))
    return {k: statistics.median(v) for k, v in cells.items()}


def report(label: str, res: dict[tuple[str, int], float], big: int) -> None:
    print(f"\n[{label}] os.cpu_count()={os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    for work, unit, scale, name in (
        ("step", "ms", 1e3, "step 128x784@784x512 fwd+bwd"),
        ("gemm", "ms", 1e3, f"gemm {big}x{big}"),
    ):
        t1, t2 = res[(work, 1)] * scale, res[(work, 2)] * scale
        print(f"  {name:32s} 1 thread {t1:8.2f} {unit}   2 threads {t2:8.2f} {unit}   "
              f"ratio t2/t1 {t2 / t1:5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--big", type=int, default=1536)
    args = parser.parse_args()

    report("idle (no extra load from this script)", measure(args.rounds, args.big), args.big)
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.2)
        report("busy (one extra process spinning on a core)", measure(args.rounds, args.big),
               args.big)
    finally:
        spinner.kill()
        spinner.wait()


if __name__ == "__main__":
    main()
