"""Models: ``Sequential``, ``load_model`` and the training callbacks.

Modules: ``sequential`` (the class: structure, build, forward), ``training`` (``Trainer``,
its base: compile/fit/evaluate/predict, train_on_batch, and ALL training state), ``fusion``
(the one seam deciding the fused softmax/sigmoid + cross-entropy path), ``checks`` (boundary
validation), ``summary`` (the layer table), ``callbacks`` and ``saving`` (model files and
checkpoints). Every module outside ``training`` uses only public methods of the model.
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
