"""RMSprop (Hinton's lecture 6e), Keras 3's form: epsilon added outside the square root."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Optimizer


class RMSprop(Optimizer):
    """Divide the gradient by a running root-mean-square of recent gradients.

    Update equations (Keras 3's convention, the default here), v and m starting at 0:

    * ``v <- rho * v + (1 - rho) * g^2``
    * ``w <- w - eta * g / (sqrt(v) + epsilon)``               (momentum == 0)
    * ``m <- mu * m + eta * g / (sqrt(v) + epsilon);  w <- w - m``   (momentum mu > 0)

    Epsilon sits OUTSIDE the square root, as in Keras 3 and PyTorch; TensorFlow 1 / Keras 2's
    fused kernel used ``sqrt(v + epsilon)`` instead (different only while v is tiny).

    Args:
        learning_rate: eta, default 0.001.
        rho: decay of the squared-gradient average, default 0.9.
        epsilon: default 1e-7.
        momentum: mu, default 0.

    Raises:
        ValueError: rho outside [0, 1) or negative epsilon.

    Example:
        >>> opt = RMSprop()          # the MNIST lesson's "rmsprop"
    """

    name = "rmsprop"

    def __init__(
        self,
        learning_rate: float = 0.001,
        rho: float = 0.9,
        epsilon: float = 1e-7,
        momentum: float = 0.0,
    ) -> None:
        super().__init__(learning_rate)
        if not 0.0 <= rho < 1.0 or epsilon < 0 or not 0.0 <= momentum < 1.0:
            raise ValueError(
                f"RMSprop: expected rho and momentum in [0, 1) and epsilon >= 0, got "
                f"rho={rho}, momentum={momentum}, epsilon={epsilon}"
            )
        self.rho, self.epsilon, self.momentum = float(rho), float(epsilon), float(momentum)
        self.slot_names = ("velocity", "momentum") if self.momentum > 0 else ("velocity",)

    def _update(
        self, w: np.ndarray, g: np.ndarray, slots: dict[str, np.ndarray], tmp: np.ndarray
    ) -> None:
        v = slots["velocity"]
        v *= self.rho
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - self.rho
        v += tmp  # v = rho v + (1 - rho) g^2
        np.sqrt(v, out=tmp)
        tmp += self.epsilon
        np.divide(g, tmp, out=tmp)
        tmp *= self.learning_rate  # eta g / (sqrt(v) + eps)
        if self.momentum > 0:
            m = slots["momentum"]
            m *= self.momentum
            m += tmp
            w -= m
        else:
            w -= tmp

    def get_config(self) -> dict[str, Any]:
        return {
            "learning_rate": self.learning_rate,
            "rho": self.rho,
            "epsilon": self.epsilon,
            "momentum": self.momentum,
        }
