"""Models: ``Sequential``, ``load_model`` and the training callbacks."""

from __future__ import annotations

from .callbacks import (
    Callback,
    EarlyStopping,
    History,
    ModelCheckpoint,
    ProgbarLogger,
    TerminateOnNaN,
)
from .saving import load_model, save_model
from .sequential import Sequential

__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "ModelCheckpoint",
    "ProgbarLogger",
    "Sequential",
    "TerminateOnNaN",
    "load_model",
    "save_model",
]
