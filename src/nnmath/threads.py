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

When: ``import nnmath`` (or any of its modules) changes nothing. The limit is applied on
first use, by :func:`configure`, which these call (once; later calls cost one flag test):
the first ``Tensor(...)`` made, ``fit`` / ``evaluate`` / ``predict`` / ``train_on_batch``,
the gradient-descent loops of ``nnmath.classic`` (``logistic.optimize``, ``shallow.nn_model``,
the ``deep`` models, ``optim.model``, ``linear.fit_gradient_descent``) and every ``nnmath``
command; or at once by an explicit ``nnmath.set_num_threads(n)``.

Override, in order of precedence:
  * ``nnmath.set_num_threads(n)`` at run time;
  * ``NNMATH_NUM_THREADS=n`` in the environment;
  * the usual ``OMP_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS`` / ``MKL_NUM_THREADS``, which
    nnmath never overrides when they are set.
"""

from __future__ import annotations

import os
import sys

DEFAULT_THREADS = 1
_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")

__all__ = [
    "DEFAULT_THREADS", "configure", "get_num_threads", "set_num_threads", "wanted_threads",
]

_configured = False  # whether configure() ran or set_num_threads chose explicitly


def wanted_threads() -> int | None:
    """The thread count the environment asks nnmath for: ``NNMATH_NUM_THREADS``, else None
    when one of the usual BLAS variables is set (the user chose), else the default.

    Warns (RuntimeWarning) for a ``NNMATH_NUM_THREADS`` that is not a positive integer.
    """
    wanted = os.environ.get("NNMATH_NUM_THREADS")
    if wanted is not None:
        if wanted.strip().isdigit() and int(wanted) >= 1:
            return int(wanted)
        import warnings

        warnings.warn(
            f"NNMATH_NUM_THREADS: expected a positive integer, got {wanted!r}; using "
            f"{DEFAULT_THREADS} thread(s) (set e.g. NNMATH_NUM_THREADS=2)",
            RuntimeWarning,
            stacklevel=3,
        )
    if any(v in os.environ for v in _VARS):
        return None  # the user chose already
    return DEFAULT_THREADS


def configure() -> None:
    """Apply nnmath's BLAS thread limit once (see the module doc); a no-op afterwards.

    Without ``threadpoolctl`` the limit cannot be changed at run time: BLAS keeps its own
    default (install ``threadpoolctl``, a dependency of nnmath, or set the variables).
    """
    global _configured
    if _configured:
        return
    _configured = True
    n = wanted_threads()
    if n is None:
        return
    try:
        _limit(n)
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        pass


_limiter = None
_applied: int | None = None  # the thread count nnmath last applied


def set_num_threads(n: int) -> None:
    """Limit BLAS (and OpenMP) to ``n`` threads from now on.

    Raises:
        ImportError: ``threadpoolctl`` is not installed (``pip install threadpoolctl``).
        ValueError: ``n`` is not a positive integer.
    """
    global _configured
    if int(n) < 1:
        raise ValueError(f"set_num_threads: expected a positive number of threads, got {n!r}")
    _configured = True  # an explicit choice: configure() must not override it later
    _limit(int(n))


def _limit(n: int) -> None:
    global _limiter, _applied
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - depends on the installation
        raise ImportError(
            "set_num_threads needs threadpoolctl: pip install threadpoolctl "
            "(or set OPENBLAS_NUM_THREADS before starting Python)"
        ) from None
    _limiter = threadpool_limits(limits=n)
    _applied = n
    accel = sys.modules.get("nnmath.ops.accel")
    if accel is not None:  # compiled kernels follow the same thread count
        accel.sync_threads(n)


def get_num_threads() -> int:
    """The number of threads nnmath gave BLAS (:func:`set_num_threads` or the default), else
    the most any loaded BLAS uses (needs ``threadpoolctl``; else the env value).

    What nnmath applied comes first: a BLAS loaded later (SciPy's, which numba loads) keeps
    its own default and must not change the answer.
    """
    if _applied is not None:
        return _applied
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover
        return int(os.environ.get("OPENBLAS_NUM_THREADS", DEFAULT_THREADS))
    info = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
    return max(info) if info else 1
