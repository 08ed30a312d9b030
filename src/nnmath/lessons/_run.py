"""Running a lesson's code cells top to bottom, as a notebook would, keeping what each shows.

Each code cell runs in the lesson's own namespace; what it prints is echoed and kept, and the
matplotlib figures it leaves open are saved as PNG files (captioned by the cell's
``# Figure: ...`` comments) and closed. A failing cell stops its lesson, not the others.
"""

from __future__ import annotations

import contextlib
import io
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import _State
from ._source import Lesson

__all__ = ["LessonResult", "describe_figure", "run_lesson"]


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
class LessonResult:
    """Everything the report needs about one lesson run.

    ``cells`` is a list of dicts: ``{"kind": "markdown", "source"}`` or ``{"kind": "code",
    "source", "output", "figures": [{"src", "caption", "alt"}], "error"}``.
    """

    name: str
    title: str
    summary: str
    cells: list[dict[str, Any]]
    numbers: dict[str, Any]
    seconds: float
    fast: bool
    headline: str = ""
    error: str | None = None
    shortened: bool = False  # a long lesson run with --fast (smaller data, fewer epochs)
    exercises: list[tuple[str, str]] = field(default_factory=list)

    @property
    def output(self) -> str:
        """Everything the lesson printed."""
        return "\n".join(c["output"] for c in self.cells if c.get("output"))

    @property
    def figures(self) -> list[str]:
        """The figure files, relative to the report folder."""
        return [f["src"] for c in self.cells for f in c.get("figures", [])]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "summary": self.summary,
                "cells": self.cells, "numbers": self.numbers, "seconds": self.seconds,
                "fast": self.fast, "headline": self.headline, "error": self.error,
                "shortened": self.shortened, "exercises": [list(e) for e in self.exercises]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LessonResult:
        d = dict(d)
        d["exercises"] = [tuple(e) for e in d.get("exercises", [])]
        return cls(**d)


def describe_figure(fig: Any) -> str:
    """A text description of a figure's panels (titles and axis labels) for its alt text."""
    parts = []
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        parts.append(suptitle.get_text())
    panels = []
    for ax in fig.axes:
        bits = [ax.get_title()] if ax.get_title() else []
        if ax.get_xlabel() or ax.get_ylabel():
            bits.append(f"{ax.get_ylabel() or 'value'} against {ax.get_xlabel() or 'position'}")
        if bits:
            panels.append(", ".join(bits))
    if panels:
        n = len(fig.axes)
        parts.append(f"{n} panel{'s' if n != 1 else ''}: " + "; ".join(panels[:12])
                     + ("; ..." if len(panels) > 12 else ""))
    return ". ".join(parts)


def exercises_for(name: str) -> list[tuple[str, str]]:
    """``nnmath.exercises.for_lesson(name)`` when that module exists, else nothing."""
    try:
        from nnmath.exercises import for_lesson
    except ImportError:
        return []
    try:
        return [(str(a), str(b)) for a, b in for_lesson(name)]
    except (KeyError, ValueError, LookupError):
        return []


def _save_figures(lesson: Lesson, cell_index: int, captions: list[str], out: Path,
                  start: int) -> list[dict[str, str]]:
    if "matplotlib.pyplot" not in sys.modules:
        return []
    import matplotlib.pyplot as plt

    saved = []
    for k, num in enumerate(plt.get_fignums()):
        fig = plt.figure(num)
        rel = f"figures/{lesson.name}-{start + k + 1}.png"
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100, bbox_inches="tight")
        described = describe_figure(fig)
        caption = captions[k] if k < len(captions) else (described or f"{lesson.title}: "
                                                          f"figure of cell {cell_index}")
        alt = f"{caption} ({described})" if described and described != caption else caption
        saved.append({"src": rel, "caption": caption, "alt": alt,
                      "from_source": k < len(captions)})
        plt.close(fig)
    return saved


def run_lesson(lesson: Lesson, out: Path, fast: bool = False,
               image: str | Path | None = None) -> LessonResult:
    """Run ``lesson``'s code cells in order, echoing and keeping their output; figures go to
    ``out/figures``. Errors are captured (the failing cell's message), not raised."""
    _State.fast, _State.image, _State.numbers = fast, Path(image) if image else None, {}
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    print(f"\n=== {lesson.name}: {lesson.title} ===", flush=True)
    for old in (out / "figures").glob(f"{lesson.name}-[0-9]*.png"):
        old.unlink()  # the previous run's figures of this lesson
    namespace: dict[str, Any] = {"__name__": f"nnmath_lesson_{lesson.module}"}
    cells: list[dict[str, Any]] = []
    error = None
    n_figures = 0
    start = time.perf_counter()
    for i, cell in enumerate(lesson.cells):
        if cell.kind == "markdown":
            cells.append({"kind": "markdown", "source": cell.source})
            continue
        entry: dict[str, Any] = {"kind": "code", "source": cell.source, "output": "",
                                 "figures": [], "error": None}
        cells.append(entry)
        if error is not None:
            entry["error"] = "not run (an earlier cell failed)"
            continue
        tee = _Tee(sys.stdout)
        with contextlib.redirect_stdout(tee):
            try:
                code = compile("\n" * (cell.line - 1) + cell.source, str(lesson.path), "exec")
                exec(code, namespace)
            except Exception as exc:  # a failing lesson must not hide the others
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                error = f"{type(exc).__name__}: {first}"
                entry["error"] = error
                print(f"lesson {lesson.name} failed: {type(exc).__name__}: {exc}")
                if not isinstance(exc, OSError):  # a bug: show where; missing files: the message
                    traceback.print_exc(file=sys.stderr)
        entry["output"] = tee.text()
        entry["figures"] = _save_figures(lesson, i, cell.captions(), out, n_figures)
        n_figures += len(entry["figures"])
    seconds = time.perf_counter() - start
    numbers = dict(_State.numbers)
    headline = ""
    if lesson.headline and error is None:
        try:
            headline = lesson.headline.format(**numbers)
        except (KeyError, ValueError, IndexError, TypeError) as exc:
            headline = f"(headline template failed: {exc!r})"
        print(f"headline: {headline}")
    print(f"--- {lesson.name} done in {seconds:.1f} s", flush=True)
    _State.fast, _State.image = None, None
    return LessonResult(
        name=lesson.name, title=lesson.title, summary=lesson.summary, cells=cells,
        numbers=numbers, seconds=seconds, fast=fast, headline=headline, error=error,
        shortened=bool(fast and lesson.long), exercises=exercises_for(lesson.name),
    )
