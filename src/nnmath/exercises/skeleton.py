"""Skeleton files: the signature, the docstring (formula, shapes), a body to fill in.

A skeleton marks each exercise with a comment line ``# nnmath exercise: <qualified name>``
so that ``nnmath exercises check FILE`` knows what to check without being told.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from .registry import Exercise, in_group, resolve

__all__ = ["MARKER", "TODO", "render", "start"]

MARKER = "# nnmath exercise: "
TODO = "raise NotImplementedError"


def _body(ex: Exercise, filename: str) -> str:
    doc = textwrap.indent('"""' + textwrap.dedent("    " + ex.doc).strip() + '\n"""', "    ")
    todo = f'    {TODO}("{ex.name}: write it, then run: nnmath exercises check {filename}")'
    if ex.signature.startswith("class Softplus"):
        return (f"{ex.signature}\n{doc}\n\n    def forward(self, x):\n    {todo}\n\n"
                f"    def backward(self, g):\n    {todo}\n")
    if ex.signature.startswith("class NaiveDense"):
        return (f"{ex.signature}\n{doc}\n\n"
                f"    def __init__(self, input_size, output_size, activation):\n    {todo}\n\n"
                f"    def __call__(self, inputs):\n    {todo}\n\n"
                f"    @property\n    def weights(self):\n    {todo}\n")
    return f"{ex.signature}\n{doc}\n{todo}\n"


def render(exercises: list[Exercise], filename: str = "<this file>") -> str:
    """The text of a skeleton file holding ``exercises``."""
    title = ", ".join(e.qualified for e in exercises)
    helpers: list[str] = []
    for ex in exercises:
        for line in ex.helpers:
            if line not in helpers:
                helpers.append(line)
    own = {e.name for e in exercises}
    kept = []
    for line in helpers:  # don't import what this file asks the learner to write
        m = re.match(r"from nnmath\.exercises\.course import (.*)", line)
        if m:
            names = [n.strip() for n in m.group(1).split(",") if n.strip() not in own]
            if not names:
                continue
            line = f"from nnmath.exercises.course import {', '.join(names)}"
        kept.append(line)
    head = [
        f'"""nnmath exercises: {title}.',
        "",
        "Fill in every body that raises NotImplementedError, then check your work with",
        "",
        f"    nnmath exercises check {filename}",
        "",
        "Each function keeps the course's name and arguments; the checker compares it with",
        "the reference on the course's test values and on random inputs, and says what to fix.",
        '"""',
        "",
        "import numpy as np",
        *kept,
        "",
    ]
    parts = ["\n".join(head)]
    for ex in exercises:
        if ex.preamble:
            parts.append(ex.preamble)
        parts.append(f"{MARKER}{ex.qualified}\n{_body(ex, filename)}")
    return "\n\n".join(parts)


def start(name: str, directory: str | Path = ".", overwrite: bool = False) -> Path:
    """Write the skeleton of exercise ``name`` (or of every exercise of a group such as
    ``"deep"``) to ``directory/<name>.py`` and return its path.

    Raises:
        KeyError: unknown exercise or group.
        FileExistsError: the file exists (your work is never overwritten unless
            ``overwrite=True``).
    """
    group = in_group(name)
    exercises = group if group else [resolve(name)]
    stem = name if group else exercises[0].qualified.replace(".", "_")
    path = Path(directory) / f"{stem}.py"
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"exercises start: {path} already exists (your work?); check it with `nnmath "
            f"exercises check {path}`, or pass --force to start over"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(exercises, path.name))
    return path
