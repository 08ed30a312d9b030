"""How many threads BLAS may use.

On small shared machines NumPy's default (one BLAS thread per core) made small-matrix
training loops many times slower whenever another process was busy: threads spin waiting
for a core. nnmath therefore defaults to ONE BLAS thread.

Measured with ``benchmarks/bench_threads.py`` (2-core machine, OpenBLAS, float32, medians;
the machine was shared with other jobs, load average about 4):

=====================================  ==========  ===========  =============
workload                               1 thread    2 threads    t2 / t1
=====================================  ==========  ===========  =============
128x784 @ 784x512 fwd + bwd (3 GEMMs)   11.7 ms     63.7 ms     5.45 (slower)
same, plus one extra busy process       14.6 ms     72.4 ms     4.95 (slower)
1536 x 1536 GEMM                         175 ms      186 ms     1.06
same, plus one extra busy process        160 ms      134 ms     0.84
=====================================  ==========  ===========  =============

A second thread gains at most ~16% on one big GEMM and costs ~5x on the small products a
training step is made of, so one thread is the default. On a dedicated many-core machine
with big layers, raise it.

Override, in order of precedence:
  * ``nnmath.set_num_threads(n)`` at run time (needs the ``threadpoolctl`` package);
  * ``NNMATH_NUM_THREADS=n`` in the environment before ``import nnmath``;
  * the usual ``OMP_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS`` / ``MKL_NUM_THREADS``, which
    nnmath never overrides when they are set.
"""

from __future__ import annotations

import os
import sys

DEFAULT_THREADS = 1
_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


def configure_from_environment() -> None:
    """Set the BLAS thread variables before NumPy loads BLAS (called by ``import nnmath``)."""
    wanted = os.environ.get("NNMATH_NUM_THREADS")
    if wanted is not None and not (wanted.strip().isdigit() and int(wanted) >= 1):
        import warnings

        warnings.warn(
            f"NNMATH_NUM_THREADS: expected a positive integer, got {wanted!r}; using "
            f"{DEFAULT_THREADS} thread(s) (set e.g. NNMATH_NUM_THREADS=2)",
            RuntimeWarning,
            stacklevel=2,
        )
        wanted = None
    if wanted is None and any(v in os.environ for v in _VARS):
        return  # the user chose already
    n = wanted.strip() if wanted else str(DEFAULT_THREADS)
    if "numpy" not in sys.modules:
        for var in _VARS:
            if wanted is None:
                os.environ.setdefault(var, n)
            else:
                os.environ[var] = n
    else:  # NumPy is loaded: only a run-time limit can still take effect
        try:
            set_num_threads(int(n))
        except ImportError:
            pass


_limiter = None


def set_num_threads(n: int) -> None:
    """Limit BLAS (and OpenMP) to ``n`` threads from now on.

    Raises:
        ImportError: ``threadpoolctl`` is not installed (``pip install threadpoolctl``).
        ValueError: ``n`` is not a positive integer.
    """
    global _limiter
    if int(n) < 1:
        raise ValueError(f"set_num_threads: expected a positive number of threads, got {n!r}")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - depends on the installation
        raise ImportError(
            "set_num_threads needs threadpoolctl: pip install threadpoolctl "
            "(or set NNMATH_NUM_THREADS before importing nnmath)"
        ) from None
    _limiter = threadpool_limits(limits=int(n))


def get_num_threads() -> int:
    """The number of threads the loaded BLAS uses (needs ``threadpoolctl``; else the env value)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover
        return int(os.environ.get("OPENBLAS_NUM_THREADS", DEFAULT_THREADS))
    info = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
    return max(info) if info else 1
