"""Engine overhead: per-op cost on tiny tensors, and a 2-layer MLP step vs plain NumPy.

Usage:
    python benchmarks/bench_engine.py [--ops 20000] [--steps 30]

1. A chain of small element-wise ops (y = y * a + b on 16-element float32 tensors): CPU time
   per engine op (forward only, and forward + backward) against the same bare NumPy op. This
   is the fixed Python cost of recording an op and backpropagating through it. (CPU time,
   not wall time: on a shared machine the wall time of microsecond ops swings 2x with load.)
2. One training step of a 784-256-10 MLP with softmax cross-entropy on a 128-sample float32
   batch: the engine (forward, backward) against hand-written NumPy forward and backward,
   after checking that both give the same gradients.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import nnmath
from nnmath import Tensor
from nnmath import functional as F  # noqa: N812 - the usual alias


def per_op(n_ops: int) -> None:
    rng = np.random.default_rng(0)
    a_np = rng.uniform(0.5, 0.9, 16).astype(np.float32)  # |a| < 1 keeps the chain bounded
    b_np = rng.standard_normal(16, dtype=np.float32)
    x_np = rng.standard_normal(16, dtype=np.float32)

    def numpy_chain() -> float:
        t = time.process_time()
        y = x_np
        for _ in range(n_ops // 2):
            y = y * a_np + b_np
        return (time.process_time() - t) / n_ops

    a, b = Tensor(a_np, requires_grad=True), Tensor(b_np, requires_grad=True)
    x = Tensor(x_np, requires_grad=True)

    def engine_chain() -> tuple[float, float]:
        t = time.process_time()
        y = x
        for _ in range(n_ops // 2):
            y = y * a + b
        t_fwd = time.process_time() - t
        loss = y.sum()
        t = time.process_time()
        loss.backward()
        t_bwd = time.process_time() - t
        return t_fwd / n_ops, t_bwd / n_ops

    def engine_no_grad() -> float:
        t = time.process_time()
        with nnmath.no_grad():
            y = x
            for _ in range(n_ops // 2):
                y = y * a + b
        return (time.process_time() - t) / n_ops

    t_np, t_fwd, t_bwd, t_ng = [], [], [], []
    for _ in range(5):  # alternate to share the machine's load fairly
        t_np.append(numpy_chain())
        f, bw = engine_chain()
        t_fwd.append(f)
        t_bwd.append(bw)
        t_ng.append(engine_no_grad())
    npo, fwd, bwd, ng = (min(v) * 1e6 for v in (t_np, t_fwd, t_bwd, t_ng))
    print(f"per-op overhead ({n_ops} ops on 16-element float32 tensors, CPU time, best of 5):")
    print(f"  bare NumPy op            {npo:6.2f} us")
    print(f"  engine op, no_grad       {ng:6.2f} us   ({ng / npo:5.1f}x NumPy)")
    print(f"  engine op, forward       {fwd:6.2f} us   ({fwd / npo:5.1f}x NumPy)")
    print(f"  engine op, backward      {bwd:6.2f} us")
    print(f"  engine op, fwd + bwd     {fwd + bwd:6.2f} us   ({(fwd + bwd) / npo:5.1f}x NumPy)")


def mlp_step(n_steps: int) -> None:
    rng = np.random.default_rng(0)
    N, D, H, K = 128, 784, 256, 10
    X = rng.standard_normal((N, D), dtype=np.float32)
    y = rng.integers(0, K, N)
    W1 = (rng.standard_normal((D, H)) * np.sqrt(2 / D)).astype(np.float32)
    b1 = np.zeros(H, np.float32)
    W2 = (rng.standard_normal((H, K)) * np.sqrt(1 / H)).astype(np.float32)
    b2 = np.zeros(K, np.float32)
    rows = np.arange(N)

    def numpy_step() -> tuple[np.ndarray, ...]:
        z1 = X @ W1 + b1
        a1 = np.maximum(z1, 0)
        z2 = a1 @ W2 + b2
        z2 = z2 - z2.max(axis=1, keepdims=True)
        p = np.exp(z2)
        p /= p.sum(axis=1, keepdims=True)
        dz2 = p
        dz2[rows, y] -= 1
        dz2 /= N
        dW2 = a1.T @ dz2
        db2 = dz2.sum(axis=0)
        da1 = dz2 @ W2.T
        dz1 = da1 * (z1 > 0)
        dW1 = X.T @ dz1
        db1 = dz1.sum(axis=0)
        return dW1, db1, dW2, db2

    params = [Tensor(p, requires_grad=True) for p in (W1, b1, W2, b2)]
    Xt = Tensor(X)

    def engine_step() -> list[np.ndarray]:
        tW1, tb1, tW2, tb2 = params
        for p in params:
            p.zero_grad()
        h = F.linear(Xt, tW1, tb1).relu()
        logp = F.log_softmax(F.linear(h, tW2, tb2), axis=1)
        loss = -logp[rows, y].mean()
        loss.backward()
        return [p.grad for p in params]

    for g_np, g_en in zip(numpy_step(), engine_step(), strict=True):
        assert g_en.dtype == np.float32
        np.testing.assert_allclose(g_en, g_np, rtol=1e-3, atol=1e-6)

    t_np, t_en = [], []
    for _ in range(n_steps):  # alternating
        t = time.perf_counter()
        numpy_step()
        t_np.append(time.perf_counter() - t)
        t = time.perf_counter()
        engine_step()
        t_en.append(time.perf_counter() - t)
    print(f"MLP {D}-{H}-{K} step, batch {N}, float32 ({n_steps} alternating steps; same "
          "gradients); min is the least disturbed by other processes, median the typical:")
    for stat in (min, statistics.median):
        a, b = stat(t_np) * 1e3, stat(t_en) * 1e3
        print(f"  {stat.__name__:6s}  hand-written NumPy {a:7.2f} ms   engine {b:7.2f} ms   "
              f"({b / a:4.2f}x NumPy)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=20000)
    parser.add_argument("--steps", type=int, default=60)
    args = parser.parse_args()
    nnmath.threads.configure()  # nnmath's default limit (only Tensor ops run here, no fit)
    print(f"BLAS threads: {nnmath.get_num_threads()}")
    per_op(args.ops)
    mlp_step(args.steps)


if __name__ == "__main__":
    main()
