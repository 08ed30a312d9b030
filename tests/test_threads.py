"""BLAS thread limits: one thread by default, NNMATH_NUM_THREADS and set_num_threads override.

Each case runs in a fresh interpreter, because BLAS reads its environment when NumPy loads.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import nnmath

_BLAS_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
TWO = min(2, os.cpu_count() or 1)


def run(code: str, **env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k not in (*_BLAS_VARS, "NNMATH_NUM_THREADS")}
    clean.update(env)
    out = subprocess.run(
        [sys.executable, "-W", "always", "-c", code], env=clean, capture_output=True, text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return [*out.stdout.split(), "|", *out.stderr.splitlines()]


def test_default_is_one_thread_and_runtime_override():
    code = (
        "import nnmath; print(nnmath.get_num_threads());"
        f"nnmath.set_num_threads({TWO}); print(nnmath.get_num_threads());"
        "nnmath.set_num_threads(1); print(nnmath.get_num_threads())"
    )
    assert run(code)[:3] == ["1", str(TWO), "1"]


def test_environment_variable_overrides_the_default():
    assert run("import nnmath; print(nnmath.get_num_threads())", NNMATH_NUM_THREADS=str(TWO))[
        0
    ] == str(TWO)


def test_the_users_own_blas_setting_is_respected():
    out = run("import nnmath; print(nnmath.get_num_threads())", OMP_NUM_THREADS=str(TWO))
    assert out[0] == str(TWO)


def test_invalid_environment_value_warns_and_uses_the_default():
    out = run("import nnmath; print(nnmath.get_num_threads())", NNMATH_NUM_THREADS="lots")
    assert out[0] == "1"
    assert any("NNMATH_NUM_THREADS: expected a positive integer, got 'lots'" in line
               for line in out)


def test_set_num_threads_rejects_nonpositive():
    with pytest.raises(ValueError, match="set_num_threads: expected a positive number"):
        nnmath.set_num_threads(0)
