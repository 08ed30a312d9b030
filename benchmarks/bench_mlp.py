"""One MNIST MLP epoch (10 000 images, batch 128): nnmath vs hand-written NumPy vs PyTorch.

The network of the classic lesson: Dense 512 relu, Dense 10 softmax, RMSprop (lr 1e-3,
rho 0.9, eps 1e-7), sparse categorical cross-entropy, shuffled each epoch, loss and accuracy
computed for every batch (as ``fit`` reports them).

* nnmath: ``Sequential.fit(epochs=1, verbose=0)``.
* hand-written NumPy: the same maths with preallocated buffers, in-place ufuncs and no
  autodiff: the ceiling of what NumPy can do.
* PyTorch CPU (when installed), with ``torch.set_num_threads`` equal to the BLAS threads.

Runs alternate in one process; wall-clock and CPU-time medians and ratios are printed with
the thread count (CPU time is the steadier figure when other processes share the cores).
Goal: nnmath within 1.15x of the hand-written NumPy epoch and faster than PyTorch.

Usage: python benchmarks/bench_mlp.py [--repeats 5] [--threads 1]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
from collections.abc import Callable

import numpy as np

import nnmath as nm
from nnmath import layers

BATCH = 128


# --------------------------------------------------------------- helpers (also used by
# bench_convnet.py)
def mnist_subset(n: int = 10000, images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` MNIST training images scaled to [0, 1] (float32) and their labels.

    Falls back to random data of the same shape when MNIST is not available (the timing is
    what matters here), and says so.
    """
    import nnmath as nm

    try:
        (x, y), _ = nm.datasets.load_mnist()
        x, y = x[:n], y[:n].astype(np.int64)
    except (FileNotFoundError, OSError) as exc:
        print(f"MNIST not found ({str(exc).splitlines()[0]}); timing on random data")
        rng = np.random.default_rng(0)
        x = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        y = rng.integers(0, 10, size=n)
    x = x.astype(np.float32) / 255
    return (x.reshape(n, 28, 28, 1) if images else x.reshape(n, 784)), y


def torch_or_none(threads: int):
    """``torch`` with ``threads`` intra-op threads, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


def alternate(
    runners: dict[str, Callable[[], None]], repeats: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Time each runner ``repeats`` times, alternating them so load changes hit all alike.

    Returns the wall-clock times and the process CPU times (``time.process_time``): on a
    shared 2-core machine the CPU time is the steadier figure, as waiting for a core does
    not count (memory-bandwidth contention still does).
    """
    wall: dict[str, list[float]] = {name: [] for name in runners}
    cpu: dict[str, list[float]] = {name: [] for name in runners}
    for run in runners.values():  # warm-up (allocations, BLAS start-up)
        run()
    for _ in range(repeats):
        for name, run in runners.items():
            gc.collect()
            t0, c0 = time.perf_counter(), time.process_time()
            run()
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    return wall, cpu


def report(
    title: str,
    times: tuple[dict[str, list[float]], dict[str, list[float]]],
    baseline: str,
    threads: int,
) -> None:
    """Print wall and CPU medians and their ratios to ``baseline`` (> 1: slower)."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{title}  [BLAS/torch threads: {threads}; 1-min load average {load:.1f} "
        f"on {os.cpu_count()} cores]"
    )
    wall, cpu = times
    base, base_cpu = statistics.median(wall[baseline]), statistics.median(cpu[baseline])
    for name, ts in wall.items():
        med, med_cpu = statistics.median(ts), statistics.median(cpu[name])
        print(
            f"  {name:<28} wall median {med:7.3f} s (min {min(ts):.3f}, n={len(ts)}) "
            f"ratio {med / base:5.2f}x | CPU median {med_cpu:7.3f} s ratio "
            f"{med_cpu / base_cpu:5.2f}x   (to {baseline})"
        )


# --------------------------------------------------------------- the MLP


def nnmath_epoch(x: np.ndarray, y: np.ndarray):
    model = nm.Sequential(
        [layers.Dense(512, activation="relu"), layers.Dense(10, activation="softmax")], seed=0
    )
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.build((None, 784))
    return lambda: model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0)


class NumpyMLP:
    """784-512-10 MLP, softmax-CE, RMSprop, written out with preallocated buffers."""

    def __init__(self, x: np.ndarray, y: np.ndarray, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.x, self.y = x, y
        f = np.float32
        lim1, lim2 = np.sqrt(6 / (784 + 512)), np.sqrt(6 / (512 + 10))
        self.params = [
            rng.uniform(-lim1, lim1, (784, 512)).astype(f),
            np.zeros(512, f),
            rng.uniform(-lim2, lim2, (512, 10)).astype(f),
            np.zeros(10, f),
        ]
        self.grads = [np.empty_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.tmp = [np.empty_like(p) for p in self.params]
        self.xb = np.empty((BATCH, 784), f)
        self.h = np.empty((BATCH, 512), f)
        self.z = np.empty((BATCH, 10), f)
        self.rng = rng

    def step(self, xb: np.ndarray, yb: np.ndarray) -> tuple[float, float]:
        w1, b1, w2, b2 = self.params
        gw1, gb1, gw2, gb2 = self.grads
        n = len(xb)
        h, z = self.h[:n], self.z[:n]
        np.matmul(xb, w1, out=h)
        h += b1
        np.maximum(h, 0, out=h)
        np.matmul(h, w2, out=z)
        z += b2
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)  # probabilities
        rows = np.arange(n)
        loss = -float(np.log(z[rows, yb]).mean())
        acc = float((z.argmax(axis=1) == yb).mean())
        z[rows, yb] -= 1.0
        z *= 1.0 / n  # dL/dlogits
        np.matmul(h.T, z, out=gw2)
        z.sum(axis=0, out=gb2)
        dh = z @ w2.T
        dh *= h > 0
        np.matmul(xb.T, dh, out=gw1)
        dh.sum(axis=0, out=gb1)
        for p, g, v, t in zip(self.params, self.grads, self.v, self.tmp, strict=True):
            v *= 0.9
            np.multiply(g, g, out=t)
            t *= 0.1
            v += t
            np.sqrt(v, out=t)
            t += 1e-7
            np.divide(g, t, out=t)
            t *= 0.001
            p -= t
        return loss, acc

    def epoch(self) -> None:
        order = self.rng.permutation(len(self.x))
        for start in range(0, len(order), BATCH):
            idx = order[start : start + BATCH]
            xb = self.xb[: len(idx)]
            np.take(self.x, idx, axis=0, out=xb)
            self.step(xb, self.y[idx])


def torch_epoch(torch, x: np.ndarray, y: np.ndarray):
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10)
    )
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def run() -> None:
        order = torch.randperm(len(xt))
        for start in range(0, len(order), BATCH):
            idx = order[start : start + BATCH]
            xb, yb = xt[idx], yt[idx]
            logits = model(xb)
            loss = loss_fn(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss.item()
            (logits.argmax(dim=1) == yb).float().mean().item()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    nm.set_num_threads(args.threads)
    x, y = mnist_subset(10000)
    runners = {
        "nnmath Sequential.fit": nnmath_epoch(x, y),
        "hand-written NumPy": NumpyMLP(x, y).epoch,
    }
    torch = torch_or_none(args.threads)
    if torch is not None:
        runners["PyTorch CPU " + torch.__version__] = torch_epoch(torch, x, y)
    times = alternate(runners, args.repeats)
    report(
        "MNIST MLP 784-512-10, one epoch of 10 000 images, batch 128",
        times,
        "hand-written NumPy",
        nm.get_num_threads(),
    )


if __name__ == "__main__":
    main()
