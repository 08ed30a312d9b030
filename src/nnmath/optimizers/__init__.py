"""Optimizers: SGD, RMSprop, Adam, AdamW; string names resolve through :data:`OPTIMIZERS`,
which every ``Optimizer`` subclass with a ``name`` joins when it is defined.

Each class's docstring states its exact update equations and defaults (Keras's conventions).
"""

from __future__ import annotations

from typing import Any

from ..registry import resolve
from .adam import Adam, AdamW
from .base import OPTIMIZERS, Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["OPTIMIZERS", "SGD", "Adam", "AdamW", "Optimizer", "RMSprop", "get"]


def get(identifier: str | Optimizer, **config: Any) -> Optimizer:
    """An optimizer instance from a name ("adam", ...) or an instance (returned as is).

    Raises:
        ValueError: unknown name (lists the known ones).
    """
    if isinstance(identifier, Optimizer):
        return identifier
    hint = " or an Optimizer instance such as Adam(learning_rate=1e-3)"
    return resolve("optimizers.get", "optimizer", identifier, OPTIMIZERS, hint)(**config)
