"""BLAS thread limits: one thread by default, applied on first use (never by ``import
nnmath``); NNMATH_NUM_THREADS and set_num_threads override, the user's own BLAS variables win.

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


FIRST_USE = (
    "import numpy as np, nnmath; from nnmath import layers;"
    "m = nnmath.Sequential([layers.Dense(1)]); m.compile('sgd', 'mse');"
    "m.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0);"
)
BLAS_DEFAULT = "import numpy, threadpoolctl as t;" \
    "print(max(p['num_threads'] for p in t.threadpool_info() if p['user_api'] == 'blas'))"


def test_import_changes_nothing_first_use_sets_one_thread():
    untouched = run(BLAS_DEFAULT)[0]
    code = (
        "import os; import nnmath; print(nnmath.get_num_threads());"
        "print(sorted(k for k in os.environ if k.endswith('_NUM_THREADS')));"
        + FIRST_USE + "print(nnmath.get_num_threads())"
    )
    out = run(code)
    assert out[0] == untouched  # import nnmath left BLAS (and the environment) alone
    assert out[1] == "[]"
    assert out[2] == "1"  # the first fit applied nnmath's default


@pytest.mark.parametrize("first_use", [
    "nnmath.Tensor([1.0, 2.0]);",
    "from nnmath.classic import logistic, shallow, deep, optim, linear;"
    "import numpy as np; logistic.optimize(np.zeros((2, 1)), 0.0, np.ones((2, 3)),"
    " np.ones((1, 3)), num_iterations=1);",
    "from nnmath.classic import linear; import numpy as np;"
    "linear.fit_gradient_descent(np.ones((3, 1)), np.ones(3), 0.1, 1);",
])
def test_the_first_tensor_or_classic_training_loop_applies_the_default(first_use):
    untouched = run(BLAS_DEFAULT)[0]
    code = (
        "import nnmath, nnmath.classic, nnmath.layers, nnmath.models;"
        "print(nnmath.get_num_threads());" + first_use + "print(nnmath.get_num_threads())"
    )
    out = run(code)
    assert out[0] == untouched  # importing the modules applied nothing
    assert out[1] == "1"


def test_explicit_set_num_threads_wins_over_the_first_use_default():
    code = (
        f"import nnmath; nnmath.set_num_threads({TWO}); print(nnmath.get_num_threads());"
        + FIRST_USE + "print(nnmath.get_num_threads());"
        "nnmath.set_num_threads(1); print(nnmath.get_num_threads())"
    )
    assert run(code)[:3] == [str(TWO), str(TWO), "1"]


def test_environment_variable_overrides_the_default():
    code = FIRST_USE + "print(nnmath.get_num_threads())"
    assert run(code, NNMATH_NUM_THREADS=str(TWO))[0] == str(TWO)
    code = "import nnmath.threads as t; t.configure(); print(t.get_num_threads())"
    assert run(code, NNMATH_NUM_THREADS=str(TWO))[0] == str(TWO)


def test_the_users_own_blas_setting_is_respected():
    out = run(FIRST_USE + "print(nnmath.get_num_threads())", OMP_NUM_THREADS=str(TWO))
    assert out[0] == str(TWO)


def test_invalid_environment_value_warns_and_uses_the_default():
    out = run(FIRST_USE + "print(nnmath.get_num_threads())", NNMATH_NUM_THREADS="lots")
    assert out[0] == "1"
    assert any("NNMATH_NUM_THREADS: expected a positive integer, got 'lots'" in line
               for line in out)


def test_set_num_threads_rejects_nonpositive():
    with pytest.raises(ValueError, match="set_num_threads: expected a positive number"):
        nnmath.set_num_threads(0)
