"""Sweeps: 8 trials of ~2 s on 1 worker vs 2, and the per-trial overhead of each backend.

Usage:
    python benchmarks/bench_sweep.py [--trials 8] [--seconds 2] [--quick 30] [--no-dask]

1. Speed-up: the same 8 NumPy trials (a fixed number of 256 x 256 float64 products, about
   ``--seconds`` each, calibrated once in this process with 1 BLAS thread) as a grid sweep
   with ``workers=1`` (in this process) and ``workers=2`` (local process pool). Goal on a
   2-core machine: >= 1.7x.
0. The Dask trap: the same NumPy loop with the Nanny's MALLOC_TRIM_THRESHOLD_ and without.
2. Overhead: ``--quick`` trials that do nothing, run directly (a Python call per trial),
   through the bare executors (submit -> result), and as full sweeps (ask, submit, tell:
   storage writes included); overhead = (time - direct time) / trials. Goals: < 0.2 s
   per trial for the local pool, < 0.5 s for Dask (a scheduler and 2 workers with 1
   thread each, started here on 127.0.0.1 as `dask scheduler` / `dask worker`).

The sweep's per-trial figure is marginal, (t(n) - t(2)) / (n - 2), so start-up costs
(starting the pool, connecting, opening the study) are reported apart.

Wall-clock times: run it on an otherwise quiet machine for meaningful numbers.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from nnmath import tuning
from nnmath.tuning import executors
from nnmath.tuning.trial import limit_threads

UNIT = 256


def work(params: dict, trial: object) -> float:
    """``params["reps"]`` products of a 256 x 256 matrix: the benchmark's trial."""
    rng = np.random.default_rng(params["x"])
    a = rng.standard_normal((UNIT, UNIT)) / UNIT
    b = a.copy()
    for _ in range(params["reps"]):
        b = a @ b
        b /= np.abs(b).max() + 1e-300
    return float(b.sum())


def nothing(params: dict, trial: object) -> float:
    return float(params["x"])


def calibrate(seconds: float) -> int:
    reps = 50
    while True:
        t = time.perf_counter()
        work({"x": 0, "reps": reps}, None)
        dt = time.perf_counter() - t
        if dt > 0.3:
            return max(1, int(reps * seconds / dt))
        reps *= 2


def timed_sweep(fn, space, workers=None, address=None) -> float:
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        tuning.sweep(fn, space, metric=None, workers=workers, address=address,
                     storage=f"sqlite:///{Path(d) / 'b.db'}", study="bench", quiet=True)
        return time.perf_counter() - t


def executor_roundtrip(ex, n: int) -> float:
    """Time for ``n`` do-nothing trials through ``ex`` (as many in flight as it takes)."""
    from nnmath.tuning.driver import describe_target

    tgt = describe_target(nothing)
    jobs = [{"number": i, "seed": i, "params": {"x": i}, "target": tgt, "metric": None,
             "limit": None, "prune": None} for i in range(n)]
    ex.wait([ex.submit(jobs[0])], 60)  # warm up: workers started, modules imported
    t = time.perf_counter()
    pending = set()
    queue = list(jobs)
    while queue or pending:
        while queue and len(pending) < ex.capacity():
            pending.add(ex.submit(queue.pop()))
        pending -= ex.wait(pending, 0.5)
    return time.perf_counter() - t


PROBE = """
import sys, time
import numpy as np
if sys.argv[1] == "fix":
    from nnmath.tuning.trial import fix_malloc
    fix_malloc()
rng = np.random.default_rng(0)
X = rng.standard_normal((128, 784), dtype=np.float32)
W = rng.standard_normal((784, 512), dtype=np.float32)
times = []
for _ in range(5):
    t = time.perf_counter()
    for _ in range(200):  # an MLP layer's forward and backward: fresh 256 KB arrays each time
        G = np.maximum(X @ W, 0) * 0.5
        dW, dX = X.T @ G, G @ W.T
    times.append(time.perf_counter() - t)
print(sorted(times)[2])
"""


def malloc_effect() -> dict[str, float]:
    """The same NumPy loop in a fresh process: as a Dask Nanny starts workers by default
    (MALLOC_TRIM_THRESHOLD_=65536), without it, and with it but fixed at run time."""
    out = {}
    for name, env, arg in (("default glibc", {}, "plain"),
                           ("MALLOC_TRIM_THRESHOLD_=65536", {"MALLOC_TRIM_THRESHOLD_": "65536"},
                            "plain"),
                           ("same, nnmath's run-time fix", {"MALLOC_TRIM_THRESHOLD_": "65536"},
                            "fix")):
        e = {k: v for k, v in os.environ.items() if k != "MALLOC_TRIM_THRESHOLD_"}
        r = subprocess.run([sys.executable, "-c", PROBE, arg], env={**e, **env,
                           "OPENBLAS_NUM_THREADS": "1"}, capture_output=True, text=True,
                           check=True)
        out[name] = float(r.stdout.split()[-1])
    return out


def start_cluster(tmp: Path) -> tuple[str, list[subprocess.Popen]]:
    from distributed import Client

    cfg = tmp / "dask-config"
    cfg.mkdir()
    (cfg / "nnmath.yaml").write_text("distributed:\n  nanny:\n    pre-spawn-environ:\n"
                                     "      MALLOC_TRIM_THRESHOLD_: null\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, DASK_CONFIG=str(cfg))
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "dask"]
    quiet = dict(env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                 stderr=subprocess.DEVNULL)
    procs = [subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", "127.0.0.1:0", "--no-show"], **quiet)]
    for name in ("w1", "w2"):
        procs.append(subprocess.Popen([*dask, "worker", address, "--nthreads", "1", "--host",
                                       "127.0.0.1", "--no-dashboard", "--name", name], **quiet))
    with Client(address, timeout=60) as c:
        c.wait_for_workers(2, timeout=120)
    return address, procs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--quick", type=int, default=30)
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--malloc-only", action="store_true", help="only the malloc measurement")
    args = ap.parse_args()
    limit_threads()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    effect = malloc_effect()
    base = effect["default glibc"]
    print("200 MLP-layer steps (forward + backward, 1 BLAS thread), median of 5 runs:")
    for name, t in effect.items():
        print(f"  {name:<32} {t:.2f} s  ({t / base:.2f}x)")
    if args.malloc_only:
        return
    reps = calibrate(args.seconds)
    space = {"x": list(range(args.trials)), "reps": [reps]}
    t1 = timed_sweep(work, space, workers=1)
    t2 = timed_sweep(work, space, workers=2)
    print(f"{args.trials} trials of ~{args.seconds:g} s: workers=1 {t1:.1f} s, workers=2 "
          f"{t2:.1f} s, speed-up {t1 / t2:.2f}x (goal >= 1.7x)")

    n = args.quick
    t = time.perf_counter()
    for i in range(n):
        nothing({"x": i}, None)
    direct = time.perf_counter() - t
    rows = []

    def marginal(**where) -> float:
        """Sweep time per extra trial: (t(n trials) - t(2 trials)) / (n - 2); the start-up
        (pool, connection, study) cancels out."""
        small = timed_sweep(nothing, {"x": [0, 1]}, **where)
        return (timed_sweep(nothing, {"x": list(range(n))}, **where) - small) / (n - 2), small

    pool = executors.PoolExecutor(2)
    try:
        rows.append(("local pool (2 workers)", executor_roundtrip(pool, n),
                     *marginal(workers=2), 0.2))
    finally:
        pool.close()
    rows.append(("in-process", None, *marginal(workers=1), None))
    if not args.no_dask:
        with tempfile.TemporaryDirectory() as d:
            address, procs = start_cluster(Path(d))
            try:
                ex = executors.DaskExecutor(address)
                try:
                    bare = executor_roundtrip(ex, n)
                finally:
                    ex.close()
                rows.append(("dask (2 workers)", bare, *marginal(address=address), 0.5))
            finally:
                for p in reversed(procs):
                    os.killpg(p.pid, signal.SIGTERM)
                    p.wait(30)
    print(f"per-trial overhead over a direct call ({n} do-nothing trials, 2 at a time; a "
          f"direct call takes {direct / n * 1e6:.1f} us):")
    for name, bare, per, start, goal in rows:
        b = "" if bare is None else f"executor round trip {(bare - direct) / n * 1e3:6.1f} ms,"
        g = "" if goal is None else f"  (goal < {goal} s)"
        print(f"  {name:<24} {b:<32} sweep per trial (storage included) {per * 1e3:6.1f} ms"
              f"{g}; a 2-trial sweep takes {start:.1f} s in all")


if __name__ == "__main__":
    main()
