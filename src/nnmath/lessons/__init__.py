"""The lessons: literate sources run by ``nnmath lessons``, shown in the report, opened in Jupyter.

Every lesson is one file in this package in the "percent" script format (``# %% [markdown]``
cells with the explanation and its LaTeX formulas, ``# %%`` code cells that call the library
the way a learner types it). The format is described in :mod:`nnmath.lessons._source`; the
registry finds every ``*.py`` file here that starts with ``# nnmath lesson``, so adding a
lesson is one file (plus its test). From one source come three outputs:

- ``nnmath lessons NAME...`` runs the code cells top to bottom and prints what they print;
- the HTML report (``index.html`` + ``numbers.json``) shows the explanation with typeset
  formulas, each code cell with its output and figures, and the measured numbers;
- ``nnmath lessons --notebooks DIR`` writes one Jupyter notebook per lesson.

Inside a lesson, three small functions connect it to the runner and still work in a notebook:
:func:`fast_mode` (``--fast``, or ``NNMATH_FAST=1`` in a notebook's environment),
:func:`photo` (``--image``, or ``NNMATH_IMAGE``, else matplotlib's sample portrait) and
:func:`record` (the numbers the report and ``numbers.json`` list). Importing this module
applies nnmath's BLAS thread limit (:func:`nnmath.threads.configure`), as the command line
does.

Example:
    >>> from nnmath import lessons
    >>> [name for name, _ in lessons.list_lessons()][:3]
    ['images', 'tensors', 'linear-regression']
    >>> results = lessons.run_lessons(["tensors"], out_dir="report")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nnmath import threads

if TYPE_CHECKING:
    from ._run import LessonResult
    from ._source import Lesson

# The lessons run with nnmath's BLAS thread limit wherever they run: the command line applies
# it, and a notebook imports this module in its first cell. The classic lessons call no
# ``fit`` (which would apply it), and more BLAS threads would make them slower on a busy
# machine and change the last digits of their sums.
threads.configure()

__all__ = [
    "LESSONS",
    "LessonResult",
    "fast_mode",
    "get_lesson",
    "list_lessons",
    "photo",
    "record",
    "recorded",
    "run_lessons",
    "write_notebooks",
]

FAST_NOTICE = "[--fast] smaller data / fewer iterations: numbers differ from the full run."


class _Registry(Mapping):
    """``name -> Lesson`` in teaching order, read from the package folder on first use."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lessons: dict[str, Lesson] | None = None

    def _all(self) -> dict[str, Lesson]:
        if self._lessons is None:
            from ._source import parse_lesson

            found = []
            for path in sorted(self.folder.glob("*.py")):
                if path.name.startswith("_"):
                    continue
                with open(path, encoding="utf-8") as f:
                    if f.readline().strip() != "# nnmath lesson":
                        continue
                found.append(parse_lesson(path))
            self._lessons = {x.name: x for x in sorted(found, key=lambda x: (x.order, x.name))}
        return self._lessons

    def __getitem__(self, name: str) -> Lesson:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


LESSONS: Mapping[str, Lesson] = _Registry(Path(__file__).parent)


def get_lesson(name: str) -> Lesson:
    """The parsed lesson ``name``.

    Raises:
        KeyError: unknown lesson (the message lists them and says ``nnmath lessons --list``).
    """
    if name not in LESSONS:
        raise KeyError(
            f"lessons: unknown lesson {name!r}; expected one of {', '.join(LESSONS)} "
            "(see `nnmath lessons --list`)"
        )
    return LESSONS[name]


def list_lessons() -> list[tuple[str, str]]:
    """``(name, one-line summary)`` for every lesson, in teaching order."""
    return [(name, lesson.summary) for name, lesson in LESSONS.items()]


# ------------------------------------------------------------- used inside the lessons
class _State:
    fast: bool | None = None      # set by the runner; None: read NNMATH_FAST
    image: Path | None = None     # set by the runner; None: read NNMATH_IMAGE
    numbers: dict[str, Any] = {}  # noqa: RUF012  (one run at a time)


def fast_mode() -> bool:
    """Whether to run the short version (``--fast``; in a notebook: ``NNMATH_FAST=1``).

    Prints a notice when it is on, so the output says its numbers are the short run's.
    """
    fast = _State.fast
    if fast is None:
        fast = os.environ.get("NNMATH_FAST", "").strip().lower() in ("1", "true", "yes", "on")
    if fast:
        print(FAST_NOTICE)
    return bool(fast)


def photo() -> Path:
    """The photo for the image lessons: ``--image`` (or ``NNMATH_IMAGE``), else the sample.

    The sample is matplotlib's bundled portrait of Grace Hopper.
    """
    if _State.image is not None:
        return Path(_State.image)
    if os.environ.get("NNMATH_IMAGE"):
        return Path(os.environ["NNMATH_IMAGE"])
    from matplotlib import cbook

    return Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))


def record(**numbers: Any) -> None:
    """Keep measured numbers for the report's table and ``numbers.json`` (NumPy values are
    converted to plain floats, ints and lists). Prints nothing."""
    for key, value in numbers.items():
        _State.numbers[key] = _plain(value)


def recorded() -> dict[str, Any]:
    """A copy of everything :func:`record` kept since the lesson started."""
    import copy

    return copy.deepcopy(_State.numbers)


def _plain(value: Any) -> Any:
    """NumPy scalars/arrays -> JSON-friendly Python values."""
    import numpy as np

    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


# ------------------------------------------------------------------ the runner
def run_lessons(
    names: list[str] | None = None,
    out_dir: str | Path = "report",
    fast: bool = False,
    image: str | Path | None = None,
    write_report: bool = True,
    clean: bool = False,
) -> list[LessonResult]:
    """Run lessons (all when ``names`` is None) and update ``out_dir``'s report.

    The report keeps the sections of lessons run earlier into the same folder (their numbers
    too); ``clean=True`` starts afresh.

    Raises:
        KeyError: an unknown lesson name (checked before anything runs).
        FileNotFoundError: ``image`` does not exist.  ValueError: ``image`` is not a picture.
    """
    from ._run import run_lesson

    names = list(LESSONS) if not names else list(names)
    for name in names:
        get_lesson(name)
    if image is not None:
        if not Path(image).is_file():
            raise FileNotFoundError(f"lessons: --image {image} does not exist; give a photo "
                                    "file (JPEG, PNG, ...)")
        from nnmath.images import load_image

        load_image(image)  # not a picture: fails here (ValueError), before any lesson runs
    out = Path(out_dir)
    if write_report:
        from nnmath import report

        report.prepare(out, clean=clean)
    results = [run_lesson(get_lesson(name), out, fast=fast, image=image) for name in names]
    if write_report:
        report.write_report(results, out)
    return results


def write_notebooks(out_dir: str | Path, names: list[str] | None = None) -> list[Path]:
    """Write ``out_dir/<lesson>.ipynb`` for the lessons (all when ``names`` is None)."""
    from ._notebook import write_notebook

    names = list(LESSONS) if not names else list(names)
    lessons = [get_lesson(n) for n in names]
    return [write_notebook(lesson, Path(out_dir)) for lesson in lessons]


def __getattr__(name: str) -> Any:
    if name == "LessonResult":
        from ._run import LessonResult

        return LessonResult
    raise AttributeError(f"module 'nnmath.lessons' has no attribute {name!r}")
