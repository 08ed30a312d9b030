"""Shared test set-up: the data directory and float64 helpers."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
_SHARED = REPO.parent / "shared" / "data"
if "NNMATH_DATA" not in os.environ and _SHARED.is_dir():
    os.environ["NNMATH_DATA"] = str(_SHARED)


@pytest.fixture
def data_dir() -> Path:
    """The real data sets (../shared/data or $NNMATH_DATA); tests needing them fail if absent."""
    path = Path(os.environ.get("NNMATH_DATA", _SHARED))
    assert path.is_dir(), f"NNMATH_DATA={path} does not exist: point it at shared/data"
    return path


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
