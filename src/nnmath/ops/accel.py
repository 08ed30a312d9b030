"""Which code runs the convolution ops' element-wise work: NumPy (the default) or numba.

The conv ops spend their time in GEMMs (BLAS, on every thread nnmath may use) and in
element-wise passes: im2col copies, the pooling maxima and arg-max masks, the col2im adds.
In NumPy those passes run on one core, so at two threads they become the larger part of a
convnet epoch. :mod:`nnmath.ops.compiled` has numba kernels for them: each does its pass once,
on all threads. Measured on the MNIST convnet: see the README's benchmark section.

NumPy stays the default and the reference: the kernels are an opt-in extra
(``pip install "nnmath[fast]"``), checked against the NumPy path by the tests.

Switch on with ``nnmath.set_compiled("numba")`` or ``NNMATH_COMPILED=numba`` in the
environment; ``nnmath.set_compiled(None)`` switches back. The first call of each kernel
compiles it (10-20 s for all of them on this project's machine; numba caches the machine
code on disk for later runs).

Threads that wait must sleep, not spin, or BLAS and the kernels take each other's core (at
two threads: an epoch took 4.9 s with spinning on both sides, 1.9 s with neither):

* the kernels' OpenMP threads: switching the kernels on sets ``OMP_WAIT_POLICY=PASSIVE`` in
  ``os.environ`` unless it is set already (read once, when numba first starts its threads;
  child processes inherit it), and loading :mod:`nnmath.ops.compiled` asks numba to prefer
  its OpenMP threading layer (then TBB, then its own workqueue), for the whole process,
  as OpenMP with sleeping threads measured fastest here. A process that
  loaded GNU OpenMP before (``import torch`` does) shares that copy, with the policy it
  read then: set ``OMP_WAIT_POLICY=PASSIVE`` before starting Python in that case (with
  PyTorch imported first and the default policy, the kernels gained nothing at two threads);
* OpenBLAS (NumPy's BLAS) reads ``OPENBLAS_THREAD_TIMEOUT`` only when NumPy is first
  imported: ``import nnmath`` sets it to 4 when ``NNMATH_COMPILED`` asks for compiled kernels
  and NumPy is not loaded yet; otherwise set it yourself before Python starts. By default its
  workers spin for a while after every GEMM (a kernel right after a GEMM ran 5.7 ms instead
  of 0.9 ms at two threads).

A process forked after the kernels ran (``multiprocessing``'s default start method on Linux)
cannot use them: GNU OpenMP terminates such a child at its first parallel kernel. The child
therefore starts on the NumPy path (same values, see the tests; switching the kernels on
again there would end it); nnmath's own process pools use ``spawn``, whose workers read
``NNMATH_COMPILED`` afresh.
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import Any

__all__ = [
    "CHOICES", "active", "compiled", "prepare_blas", "set_compiled", "sync_threads",
]

CHOICES = ("numba",)

_module: ModuleType | None = None
_read_env = False
_fork_hook = False  # whether _forked is registered


def set_compiled(name: str | None) -> None:
    """Run the conv ops' element-wise work with compiled kernels (``"numba"``) or with NumPy
    (``None``, the default).

    Raises:
        ValueError: an unknown name.
        ImportError: numba is not installed (``pip install "nnmath[fast]"``).
    """
    global _module, _read_env, _fork_hook
    _read_env = True  # an explicit choice overrides the environment
    if isinstance(name, str):  # as the environment variable: "Numba", " numba " accepted
        name = name.strip().lower()
    if name is None or name == "numpy":
        _module = None
        return
    if name not in CHOICES:
        raise ValueError(
            f"set_compiled: expected one of {CHOICES} or None (NumPy), got {name!r}"
        )
    if _module is not None:  # on already (the thread count follows set_num_threads)
        return
    from .. import threads

    threads.configure()
    n = threads.get_num_threads()  # read before numba loads SciPy and its own BLAS
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before numba starts OpenMP
    try:
        from . import compiled as module
    except ImportError as exc:
        raise ImportError(
            f"set_compiled({name!r}) needs numba ({exc}); install it with "
            "pip install \"nnmath[fast]\", or use set_compiled(None) for NumPy"
        ) from None
    module.set_threads(n)
    _module = module
    if not _fork_hook and hasattr(os, "register_at_fork"):  # POSIX; once per process
        os.register_at_fork(after_in_child=_forked)
        _fork_hook = True


def _forked() -> None:
    """In a forked child: NumPy from now on (GNU OpenMP would terminate the child)."""
    global _module, _read_env
    _module, _read_env = None, True


def compiled(*operands: Any) -> ModuleType | None:
    """The compiled-kernel module in use, or None when NumPy runs everything.

    Reads ``NNMATH_COMPILED`` on the first call (``numba``, or ``numpy``/empty for NumPy).
    Given the op's arrays (None entries are skipped), also None unless every one is float32
    or float64 in the machine's byte order: the kernels are compiled and tested for those;
    other dtypes (float16, integers, big-endian data) run the NumPy reference.
    """
    global _read_env
    if not _read_env:
        wanted = os.environ.get("NNMATH_COMPILED", "").strip().lower()
        if wanted and wanted != "numpy":
            try:
                set_compiled(wanted)
            except (ValueError, ImportError) as exc:
                _read_env = False  # every later call says so too, never a silent NumPy
                raise type(exc)(
                    f"NNMATH_COMPILED={wanted!r}: {exc} (in the environment: set "
                    "NNMATH_COMPILED=numba or numpy, or unset it)"
                ) from None
        _read_env = True
    if _module is None or all(_kernel_dtype(a) for a in operands if a is not None):
        return _module
    return None


def _kernel_dtype(a: Any) -> bool:
    """Whether the kernels take ``a``: float32 (``f``) or float64 (``d``), native order."""
    return a.dtype.char in "fd" and a.dtype.isnative


def active() -> str:
    """``"numba"`` or ``"numpy"``: what runs the conv ops' element-wise work now."""
    return "numba" if compiled() is not None else "numpy"


def sync_threads(n: int) -> None:
    """Follow a new thread count (called by :func:`nnmath.set_num_threads`)."""
    if _module is not None:
        _module.set_threads(n)


def prepare_blas() -> None:
    """Let OpenBLAS's idle workers sleep when compiled kernels are asked for by the
    environment and NumPy is not loaded yet (called by ``import nnmath``; see module doc)."""
    import sys

    wanted = os.environ.get("NNMATH_COMPILED", "").strip().lower()
    if wanted in CHOICES and "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
