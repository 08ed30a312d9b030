"""Reading a lesson file: the header, then markdown and code cells in the "percent" format.

A lesson is a plain Python file (linted, importable) laid out as a notebook::

    # nnmath lesson
    # order: 6
    # summary: cat vs non-cat with logistic regression
    # headline: train {train_accuracy:.2f} % / test {test_accuracy:.0f} %
    # varies: loop_ms

    # %% [markdown]
    # # The title of the lesson
    #
    # Explanation with LaTeX: $A = \\sigma(w^T X + b)$ and display formulas in $$ ... $$.

    # %%
    from nnmath import lessons
    FAST = lessons.fast_mode()

The header (the comment lines before the first ``# %%``) holds ``order`` (teaching order),
``summary`` (one line for ``--list``), optionally ``headline`` (a ``str.format`` template over
the numbers the lesson records, shown above its output) and ``varies`` (recorded numbers that
differ from run to run, such as timings). A key repeated on the next line continues its
value. The lesson's name is its file name with ``-`` for
``_``; its title is the first markdown heading. ``# Figure: ...`` comments in a code cell are
the captions of the figures that cell draws, in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Cell", "Lesson", "parse_lesson"]

_CELL = re.compile(r"^# %%(?P<rest>.*)$")


@dataclass
class Cell:
    """One cell: ``kind`` is ``"markdown"`` or ``"code"``; ``line`` its first line (1-based)."""

    kind: str
    source: str
    line: int

    def captions(self) -> list[str]:
        """The ``# Figure: ...`` comments of a code cell (continued by indented comments)."""
        out: list[str] = []
        current: list[str] | None = None
        for raw in self.source.splitlines():
            s = raw.strip()
            if s.startswith("# Figure:"):
                current = [s.removeprefix("# Figure:").strip()]
                out.append("")
            elif current is not None and s.startswith("#   "):
                current.append(s[1:].strip())
            else:
                current = None
            if current is not None:
                out[-1] = " ".join(current)
        return out


@dataclass
class Lesson:
    """A parsed lesson file (see the module docstring for the format)."""

    name: str
    path: Path
    title: str
    summary: str
    order: float
    headline: str = ""
    varies: list[str] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)

    @property
    def long(self) -> bool:
        """Whether ``--fast`` changes the lesson (it reads ``lessons.fast_mode()``)."""
        return any("fast_mode()" in c.source for c in self.cells if c.kind == "code")

    @property
    def module(self) -> str:
        return self.path.stem

    def code_cells(self) -> list[Cell]:
        return [c for c in self.cells if c.kind == "code"]


def parse_lesson(path: str | Path) -> Lesson:
    """Read ``path`` into a :class:`Lesson`.

    Raises:
        ValueError: no ``# nnmath lesson`` header, no ``order``/``summary``, or no title
            heading (the message names the file and what is missing).
    """
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    starts = [i for i, ln in enumerate(lines) if _CELL.match(ln)]
    header = lines[: starts[0] if starts else len(lines)]
    meta: dict[str, str] = {}
    if not header or header[0].strip() != "# nnmath lesson":
        raise ValueError(f"lessons: {path} does not start with '# nnmath lesson'; a lesson "
                         "file begins with that line, then '# order: N' and '# summary: ...'")
    for ln in header[1:]:
        m = re.match(r"^#\s*(\w+):\s*(.*)$", ln)
        if m:  # a key given on several lines continues: the lines are joined
            key = m.group(1)
            meta[key] = f"{meta[key]} {m.group(2).strip()}" if key in meta else m.group(2).strip()
    for key in ("order", "summary"):
        if key not in meta:
            raise ValueError(f"lessons: {path} has no '# {key}: ...' line in its header")
    cells = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        body, first = lines[start + 1 : end], start + 2
        while body and not body[-1].strip():
            body.pop()
        while body and not body[0].strip():
            body, first = body[1:], first + 1
        if "[markdown]" in _CELL.match(lines[start]).group("rest"):
            text = "\n".join(ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in body)
            cells.append(Cell("markdown", text, first))
        else:
            cells.append(Cell("code", "\n".join(body), first))
    title = ""
    for c in cells:
        if c.kind == "markdown":
            m = re.search(r"^# (.+)$", c.source, flags=re.M)
            if m:
                title = m.group(1).strip()
                break
    if not title:
        raise ValueError(f"lessons: {path} has no title; its first markdown cell should start "
                         "with a '# # Title' line")
    varies = [v.strip() for v in meta.get("varies", "").split(",") if v.strip()]
    return Lesson(name=path.stem.replace("_", "-"), path=path, title=title,
                  summary=meta["summary"], order=float(meta["order"]),
                  headline=meta.get("headline", ""), varies=varies, cells=cells)
