"""The classic course models with the engine's training contract, for ``lr_find``.

A classic recipe's model (``recipes.classic.ClassicModel``: a parameter dict and a forward
pass on columns ``X (n_x, m)``) is trained by plain full-batch gradient descent,
``theta <- theta - eta dJ/dtheta``. :class:`ClassicTrainer` offers what ``lr_find`` needs:
``train_on_batch(x, y)`` on ROWS ``x (m, n_x)`` (transposed here into the course's
columns), ``get_training_state``/``set_training_state``, an ``optimizer`` whose
``learning_rate`` can change between steps, and the flat gradient for the curvature. The
gradients are the hand-derived ones of :mod:`nnmath.classic` (logistic ``propagate``,
``shallow.backward_propagation``, ``deep.l_model_backward``).

Example:
    >>> recipe = recipes.get("cat-logistic")                            # doctest: +SKIP
    >>> d = recipe.load_data()                                          # doctest: +SKIP
    >>> trainer = ClassicTrainer(recipe.build())                        # doctest: +SKIP
    >>> lr_find(trainer, d.x_train.T, d.y_train.T, batch_size=209)      # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ClassicTrainer", "is_classic"]


@dataclass
class GradientDescent:
    """Plain gradient descent: only a learning rate (no state)."""

    learning_rate: float = 0.01


def is_classic(model: Any) -> bool:
    """Whether ``model`` is a classic recipe model (a ``params`` dict and a ``kind``)."""
    return isinstance(getattr(model, "params", None), dict) and bool(getattr(model, "kind", ""))


class ClassicTrainer:
    """Full-batch gradient descent on a classic model (see the module docstring)."""

    built = True

    def __init__(self, model: Any, learning_rate: float = 0.01) -> None:
        if model.kind not in ("classic-logistic", "classic-shallow", "classic-deep"):
            raise ValueError(f"lr_find: no gradient for classic model kind {model.kind!r}")
        self.model = model
        self.optimizer = GradientDescent(learning_rate)
        self.keys = sorted(model.params)

    # ------------------------------------------------------------------ gradients
    def _cost_and_grads(self, X: np.ndarray, Y: np.ndarray) -> tuple[float, dict[str, Any]]:
        from nnmath.classic import basics, deep, shallow

        p, kind = self.model.params, self.model.kind
        with np.errstate(all="ignore"):
            if kind == "classic-logistic":
                A = basics.sigmoid(p["w"].T @ X + float(p["b"].ravel()[0]))
                dZ = A - Y
                m = X.shape[1]
                grads = {"w": X @ dZ.T / m, "b": np.full(p["b"].shape, dZ.sum() / m)}
            elif kind == "classic-shallow":
                A, cache = shallow.forward_propagation(X, p)
                g = shallow.backward_propagation(p, cache, X, Y)
                grads = {k: g["d" + k] for k in p}
            else:
                A, caches = deep.l_model_forward(X, p)
                g = deep.l_model_backward(A, Y, caches, need_dA0=False)
                grads = {k: g["d" + k] for k in p}
            cost = basics.cross_entropy(A, Y, where="lr_find")
        return cost, grads

    @staticmethod
    def _columns(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        X = np.asarray(x, dtype=np.float64).reshape(len(x), -1).T  # rows -> (n_x, m)
        return X, np.asarray(y, dtype=np.float64).reshape(1, -1)

    # ------------------------------------------------------------------ the contract
    def train_on_batch(self, x: Any, y: Any) -> dict[str, float]:
        """One gradient-descent step on rows ``x (m, n_x)``, labels ``y (m,)``."""
        X, Y = self._columns(x, y)
        cost, grads = self._cost_and_grads(X, Y)
        eta = self.optimizer.learning_rate
        for k in self.keys:
            self.model.params[k] = self.model.params[k] - eta * grads[k]
        return {"loss": float(cost)}

    def get_training_state(self) -> dict[str, Any]:
        return {"params": {k: v.copy() for k, v in self.model.params.items()},
                "learning_rate": self.optimizer.learning_rate}

    def set_training_state(self, state: dict[str, Any]) -> None:
        self.model.params.clear()
        self.model.params.update({k: v.copy() for k, v in state["params"].items()})
        self.optimizer.learning_rate = state["learning_rate"]

    def get_flat_weights(self) -> np.ndarray:
        return np.concatenate([np.ravel(self.model.params[k]) for k in self.keys])

    def set_flat_weights(self, w: np.ndarray) -> None:
        start = 0
        for k in self.keys:
            shape = np.shape(self.model.params[k])
            n = int(np.prod(shape))
            self.model.params[k] = np.asarray(w[start:start + n], dtype=np.float64).reshape(shape)
            start += n

    def loss_gradient(self, x: Any, y: Any) -> np.ndarray:
        _, grads = self._cost_and_grads(*self._columns(x, y))
        return np.concatenate([np.ravel(grads[k]) for k in self.keys])
