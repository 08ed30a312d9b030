"""The checker: runs the learner's function case by case beside the reference and diagnoses.

For each case (the course's published test values first, then random inputs) it calls the
reference and the learner on separate copies of the inputs and compares the results with
:func:`nnmath.exercises.diagnose.compare`. Beyond wrong values it catches:

* an input array modified in place (the caller's array changed: ``w -= ...``);
* an unstable formula: cases at +-1000 run with NumPy's overflow warnings as errors;
* a backward pass that is right only for an all-ones upstream gradient (a random one is
  used; on a mismatch the all-ones case is tried to name the mistake);
* a Python loop where the reference is vectorized: the learner is timed against the
  reference on a larger input, and 100 times slower (a ratio, not a time) fails;
* a crash (one line: the exception and the line of the learner's file) and, through
  :func:`time_limit`, an infinite loop.
"""

from __future__ import annotations

import copy
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .diagnose import Mismatch, compare
from .registry import Case, Exercise

__all__ = ["CheckResult", "ExerciseTimeout", "run_check", "time_limit"]

SLOW_RATIO = 100.0


class ExerciseTimeout(BaseException):
    """Raised inside the learner's code when its time limit is over."""


@dataclass
class CheckResult:
    """The verdict on one exercise.

    Attributes:
        name: the qualified exercise name.
        passed: every case agreed with the reference (and the published values).
        code: the mistake class when it failed (``"sign"``, ``"missing_1_over_m"``, ...;
            ``"ok"`` when it passed).
        message: one line: what is wrong, where, and what to change (or what passed).
        case: the label of the case that failed.
        notes: extra lines (e.g. the speed ratio).
    """

    name: str
    passed: bool
    code: str
    message: str
    case: str = ""
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"{'ok  ' if self.passed else 'FAIL'} {self.name}: {self.message}"
        return "\n".join([head, *("     " + n for n in self.notes)])

    __repr__ = __str__

    def __bool__(self) -> bool:
        return self.passed

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "code": self.code,
                "message": self.message, "case": self.case, "notes": self.notes}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> CheckResult:
        return cls(d["name"], d["passed"], d["code"], d["message"], d.get("case", ""),
                   list(d.get("notes", [])))


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`ExerciseTimeout` in the running code after ``seconds`` (main thread only;
    elsewhere, or with None, no limit: the sandbox process has its own hard limit)."""
    usable = (
        seconds is not None and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def _expired(signum: int, frame: Any) -> None:
        raise ExerciseTimeout

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def crash_line(exc: BaseException, name: str) -> str:
    """``raised ValueError: ... (line 12 of solution.py)``: the learner's innermost frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # .../nnmath
    learner = [f for f in frames if not os.path.abspath(f.filename).startswith(package)]
    where = learner[-1] if learner else (frames[-1] if frames else None)
    at = f" (line {where.lineno} of {os.path.basename(where.filename)})" if where else ""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{name} raised {type(exc).__name__}{': ' + text if text else ''}{at}"


def _arrays(x: Any, path: str) -> Iterator[tuple[str, np.ndarray]]:
    if isinstance(x, np.ndarray):
        yield path, x
    elif isinstance(x, dict):
        for k, v in x.items():
            yield from _arrays(v, f"{path}[{k!r}]")
    elif isinstance(x, (list, tuple)):
        for i, v in enumerate(x):
            yield from _arrays(v, f"{path}[{i}]")


def _held(exercise: Exercise, given: tuple[Any, ...]) -> list[list[tuple[str, np.ndarray]]]:
    """The argument arrays the learner's call receives, held by reference before the call."""
    names = exercise.params
    return [list(_arrays(a, names[i] if i < len(names) else f"argument {i}"))
            for i, a in enumerate(given)]


def _modified(
    exercise: Exercise, held: list[list[tuple[str, np.ndarray]]], pristine: tuple[Any, ...]
) -> str | None:
    """The first argument array whose contents the learner's call changed.

    The arrays themselves are compared (held before the call), so ``parameters["W1"] = W1 -
    ...`` (a new array bound to the caller's dict, as the course's own code does) is not an
    in-place change, while ``parameters["W1"] -= ...`` is.
    """
    names = exercise.params
    for i, (arrays, p) in enumerate(zip(held, pristine, strict=True)):
        label = names[i] if i < len(names) else f"argument {i}"
        for (path, arr), (_, orig) in zip(arrays, _arrays(p, label), strict=False):
            if arr.shape != orig.shape or not np.array_equal(arr, orig, equal_nan=True):
                return path
    return None


def _call(fn: Callable[..., Any], case: Case, args: tuple[Any, ...]) -> Any:
    if case.extreme:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            return fn(*args, **case.kwargs)
    with np.errstate(all="ignore"):
        return fn(*args, **case.kwargs)


def _fail(ex: Exercise, code: str, message: str, case: str = "") -> CheckResult:
    hint = ex.hints.get(code)
    if hint:
        message = f"{message}. {hint}"
    return CheckResult(ex.qualified, False, code, message, case)


def _with_upstream(case: Case, args: tuple[Any, ...], value: Callable[[np.ndarray], Any]) -> tuple:
    new = list(copy.deepcopy(args))
    new[case.upstream] = value(np.asarray(new[case.upstream]))  # type: ignore[index]
    return tuple(new)


def run_check(
    exercise: Exercise, fn: Any, seed: int = 0, timeout: float | None = 10.0
) -> CheckResult:
    """Check ``fn`` against ``exercise`` (published cases, random cases, speed).

    Returns:
        A :class:`CheckResult`; never raises for mistakes in ``fn`` (a crash, an infinite loop
        or a wrong value are all results).
    """
    name = exercise.name
    if fn is None:
        return _fail(exercise, "missing", f"no function named {name} was found")
    if isinstance(fn, type) and exercise.custom is None:
        return _fail(exercise, "missing", f"{name} should be a function, got a class")
    rng = np.random.default_rng(seed)
    try:
        with time_limit(timeout):
            if exercise.custom is not None:
                return exercise.custom(exercise, fn, rng)
            return _run_cases(exercise, fn, rng)
    except SystemExit as exc:  # sys.exit() in the learner's code: a crash, not our exit
        return _fail(exercise, "crash", f"{name} called sys.exit({exc.code!r}); return a value "
                     "instead")
    except ExerciseTimeout:
        return _fail(
            exercise, "timeout",
            f"stopped after {timeout:g} s: {name} did not finish (an infinite loop? check that "
            "every while loop's condition eventually changes, and loop over ranges, not "
            "until a value is reached)",
        )


def _run_cases(ex: Exercise, fn: Callable[..., Any], rng: np.random.Generator) -> CheckResult:
    assert ex.reference is not None and ex.cases is not None
    cases = ex.cases(rng)
    for case in cases:
        want = _call(ex.reference, Case(case.args, case.kwargs), copy.deepcopy(case.args))
        given = copy.deepcopy(case.args)
        held = _held(ex, given)
        try:
            got = _call(fn, case, given)
        except NotImplementedError:
            return _fail(ex, "not_written", f"{ex.name} is not written yet (it raises "
                         "NotImplementedError): replace that line with your code")
        except FloatingPointError as exc:
            return _fail(
                ex, "overflow",
                f"{ex.name} overflows on the {case.label} case ({exc}): e.g. np.exp(1000) is inf; "
                "use a numerically stable form", case.label,
            )
        except ExerciseTimeout:
            raise
        except Exception as exc:
            return _fail(ex, "crash", f"{crash_line(exc, ex.name)} on the {case.label} case",
                         case.label)
        moved = _modified(ex, held, case.args)
        if moved:
            return _fail(
                ex, "in_place",
                f"{ex.name} modified its input {moved} in place (e.g. `{moved} -= ...`): the "
                f"caller's array changed. Compute a new array instead (`x = x - ...`) or work "
                "on a copy (x = x.copy())", case.label,
            )
        if ex.adapt is not None:
            want = ex.adapt(got, want)
        mine, label = got, "result"
        if ex.step_from is not None:  # compare the steps new - old of an update rule
            old = case.args[ex.step_from]
            mine, want = _steps(got, old), _steps(want, old)
            label = "the step (new - old) of result"
        found = compare(mine, want, label, m=case.m, rtol=ex.rtol, atol=ex.atol)
        if found and case.upstream is not None:
            found = _upstream_diagnosis(ex, fn, case, found)
        if found:
            return _fail(ex, found.code, f"{found.message} (on the {case.label} case)", case.label)
        if case.published is not None:
            extract, values, atol = case.published
            found = compare(extract(got), _arrayify(values), "the published value", rtol=0.0,
                            atol=atol)
            if found:
                return _fail(ex, found.code, f"{found.message} (the course's test case)",
                             case.label)
    n_pub = sum(c.published is not None for c in cases)
    message = f"{len(cases)} cases agree with the reference"
    if n_pub:
        message += f" ({n_pub} with the course's published values)"
    notes: list[str] = []
    if ex.timing is not None:
        ratio = _speed_ratio(ex, fn, ex.timing(rng))
        if ratio >= SLOW_RATIO:
            return _fail(
                ex, "slow",
                f"{ex.name} gives the right values but is {ratio:.0f} times slower than the "
                "vectorized reference: replace the Python loop over samples (or elements) with "
                "whole-array NumPy operations (np.dot, broadcasting, np.sum(axis=...))",
            )
        notes.append(f"speed: {ratio:.1f} x the reference's time on a larger input")
    return CheckResult(ex.qualified, True, "ok", message, notes=notes)


def _steps(x: Any, old: dict[str, Any]) -> Any:
    """Every parameter dict in ``x`` as its step ``new - old`` (other values unchanged)."""
    if isinstance(x, dict) and x and all(k in old for k in x):
        return {k: (np.asarray(v) - old[k]) if np.shape(v) == np.shape(old[k]) else v
                for k, v in x.items()}
    if isinstance(x, (tuple, list)):
        return type(x)(_steps(v, old) for v in x)
    return x


def _arrayify(v: Any) -> Any:
    """Published numbers as written in the course (nested lists) -> arrays."""
    if isinstance(v, list):
        return np.asarray(v, dtype=np.float64)
    if isinstance(v, tuple):
        return tuple(_arrayify(x) for x in v)
    return v


def _upstream_diagnosis(
    ex: Exercise, fn: Callable[..., Any], case: Case, found: Mismatch
) -> Mismatch:
    """Re-run a backward case with an all-ones upstream gradient: right there -> that mistake."""
    ones = _with_upstream(case, case.args, np.ones_like)
    try:
        got = _call(fn, case, copy.deepcopy(ones))
        want = _call(ex.reference, Case(ones, case.kwargs), copy.deepcopy(ones))
    except Exception:
        return found
    if compare(got, want, m=case.m, rtol=ex.rtol, atol=ex.atol) is None:
        arg = ex.params[case.upstream] if case.upstream is not None else "the upstream gradient"
        return Mismatch(
            "upstream_ones",
            f"right for an all-ones upstream gradient {arg} but wrong for a random one "
            f"({found.message}): multiply by {arg} element-wise where the chain rule says so, "
            "and check which operand is transposed",
        )
    return found


def _speed_ratio(ex: Exercise, fn: Callable[..., Any], case: Case) -> float:
    """Learner time / reference time on one larger input (best of a few runs each)."""

    def best(f: Callable[..., Any], budget: float, max_runs: int) -> float:
        times: list[float] = []
        while len(times) < max_runs and sum(times) < budget:
            args = copy.deepcopy(case.args)
            t0 = time.perf_counter()
            _call(f, case, args)
            times.append(time.perf_counter() - t0)
        return min(times)

    assert ex.reference is not None
    t_ref = best(ex.reference, 0.05, 7)
    t_fn = best(fn, 100 * SLOW_RATIO * t_ref, 3)
    return t_fn / max(t_ref, 1e-9)
