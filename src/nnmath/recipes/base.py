"""The :class:`Recipe` base class, its registry, parameter checking and :class:`TrainResult`.

A recipe is a subclass with a ``name``: defining it registers it (``__init_subclass__``), so
adding a recipe is one class in ``classic.py`` or ``engine.py`` (and a test). Nothing else
lists recipes: ``nnmath train --help``, the README check and ``nnmath evaluate``'s default
data set all read this registry.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import numpy as np

__all__ = ["Data", "OnEpoch", "Recipe", "TrainResult", "get", "names"]

OnEpoch = Callable[[int, dict[str, float]], "bool | None"]

_REGISTRY: dict[str, Recipe] = {}


class Data(NamedTuple):
    """A recipe's data in its model's layout (classic: columns ``(n_x, m)``; engine: rows)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray


@dataclass
class TrainResult:
    """What :meth:`Recipe.fit` (and ``recipes.train``) produced.

    ``metrics``: final ``accuracy`` and ``loss`` on the training data, ``val_accuracy`` and
    ``val_loss`` on the validation (test) data where the recipe has one; accuracies are
    fractions in [0, 1]. ``history``: per epoch (engine) or per 100 iterations (classic)
    ``loss`` and, for engine recipes, ``accuracy``, ``val_loss``, ``val_accuracy``.
    ``model_path``/``plot_path`` are set by ``recipes.train`` (which writes the files).
    """

    recipe: str
    model: Any
    history: dict[str, list[float]]
    metrics: dict[str, float]
    params: dict[str, Any]
    model_path: Path | None = None
    plot_path: Path | None = None
    interrupted: bool = False  # stopped by Ctrl-C (recipes.train)


def _positive_int(key: str, value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        return f"{key} an integer >= 1, got {value!r}"
    return f"{key} >= 1, got {value!r}" if value < 1 else None


def _positive_float(key: str, value: Any) -> str | None:
    ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
    if not ok or not np.isfinite(value) or value <= 0:
        return f"{key.replace('_', ' ')} > 0, got {value!r}"
    return None


def _widths(key: str, value: Any) -> str | None:
    if isinstance(value, (list, tuple)) and value and all(
            _positive_int(key, v) is None for v in value):
        return None
    return f"{key} a non-empty list of integers >= 1, got {value!r}"


class Recipe:
    """One trainable recipe: its data set, model, training and prediction preprocessing.

    Subclasses set ``name``, ``summary``, ``dataset`` (a :mod:`nnmath.datasets.prepared`
    name) and ``defaults`` (``learning_rate``, ``batch_size``, ``epochs``, ``optimizer`` and
    the hidden widths), and implement :meth:`load_data`, :meth:`build`, :meth:`fit`,
    :meth:`preprocessing` and :meth:`save`.
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    dataset: ClassVar[str] = ""
    defaults: ClassVar[dict[str, Any]] = {}
    #: hidden-width parameters: name -> "int" (one width) or "list" (one per hidden layer)
    widths: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("name"):
            if cls.name in _REGISTRY:
                raise ValueError(f"recipes: two recipes named {cls.name!r}")
            _REGISTRY[cls.name] = cls()

    def __repr__(self) -> str:
        return f"<recipe {self.name}: {self.summary}>"

    @property
    def description(self) -> str:
        """Old name of :attr:`summary`."""
        return self.summary

    # ------------------------------------------------------------------ parameters
    def _check_optimizer(self, value: Any) -> str | None:
        raise NotImplementedError

    def _check_batch_size(self, value: Any) -> str | None:
        return _positive_int("batch size", value)

    def params(self, given: dict[str, Any] | None = None, *, limit: int | None = None,
               where: str | None = None) -> dict[str, Any]:
        """The recipe's defaults updated with ``given``, checked.

        Raises:
            ValueError: an unknown key, or bad values (all problems in one message).
        """
        where = where or f"recipe {self.name}"
        given = dict(given or {})
        unknown = sorted(set(given) - set(self.defaults))
        if unknown:
            raise ValueError(
                f"{where}: unknown parameter(s) {', '.join(map(repr, unknown))}; this recipe "
                f"takes {', '.join(self.defaults)}"
            )
        p = copy.deepcopy({**self.defaults, **{k: v for k, v in given.items() if v is not None}})
        checks = [_positive_int("epochs", p["epochs"]),
                  _positive_float("learning_rate", p["learning_rate"]),
                  self._check_batch_size(p["batch_size"]),
                  self._check_optimizer(p["optimizer"])]
        for key, kind in self.widths.items():
            checks.append((_positive_int if kind == "int" else _widths)(key, p[key]))
        if limit is not None:
            checks.append(_positive_int("limit", limit) and f"limit >= 1 samples, got {limit!r}")
        problems = [c for c in checks if c]
        if problems:
            raise ValueError(f"{where}: expected " + "; ".join(problems))
        return p

    # ------------------------------------------------------------------ the four jobs
    def load_data(self, limit: int | None = None, seed: int = 0) -> Data:
        """The training and validation data in the model's layout (first ``limit`` samples).

        ``seed`` is part of the contract for recipes that draw a random split; none does today
        (the data sets come with their test sets, the flower with the course's seed 1).
        """
        raise NotImplementedError

    def build(self, params: dict[str, Any] | None = None, seed: int = 0) -> Any:
        """The model, initialized from ``seed`` (engine recipes: compiled)."""
        raise NotImplementedError

    def fit(self, params: dict[str, Any] | None = None, *, limit: int | None = None,
            seed: int = 0, on_epoch: OnEpoch | None = None, verbose: int = 0) -> TrainResult:
        """Train from ``params`` (defaults for missing keys); ``on_epoch`` returning True stops."""
        raise NotImplementedError

    def preprocessing(self, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """How a picture becomes a model input (recorded in the model file for ``predict``)."""
        raise NotImplementedError

    def save(self, result: TrainResult, path: str | Path) -> Path:
        """Write ``result.model`` to ``path`` (checksummed safetensors, atomic)."""
        raise NotImplementedError

    def plot(self, result: TrainResult, path: str | Path) -> None:
        """Save the training history plot."""
        from nnmath import plots

        plots.plot_history(result.history, title=self.name, path=path)


def names() -> list[str]:
    """The recipe names, in definition order."""
    return list(_REGISTRY)


def get(name: str) -> Recipe:
    """The recipe called ``name``.

    Raises:
        KeyError: unknown name; the message lists the recipes.
    """
    if name not in _REGISTRY:
        raise KeyError(f"train: unknown recipe {name!r}; expected one of {', '.join(_REGISTRY)}")
    return _REGISTRY[name]
