"""Writing a lesson as a Jupyter notebook (standard ``nbformat`` version 4).

The notebook has the lesson's cells unchanged: markdown cells (Jupyter typesets their
``$...$`` formulas) and code cells that need only nnmath installed. The short run is chosen
the same way as on the command line's ``--fast``: edit the ``FAST = lessons.fast_mode()``
line, or start Jupyter with ``NNMATH_FAST=1``.
"""

from __future__ import annotations

from pathlib import Path

from ._run import exercises_for
from ._source import Lesson

__all__ = ["to_notebook", "write_notebook"]


def to_notebook(lesson: Lesson):
    """The lesson as an ``nbformat.NotebookNode`` (no outputs: run it in Jupyter)."""
    try:
        import nbformat
        from nbformat import v4
    except ImportError as exc:  # pragma: no cover - nbformat is in the notebooks extra
        raise ImportError("lessons: writing notebooks needs nbformat; install it with "
                          "`pip install 'nnmath[notebooks]'`") from exc
    cells = []
    for cell in lesson.cells:
        if cell.kind == "markdown":
            cells.append(v4.new_markdown_cell(cell.source))
        else:
            cells.append(v4.new_code_cell(cell.source))
    exercises = exercises_for(lesson.name)
    if exercises:
        lines = ["## Exercises", "", "From `nnmath.exercises` for this lesson:", ""]
        lines += [f"- `{name}`: {summary}" for name, summary in exercises]
        cells.append(v4.new_markdown_cell("\n".join(lines)))
    nb = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
        "nnmath": {"lesson": lesson.name, "summary": lesson.summary},
    })
    nbformat.validate(nb)
    return nb


def write_notebook(lesson: Lesson, out_dir: Path) -> Path:
    """Write ``out_dir/<lesson name>.ipynb`` and return its path."""
    import nbformat

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{lesson.name}.ipynb"
    nbformat.write(to_notebook(lesson), path)
    return path
