"""Optimizers: SGD, RMSprop, Adam, AdamW; string names resolve through :data:`OPTIMIZERS`.

Each class's docstring states its exact update equations and defaults (Keras's conventions).
"""

from __future__ import annotations

from typing import Any

from .adam import Adam, AdamW
from .base import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["OPTIMIZERS", "SGD", "Adam", "AdamW", "Optimizer", "RMSprop", "get"]

OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
}


def get(identifier: str | Optimizer, **config: Any) -> Optimizer:
    """An optimizer instance from a name ("adam", ...) or an instance (returned as is).

    Raises:
        ValueError: unknown name (lists the known ones).
    """
    if isinstance(identifier, Optimizer):
        return identifier
    cls = OPTIMIZERS.get(str(identifier).lower())
    if cls is None:
        raise ValueError(
            f"optimizers.get: unknown optimizer {identifier!r}; expected one of "
            f"{sorted(OPTIMIZERS)} or an Optimizer instance such as Adam(learning_rate=1e-3)"
        )
    return cls(**config)
