"""Data sets: real files (downloaded and checksummed), generators, and batching utilities.

Names are loaded on first use (PEP 562) so that ``import nnmath.datasets`` is instant and
h5py / Pillow / scikit-learn are imported only by the loaders that need them.
"""

from __future__ import annotations

import ast
import importlib
import re
from functools import cache
from pathlib import Path
from typing import Any

_ALL = re.compile(r"^__all__ = (\[.*?\])", re.DOTALL | re.MULTILINE)


@cache
def _table() -> dict[str, str]:
    """public name -> the submodule of ``nnmath.datasets`` that exports it.

    Found, not kept by hand: each submodule's literal ``__all__`` list is read from its
    source (a regex and ``ast.literal_eval``, well under a millisecond; nothing is imported).
    A name two modules export (``registry`` re-exports ``download``'s errors) maps to the
    first in file-name order; both are the same object (tested). A new loader only has to
    be listed in its own module's ``__all__``.
    """
    table: dict[str, str] = {}
    for path in sorted(Path(__file__).parent.glob("[!_]*.py")):
        found = _ALL.search(path.read_text(encoding="utf-8"))
        for name in ast.literal_eval(found.group(1)) if found else ():
            table.setdefault(name, path.stem)
    return table


def __getattr__(name: str) -> Any:
    if name == "__all__":
        return sorted(_table())
    module = _table().get(name)
    if module is None:
        raise AttributeError(f"module 'nnmath.datasets' has no attribute {name!r}")
    return getattr(importlib.import_module(f"nnmath.datasets.{module}"), name)


def __dir__() -> list[str]:
    return sorted(_table())
