"""conv2d and pooling forward+backward: the engine vs plain NumPy im2col vs PyTorch (if installed).

Shapes are the MNIST convnet's: Conv 32 3x3 on (128, 28, 28, 1), Conv 64 3x3 on
(128, 13, 13, 32), and the conv stack conv-relu-maxpool-conv-relu-maxpool. Every
implementation runs once per round, rounds alternate (so background load hits all alike),
and the median (and the minimum, less sensitive to background load) over rounds is
reported with the ratios and the thread count.

    python benchmarks/bench_conv.py                 # 1 thread (nnmath's default)
    python benchmarks/bench_conv.py --threads 2 --rounds 30

PyTorch is optional (``pip install torch``); it runs NCHW, its native layout.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

import nnmath
from nnmath import Tensor
from nnmath import functional as F  # noqa: N812 - the project's convention

# ----------------------------------------------------------------------------- plain NumPy


def np_conv_fwd_bwd(x: np.ndarray, k: np.ndarray, b: np.ndarray, g: np.ndarray, need_dx: bool):
    """Reference im2col conv (valid, stride 1) forward and backward, written without the engine."""
    kh, kw, c_in, c_out = k.shape
    n, h, w, _ = x.shape
    ho, wo = h - kh + 1, w - kw + 1
    win = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))  # N,Ho,Wo,C,KH,KW
    cols = win.transpose(0, 1, 2, 4, 5, 3).reshape(n * ho * wo, kh * kw * c_in)
    y = (cols @ k.reshape(-1, c_out) + b).reshape(n, ho, wo, c_out)
    g2 = g.reshape(-1, c_out)
    dk = (cols.T @ g2).reshape(k.shape)
    db = g2.sum(0)
    dx = None
    if need_dx:
        dcols = (g2 @ k.reshape(-1, c_out).T).reshape(n, ho, wo, kh, kw, c_in)
        dx = np.zeros_like(x)
        for p in range(kh):
            for q in range(kw):
                dx[:, p : p + ho, q : q + wo, :] += dcols[:, :, :, p, q, :]
    return y, dk, db, dx


# ----------------------------------------------------------------------------- cases


def layer_case(n: int, h: int, c_in: int, c_out: int, first: bool, rng: np.random.Generator):
    x = rng.standard_normal((n, h, h, c_in), dtype=np.float32)
    k = (rng.standard_normal((3, 3, c_in, c_out), dtype=np.float32) * 0.1).astype(np.float32)
    b = np.zeros(c_out, np.float32)
    g = rng.standard_normal((n, h - 2, h - 2, c_out), dtype=np.float32)

    def engine() -> None:
        xt = Tensor(x, requires_grad=not first)
        kt, bt = Tensor(k, requires_grad=True), Tensor(b, requires_grad=True)
        F.conv2d(xt, kt, bt).backward(g)

    def numpy_ref() -> None:
        np_conv_fwd_bwd(x, k, b, g, need_dx=not first)

    impls: dict[str, Callable[[], None]] = {"engine": engine, "numpy": numpy_ref}
    torch_fn = _torch_layer(x, k, b, g, first)
    if torch_fn is not None:
        impls["torch"] = torch_fn
    return impls


def stack_case(n: int, rng: np.random.Generator):
    x = rng.standard_normal((n, 28, 28, 1), dtype=np.float32)
    k1 = rng.standard_normal((3, 3, 1, 32), dtype=np.float32) * 0.3
    k2 = rng.standard_normal((3, 3, 32, 64), dtype=np.float32) * 0.06
    b1, b2 = np.zeros(32, np.float32), np.zeros(64, np.float32)
    g = rng.standard_normal((n, 5, 5, 64), dtype=np.float32)

    def engine() -> None:
        p = [Tensor(a, requires_grad=True) for a in (k1, b1, k2, b2)]
        h = F.max_pool2d(F.conv2d(Tensor(x), p[0], p[1]).relu(), 2)
        F.max_pool2d(F.conv2d(h, p[2], p[3]).relu(), 2).backward(g)

    impls: dict[str, Callable[[], None]] = {"engine": engine}
    try:
        import torch
    except ImportError:
        return impls
    tx = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
    tk1 = torch.from_numpy(k1.transpose(3, 2, 0, 1).copy())
    tk2 = torch.from_numpy(k2.transpose(3, 2, 0, 1).copy())
    tb1, tb2 = torch.from_numpy(b1), torch.from_numpy(b2)
    tg = torch.from_numpy(g.transpose(0, 3, 1, 2).copy())
    tf = torch.nn.functional

    def torch_stack() -> None:
        p = [t.detach().requires_grad_() for t in (tk1, tb1, tk2, tb2)]
        h = tf.max_pool2d(tf.conv2d(tx, p[0], p[1]).relu(), 2)
        tf.max_pool2d(tf.conv2d(h, p[2], p[3]).relu(), 2).backward(tg)

    impls["torch"] = torch_stack
    return impls


def _torch_layer(x, k, b, g, first):
    try:
        import torch
    except ImportError:
        return None
    tx = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
    tk = torch.from_numpy(k.transpose(3, 2, 0, 1).copy())
    tb = torch.from_numpy(b)
    tg = torch.from_numpy(g.transpose(0, 3, 1, 2).copy())

    def run() -> None:
        xi = tx.detach().requires_grad_(not first)
        ki, bi = tk.detach().requires_grad_(), tb.detach().requires_grad_()
        torch.nn.functional.conv2d(xi, ki, bi).backward(tg)

    return run


def check_agreement(rng: np.random.Generator) -> float:
    """Max relative difference engine vs NumPy reference on the second layer (sanity)."""
    x = rng.standard_normal((4, 13, 13, 32), dtype=np.float32)
    k = rng.standard_normal((3, 3, 32, 64), dtype=np.float32) * 0.1
    b = rng.standard_normal(64, dtype=np.float32)
    g = rng.standard_normal((4, 11, 11, 64), dtype=np.float32)
    xt, kt = Tensor(x, requires_grad=True), Tensor(k, requires_grad=True)
    y = F.conv2d(xt, kt, Tensor(b))
    y.backward(g)
    y_ref, dk, _, dx = np_conv_fwd_bwd(x, k, b, g, need_dx=True)
    return max(
        float(np.abs(a - r).max() / np.abs(r).max())
        for a, r in ((y.data, y_ref), (kt.grad, dk), (xt.grad, dx))
    )


def bench(
    impls: dict[str, Callable[[], None]], rounds: int
) -> dict[str, tuple[float, float]]:
    times: dict[str, list[float]] = {name: [] for name in impls}
    for fn in impls.values():  # warm-up
        fn()
    for _ in range(rounds):
        for name, fn in impls.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: (statistics.median(ts) * 1e3, min(ts) * 1e3) for name, ts in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch", type=int, default=128)
    args = parser.parse_args()
    nnmath.set_num_threads(args.threads)
    try:
        import torch

        torch.set_num_threads(args.threads)
        torch_note = f"torch {torch.__version__}"
    except ImportError:
        torch_note = "torch not installed"
    rng = np.random.default_rng(0)
    print(f"engine vs NumPy reference, max relative difference: {check_agreement(rng):.1e}")
    print(
        f"threads={args.threads} (BLAS and torch), batch={args.batch}, rounds={args.rounds}, "
        f"{torch_note}; ms per forward+backward"
    )
    n = args.batch
    cases = {
        "conv 3x3 1->32 on 28x28 (first layer, no dx)": layer_case(n, 28, 1, 32, True, rng),
        "conv 3x3 32->64 on 13x13": layer_case(n, 13, 32, 64, False, rng),
        "stack conv-relu-pool-conv-relu-pool": stack_case(n, rng),
    }
    for title, impls in cases.items():
        res = bench(impls, args.rounds)
        med = {k: v[0] for k, v in res.items()}
        best = {k: v[1] for k, v in res.items()}
        print(title)
        print("  median " + "  ".join(f"{k} {v:7.2f}" for k, v in med.items()) + "   " + "  ".join(
            f"engine/{k} {med['engine'] / med[k]:.2f}x" for k in med if k != "engine"))
        print("  min    " + "  ".join(f"{k} {v:7.2f}" for k, v in best.items()) + "   " + "  ".join(
            f"engine/{k} {best['engine'] / best[k]:.2f}x" for k in best if k != "engine"))


if __name__ == "__main__":
    main()
