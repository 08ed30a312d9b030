"""The keras.io simple MNIST convnet: one training epoch (10 000 images, batch 128, Adam) and
``predict`` throughput (10 000 images): nnmath vs a hand-written NumPy convnet vs PyTorch CPU,
at 1 and 2 threads, with peak memory.

Network: Conv2D 32 3x3 relu, MaxPool 2, Conv2D 64 3x3 relu, MaxPool 2, Flatten,
Dropout 0.5, Dense 10 softmax (34 826 parameters); Adam (lr 1e-3, eps 1e-7); sparse
categorical cross-entropy; loss and accuracy read every batch.

* nnmath: ``recipes.build_model("mnist-cnn")`` then ``fit(epochs=1, verbose=0)``;
  ``predict(x, batch_size=128)``; once with the default NumPy code, once with the optional
  compiled kernels (``nnmath.set_compiled("numba")``, when numba is installed).
* hand-written NumPy: im2col + GEMM convolutions, reshape-based pooling, preallocated
  patch buffers, in-place ufuncs, no autodiff.
* PyTorch CPU (when installed; never a dependency), NCHW, ``torch.set_num_threads`` equal to
  the BLAS threads; inference in ``eval()`` mode under ``torch.no_grad()``, batch 128.

Each thread count runs in a child process (BLAS threads fixed before NumPy loads, and
``OPENBLAS_THREAD_TIMEOUT=4`` unless ``--blas-timeout 0``: idle OpenBLAS workers sleep instead
of spinning, which the compiled kernels need at two threads; it did not change the NumPy code's
times; and ``OMP_WAIT_POLICY=PASSIVE`` unless ``--omp-wait-policy ''``: numba's kernels
and PyTorch share GNU OpenMP in one process, and its threads must sleep when idle for the
kernels to gain anything; run once with ``--omp-wait-policy ''`` to see PyTorch with its
default); inside it the implementations alternate, ``--repeats`` timed runs each after one
warm-up. Peak RSS of one training epoch is measured in a separate child per implementation.

Usage: python benchmarks/bench_convnet.py [--repeats 5] [--threads 1 2] [--json out.json]
"""

from __future__ import annotations

import argparse
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


def nnmath_model(seed: int = 0):
    from nnmath import recipes

    return recipes.build_model("mnist-cnn", seed=seed)  # keras.io's simple convnet, Adam


def nnmath_epoch(x: np.ndarray, y: np.ndarray, batch: int = BATCH, compiled: str | None = None):
    from nnmath.ops import accel

    model = nnmath_model()

    def run() -> None:
        accel.set_compiled(compiled)  # the runners alternate: each sets its own choice
        model.fit(x, y, epochs=1, batch_size=batch, verbose=0)

    return run


def nnmath_predict(x: np.ndarray, compiled: str | None = None):
    from nnmath.ops import accel

    model = nnmath_model()

    def run() -> np.ndarray:
        accel.set_compiled(compiled)
        return model.predict(x, batch_size=BATCH, verbose=0)

    return run


def numba_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("numba") is not None


def _im2col(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """(N, H, W, C) -> rows of 3x3 patches (N*Ho*Wo, 9*C), ordered (p, q, c) like the kernel."""
    win = np.lib.stride_tricks.sliding_window_view(x, (3, 3), axis=(1, 2))  # (N,Ho,Wo,C,3,3)
    np.copyto(out, win.transpose(0, 1, 2, 4, 5, 3))
    return out.reshape(-1, out.shape[3] * out.shape[4] * out.shape[5])


def _pool_forward(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2x2 max pooling of (N, H, W, C) (odd edges dropped): output and the argmax mask."""
    n, hh, ww, c = h.shape
    hc = h[:, : hh // 2 * 2, : ww // 2 * 2, :].reshape(n, hh // 2, 2, ww // 2, 2, c)
    out = hc.max(axis=(2, 4))
    mask = hc == out[:, :, None, :, None, :]
    return out, mask


def _pool_backward(g: np.ndarray, mask: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    n, ho, _, wo, _, c = mask.shape
    dh = np.zeros(shape, np.float32)
    dh[:, : ho * 2, : wo * 2, :] = (mask * g[:, :, None, :, None, :]).reshape(n, ho * 2, wo * 2, c)
    return dh


class NumpyConvnet:
    """The keras.io convnet written out by hand (float32, Adam, dropout)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.x, self.y, self.rng = x, y, rng

        def glorot(shape, fan_in, fan_out):
            lim = np.sqrt(6 / (fan_in + fan_out))
            return rng.uniform(-lim, lim, shape).astype(np.float32)

        self.params = [
            glorot((9, 32), 9, 288),
            np.zeros(32, np.float32),
            glorot((288, 64), 288, 576),
            np.zeros(64, np.float32),
            glorot((1600, 10), 1600, 10),
            np.zeros(10, np.float32),
        ]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.tmp = [np.empty_like(p) for p in self.params]
        self.t = 0
        self.cols1 = np.empty((BATCH, 26, 26, 3, 3, 1), np.float32)
        self.cols2 = np.empty((BATCH, 11, 11, 3, 3, 32), np.float32)
        self.xb = np.empty((BATCH, 28, 28, 1), np.float32)

    def step(self, xb: np.ndarray, yb: np.ndarray) -> tuple[float, float]:
        w1, b1, w2, b2, w3, b3 = self.params
        n = len(xb)
        c1 = _im2col(xb, self.cols1[:n])  # (n*676, 9)
        h1 = c1 @ w1
        h1 += b1
        np.maximum(h1, 0, out=h1)
        h1 = h1.reshape(n, 26, 26, 32)
        p1, m1 = _pool_forward(h1)  # (n, 13, 13, 32)
        c2 = _im2col(p1, self.cols2[:n])  # (n*121, 288)
        h2 = c2 @ w2
        h2 += b2
        np.maximum(h2, 0, out=h2)
        h2 = h2.reshape(n, 11, 11, 64)
        p2, m2 = _pool_forward(h2)  # (n, 5, 5, 64)
        f = p2.reshape(n, 1600)
        keep = (self.rng.random(f.shape, dtype=np.float32) >= 0.5) * np.float32(2.0)
        f = f * keep
        z = f @ w3
        z += b3
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        rows = np.arange(n)
        loss = -float(np.log(z[rows, yb]).mean())
        acc = float((z.argmax(axis=1) == yb).mean())
        z[rows, yb] -= 1.0
        z *= 1.0 / n
        grads = [None] * 6
        grads[4], grads[5] = f.T @ z, z.sum(axis=0)
        df = z @ w3.T
        df *= keep
        dh2 = _pool_backward(df.reshape(n, 5, 5, 64), m2, h2.shape)
        dh2 *= h2 > 0
        dh2 = dh2.reshape(-1, 64)
        grads[2], grads[3] = c2.T @ dh2, dh2.sum(axis=0)
        dc2 = (dh2 @ w2.T).reshape(n, 11, 11, 3, 3, 32)
        dp1 = np.zeros((n, 13, 13, 32), np.float32)
        for p in range(3):  # col2im: add each kernel offset's gradient back where it was read
            for q in range(3):
                dp1[:, p : p + 11, q : q + 11, :] += dc2[:, :, :, p, q, :]
        dh1 = _pool_backward(dp1, m1, h1.shape)
        dh1 *= h1 > 0
        dh1 = dh1.reshape(-1, 32)
        grads[0], grads[1] = c1.T @ dh1, dh1.sum(axis=0)
        self._adam(grads)
        return loss, acc

    def _adam(self, grads: list[np.ndarray]) -> None:
        self.t += 1
        lr_t = 1e-3 * np.sqrt(1 - 0.999**self.t) / (1 - 0.9**self.t)
        for p, g, m, v, t in zip(self.params, grads, self.m, self.v, self.tmp, strict=True):
            m *= 0.9
            np.multiply(g, 0.1, out=t)
            m += t
            v *= 0.999
            np.multiply(g, g, out=t)
            t *= 0.001
            v += t
            np.sqrt(v, out=t)
            t += 1e-7
            np.divide(m, t, out=t)
            t *= lr_t
            p -= t

    def epoch(self) -> None:
        order = self.rng.permutation(len(self.x))
        for start in range(0, len(order), BATCH):
            idx = order[start : start + BATCH]
            xb = self.xb[: len(idx)]
            np.take(self.x, idx, axis=0, out=xb)
            self.step(xb, self.y[idx])


def torch_model(torch):
    nn = torch.nn
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 32, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.5),
        nn.Linear(1600, 10),
    )


def torch_epoch(torch, x: np.ndarray, y: np.ndarray, batch: int = BATCH):
    model = torch_model(torch)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))  # NCHW
    yt = torch.from_numpy(y)

    def run() -> None:
        model.train()
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


def torch_predict(torch, x: np.ndarray):
    model = torch_model(torch)
    model.eval()
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))  # NCHW

    def run() -> np.ndarray:
        with torch.no_grad():
            outs = [
                torch.softmax(model(xt[s : s + BATCH]), dim=1) for s in range(0, len(xt), BATCH)
            ]
            return torch.cat(outs).numpy()

    return run


Makers = dict[str, Callable[[], Callable[[], Any]]]


def makers(args: argparse.Namespace) -> tuple[Makers, Makers]:
    """(training runners, predict runners): name -> function building the runner."""
    x, y = mnist_subset(args.images, images=True)
    label = torch_label()
    if label is not None and args.child != "rss":  # PyTorch's OpenMP reads its settings
        torch_with_threads(args.threads[0])  # now, before nnmath's kernels (not in RSS runs)
    train: Makers = {"nnmath fit": lambda: nnmath_epoch(x, y)}
    predict: Makers = {"nnmath predict": lambda: nnmath_predict(x)}
    if numba_installed() and not args.without_numba:
        train["nnmath fit (numba)"] = lambda: nnmath_epoch(x, y, compiled="numba")
        predict["nnmath predict (numba)"] = lambda: nnmath_predict(x, compiled="numba")
    train["NumPy reference"] = lambda: NumpyConvnet(x, y).epoch
    if label is not None:
        train[label] = lambda: torch_epoch(torch_with_threads(args.threads[0]), x, y)
        predict[label + " no_grad"] = lambda: torch_predict(torch_with_threads(args.threads[0]), x)
    return train, predict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_harness_options(parser, images=10000)
    parser.add_argument(
        "--blas-timeout", type=int, default=4,
        help="OPENBLAS_THREAD_TIMEOUT for the children (0: leave OpenBLAS's default)",
    )
    parser.add_argument(
        "--without-numba", action="store_true", help="leave out nnmath with numba kernels"
    )
    parser.add_argument(
        "--omp-wait-policy", default="PASSIVE",
        help="OMP_WAIT_POLICY for the children ('' leaves GNU OpenMP's default); PyTorch and "
        "numba share one OpenMP runtime in a process, so both run with it",
    )
    args = parser.parse_args()

    def times() -> dict[str, Any]:
        train, predict = makers(args)
        return {
            "times": alternate({k: make() for k, make in train.items()}, args.repeats),
            "predict": alternate({k: make() for k, make in predict.items()}, args.repeats),
        }

    if run_as_child(args, times, lambda: makers(args)[0]):
        return
    env = {"OPENBLAS_THREAD_TIMEOUT": str(args.blas_timeout)} if args.blas_timeout else {}
    if args.omp_wait_policy:
        env["OMP_WAIT_POLICY"] = args.omp_wait_policy
    results = run_children(__file__, args, ["--without-numba"] * args.without_numba, env)
    names = list(results[args.threads[0]]["times"])
    torch_name = next((n for n in names if n.startswith("PyTorch")), None)
    print_table(
        f"keras.io MNIST convnet, one training epoch of {args.images} images, batch {BATCH}",
        results,
        [*([torch_name] if torch_name else []), "NumPy reference"],
        note="(medians of alternating runs in one process per thread count; "
        f"OPENBLAS_THREAD_TIMEOUT={args.blas_timeout or 'default'}, "
        f"OMP_WAIT_POLICY={args.omp_wait_policy or 'default'})",
    )
    print(f"predict throughput, {args.images} images, batch {BATCH} (images/s from the median)")
    print("| threads | implementation | images/s (wall) | images/s (CPU) | runs |")
    print("| --- | --- | --- | --- | --- |")
    import statistics

    for t, res in results.items():
        for name, v in res["predict"].items():
            wall, cpu = statistics.median(v["wall"]), statistics.median(v["cpu"])
            print(
                f"| {t} | {name} | {args.images / wall:,.0f} | {args.images / cpu:,.0f} | "
                f"{len(v['wall'])} |"
            )
    print()
    write_json(args.json, {"benchmark": "convnet", "images": args.images, "results": results})


if __name__ == "__main__":
    main()
