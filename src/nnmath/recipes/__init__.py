"""Training recipes behind ``nnmath train``: each recipe owns its data, model, training and
prediction preprocessing.

A recipe is a :class:`Recipe` subclass with a ``name`` (defining it registers it):
``cat-logistic``, ``cat-deep``, ``planar`` (the classic course models, float64, full-batch
gradient descent: one "epoch" is one iteration over all samples; ``classic.py``) and
``mnist-mlp``, ``mnist-cnn``, ``fashion-mlp`` (engine ``Sequential`` models, float32;
``engine.py``). The contract (used by ``nnmath train``, sweeps and the lessons)::

    r = recipes.get("mnist-mlp")            # recipes.names() lists them
    r.name, r.summary, r.dataset, r.defaults
    r.load_data(limit=None, seed=0)         # Data(x_train, y_train, x_val, y_val)
    r.build(params, seed=0)                 # the (compiled) model
    r.fit(params, limit=None, seed=0, on_epoch=None, verbose=0)  # -> TrainResult

``params`` is a dict of ``learning_rate``, ``batch_size``, ``epochs``, ``optimizer`` and the
recipe's hidden widths (``units``, ``n_h``, ``layers_dims``, ``filters``); missing keys take
the defaults, unknown keys and bad values raise ``ValueError``. Accuracies are fractions.

Model files: one format for both kinds, the checksummed, atomically written safetensors file
of :mod:`nnmath.models.saving`, with the input preprocessing recorded.

Example:
    >>> from nnmath import recipes
    >>> result = recipes.train("cat-logistic", epochs=2000, out="models")  # doctest: +SKIP
    >>> result.model_path, result.metrics["val_accuracy"]                  # doctest: +SKIP
    (PosixPath('models/cat-logistic.safetensors'), 0.7)
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from . import classic, engine
from .base import _REGISTRY, Data, OnEpoch, Recipe, TrainResult, get, names
from .classic import (
    CLASSIC_FORMAT,
    ClassicModel,
    ClassicRecipe,
    classic_model,
    load_classic,
    save_classic,
)
from .engine import EngineRecipe

__all__ = [
    "CLASSIC_FORMAT",
    "RECIPES",
    "ClassicModel",
    "ClassicRecipe",
    "Data",
    "EngineRecipe",
    "Recipe",
    "TrainResult",
    "build_model",
    "classic",
    "classic_model",
    "engine",
    "get",
    "get_recipe",
    "load_classic",
    "names",
    "save_classic",
    "train",
]

#: name -> Recipe, read-only (the registry that the Recipe subclasses fill)
RECIPES: Mapping[str, Recipe] = MappingProxyType(_REGISTRY)

#: the older name of :func:`get`
get_recipe = get


def build_model(name: str, learning_rate: float | None = None, seed: int = 0) -> Any:
    """The compiled engine model of recipe ``name`` (the lessons train the same models).

    ``mnist-mlp`` / ``fashion-mlp``: the Keras book's first network,
    ``h = relu(x W1 + b1)`` with ``W1 (784, 512)``, ``p = softmax(h W2 + b2)`` with
    ``W2 (512, 10)``, RMSprop. ``mnist-cnn``: keras.io's simple MNIST convnet, 34 826
    parameters, Adam. Same as ``recipes.get(name).build({"learning_rate": ...}, seed)``.

    Raises:
        KeyError: unknown recipe.  ValueError: a classic recipe (no engine model).

    Example:
        >>> build_model("mnist-cnn").count_params()  # doctest: +SKIP
        34826
    """
    r = get(name)
    if not isinstance(r, EngineRecipe):
        raise ValueError(f"recipes.build_model: {name!r} is a classic recipe, not an engine "
                         f"model; use recipes.get({name!r}).build() or recipes.train")
    return r.build(None if learning_rate is None else {"learning_rate": learning_rate}, seed)


def train(
    name: str,
    epochs: int | None = None,
    batch_size: int | None = None,
    learning_rate: float | None = None,
    seed: int = 0,
    out: str | Path = "models",
    limit: int | None = None,
    params: dict[str, Any] | None = None,
    on_epoch: OnEpoch | None = None,
) -> TrainResult:
    """Train recipe ``name``, print progress and metrics, save the model and a history plot.

    Args:
        name: a recipe (see :func:`names`).
        epochs: epochs (engine) or gradient-descent iterations (classic); default per recipe.
        batch_size: mini-batch size (engine recipes only).
        learning_rate: step size; default per recipe.
        seed: random seed (initialization, shuffling, dropout; 0 gives the classic recipes
            the course's seeds).
        out: folder for ``<name>.safetensors`` and ``<name>-history.png``.
        limit: train on the first ``limit`` training samples only (quick runs).
        params: more parameters (e.g. ``{"units": 256, "optimizer": "adam"}``); the
            arguments above win over the same keys here.
        on_epoch: see :meth:`Recipe.fit`; returning True stops training (the model trained
            so far is saved).

    Returns:
        A :class:`TrainResult` with the model, history, metrics (fractions) and file paths.

    Raises:
        KeyError: unknown recipe.  ValueError: unknown or bad parameters, checked before any
            data is read.  FileNotFoundError: the data set is missing and cannot be downloaded.
    """
    r = get(name)
    given = {**(params or {}), **{k: v for k, v in (
        ("epochs", epochs), ("batch_size", batch_size), ("learning_rate", learning_rate))
        if v is not None}}
    p = r.params(given, limit=limit, where=f"train {name}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"recipe {name}: {r.summary}")
    result = r.fit(p, limit=limit, seed=seed, on_epoch=on_epoch, verbose=1)
    result.model_path = r.save(result, out / f"{name}.safetensors")
    result.plot_path = out / f"{name}-history.png"
    r.plot(result, result.plot_path)
    print(f"saved model {result.model_path} and history plot {result.plot_path}")
    return result
