"""Shared helpers of the benchmark scripts: data, alternating timing, per-thread-count child
processes, peak memory, and the printed table (plus optional JSON).

Each thread count runs in its own child process with ``NNMATH_NUM_THREADS`` set before NumPy
loads BLAS (and ``torch.set_num_threads``), so BLAS really starts with that many threads.
Peak memory is measured in yet another child per implementation: the peak resident set size
of the process (``ru_maxrss``) and its growth during one epoch over the resident size just
before it (data, imports and the model are loaded by then).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

Runners = dict[str, Callable[[], Any]]


def mnist_subset(n: int = 10000, images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` MNIST training images scaled to [0, 1] (float32) and their labels.

    Falls back to random data of the same shape when MNIST is not available (the timing is
    what matters here), and says so on stderr.
    """
    import nnmath as nm

    try:
        (x, y), _ = nm.datasets.load_mnist()
        x, y = x[:n], y[:n].astype(np.int64)
    except (FileNotFoundError, OSError) as exc:
        print(
            f"MNIST not found ({str(exc).splitlines()[0]}); timing on random data", file=sys.stderr
        )
        rng = np.random.default_rng(0)
        x = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        y = rng.integers(0, 10, size=n)
    if len(x) < n:  # fewer images on disk: repeat them
        reps = -(-n // len(x))
        x, y = np.concatenate([x] * reps)[:n], np.concatenate([y] * reps)[:n]
    x = x.astype(np.float32) / np.float32(255)
    return (x.reshape(n, 28, 28, 1) if images else x.reshape(n, 784)), y


def torch_label() -> str | None:
    """ "PyTorch <version>" when torch is installed (without importing it), else None."""
    import importlib.metadata
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return None
    return "PyTorch " + importlib.metadata.version("torch")


def torch_with_threads(threads: int) -> Any:
    """``torch`` with ``threads`` intra-op threads (imported only when its runner is built)."""
    import torch

    torch.set_num_threads(threads)
    return torch


def alternate(runners: Runners, repeats: int) -> dict[str, dict[str, list[float]]]:
    """Time each runner ``repeats`` times, alternating them so load changes hit all alike.

    Returns ``{name: {"wall": [...], "cpu": [...]}}`` in seconds. CPU time
    (``time.process_time``) is the steadier figure on a shared machine: waiting for a core
    does not count (memory-bandwidth contention still does).
    """
    out: dict[str, dict[str, list[float]]] = {name: {"wall": [], "cpu": []} for name in runners}
    for run in runners.values():  # warm-up (allocations, BLAS start-up)
        run()
    for _ in range(repeats):
        for name, run in runners.items():
            gc.collect()
            t0, c0 = time.perf_counter(), time.process_time()
            run()
            out[name]["wall"].append(time.perf_counter() - t0)
            out[name]["cpu"].append(time.process_time() - c0)
    return out


def peak_rss_of(make: Callable[[], Callable[[], Any]]) -> dict[str, float]:
    """Peak RSS (MB) of this process around one call of the runner ``make()`` returns."""
    run = make()
    gc.collect()
    before = _current_rss_mb()
    run()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    return {"peak_rss_mb": peak, "epoch_growth_mb": max(peak - before, 0.0)}


def _current_rss_mb() -> float:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # not Linux: the peak so far
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(
    script: str, threads: int, args: list[str], extra_env: dict[str, str] | None = None
) -> Any:
    """Run ``script args`` in a child with ``threads`` BLAS threads (and ``extra_env`` added to
    its environment); return its last line's JSON."""
    env = dict(os.environ, NNMATH_NUM_THREADS=str(threads), **(extra_env or {}))
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.pop(var, None)
    proc = subprocess.run(
        [sys.executable, script, *args, "--threads", str(threads)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{script} {' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def add_harness_options(parser: argparse.ArgumentParser, images: int) -> None:
    """The options every per-thread-count benchmark takes: ``--repeats``, ``--threads``,
    ``--images`` (default ``images``), ``--json``, and the hidden ``--child``/``--impl`` the
    parent passes to its children."""
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--images", type=int, default=images)
    parser.add_argument("--json", default=None)
    parser.add_argument("--child", choices=["times", "rss"], default=None, help=argparse.SUPPRESS)
    parser.add_argument("--impl", default=None, help=argparse.SUPPRESS)


def run_as_child(
    args: argparse.Namespace,
    times: Callable[[], dict[str, Any]],
    training: Callable[[], dict[str, Callable[[], Callable[[], Any]]]],
) -> bool:
    """The child's side of :func:`run_children`; False (nothing done) in the parent.

    With ``--child times`` prints ``times()`` (``{"times": alternate(...), ...}``) plus the
    load average before and after as ``"load"``; with ``--child rss`` prints the peak RSS of one
    call of the runner ``training()[args.impl]()`` builds. Either as one JSON line.
    """
    if not args.child:
        return False
    configure_threads()  # NNMATH_NUM_THREADS, set by the parent, before any timing
    if args.child == "times":
        load0 = load_average()
        out = times()
        out["load"] = [load0, load_average()]
        print(json.dumps(out))
    else:
        print(json.dumps(peak_rss_of(training()[args.impl])))
    return True


def run_children(
    script: str, args: argparse.Namespace, extra: list[str], env: dict[str, str] | None = None
) -> dict[int, Any]:
    """The parent's side: per thread count, one ``--child times`` run of ``script`` and one
    ``--child rss`` run per implementation it timed; ``{threads: {"times", "load", "rss", ...}}``
    as :func:`print_table` takes it. ``extra`` are further options for the children, ``env``
    further environment variables."""
    common = ["--repeats", str(args.repeats), "--images", str(args.images), *extra]
    results: dict[int, Any] = {}
    for t in args.threads:
        res = child(script, t, [*common, "--child", "times"], env)
        res["rss"] = {
            name: child(script, t, [*common, "--child", "rss", "--impl", name], env)
            for name in res["times"]
        }
        results[t] = res
    return results


def configure_threads() -> None:
    """Apply nnmath's BLAS thread limit now (``NNMATH_NUM_THREADS``), so that every runner,
    not only the ones calling ``fit``, runs with the thread count being measured."""
    import nnmath

    nnmath.threads.configure()


def load_average() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def print_table(
    title: str, results: dict[int, dict[str, Any]], baselines: list[str], note: str = ""
) -> None:
    """One row per (threads, implementation): medians, ratios to each baseline, peak RSS.

    ``results[threads] = {"times": alternate(...) output, "rss": {name: peak_rss_of(...)},
    "load": [before, after]}``; ratios are of medians, wall / CPU (> 1: slower than the
    baseline). With 2 threads, CPU time also counts BLAS threads spinning while they wait,
    so wall time is the figure to compare there.
    """
    print(title)
    if note:
        print(note)
    head = "| threads | implementation | wall median (s) | CPU median (s) | runs |"
    head += "".join(f" ratio to {b} (wall / CPU) |" for b in baselines)
    head += " peak RSS / epoch growth (MB) | load avg |"
    print(head)
    print("|" + " --- |" * (head.count("|") - 1))
    for threads, res in results.items():
        times = res["times"]
        wall = {k: statistics.median(v["wall"]) for k, v in times.items()}
        cpu = {k: statistics.median(v["cpu"]) for k, v in times.items()}
        for name, v in times.items():
            row = f"| {threads} | {name} | {wall[name]:.3f} | {cpu[name]:.3f} | {len(v['wall'])} |"
            for b in baselines:
                ok = b in cpu
                row += (
                    f" {wall[name] / wall[b]:.2f}x / {cpu[name] / cpu[b]:.2f}x |" if ok else " - |"
                )
            rss = res.get("rss", {}).get(name)
            row += f" {rss['peak_rss_mb']:.0f} / {rss['epoch_growth_mb']:.0f} |" if rss else " - |"
            row += " {:.1f}-{:.1f} |".format(*res.get("load", [float("nan")] * 2))
            print(row)
    print()


def write_json(path: str | None, payload: Any) -> None:
    if path:
        with open(path, "w") as fh:
            json.dump(payload, fh, indent=1)
        print(f"wrote {path}")
