"""nnmath: the mathematics behind deep learning as working, tested, fast NumPy software.

Two layers share the package:

* the engine: ``Tensor`` with reverse-mode autodiff, ``functional`` ops, ``layers``,
  ``losses``, ``metrics``, ``optimizers`` and a Keras-style ``Sequential``;
* ``nnmath.classic``: the textbook formulas in the textbook's notation, float64.

Heavy parts (data sets, images, plots, the classic lessons, the command line) are
imported on first use so that ``import nnmath`` stays fast. Importing changes nothing in the
process: the BLAS thread limit (one thread by default) is applied on first use, see
:mod:`nnmath.threads`. One exception, asked for by the environment: with
``NNMATH_COMPILED=numba`` (compiled kernels, :mod:`nnmath.ops.accel`) and NumPy not loaded
yet, ``OPENBLAS_THREAD_TIMEOUT`` defaults to 4 so that idle BLAS threads sleep.
"""

from __future__ import annotations

import importlib
from typing import Any

from .ops.accel import prepare_blas

prepare_blas()  # before NumPy loads OpenBLAS; does nothing unless NNMATH_COMPILED is set

from . import functional  # noqa: E402
from .autograd import enable_grad, is_grad_enabled, no_grad  # noqa: E402
from .gradcheck import gradcheck  # noqa: E402
from .tensor import Tensor  # noqa: E402
from .threads import get_num_threads, set_num_threads  # noqa: E402

__version__ = "0.1.0"

# Sub-packages loaded on first attribute access (PEP 562), to keep start-up fast.
_LAZY_MODULES = {
    "autograd", "classic", "cli", "datasets", "gradcheck", "graph", "images", "init",
    "layers", "losses", "metrics", "models", "ops", "optimizers", "plots", "lessons",
    "threads", "export", "exercises", "tape",
}
_LAZY_NAMES = {
    "Sequential": ("nnmath.models", "Sequential"),
    "load_model": ("nnmath.models", "load_model"),
    "export_onnx": ("nnmath.export", "export_onnx"),
    "GradientTape": ("nnmath.tape", "GradientTape"),
    "grad": ("nnmath.tape", "grad"),
    "value_and_grad": ("nnmath.tape", "value_and_grad"),
    "set_compiled": ("nnmath.ops.accel", "set_compiled"),
}

__all__ = [
    "GradientTape",
    "Sequential",
    "Tensor",
    "enable_grad",
    "export_onnx",
    "functional",
    "get_num_threads",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "load_model",
    "no_grad",
    "set_compiled",
    "set_num_threads",
    "value_and_grad",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        return importlib.import_module(f"nnmath.{name}")
    if name in _LAZY_NAMES:
        module, attr = _LAZY_NAMES[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'nnmath' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY_MODULES | set(_LAZY_NAMES))
