"""One epoch of the keras.io simple MNIST convnet (10 000 images, batch 128): nnmath vs a
hand-written NumPy convnet vs PyTorch CPU.

Network: Conv2D 32 3x3 relu, MaxPool 2, Conv2D 64 3x3 relu, MaxPool 2, Flatten,
Dropout 0.5, Dense 10 softmax (34 826 parameters); Adam (lr 1e-3, eps 1e-7); sparse
categorical cross-entropy; loss and accuracy computed every batch.

* nnmath: ``Sequential.fit(epochs=1, verbose=0)``.
* hand-written NumPy: im2col + GEMM convolutions, reshape-based pooling, preallocated
  patch buffers, in-place ufuncs, no autodiff.
* PyTorch CPU (when installed), NCHW, ``torch.set_num_threads`` equal to the BLAS threads.

Runs alternate in one process; wall-clock and CPU-time medians and ratios are printed with
the thread count (CPU time is the steadier figure when other processes share the cores).
Goal: nnmath within 1.2x of PyTorch.

Usage: python benchmarks/bench_convnet.py [--repeats 3] [--threads 1]
"""

from __future__ import annotations

import argparse

import numpy as np
from bench_mlp import alternate, mnist_subset, report, torch_or_none

import nnmath as nm
from nnmath import recipes

BATCH = 128


def nnmath_epoch(x: np.ndarray, y: np.ndarray):
    model = recipes.build_model("mnist-cnn", seed=0)  # keras.io's simple convnet, Adam
    return lambda: model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0)


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


def torch_epoch(torch, x: np.ndarray, y: np.ndarray):
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(
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
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))  # NCHW
    yt = torch.from_numpy(y)

    def run() -> None:
        model.train()
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
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--images", type=int, default=10000)
    args = parser.parse_args()
    nm.set_num_threads(args.threads)
    x, y = mnist_subset(args.images, images=True)
    runners = {
        "nnmath Sequential.fit": nnmath_epoch(x, y),
        "hand-written NumPy": NumpyConvnet(x, y).epoch,
    }
    torch = torch_or_none(args.threads)
    if torch is not None:
        runners["PyTorch CPU " + torch.__version__] = torch_epoch(torch, x, y)
    times = alternate(runners, args.repeats)
    baseline = next((k for k in runners if k.startswith("PyTorch")), "hand-written NumPy")
    report(
        f"keras.io MNIST convnet, one epoch of {len(x)} images, batch 128",
        times,
        baseline,
        nm.get_num_threads(),
    )


if __name__ == "__main__":
    main()
