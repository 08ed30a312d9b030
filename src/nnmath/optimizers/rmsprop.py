"""RMSprop (Hinton's lecture 6e), Keras 3's form: epsilon added outside the square root."""

from __future__ import annotations

import math
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

    Stored state: the slot ``sq_sum`` holds ``s = v / (1 - rho)``, the exponentially weighted
    *sum* of squared gradients, ``s <- rho * s + g^2``. Then ``sqrt(v) + epsilon =
    sqrt(1 - rho) * (sqrt(s) + epsilon / sqrt(1 - rho))``, so the same update is

    * ``w <- w - (eta / sqrt(1 - rho)) * g / (sqrt(s) + epsilon / sqrt(1 - rho))``

    which takes 8 in-place passes over the parameter instead of 9 (no ``(1 - rho) * g^2``
    pass); the update is the same up to float32 rounding. State saved by earlier versions
    (a ``velocity`` slot holding v) is converted when loaded.

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
        self.slot_names = ("sq_sum", "momentum") if self.momentum > 0 else ("sq_sum",)

    def _update(
        self, w: np.ndarray, g: np.ndarray, slots: dict[str, np.ndarray], tmp: np.ndarray
    ) -> None:
        root = math.sqrt(1.0 - self.rho)
        s = slots["sq_sum"]
        s *= self.rho
        np.multiply(g, g, out=tmp)
        s += tmp  # s = rho s + g^2 = v / (1 - rho)
        np.sqrt(s, out=tmp)
        tmp += self.epsilon / root
        np.divide(g, tmp, out=tmp)
        tmp *= self.learning_rate / root  # eta g / (sqrt(v) + eps)
        if self.momentum > 0:
            m = slots["momentum"]
            m *= self.momentum
            m += tmp
            w -= m
        else:
            w -= tmp

    def load_state_dict(self, state: dict[str, np.ndarray], params: Any) -> None:
        """As :meth:`Optimizer.load_state_dict`; also takes the ``velocity`` slots (v) that
        earlier versions saved, converted to ``sq_sum = v / (1 - rho)``."""
        state = dict(state)
        for key in [k for k in state if k.endswith("/velocity")]:
            state[key[: -len("velocity")] + "sq_sum"] = state.pop(key) / (1.0 - self.rho)
        super().load_state_dict(state, params)

    def get_config(self) -> dict[str, Any]:
        return {
            "learning_rate": self.learning_rate,
            "rho": self.rho,
            "epsilon": self.epsilon,
            "momentum": self.momentum,
        }
