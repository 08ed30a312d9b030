"""Models: ``Sequential``, ``load_model`` and the training callbacks.

Modules: ``sequential`` (the class: structure, build, forward, public API), ``training``
(the fit/evaluate/predict loops and the seeded random streams), ``checks`` (boundary
validation), ``summary`` (the layer table), ``callbacks`` and ``saving`` (model files and
checkpoints).
"""

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
