"""How training cost grows with the work: the MNIST MLP over hidden width x batch size and
the keras.io convnet over batch size, as epoch time and as a share of this machine's
measured float32 GEMM rate, at 1 and 2 threads.

* GEMM rate: the median over ``--repeats`` of one (2048 x 2048) @ (2048 x 2048) float32
  product, ``2 * 2048^3`` floating-point operations, at the given thread count.
* MLP 784-H-10 (RMSprop, ``fit`` with the accuracy metric): one epoch does
  ``2 N (784 H + 10 H)`` flops forward, the same again for the weight gradients and
  ``2 N 10 H`` for the hidden layer's input gradient (the image batch needs none):
  ``2 N H (2 * 784 + 3 * 10)``.
* Convnet (Adam, ``fit`` with the accuracy metric; also with the optional numba kernels when
  numba is installed): the nominal flops of its convolutions and
  dense layer, forward, weight gradients and input gradients (none for the image batch):
  per image ``2 (26^2 9 32) * 2 + 2 (11^2 288 64) * 3 + 2 (1600 10) * 3``.

"% of GEMM" is (flops / epoch time) / GEMM rate, by wall and by CPU time: where it is low,
the engine's fixed costs per batch (Python steps, element-wise passes, memory traffic)
dominate; where it nears 100 % the epoch runs at the speed of the matrix products.

Usage: python benchmarks/bench_scaling.py [--threads 1 2] [--repeats 3] [--images 10000]
       [--json out.json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import time
from typing import Any

import numpy as np
from bench_convnet import nnmath_epoch as convnet_epoch
from bench_convnet import numba_installed
from bench_mlp import nnmath_epoch as mlp_epoch
from common import child, configure_threads, load_average, mnist_subset, write_json

# As in bench_convnet.py: idle OpenBLAS and OpenMP threads sleep (the numba kernels need it)
IDLE_THREADS_SLEEP = {"OPENBLAS_THREAD_TIMEOUT": "4", "OMP_WAIT_POLICY": "PASSIVE"}
HIDDEN = (128, 512, 2048)
BATCHES = (32, 128, 512)
CONVNET_FLOPS_PER_IMAGE = 2 * (26**2 * 9 * 32) * 2 + 2 * (11**2 * 288 * 64) * 3 + 2 * 1600 * 10 * 3


def gemm_rate(repeats: int, n: int = 2048) -> tuple[float, float]:
    """Measured float32 GEMM rate (flop/s) at the current BLAS thread count: by wall time
    and by process CPU time (the steadier one at one thread on a shared machine)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    out = np.empty((n, n), np.float32)
    np.matmul(a, b, out=out)  # warm-up
    wall, cpu = median_times(lambda: np.matmul(a, b, out=out), max(repeats, 3))
    return 2 * n**3 / wall, 2 * n**3 / cpu


def median_times(run: Any, repeats: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``run()`` over ``repeats`` calls after one warm-up."""
    run()
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    load0 = load_average()
    rate = gemm_rate(args.repeats)
    rows = []
    x, y = mnist_subset(args.images)
    for hidden in HIDDEN:
        for batch in BATCHES:
            t = median_times(mlp_epoch(x, y, hidden=hidden, batch=batch), args.repeats)
            flops = 2 * len(x) * hidden * (2 * 784 + 3 * 10)
            rows.append(
                {
                    "model": "MLP",
                    "hidden": hidden,
                    "batch": batch,
                    "seconds": t[0],
                    "cpu_seconds": t[1],
                    "flops": flops,
                }
            )
    x, y = mnist_subset(args.images, images=True)
    variants = [("convnet", None)] + [("convnet (numba)", "numba")] * numba_installed()
    for (model, compiled), batch in itertools.product(variants, BATCHES):
        t = median_times(convnet_epoch(x, y, batch=batch, compiled=compiled), args.repeats)
        rows.append(
            {
                "model": model,
                "hidden": None,
                "batch": batch,
                "seconds": t[0],
                "cpu_seconds": t[1],
                "flops": CONVNET_FLOPS_PER_IMAGE * len(x),
            }
        )
    after = gemm_rate(args.repeats)  # before and after the epochs: the mean of the two
    rates = [(r0 + r1) / 2 for r0, r1 in zip(rate, after, strict=True)]
    return {"gemm_flops": rates, "rows": rows, "load": [load0, load_average()]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--images", type=int, default=10000)
    parser.add_argument("--json", default=None)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        configure_threads()  # NNMATH_NUM_THREADS, set by the parent, before any timing
        print(json.dumps(measure(args)))
        return
    common = ["--repeats", str(args.repeats), "--images", str(args.images), "--child"]
    print(f"Scaling: one epoch of {args.images} MNIST images, median of {args.repeats} runs")
    print(
        "| threads | model | hidden | batch | epoch wall (s) | epoch CPU (s) | GFLOP/s (wall) "
        "| % of GEMM rate (wall) | % of GEMM rate (CPU) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |", flush=True)
    results = {}
    for t in args.threads:  # each thread count's rows as soon as its child is done
        res = results[t] = child(__file__, t, common, IDLE_THREADS_SLEEP)
        rate_wall, rate_cpu = res["gemm_flops"]
        for r in res["rows"]:
            wall, cpu = r["flops"] / r["seconds"], r["flops"] / r["cpu_seconds"]
            hidden = "-" if r["hidden"] is None else r["hidden"]
            print(
                f"| {t} | {r['model']} | {hidden} | {r['batch']} | {r['seconds']:.3f} | "
                f"{r['cpu_seconds']:.3f} | {wall / 1e9:.1f} | {100 * wall / rate_wall:.0f} % | "
                f"{100 * cpu / rate_cpu:.0f} % |",
                flush=True,
            )
    for t, res in results.items():
        print(
            f"float32 GEMM rate, 2048^3, {t} thread(s): {res['gemm_flops'][0] / 1e9:.1f} GFLOP/s "
            "by wall time, {:.1f} by CPU time (load average {:.1f}-{:.1f})".format(
                res["gemm_flops"][1] / 1e9, *res["load"]
            )
        )
    print(
        "(% by CPU time is the steadier figure at 1 thread on a busy machine; at 2 threads "
        "use wall time)"
    )
    write_json(args.json, {"benchmark": "scaling", "images": args.images, "results": results})


if __name__ == "__main__":
    main()
