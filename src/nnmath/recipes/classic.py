"""The classic course recipes (float64, full-batch gradient descent) and their model files.

Here "epochs" are gradient-descent iterations over all samples; ``on_epoch(i, {"loss": J})``
is called every 100 iterations (i = 0, 100, 200, ...), where the course records its cost.

Model file: the same checksummed, atomic safetensors file as ``Sequential.save``
(:func:`nnmath.models.saving.write_checked`), with the parameter arrays (``w``, ``b`` or
``W1``, ``b1``, ...) and the JSON config ``{"format": "nnmath.classic/1", "kind": ...,
"preprocessing": {...}, "metrics": {...}}``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .base import Data, OnEpoch, Recipe, TrainResult, get, names

__all__ = ["CLASSIC_FORMAT", "ClassicModel", "ClassicRecipe", "classic_model", "load_classic",
           "save_classic"]

CLASSIC_FORMAT = "nnmath.classic/1"
_KINDS: dict[str, type[ClassicModel]] = {}


# ----------------------------------------------------------------------------- models
class ClassicModel:
    """A classic model's parameters and its forward pass; ``predict`` as ``Sequential``'s.

    Subclasses set ``kind`` (the name in the model file) and :meth:`forward`; defining one
    registers it for :func:`classic_model`.
    """

    kind: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("kind"):
            _KINDS[cls.kind] = cls

    def __init__(self, params: dict[str, np.ndarray]) -> None:
        self.params = params

    def forward(self, X: np.ndarray) -> np.ndarray:
        """``P(y = 1)`` for columns ``X (n_x, m)``: shape ``(1, m)``."""
        raise NotImplementedError

    def predict(self, x: np.ndarray, batch_size: int | None = None) -> np.ndarray:
        """``P(y = 1)`` as a column ``(m, 1)`` for columns ``x (n_x, m)`` (as a sigmoid output)."""
        return np.asarray(self.forward(np.asarray(x, dtype=np.float64)),
                          dtype=np.float64).reshape(-1, 1)


class LogisticModel(ClassicModel):
    """``A = sigmoid(w^T X + b)``."""

    kind = "classic-logistic"

    def forward(self, X: np.ndarray) -> np.ndarray:
        from nnmath.classic import basics

        return basics.sigmoid(self.params["w"].T @ X + float(self.params["b"].ravel()[0]))


class DeepModel(ClassicModel):
    """[LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID (``deep.l_model_forward``)."""

    kind = "classic-deep"

    def forward(self, X: np.ndarray) -> np.ndarray:
        from nnmath.classic import deep

        return deep.l_model_forward(X, self.params)[0]


class ShallowModel(ClassicModel):
    """tanh hidden layer -> sigmoid (:func:`nnmath.classic.shallow.forward_propagation`)."""

    kind = "classic-shallow"

    def forward(self, X: np.ndarray) -> np.ndarray:
        from nnmath.classic import shallow

        return shallow.forward_propagation(X, self.params)[0]


def classic_model(kind: str, params: dict[str, np.ndarray]) -> ClassicModel:
    """The :class:`ClassicModel` of ``kind`` holding ``params``.

    Raises:
        ValueError: unknown kind.
    """
    if kind not in _KINDS:
        raise ValueError(f"unknown classic model kind {kind!r}; expected one of "
                         f"{', '.join(_KINDS)}")
    return _KINDS[kind](params)


# ----------------------------------------------------------------------------- files
def save_classic(path: str | Path, kind: str, params: dict[str, np.ndarray],
                 preprocessing: dict[str, Any], metrics: dict[str, float] | None = None) -> Path:
    """Write a classic model's parameters (float64) with its config, checksummed and atomically.

    Example:
        >>> save_classic("cat.safetensors", "classic-logistic", {"w": w, "b": np.array([b])},
        ...              {"input_shape": [64, 64, 3], "scale": 1 / 255})  # doctest: +SKIP
    """
    from nnmath.models.saving import write_checked

    classic_model(kind, {})  # unknown kinds fail before writing
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    config = {"format": CLASSIC_FORMAT, "kind": kind, "preprocessing": preprocessing,
              "metrics": metrics or {}}
    tensors = {k: np.ascontiguousarray(np.asarray(v, dtype=np.float64).reshape(
        np.shape(v) or (1,))) for k, v in params.items()}
    write_checked(path, tensors, json.dumps(config))
    return path


def load_classic(path: str | Path) -> tuple[str, dict[str, np.ndarray], dict[str, Any]]:
    """Read a classic model file: ``(kind, params, config)``.

    Raises:
        FileNotFoundError: no such file.
        ValueError: not an intact nnmath model file, or not a classic one.
    """
    from nnmath.models.saving import read_checked

    config, tensors = read_checked(path, "load_classic")
    if config.get("format") != CLASSIC_FORMAT:
        raise ValueError(f"load_classic: {path} is not a classic nnmath model file (format "
                         f"{config.get('format')!r}, expected {CLASSIC_FORMAT!r})")
    return config["kind"], dict(tensors), config


# ----------------------------------------------------------------------------- recipes
class ClassicRecipe(Recipe):
    """A course model trained by full-batch gradient descent on columns ``X (n_x, m)``."""

    model_class: ClassVar[type[ClassicModel]] = ClassicModel
    course_seed: ClassVar[int | None] = None  # used when seed=0
    has_validation: ClassVar[bool] = True
    input_shape: ClassVar[tuple[int, ...]] = ()

    def _check_batch_size(self, value: Any) -> str | None:
        if value is None:
            return None
        engine = [n for n in names() if not isinstance(get(n), ClassicRecipe)]
        return (f"no batch size (full-batch gradient descent), got {value}; batch sizes apply "
                f"to {', '.join(engine)}")

    def _check_optimizer(self, value: Any) -> str | None:
        return None if value == "gd" else f"optimizer 'gd' (gradient descent), got {value!r}"

    def _seed(self, seed: int) -> int | None:
        return seed or self.course_seed

    def load_data(self, limit: int | None = None, seed: int = 0) -> Data:
        from nnmath.datasets import load_prepared

        d = load_prepared(self.dataset).limit(limit)
        return Data(*d.columns("train"), *d.columns("test"))

    def preprocessing(self, params: dict[str, Any] | None = None) -> dict[str, Any]:
        from nnmath.datasets.prepared import class_names

        prep: dict[str, Any] = {"input_shape": list(self.input_shape), "layout": "columns",
                                "class_names": class_names(self.dataset),
                                "dataset": self.dataset}
        if len(self.input_shape) == 3:  # photos: the centre cut to the model's aspect
            prep.update(scale=1 / 255, grayscale=self.input_shape[2] == 1, picture="photo",
                        aspect="crop")
        return prep

    def _train(self, p: dict[str, Any], data: Data, seed: int, verbose: int,
               callback: Any) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def build(self, params: dict[str, Any] | None = None, seed: int = 0) -> ClassicModel:
        """The untrained model (the course's initialization for ``seed``)."""
        raise NotImplementedError

    def fit(self, params: dict[str, Any] | None = None, *, limit: int | None = None,
            seed: int = 0, on_epoch: OnEpoch | None = None, verbose: int = 0) -> TrainResult:
        from nnmath.classic.basics import cross_entropy

        p = self.params(params, limit=limit)
        data = self.load_data(limit, seed)
        if verbose:
            print(f"full-batch gradient descent: {p['epochs']} iterations, learning rate "
                  f"{p['learning_rate']}")
        losses: list[float] = []

        def every_100(i: int, cost: float) -> bool:
            losses.append(float(cost))
            return bool(on_epoch(i, {"loss": float(cost)})) if on_epoch else False

        model = self.model_class(self._train(p, data, seed, verbose, every_100))
        metrics: dict[str, float] = {}
        splits = [("", data.x_train, data.y_train)]
        if self.has_validation:
            splits.append(("val_", data.x_val, data.y_val))
        for prefix, X, Y in splits:
            A = model.forward(X)
            metrics[f"{prefix}accuracy"] = float(np.mean((A > 0.5) == (Y > 0.5)))
            metrics[f"{prefix}loss"] = cross_entropy(A, Y, where=f"recipe {self.name}")
        if verbose:  # percent only when printed, two decimals
            text = f"train accuracy: {100 * metrics['accuracy']:.2f} %"
            if "val_accuracy" in metrics:
                text += f"  test accuracy: {100 * metrics['val_accuracy']:.2f} %"
            print(text)
        return TrainResult(self.name, model, {"loss": losses}, metrics, p)

    def save(self, result: TrainResult, path: str | Path) -> Path:
        return save_classic(path, self.model_class.kind, result.model.params,
                            self.preprocessing(result.params), result.metrics)

    def plot(self, result: TrainResult, path: str | Path) -> None:
        from nnmath import plots

        plots.plot_costs(result.history["loss"], every=100, title=f"{self.name}: cost",
                         path=path)


class CatLogistic(ClassicRecipe):
    name = "cat-logistic"
    summary = "logistic regression on cat vs non-cat (course: 2000 iterations)"
    dataset = "catvnoncat"
    defaults: ClassVar[dict[str, Any]] = {
        "learning_rate": 0.005, "batch_size": None, "epochs": 2000, "optimizer": "gd"}
    model_class = LogisticModel
    input_shape = (64, 64, 3)

    def build(self, params: dict[str, Any] | None = None, seed: int = 0) -> ClassicModel:
        from nnmath.classic import logistic

        w, b = logistic.initialize_with_zeros(int(np.prod(self.input_shape)))
        return LogisticModel({"w": w, "b": np.array([b], dtype=float)})

    def _train(self, p: dict[str, Any], data: Data, seed: int, verbose: int,
               callback: Any) -> dict[str, np.ndarray]:
        from nnmath.classic import logistic

        def every_100(i: int, cost: float) -> bool:  # the course's cost lines; accuracies are
            if verbose:                              # printed by fit with two decimals
                print(f"Cost after iteration {i}: {cost:f}")
            return callback(i, cost)

        res = logistic.model(*data, num_iterations=p["epochs"], learning_rate=p["learning_rate"],
                             print_cost=False, callback=every_100)
        return {"w": res["w"], "b": np.array([res["b"]], dtype=float)}


class CatDeep(ClassicRecipe):
    name = "cat-deep"
    summary = "4-layer [12288, 20, 7, 5, 1] cat network (course: 2500 iterations)"
    dataset = "catvnoncat"
    defaults: ClassVar[dict[str, Any]] = {
        "learning_rate": 0.0075, "batch_size": None, "epochs": 2500, "optimizer": "gd",
        "layers_dims": [20, 7, 5]}
    widths: ClassVar[dict[str, str]] = {"layers_dims": "list"}
    model_class = DeepModel
    course_seed = 1
    input_shape = (64, 64, 3)

    def _dims(self, p: dict[str, Any]) -> list[int]:
        return [int(np.prod(self.input_shape)), *map(int, p["layers_dims"]), 1]

    def build(self, params: dict[str, Any] | None = None, seed: int = 0) -> ClassicModel:
        from nnmath.classic import deep

        dims = self._dims(self.params(params))
        return DeepModel(deep.initialize_parameters_deep(dims, seed=self._seed(seed)))

    def _train(self, p: dict[str, Any], data: Data, seed: int, verbose: int,
               callback: Any) -> dict[str, np.ndarray]:
        from nnmath.classic import deep

        params, _ = deep.l_layer_model(data.x_train, data.y_train, self._dims(p),
                                       learning_rate=p["learning_rate"],
                                       num_iterations=p["epochs"], print_cost=verbose > 0,
                                       seed=self._seed(seed), callback=callback)
        return params


class Planar(ClassicRecipe):
    name = "planar"
    summary = "one hidden layer (n_h = 4) on the planar flower (10000 iterations)"
    dataset = "planar"
    defaults: ClassVar[dict[str, Any]] = {
        "learning_rate": 1.2, "batch_size": None, "epochs": 10000, "optimizer": "gd", "n_h": 4}
    widths: ClassVar[dict[str, str]] = {"n_h": "int"}
    model_class = ShallowModel
    course_seed = 2
    has_validation = False  # the course trains and measures on the same 400 points
    input_shape = (2,)

    def build(self, params: dict[str, Any] | None = None, seed: int = 0) -> ClassicModel:
        from nnmath.classic import shallow

        p = self.params(params)
        return ShallowModel(shallow.initialize_parameters(2, int(p["n_h"]), 1,
                                                          seed=self._seed(seed)))

    def _train(self, p: dict[str, Any], data: Data, seed: int, verbose: int,
               callback: Any) -> dict[str, np.ndarray]:
        from nnmath.classic import shallow

        return shallow.nn_model(data.x_train, data.y_train, int(p["n_h"]),
                                num_iterations=p["epochs"], learning_rate=p["learning_rate"],
                                print_cost=verbose > 0, seed=self._seed(seed),
                                callback=callback)
