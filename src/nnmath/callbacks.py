"""Training callbacks (``nnmath.callbacks``): the same objects as ``nnmath.models.callbacks``.

Example:
    >>> from nnmath.callbacks import EarlyStopping
    >>> model.fit(x, y, validation_split=0.1, callbacks=[EarlyStopping(patience=2)])
"""

from __future__ import annotations

from .models.callbacks import (
    Callback,
    EarlyStopping,
    History,
    ModelCheckpoint,
    ProgbarLogger,
    TerminateOnNaN,
)

__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "ModelCheckpoint",
    "ProgbarLogger",
    "TerminateOnNaN",
]
