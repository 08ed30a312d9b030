"""The runnable lessons: a registry, a run context, and the runner behind ``nnmath lessons``.

Each lesson is one small module in this package with ``TITLE``, ``SUMMARY``, ``EXPLANATION``,
``FORMULAS`` (the math it demonstrates), ``LONG`` (whether ``--fast`` changes it) and a
``run(ctx)`` function that calls the library, prints what it finds, saves PNG figures through
``ctx.figure(name)`` and records every number it measured with ``ctx.record(...)``.

Example:
    >>> from nnmath import lessons
    >>> [name for name, _ in lessons.list_lessons()][:3]
    ['images', 'tensors', 'linear-regression']
    >>> results = lessons.run_lessons(["tensors"], out_dir="report")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import importlib
import io
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = [
    "LESSONS",
    "Context",
    "LessonResult",
    "get_lesson",
    "list_lessons",
    "run_lesson",
    "run_lessons",
]

# lesson name -> module in nnmath.lessons, in teaching order
LESSONS: dict[str, str] = {
    "images": "images",
    "tensors": "tensors",
    "linear-regression": "linear_regression",
    "gradient-descent": "gradient_descent",
    "house-prices": "house_prices",
    "logistic-regression": "logistic_regression",
    "computation-graph": "computation_graph",
    "vectorization": "vectorization",
    "activations-and-losses": "activations_losses",
    "shallow-network": "shallow_network",
    "deep-network": "deep_network",
    "mnist-mlp": "mnist_mlp",
    "convolution": "convolution",
    "pooling": "pooling",
    "cnn-mnist": "cnn_mnist",
    "loss-landscape": "loss_landscape",
    "learning-rate-search": "learning_rate_search",
}


def get_lesson(name: str) -> ModuleType:
    """The module of lesson ``name``.

    Raises:
        KeyError: unknown lesson (the message lists them and says ``nnmath lessons --list``).
    """
    if name not in LESSONS:
        raise KeyError(
            f"lessons: unknown lesson {name!r}; expected one of {', '.join(LESSONS)} "
            "(see `nnmath lessons --list`)"
        )
    return importlib.import_module(f"nnmath.lessons.{LESSONS[name]}")


def list_lessons() -> list[tuple[str, str]]:
    """``(name, one-line summary)`` for every lesson, in teaching order."""
    return [(name, get_lesson(name).SUMMARY) for name in LESSONS]


class _Tee(io.TextIOBase):
    """Writes to the real stream and keeps a copy (carriage-return progress lines collapsed)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.buffer_ = io.StringIO()

    def write(self, s: str) -> int:
        self.stream.write(s)
        self.buffer_.write(s)
        return len(s)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return bool(getattr(self.stream, "isatty", lambda: False)())

    def text(self) -> str:
        lines = []
        for line in self.buffer_.getvalue().split("\n"):
            lines.append(line.split("\r")[-1] if "\r" in line.rstrip("\r") else line.rstrip("\r"))
        return "\n".join(lines).strip("\n")


@dataclass
class Context:
    """What a running lesson may use: output folder, options, shared cache, recorders.

    Attributes:
        out_dir: report folder; figures go to ``out_dir/figures``.
        fast: smaller data and fewer epochs (long lessons say so in their output).
        image: a user photo for the images/convolution lessons (default: matplotlib's sample).
        seed: seed for everything random in the lessons.
        cache: results shared between lessons in one run (e.g. the cat data, a trained model).
    """

    out_dir: Path
    fast: bool = False
    image: Path | None = None
    seed: int = 0
    cache: dict[str, Any] = field(default_factory=dict)
    lesson: str = ""
    figures: list[str] = field(default_factory=list)
    numbers: dict[str, Any] = field(default_factory=dict)

    def figure(self, name: str) -> Path:
        """Path for the PNG figure ``name`` of the current lesson (recorded for the report)."""
        rel = f"figures/{self.lesson}-{name}.png"
        self.figures.append(rel)
        path = self.out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def record(self, **numbers: Any) -> None:
        """Record measured numbers (floats, ints, lists, dicts) for the report's JSON."""
        for key, value in numbers.items():
            self.numbers[key] = _plain(value)

    def say_fast(self) -> None:
        """Print the --fast notice (long lessons call this)."""
        if self.fast:
            print("[--fast] smaller data / fewer iterations: numbers differ from the full run.")

    def photo(self) -> Path:
        """The photo to use: ``--image`` or matplotlib's bundled Grace Hopper portrait."""
        if self.image is not None:
            return Path(self.image)
        from matplotlib import cbook

        return Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))


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


@dataclass
class LessonResult:
    """Everything the report needs about one lesson run."""

    name: str
    title: str
    summary: str
    explanation: str
    formulas: list[str]
    output: str
    figures: list[str]
    numbers: dict[str, Any]
    seconds: float
    fast: bool
    error: str | None = None
    shortened: bool = False  # a long lesson run with --fast (smaller data, fewer epochs)


def run_lesson(name: str, ctx: Context) -> LessonResult:
    """Run one lesson, echoing and capturing its output; errors are captured, not raised."""
    module = get_lesson(name)
    ctx.lesson, ctx.figures, ctx.numbers = name, [], {}
    tee = _Tee(sys.stdout)
    error = None
    start = time.perf_counter()
    print(f"\n=== {name}: {module.TITLE} ===")
    for formula in module.FORMULAS:  # the math the lesson demonstrates (the report shows it too)
        print(f"  | {formula}")
    with contextlib.redirect_stdout(tee):
        if ctx.fast and module.LONG:
            ctx.say_fast()
        try:
            module.run(ctx)
        except Exception as exc:  # a failing lesson must not hide the others
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            error = f"{type(exc).__name__}: {first}"
            print(f"lesson {name} failed: {type(exc).__name__}: {exc}")
            if not isinstance(exc, OSError):  # a bug: show where; missing files: the message
                traceback.print_exc(file=sys.stderr)
    seconds = time.perf_counter() - start
    print(f"--- {name} done in {seconds:.1f} s")
    return LessonResult(
        name=name, title=module.TITLE, summary=module.SUMMARY, explanation=module.EXPLANATION,
        formulas=list(module.FORMULAS), output=tee.text(), figures=list(ctx.figures),
        numbers=dict(ctx.numbers), seconds=seconds, fast=ctx.fast, error=error,
        shortened=bool(ctx.fast and module.LONG),
    )


def run_lessons(
    names: list[str] | None = None,
    out_dir: str | Path = "report",
    fast: bool = False,
    image: str | Path | None = None,
    seed: int = 0,
    write_report: bool = True,
) -> list[LessonResult]:
    """Run lessons (all when ``names`` is None) and write ``out_dir/index.html`` + numbers JSON.

    Raises:
        KeyError: an unknown lesson name (checked before anything runs).
        FileNotFoundError: ``image`` does not exist.  ValueError: ``image`` is not a picture.
    """
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
    out.mkdir(parents=True, exist_ok=True)
    ctx = Context(out_dir=out, fast=fast, image=Path(image) if image else None, seed=seed)
    results = [run_lesson(name, ctx) for name in names]
    if write_report:
        from nnmath.report import write_report as _write

        _write(results, out)
    return results
