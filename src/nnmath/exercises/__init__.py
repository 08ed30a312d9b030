"""Exercises that nnmath checks: write the course's functions yourself, learn *what* is wrong.

Each exercise is a function (or class) of the classic course or of the books' engine
chapters, with the course's name and argument order. ``start`` writes a skeleton (signature,
docstring with the formula and shapes, a body to fill in); ``check`` runs the learner's
version beside the reference (``nnmath.classic`` or the engine) on the course's published
test values and on random inputs, and names the mistake: a transposed result, ``(1, m)`` vs
``(m,)``, a missing ``1/m``, a sign error, an integer division, a constant factor, an input
modified in place, an overflow at +-1000, a loop 100 times slower than the vectorized
reference, a backward pass right only for an all-ones upstream gradient.

Example:
    >>> from nnmath import exercises
    >>> exercises.for_lesson("logistic-regression")[:2]  # doctest: +ELLIPSIS
    [('basics.sigmoid', ...), ('basics.sigmoid_derivative', ...)]
    >>> exercises.check(my_propagate, "propagate")        # doctest: +SKIP
    FAIL logistic.propagate: result[0]['dw'] is m = 3 times too large: divide by m, ...

From the command line: ``nnmath exercises list``, ``nnmath exercises start propagate``,
``nnmath exercises check propagate.py`` (the file runs in its own process with a time limit).
"""

from __future__ import annotations

from typing import Any

from .checker import CheckResult, run_check
from .registry import Case, Exercise, for_lesson, names, resolve
from .sandbox import check_file
from .skeleton import start

__all__ = [
    "Case", "CheckResult", "Exercise", "check", "check_file", "for_lesson", "get", "names",
    "start",
]


def get(name: str) -> Exercise:
    """The exercise called ``name`` (qualified ``deep.compute_cost`` or a unique bare name)."""
    return resolve(name)


def check(obj: Any, name: str, *, seed: int = 0, timeout: float | None = 10.0) -> CheckResult:
    """Check a function (or class) written in this process, e.g. in a notebook.

    Args:
        obj: the learner's function or class.
        name: the exercise (``"propagate"``, ``"deep.compute_cost"``).
        seed: seed of the random cases.
        timeout: seconds before an infinite loop is stopped (main thread only; the command
            line runs files in a separate process with a hard limit as well).

    Returns:
        A :class:`CheckResult`: ``passed``, ``code`` (the mistake class), ``message``.
        Printing it gives one line (``ok ...`` or ``FAIL ...``).
    """
    return run_check(resolve(name), obj, seed=seed, timeout=timeout)
