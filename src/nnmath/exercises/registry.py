"""The exercise registry: what an exercise is, where it is listed, how its name resolves.

An exercise is one function (or class) of a course, with the course's name and argument
order, a reference implementation (``nnmath.classic`` or the engine), and the cases it is
checked on: the course's published test values where they exist, then random inputs. Names
are qualified by their group (``deep.compute_cost``); a bare name (``propagate``) works where
only one group has it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Case", "Exercise", "all_exercises", "for_lesson", "names", "register", "resolve"]


@dataclass
class Case:
    """One call of the learner's function, compared with the reference on the same inputs.

    Attributes:
        args, kwargs: the inputs (deep-copied for each call).
        label: how the report names the case ("course test", "random 2", ...).
        m: the number of samples in this case (lets the checker recognize a missing ``1/m``).
        published: ``(extract, values, atol)``: ``extract(output)`` must equal the course's
            published ``values`` (the reference is tested to reproduce them).
        extreme: run with NumPy overflow/invalid warnings as errors (inputs at +-1000).
        upstream: index of the argument that is an upstream gradient (backward functions): a
            mismatch is re-checked with an all-ones upstream gradient to name that mistake.
    """

    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    label: str = "random"
    m: int | None = None
    published: tuple[Callable[[Any], Any], Any, float] | None = None
    extreme: bool = False
    upstream: int | None = None


@dataclass
class Exercise:
    """One exercise: the course's signature, its reference, its cases.

    Attributes:
        group: the lesson group qualifying the name (``logistic``, ``shallow``, ``deep``,
            ``conv``, ``gradcheck``, ``optim``, ``basics``, ``engine``).
        name: the course's function (or class) name, also the name looked up in the file.
        summary: one line for listings.
        signature: the ``def``/``class`` line of the skeleton.
        doc: the skeleton's docstring: the formula, the shapes.
        lessons: the lessons that list this exercise.
        reference: the reference implementation (course signature); None for custom checks.
        cases: ``cases(rng) -> list[Case]``.
        timing: ``timing(rng) -> Case``: a larger input; a learner version 100x slower than the
            vectorized reference fails (a ratio, never an absolute time).
        helpers: import lines the skeleton starts with (course functions the body may call).
        preamble: code the skeleton includes as given (helper functions of the course).
        hints: mistake code -> what to change, specific to this exercise.
        custom: ``custom(obj, rng) -> CheckResult`` for exercises not checked case by case.
        rtol, atol: tolerances of the value comparison.
        adapt: ``adapt(got, want) -> want`` to accept a documented course variant.
        step_from: index of the ``parameters`` argument of an update rule: results are
            compared as steps (new - old), so a step uphill shows as a sign error.
    """

    group: str
    name: str
    summary: str
    signature: str
    doc: str
    lessons: tuple[str, ...]
    reference: Callable[..., Any] | None = None
    cases: Callable[[Any], list[Case]] | None = None
    timing: Callable[[Any], Case] | None = None
    helpers: tuple[str, ...] = ()
    preamble: str = ""
    hints: dict[str, str] = field(default_factory=dict)
    custom: Callable[..., Any] | None = None
    rtol: float = 1e-6
    atol: float = 1e-9
    adapt: Callable[[Any, Any], Any] | None = None
    step_from: int | None = None

    @property
    def qualified(self) -> str:
        return f"{self.group}.{self.name}"

    @property
    def params(self) -> list[str]:
        """Argument names from the signature (for messages about modified inputs)."""
        inside = re.search(r"\((.*)\)", self.signature, flags=re.S)
        names = []
        for part in (inside.group(1) if inside else "").split(","):
            part = part.strip().split("=")[0].strip().lstrip("*")
            if part and part not in ("self",):
                names.append(part.split(":")[0].strip())
        return names


_REGISTRY: dict[str, Exercise] = {}
_GROUP_MODULES = ("basics", "logistic", "shallow", "deep", "conv", "gradcheck", "optim", "engine")
_GROUP_LESSON = {
    "basics": "activations-and-losses", "logistic": "logistic-regression",
    "shallow": "shallow-network", "deep": "deep-network", "conv": "convolution",
    "gradcheck": "computation-graph", "optim": "loss-landscape", "engine": "mnist-mlp",
}


def register(exercise: Exercise) -> Exercise:
    _REGISTRY[exercise.qualified] = exercise
    return exercise


_loaded = False


def _load() -> None:
    """Import every group module once (each registers its exercises), in teaching order."""
    global _loaded
    if not _loaded:
        import importlib

        _loaded = True
        for module in _GROUP_MODULES:
            importlib.import_module(f"nnmath.exercises.{module}")
        order = {g: i for i, g in enumerate(_GROUP_MODULES)}
        ordered = sorted(_REGISTRY.values(), key=lambda e: order[e.group])  # stable
        _REGISTRY.clear()
        _REGISTRY.update((e.qualified, e) for e in ordered)


def all_exercises() -> list[Exercise]:
    """Every exercise, in teaching order (group by group, as the course)."""
    _load()
    return list(_REGISTRY.values())


def names() -> list[str]:
    """Every qualified exercise name."""
    return [e.qualified for e in all_exercises()]


def groups() -> list[str]:
    return list(_GROUP_MODULES)


def resolve(name: str) -> Exercise:
    """The exercise called ``name``: qualified (``deep.compute_cost``) or a unique bare name.

    Raises:
        KeyError: unknown name (with the closest names), or a bare name several groups share
            (with the qualified names to choose from).
    """
    _load()
    if name in _REGISTRY:
        return _REGISTRY[name]
    matches = [e for e in _REGISTRY.values() if e.name == name]
    if len(matches) == 1:
        return matches[0]
    if matches:
        choices = ", ".join(e.qualified for e in matches)
        raise KeyError(
            f"exercises: {name!r} is an exercise of several lessons; say which: {choices}"
        )
    import difflib

    close = difflib.get_close_matches(name, list(_REGISTRY) + [e.name for e in _REGISTRY.values()])
    hint = f"; did you mean {', '.join(close[:3])}?" if close else ""
    raise KeyError(
        f"exercises: no exercise named {name!r}{hint} (`nnmath exercises list` shows them all)"
    )


def in_group(group: str) -> list[Exercise]:
    return [e for e in all_exercises() if e.group == group]


def _lesson_key(lesson: str) -> str:
    return lesson.strip().lower().replace("_", "-")


def for_lesson(lesson_name: str) -> list[tuple[str, str]]:
    """The exercises a lesson lists: ``[(qualified name, one-line summary), ...]``.

    ``lesson_name`` is a lesson's name as ``nnmath lessons --list`` prints it
    (``"deep-network"``; underscores work too). A lesson without exercises gives ``[]``.

    Example:
        >>> for_lesson("shallow-network")[0]
        ('shallow.layer_sizes', 'the sizes (n_x, n_h, n_y) of the input, hidden and output layers')
    """
    key = _lesson_key(lesson_name)
    return [(e.qualified, e.summary) for e in all_exercises() if key in e.lessons]


def lessons_with_exercises() -> list[str]:
    """The lessons that list exercises, in the lessons' teaching order."""
    from ..lessons import LESSONS

    listed = {lesson for e in all_exercises() for lesson in e.lessons}
    return [lesson for lesson in LESSONS if lesson in listed]
