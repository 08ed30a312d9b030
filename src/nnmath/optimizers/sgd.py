"""Stochastic gradient descent with optional (Nesterov) momentum, Keras's form."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Optimizer


class SGD(Optimizer):
    """Gradient descent, optionally with momentum (Keras's velocity form, the default here).

    Update equations, with learning rate eta, momentum mu and gradient g:

    * ``momentum == 0``:  ``w <- w - eta * g``
    * momentum:           ``v <- mu * v - eta * g``;  ``w <- w + v``
    * Nesterov:           ``v <- mu * v - eta * g``;  ``w <- w + mu * v - eta * g``

    ``v`` starts at 0. (PyTorch keeps ``b <- mu * b + g; w <- w - eta * b`` instead: the same
    trajectory for a constant learning rate, a different one when eta changes.)

    Args:
        learning_rate: eta, default 0.01.
        momentum: mu in [0, 1), default 0.
        nesterov: use Nesterov momentum, default False.

    Raises:
        ValueError: momentum outside [0, 1).

    Example:
        >>> opt = SGD(learning_rate=0.1, momentum=0.9)
    """

    name = "sgd"

    def __init__(
        self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False
    ) -> None:
        super().__init__(learning_rate)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"SGD: expected momentum in [0, 1), got {momentum}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.slot_names = ("velocity",) if self.momentum > 0 else ()

    def _update(
        self, w: np.ndarray, g: np.ndarray, slots: dict[str, np.ndarray], tmp: np.ndarray
    ) -> None:
        np.multiply(g, self.learning_rate, out=tmp)  # eta * g
        if self.momentum == 0.0:
            w -= tmp
            return
        v = slots["velocity"]
        v *= self.momentum
        v -= tmp  # v = mu v - eta g
        if self.nesterov:
            w -= tmp
            np.multiply(v, self.momentum, out=tmp)
            w += tmp
        else:
            w += v

    def get_config(self) -> dict[str, Any]:
        return {
            "learning_rate": self.learning_rate,
            "momentum": self.momentum,
            "nesterov": self.nesterov,
        }
