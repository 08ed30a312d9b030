"""The diagnosis rules: from "wrong answer" to *what* is wrong and what to change.

:func:`compare` walks the learner's result and the reference's result together (tuples,
lists, dicts, arrays, numbers) and stops at the first difference, which it names by its path
(``result[0]['dw']``) and classifies, in this order:

=====================  =========================================================
code                   recognized when (``g`` learner, ``r`` reference)
=====================  =========================================================
``none``               ``g`` is None where a value is expected (a missing return)
``nonfinite``          ``g`` has nan/inf where ``r`` is finite
``transposed``         ``g.T`` equals ``r`` (shape ``(a, b)`` for ``(b, a)``, or square)
``row_vs_flat``        same elements, shape ``(m,)`` for ``(1, m)`` (or the reverse)
``shape``              any other shape difference
``dtype``              float32 for float64 or the reverse
``integer_division``   ``g`` holds whole numbers only (``floor``, zeros from ``1 // m``), ``r`` not
``sign``               ``g = -r``
``missing_1_over_m``   ``g = m r`` (``m`` the case's number of samples)
``extra_1_over_m``     ``g = r / m``
``constant_factor``    ``g = c r`` for another constant ``c``
``offset``             ``g = r + d`` for a constant ``d``
``values``             anything else: the worst element, both values
=====================  =========================================================

Every message says where, what was expected, what was received, and what to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Mismatch", "compare", "describe_shape"]


@dataclass
class Mismatch:
    """The first difference found: a mistake ``code`` and a message that says what to change."""

    code: str
    message: str


def describe_shape(x: Any) -> str:
    return f"shape {np.shape(x)}"


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating, bool, np.bool_)) or (
        isinstance(x, np.ndarray) and x.ndim == 0
    )


def compare(
    got: Any, want: Any, path: str = "result", *, m: int | None = None,
    rtol: float = 1e-6, atol: float = 1e-9,
) -> Mismatch | None:
    """The first difference between ``got`` (learner) and ``want`` (reference), or None."""
    if want is None:
        return None
    if got is None:
        return Mismatch(
            "none",
            f"{path} is None, expected {_kind(want)}: did you forget a `return` statement "
            "(or return the value instead of printing it)?",
        )
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return Mismatch(
                "shape", f"{path} should be a dict with keys {sorted(want)}, got {_kind(got)}"
            )
        for key, value in want.items():
            if key not in got:
                return Mismatch(
                    "shape",
                    f"{path} has no key {key!r} (it has {sorted(map(str, got))}); "
                    f"the course's keys are {sorted(want)}",
                )
            found = compare(got[key], value, f"{path}[{key!r}]", m=m, rtol=rtol, atol=atol)
            if found:
                return found
        return None
    if isinstance(want, (tuple, list)):
        if not isinstance(got, (tuple, list)):
            return Mismatch(
                "shape",
                f"{path} should be a {type(want).__name__} of {len(want)} values, got "
                f"{_kind(got)}; return them all, e.g. `return a, b`",
            )
        if len(got) != len(want):
            return Mismatch(
                "shape",
                f"{path} should hold {len(want)} values, got {len(got)}",
            )
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            found = compare(g, w, f"{path}[{i}]", m=m, rtol=rtol, atol=atol)
            if found:
                return found
        return None
    if isinstance(want, str):
        ok = got == want
        return None if ok else Mismatch("values", f"{path}: expected {want!r}, got {got!r}")
    try:
        g = np.asarray(got)
    except Exception:
        g = None
    if g is None or g.dtype == object:
        return Mismatch("shape", f"{path} should be {_kind(want)}, got {_kind(got)}")
    w = np.asarray(want)
    if _is_number(want):
        if g.size != 1:
            return Mismatch(
                "shape",
                f"{path} should be one number, got an array of shape {g.shape}; reduce it "
                "(np.sum, np.squeeze) or return float(...)",
            )
        g = g.reshape(())
    return _compare_arrays(g, w, path, m, rtol, atol)


def _kind(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    if isinstance(x, dict):
        return "a dict"
    if isinstance(x, (tuple, list)):
        return f"a {type(x).__name__} of {len(x)} values"
    if _is_number(x):
        return "a number"
    return f"a {type(x).__name__}"


def _close(g: np.ndarray, w: np.ndarray, rtol: float, atol: float) -> bool:
    return g.shape == w.shape and bool(np.allclose(g, w, rtol=rtol, atol=atol, equal_nan=False))


def _compare_arrays(
    g: np.ndarray, w: np.ndarray, path: str, m: int | None, rtol: float, atol: float
) -> Mismatch | None:
    if w.dtype.kind in "biu" and g.dtype.kind in "biuf":
        if g.shape == w.shape and np.array_equal(g, w):
            return None
    if g.dtype.kind not in "biuf":
        return Mismatch("values", f"{path} should be numbers, got an array of dtype {g.dtype}")
    gf, wf = g.astype(np.float64), w.astype(np.float64)
    if not np.all(np.isfinite(gf)) and np.all(np.isfinite(wf)):
        return Mismatch(
            "nonfinite",
            f"{path} contains nan or inf where every value should be finite: an overflow "
            "(np.exp of a large number), a division by zero or log(0); compute it in a "
            "numerically stable form",
        )
    if g.shape != w.shape:
        return _shape_mismatch(gf, wf, path)
    if w.dtype.kind == "f" and g.dtype.kind == "f" and g.dtype != w.dtype:
        return Mismatch(
            "dtype",
            f"{path} has dtype {g.dtype}, expected {w.dtype}; keep the input's precision "
            f"(create arrays with dtype=x.dtype, or .astype({str(w.dtype)!r}))",
        )
    if np.allclose(gf, wf, rtol=rtol, atol=atol):
        return None
    if w.dtype.kind in "biu":  # counts and sizes: no factor or offset makes sense
        return Mismatch("values", f"{path}: expected {w.tolist()}, got {g.tolist()}")
    return _value_mismatch(gf, wf, path, m, rtol, atol, int_result=g.dtype.kind in "biu")


def _shape_mismatch(g: np.ndarray, w: np.ndarray, path: str) -> Mismatch:
    if g.ndim == 2 and g.shape == w.shape[::-1] and np.allclose(g.T, w, rtol=1e-6, atol=1e-9):
        return Mismatch(
            "transposed",
            f"{path} is transposed: shape {g.shape}, expected {w.shape}; swap the factors of "
            "the matrix product (np.dot(W, A), not np.dot(A, W)) or transpose the other operand",
        )
    if g.size == w.size and tuple(d for d in g.shape if d != 1) == tuple(
        d for d in w.shape if d != 1
    ):
        if g.ndim < w.ndim:
            fix = ("keep the 2-D shape: sum with keepdims=True, or reshape with "
                   f".reshape{w.shape}")
        else:
            fix = f"drop the extra axis: .reshape{w.shape} or np.squeeze"
        return Mismatch(
            "row_vs_flat",
            f"{path} has shape {g.shape}, expected {w.shape} (the same numbers); {fix}",
        )
    hint = ""
    if g.ndim == 2 and w.ndim == 2 and g.shape == (max(w.shape), max(w.shape)) and 1 in w.shape:
        hint = ("; a (1, m) array was combined with an (m, 1) or (m,) array and NumPy "
                "broadcast them to (m, m): make both (1, m)")
    elif (g.ndim == w.ndim == 2 and g.size > w.size
          and ((w.shape[1] == 1 and g.shape[0] == w.shape[0])
               or (w.shape[0] == 1 and g.shape[1] == w.shape[1]))):
        hint = ("; an element-wise product (*) where the formula has a matrix product "
                "(np.dot) keeps the samples' axis: np.dot sums over it")
    return Mismatch("shape", f"{path} has shape {g.shape}, expected {w.shape}{hint}")


def _value_mismatch(
    g: np.ndarray, w: np.ndarray, path: str, m: int | None, rtol: float, atol: float,
    int_result: bool,
) -> Mismatch:
    scale = float(np.max(np.abs(w))) if w.size else 0.0
    tol_abs = atol + rtol * scale
    w_int = np.allclose(w, np.round(w), rtol=0, atol=1e-12)
    g_int = np.allclose(g, np.round(g), rtol=0, atol=1e-12)
    if not w_int and (g_int or int_result) and np.any(np.abs(w) > tol_abs):
        return Mismatch(
            "integer_division",
            f"{path} looks truncated to whole numbers (or is all zeros): an integer division "
            "such as 1 // m (which is 0) or a // b; use / for division",
        )
    if g.ndim == 2 and g.shape[0] == g.shape[1] and g.shape[0] > 1 and np.allclose(
        g.T, w, rtol=rtol, atol=atol
    ):
        return Mismatch(
            "transposed",
            f"{path} is transposed (a square matrix, so the shape is right); swap the factors "
            "of the matrix product or transpose the other operand",
        )
    wn = float(np.vdot(w, w))
    if wn > 0:
        c = float(np.vdot(g, w)) / wn
        if abs(c) > 1e-12 and np.allclose(g, c * w, rtol=1e-6, atol=atol + 1e-9 * abs(c) * scale):
            if abs(c + 1) < 1e-6:
                return Mismatch(
                    "sign",
                    f"{path} has the opposite sign of the expected value: check the sign of "
                    "the formula (e.g. dZ = A - Y, not Y - A; W := W - alpha dW)",
                )
            if m and m > 1 and abs(c - m) < 1e-6 * m:
                return Mismatch(
                    "missing_1_over_m",
                    f"{path} is m = {m} times too large: divide by m, the number of samples "
                    "(X.shape[1]): the cost and its gradients are averages",
                )
            if m and m > 1 and abs(c * m - 1) < 1e-6:
                return Mismatch(
                    "extra_1_over_m",
                    f"{path} is m = {m} times too small: there is one 1/m too many (divided "
                    "by m twice, or 1/m where the formula has none)",
                )
            if w.size > 1:  # any two numbers have a ratio: only arrays show a common factor
                return Mismatch(
                    "constant_factor",
                    f"{path} is {c:.6g} times the expected value everywhere: a constant factor is "
                    "off (a missing or extra factor such as 2, 1/2, the learning rate, or 1/m)",
                )
    d = g - w
    if w.size > 1 and np.ptp(d) <= tol_abs and abs(float(d.flat[0])) > tol_abs:
        return Mismatch(
            "offset",
            f"{path} is off by the same amount {float(d.flat[0]):.6g} everywhere: a term is "
            "missing or extra (a bias b, a constant)",
        )
    diff = np.abs(d)
    worst = np.unravel_index(int(np.argmax(diff)), w.shape) if w.ndim else ()
    where = f" at index {tuple(int(i) for i in worst)}" if w.ndim else ""
    return Mismatch(
        "values",
        f"{path} differs from the expected values{where}: expected {float(w[worst]):.8g}, "
        f"got {float(g[worst]):.8g} (largest difference {float(diff.max()):.3g}); check the "
        "formula in the docstring term by term",
    )
