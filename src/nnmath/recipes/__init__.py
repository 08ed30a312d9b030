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

from . import classic, engine, images
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
    "checkpoint_path",
    "classic",
    "classic_model",
    "engine",
    "get",
    "get_recipe",
    "images",
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


def checkpoint_path(name: str, out: str | Path = "models") -> Path:
    """Where ``train`` keeps the resumable checkpoint of recipe ``name`` while it runs."""
    return Path(out) / f"{name}.checkpoint.safetensors"


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
    resume: bool = False,
) -> TrainResult:
    """Train recipe ``name``, print progress and metrics, save the model and a history plot.

    Ctrl-C (SIGINT) stops cleanly (:mod:`nnmath.recipes.interrupt`): the model of the last
    finished epoch is saved (classic recipes: of the last 100-iteration mark), engine
    recipes keep their checkpoint ``<out>/<name>.checkpoint.safetensors`` (rewritten after
    every epoch, removed when training completes), and ``resume=True`` continues from it up
    to ``epochs`` in total. ``result.interrupted`` says whether that happened.

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
        resume: continue from the checkpoint an interrupted run left (engine recipes).

    Returns:
        A :class:`TrainResult` with the model, history, metrics (fractions) and file paths.

    Raises:
        KeyError: unknown recipe.  ValueError: unknown or bad parameters, checked before any
            data is read; ``resume`` without a checkpoint or for a classic recipe.
        FileNotFoundError: the data set is missing and cannot be downloaded.
    """
    from .interrupt import StopRequest

    r = get(name)
    given = {**(params or {}), **{k: v for k, v in (
        ("epochs", epochs), ("batch_size", batch_size), ("learning_rate", learning_rate))
        if v is not None}}
    p = r.params(given, limit=limit, where=f"train {name}")
    out = Path(out)
    engine_recipe = isinstance(r, EngineRecipe)
    ckpt = checkpoint_path(name, out)
    if resume and not engine_recipe:
        raise ValueError(f"train {name}: --resume applies to the engine recipes (checkpoints "
                         "after every epoch); classic recipes save their model when stopped")
    if resume and not ckpt.is_file():
        raise ValueError(f"train {name}: nothing to resume: no checkpoint {ckpt} (an "
                         "interrupted run leaves one); train without --resume")
    out.mkdir(parents=True, exist_ok=True)
    if engine_recipe and not resume and ckpt.exists():
        ckpt.unlink()  # a fresh run: an old checkpoint must not be picked up
    print(f"recipe {name}: {r.summary}")
    if resume:
        print(f"resuming from {ckpt}")
    hooks: list[OnEpoch] = []
    with StopRequest(None if engine_recipe else "stopping at the next 100-iteration mark; the "
                     "model trained so far is kept") as stop:
        def either(epoch: int, logs: dict[str, float]) -> bool:
            return bool(stop.on_epoch(epoch, logs) or any(h(epoch, logs) for h in hooks))

        if on_epoch is not None:
            hooks.append(on_epoch)
        if engine_recipe:
            cb = stop.callback()
            result = r.fit(p, limit=limit, seed=seed, on_epoch=on_epoch, verbose=1,
                           callbacks=[cb], checkpoint=ckpt)
            finished = int(cb.finished)
        else:
            result = r.fit(p, limit=limit, seed=seed, on_epoch=either, verbose=1)
            finished = 0
    result.interrupted = stop.requested
    if engine_recipe and stop.requested and finished == 0:
        print("interrupted before the first epoch finished: nothing to save")
        ckpt.unlink(missing_ok=True)
        return result
    result.model_path = r.save(result, out / f"{name}.safetensors")
    result.plot_path = out / f"{name}-history.png"
    if result.history.get("loss"):
        r.plot(result, result.plot_path)
    print(f"saved model {result.model_path} and history plot {result.plot_path}")
    if stop.requested and engine_recipe:
        total = int(p["epochs"])
        print(f"interrupted: saved the last finished epoch ({finished} of {total}) in "
              f"{result.model_path}; checkpoint {ckpt}; continue with `nnmath train {name} "
              f"--resume` and the same options (the unfinished epoch {finished + 1} is "
              "dropped)")
    elif stop.requested:
        print(f"interrupted: saved the model as trained so far in {result.model_path}")
    elif engine_recipe:
        ckpt.unlink(missing_ok=True)
    return result
