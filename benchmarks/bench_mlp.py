"""One MNIST MLP epoch (60 000 images, batch 128, RMSprop): nnmath vs the lean hand-written
NumPy MLP vs PyTorch CPU, at 1 and 2 threads, with peak memory.

The network of the classic lesson: Dense 512 relu, Dense 10 softmax, RMSprop (lr 1e-3,
rho 0.9, eps 1e-7), sparse categorical cross-entropy, shuffled each epoch.

* nnmath: ``Sequential.fit(epochs=1, verbose=0)`` with ``metrics=["accuracy"]``, as users run it.
* hand-written NumPy: the same maths with preallocated buffers, in-place ufuncs, no autodiff
  and no metrics (the loss only): the ceiling of what NumPy can reach. Like nnmath's
  optimizers it sets RMSprop's nearly subnormal velocities to zero every 32 steps (see
  ``nnmath/optimizers/base.py``): without that, the velocities of rarely inked pixels decay
  into subnormal floats after a few hundred steps and every later epoch is up to 25 % slower
  (the ``--yardstick`` below does not flush: give it to see both).
* PyTorch CPU (when installed; never a dependency), ``torch.set_num_threads`` = BLAS threads,
  loss and accuracy read every batch like ``fit``.
* ``--yardstick path/to/numpy_mlp.py``: also time an outside lean NumPy MLP exposing
  ``MLP(rng, batch)``, ``RMSprop(params)`` and ``train_epoch(model, opt, X, Y, rng, batch)``,
  to check that the reference here is at least as lean.

Each thread count runs in a child process (BLAS threads fixed before NumPy loads); inside
it the implementations alternate, ``--repeats`` timed runs each after one warm-up; the table
gives wall and CPU medians and CPU-time ratios (CPU time is the steadier figure on a shared
machine). Peak RSS of one epoch is measured in a separate child per implementation.

Usage: python benchmarks/bench_mlp.py [--repeats 5] [--threads 1 2] [--images 60000]
       [--json out.json] [--yardstick ../shared/bench/numpy_mlp.py]
"""

from __future__ import annotations

import argparse
import importlib.util
from collections.abc import Callable
from typing import Any

import numpy as np
from common import (
    add_harness_options,
    alternate,
    mnist_subset,
    print_table,
    run_as_child,
    run_children,
    torch_label,
    torch_with_threads,
    write_json,
)

BATCH = 128
F32 = np.float32


def nnmath_epoch(x: np.ndarray, y: np.ndarray, hidden: int = 512, batch: int = BATCH):
    import nnmath as nm
    from nnmath import layers

    model = nm.Sequential(
        [layers.Dense(hidden, activation="relu"), layers.Dense(10, activation="softmax")], seed=0
    )
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.build((None, x.shape[1]))
    return lambda: model.fit(x, y, epochs=1, batch_size=batch, verbose=0)


class NumpyMLP:
    """784-H-10 MLP, softmax cross-entropy, RMSprop: preallocated buffers, in-place ufuncs.

    ``v = rho v + (1 - rho) g^2;  w -= lr g / (sqrt(v) + eps)`` (Keras's RMSprop).
    """

    FLUSH_EVERY, FLUSH_BELOW = 32, F32(2.0**-100)  # as nnmath.optimizers.base

    def __init__(self, x: np.ndarray, y: np.ndarray, hidden: int = 512, batch: int = BATCH):
        rng = np.random.default_rng(0)
        self.steps = 0
        self.x, self.y, self.rng, self.batch = x, y, rng, batch
        d = x.shape[1]
        lim1, lim2 = np.sqrt(6 / (d + hidden)), np.sqrt(6 / (hidden + 10))
        self.params = [
            rng.uniform(-lim1, lim1, (d, hidden)).astype(F32),
            np.zeros(hidden, F32),
            rng.uniform(-lim2, lim2, (hidden, 10)).astype(F32),
            np.zeros(10, F32),
        ]
        self.grads = [np.empty_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.tmp = [np.empty_like(p) for p in self.params]
        self.xb = np.empty((batch, d), F32)
        self.h = np.empty((batch, hidden), F32)
        self.dh = np.empty((batch, hidden), F32)
        self.z = np.empty((batch, 10), F32)

    def step(self, xb: np.ndarray, yb: np.ndarray) -> float:
        w1, b1, w2, b2 = self.params
        gw1, gb1, gw2, gb2 = self.grads
        n = len(xb)
        h, dh, z = self.h[:n], self.dh[:n], self.z[:n]
        np.matmul(xb, w1, out=h)
        h += b1
        np.maximum(h, 0, out=h)
        np.matmul(h, w2, out=z)
        z += b2
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)  # probabilities
        rows = np.arange(n)
        loss = -np.log(np.maximum(z[rows, yb], F32(1e-7))).mean()
        z[rows, yb] -= 1
        z *= F32(1.0 / n)  # dL/dlogits
        np.matmul(h.T, z, out=gw2)
        z.sum(axis=0, out=gb2)
        np.matmul(z, w2.T, out=dh)
        dh *= h > 0
        np.matmul(xb.T, dh, out=gw1)
        dh.sum(axis=0, out=gb1)
        rho, lr, eps = F32(0.9), F32(1e-3), F32(1e-7)
        for p, g, v, t in zip(self.params, self.grads, self.v, self.tmp, strict=True):
            np.multiply(g, g, out=t)
            t *= 1 - rho
            v *= rho
            v += t
            np.sqrt(v, out=t)
            t += eps
            np.divide(g, t, out=t)
            t *= lr
            p -= t
        self.steps += 1
        if self.steps % self.FLUSH_EVERY == 0:
            for v, t in zip(self.v, self.tmp, strict=True):
                np.abs(v, out=t)
                np.copyto(v, 0, where=t < self.FLUSH_BELOW)
        return float(loss)

    def epoch(self) -> None:
        order = self.rng.permutation(len(self.x))
        for start in range(0, len(order), self.batch):
            idx = order[start : start + self.batch]
            xb = self.xb[: len(idx)]
            np.take(self.x, idx, axis=0, out=xb)
            self.step(xb, self.y[idx])


def yardstick_epoch(path: str, x: np.ndarray, y: np.ndarray):
    spec = importlib.util.spec_from_file_location("numpy_mlp_yardstick", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    rng = np.random.default_rng(0)
    model = mod.MLP(rng, BATCH)
    opt = mod.RMSprop(model.params())
    return lambda: mod.train_epoch(model, opt, x, y, rng, BATCH)


def torch_epoch(torch, x: np.ndarray, y: np.ndarray, hidden: int = 512, batch: int = BATCH):
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(x.shape[1], hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10)
    )
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def run() -> None:
        order = torch.randperm(len(xt))
        for start in range(0, len(order), batch):
            idx = order[start : start + batch]
            xb, yb = xt[idx], yt[idx]
            logits = model(xb)
            loss = loss_fn(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss.item()
            (logits.argmax(dim=1) == yb).float().mean().item()

    return run


def makers(args: argparse.Namespace) -> dict[str, Callable[[], Callable[[], Any]]]:
    """name -> function building that implementation's one-epoch runner (data loaded once)."""
    x, y = mnist_subset(args.images)
    out: dict[str, Callable[[], Callable[[], Any]]] = {
        "nnmath fit": lambda: nnmath_epoch(x, y),
        "NumPy reference": lambda: NumpyMLP(x, y).epoch,
    }
    if args.yardstick:
        out["shared numpy_mlp.py"] = lambda: yardstick_epoch(args.yardstick, x, y)
    label = torch_label()
    if label is not None:
        out[label] = lambda: torch_epoch(torch_with_threads(args.threads[0]), x, y)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_harness_options(parser, images=60000)
    parser.add_argument("--yardstick", default=None, help="path to an outside numpy_mlp.py")
    args = parser.parse_args()

    def times() -> dict[str, Any]:
        return {"times": alternate({k: make() for k, make in makers(args).items()}, args.repeats)}

    if run_as_child(args, times, lambda: makers(args)):
        return
    yardstick = ["--yardstick", args.yardstick] if args.yardstick else []
    results = run_children(__file__, args, yardstick)
    torch_name = next(
        (n for n in results[args.threads[0]]["times"] if n.startswith("PyTorch")), None
    )
    print_table(
        f"MNIST MLP 784-512-10, RMSprop, one epoch of {args.images} images, batch {BATCH}",
        results,
        [
            "NumPy reference",
            *(["shared numpy_mlp.py"] if args.yardstick else []),
            *([torch_name] if torch_name else []),
        ],
        note="(medians of alternating runs in one process per thread count; ratios of CPU time)",
    )
    write_json(args.json, {"benchmark": "mlp", "images": args.images, "results": results})


if __name__ == "__main__":
    main()
