"""Training recipes behind ``nnmath train``: data, model, training loop, model file, history plot.

Recipes: ``cat-logistic``, ``cat-deep``, ``planar`` (the classic course models, float64,
full-batch gradient descent: one "epoch" is one iteration over all samples), and
``mnist-mlp``, ``mnist-cnn``, ``fashion-mlp`` (engine ``Sequential`` models, float32).

Model files are safetensors (no pickle): engine models through ``Sequential.save`` with the
input preprocessing recorded; classic models as their parameter dict (``w``, ``b`` or
``W1``, ``b1``, ...) with the JSON metadata key ``"nnmath_classic"``:
``{"format": 1, "kind": "classic-logistic" | "classic-deep" | "classic-shallow",
"preprocessing": {...}, "metrics": {...}}``.

Example:
    >>> from nnmath.recipes import train
    >>> result = train("cat-logistic", epochs=2000, out="models")  # doctest: +SKIP
    >>> result.model_path, result.metrics["test_accuracy"]          # doctest: +SKIP
    (PosixPath('models/cat-logistic.safetensors'), 70.0)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "CLASSIC_KEY",
    "RECIPES",
    "Recipe",
    "TrainResult",
    "build_model",
    "cat_columns",
    "digit_images",
    "get_recipe",
    "load_classic",
    "save_classic",
    "train",
]

CLASSIC_KEY = "nnmath_classic"
MNIST_CLASSES = [str(i) for i in range(10)]
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot"]


@dataclass(frozen=True)
class Recipe:
    """One trainable recipe and its defaults."""

    name: str
    description: str
    kind: str  # "sequential" | "classic-logistic" | "classic-deep" | "classic-shallow"
    data: str  # data set name for `nnmath evaluate --data`
    epochs: int
    batch_size: int | None
    learning_rate: float


RECIPES: dict[str, Recipe] = {r.name: r for r in [
    Recipe("cat-logistic", "logistic regression on cat vs non-cat (course: 2000 iterations)",
           "classic-logistic", "catvnoncat", 2000, None, 0.005),
    Recipe("cat-deep", "4-layer [12288, 20, 7, 5, 1] cat network (course: 2500 iterations)",
           "classic-deep", "catvnoncat", 2500, None, 0.0075),
    Recipe("planar", "one hidden layer (n_h = 4) on the planar flower (10000 iterations)",
           "classic-shallow", "planar", 10000, None, 1.2),
    Recipe("mnist-mlp", "Dense(512, relu) -> Dense(10, softmax) on MNIST, RMSprop",
           "sequential", "mnist", 5, 128, 0.001),
    Recipe("mnist-cnn", "keras.io simple MNIST convnet (34 826 parameters), Adam",
           "sequential", "mnist", 3, 128, 0.001),
    Recipe("fashion-mlp", "Dense(512, relu) -> Dense(10, softmax) on Fashion-MNIST, RMSprop",
           "sequential", "fashion-mnist", 10, 128, 0.001),
]}


def get_recipe(name: str) -> Recipe:
    """The recipe called ``name``.

    Raises:
        KeyError: unknown name; the message lists the recipes.
    """
    if name not in RECIPES:
        raise KeyError(f"train: unknown recipe {name!r}; expected one of {', '.join(RECIPES)}")
    return RECIPES[name]


@dataclass
class TrainResult:
    """What ``train`` produced."""

    recipe: str
    model_path: Path
    plot_path: Path
    metrics: dict[str, float]
    history: dict[str, list[float]] = field(default_factory=dict)


# ----------------------------------------------------------------------------- classic files
def save_classic(path: str | Path, kind: str, params: dict[str, np.ndarray],
                 preprocessing: dict[str, Any], metrics: dict[str, float] | None = None) -> Path:
    """Write a classic model's parameters to a safetensors file with JSON metadata.

    Example:
        >>> save_classic("cat.safetensors", "classic-logistic", {"w": w, "b": np.array([b])},
        ...              {"input_shape": [64, 64, 3], "scale": 1 / 255})  # doctest: +SKIP
    """
    from safetensors.numpy import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"format": 1, "kind": kind, "preprocessing": preprocessing, "metrics": metrics or {}}
    tensors = {k: np.ascontiguousarray(np.asarray(v, dtype=np.float64).reshape(
        np.shape(v) or (1,))) for k, v in params.items()}
    save_file(tensors, str(path), metadata={CLASSIC_KEY: json.dumps(meta)})
    return path


def read_metadata(path: str | Path) -> dict[str, str]:
    """The safetensors metadata of ``path``.

    Raises:
        FileNotFoundError: no such file.
        ValueError: not a safetensors model file.
    """
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such model file: {path}")
    try:
        with safe_open(str(path), framework="np") as f:
            return dict(f.metadata() or {})
    except Exception as exc:  # safetensors raises its own error types
        raise ValueError(
            f"{path} is not an nnmath model file (expected a .safetensors file written by "
            f"`nnmath train` or Sequential.save): {exc}"
        ) from None


def load_classic(path: str | Path) -> tuple[str, dict[str, np.ndarray], dict[str, Any]]:
    """Read a classic model file: ``(kind, params, metadata)``.

    Raises:
        ValueError: the file is not a classic nnmath model.
    """
    from safetensors.numpy import load_file

    meta = read_metadata(path)
    if CLASSIC_KEY not in meta:
        raise ValueError(f"{path} is not a classic nnmath model file (no {CLASSIC_KEY!r} metadata)")
    info = json.loads(meta[CLASSIC_KEY])
    return info["kind"], dict(load_file(str(path))), info


# ----------------------------------------------------------------------------- data
def cat_columns(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cat pictures in the course layout: ``X = flatten(x)^T / 255`` and ``Y`` as a row.

    Shape:
        x ``(m, 64, 64, 3)`` uint8, y ``(m,)`` -> X ``(12288, m)`` float64 in [0, 1],
        Y ``(1, m)`` float64.
    """
    return x.reshape(x.shape[0], -1).T / 255.0, y.reshape(1, -1).astype(np.float64)


def digit_images(x: np.ndarray) -> np.ndarray:
    """Digit pictures for the engine: ``x / 255`` as float32 with a channel axis.

    Shape:
        x ``(N, 28, 28)`` uint8 -> ``(N, 28, 28, 1)`` float32 in [0, 1].
    """
    return x.reshape(-1, 28, 28, 1).astype(np.float32) / np.float32(255.0)


def _cat(limit: int | None) -> tuple[np.ndarray, ...]:
    from nnmath.datasets import load_cat_vs_noncat

    (xtr, ytr), (xte, yte), _ = load_cat_vs_noncat()
    return (*cat_columns(xtr[:limit], ytr[:limit]), *cat_columns(xte, yte))


def _mnist(name: str, limit: int | None) -> tuple[np.ndarray, ...]:
    from nnmath import datasets

    loader = datasets.load_fashion_mnist if name == "fashion-mnist" else datasets.load_mnist
    (xtr, ytr), (xte, yte) = loader()
    return (digit_images(xtr[:limit]), ytr[:limit].astype(np.int64), digit_images(xte),
            yte.astype(np.int64))


CAT_PREPROCESSING = {"input_shape": [64, 64, 3], "scale": 1 / 255, "grayscale": False,
                     "layout": "columns", "class_names": ["non-cat", "cat"]}


def _digits_preprocessing(flatten: bool, classes: list[str]) -> dict[str, Any]:
    return {"input_shape": [784] if flatten else [28, 28, 1], "image_size": [28, 28],
            "scale": 1 / 255, "grayscale": True, "invert_light_background": True,
            "class_names": classes}


# ----------------------------------------------------------------------------- training
def _train_classic(r: Recipe, epochs: int, lr: float, seed: int, limit: int | None,
                   out: Path) -> tuple[dict[str, np.ndarray], dict[str, float], list[float], dict]:
    if r.kind == "classic-shallow":
        from nnmath.classic import shallow
        from nnmath.datasets import make_planar_flower

        X, Y = make_planar_flower(seed=1)
        Y = Y.astype(float)
        costs: list[float] = []
        params = shallow.nn_model(X, Y, 4, num_iterations=epochs, learning_rate=lr,
                                  print_cost=True, seed=seed or 2, costs=costs)
        acc = shallow.accuracy(shallow.predict(params, X), Y)
        print(f"train accuracy: {acc:.2f} %")
        prep = {"input_shape": [2], "layout": "columns", "class_names": ["red", "blue"]}
        return params, {"train_accuracy": acc}, costs, prep
    Xtr, Ytr, Xte, Yte = _cat(limit)
    if r.kind == "classic-logistic":
        from nnmath.classic import logistic

        res = logistic.model(Xtr, Ytr, Xte, Yte, num_iterations=epochs, learning_rate=lr,
                             print_cost=True)
        params = {"w": res["w"], "b": np.array([res["b"]], dtype=float)}
        metrics = {"train_accuracy": res["train_accuracy"], "test_accuracy": res["test_accuracy"]}
        return params, metrics, [float(c) for c in res["costs"]], CAT_PREPROCESSING
    from nnmath.classic import deep

    params, costs = deep.l_layer_model(Xtr, Ytr, [12288, 20, 7, 5, 1], learning_rate=lr,
                                       num_iterations=epochs, print_cost=True, seed=seed or 1)
    metrics = {"train_accuracy": 100 * deep.accuracy(deep.predict(Xtr, Ytr, params), Ytr),
               "test_accuracy": 100 * deep.accuracy(deep.predict(Xte, Yte, params), Yte)}
    print(f"train accuracy: {metrics['train_accuracy']:.2f} %  test accuracy: "
          f"{metrics['test_accuracy']:.2f} %")
    return params, metrics, [float(c) for c in costs], CAT_PREPROCESSING


def build_model(name: str, learning_rate: float | None = None, seed: int = 0) -> Any:
    """The compiled engine model of recipe ``name`` (the lessons train the same models).

    ``mnist-mlp`` / ``fashion-mlp``: the Keras book's first network,
    ``h = relu(x W1 + b1)`` with ``W1 (784, 512)``, ``p = softmax(h W2 + b2)`` with
    ``W2 (512, 10)``, RMSprop. ``mnist-cnn``: keras.io's simple MNIST convnet,
    ``(28, 28, 1) -conv3x3x32-> -pool2-> -conv3x3x64-> -pool2-> (5, 5, 64) -> dropout 0.5 ->
    softmax(10)``, 34 826 parameters, Adam. Both use sparse categorical cross-entropy and
    report accuracy.

    Args:
        name: ``mnist-mlp``, ``fashion-mlp`` or ``mnist-cnn``.
        learning_rate: default: the recipe's (0.001).
        seed: initialization and dropout seed.

    Raises:
        KeyError: unknown recipe.  ValueError: a classic recipe (no engine model).

    Example:
        >>> build_model("mnist-cnn").count_params()  # doctest: +SKIP
        34826
    """
    import nnmath as nm
    from nnmath import layers, optimizers

    r = get_recipe(name)
    if r.kind != "sequential":
        raise ValueError(f"recipes.build_model: {name!r} is a classic recipe ({r.kind}), not an "
                         "engine model; use `recipes.train` or nnmath.classic")
    lr = r.learning_rate if learning_rate is None else learning_rate
    if name == "mnist-cnn":
        model = nm.Sequential([
            layers.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"), layers.MaxPool2D(2),
            layers.Conv2D(64, 3, activation="relu"), layers.MaxPool2D(2),
            layers.Flatten(), layers.Dropout(0.5), layers.Dense(10, activation="softmax"),
        ], seed=seed)
        opt = optimizers.Adam(learning_rate=lr)
    else:
        model = nm.Sequential([layers.Input((784,)), layers.Dense(512, activation="relu"),
                               layers.Dense(10, activation="softmax")], seed=seed)
        opt = optimizers.RMSprop(learning_rate=lr)
    model.compile(optimizer=opt, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def train(
    name: str,
    epochs: int | None = None,
    batch_size: int | None = None,
    learning_rate: float | None = None,
    seed: int = 0,
    out: str | Path = "models",
    limit: int | None = None,
) -> TrainResult:
    """Train recipe ``name``, print progress and metrics, save the model and a history plot.

    Args:
        name: a recipe (see ``RECIPES``).
        epochs: epochs (engine) or gradient-descent iterations (classic); default per recipe.
        batch_size: mini-batch size (engine recipes only).
        learning_rate: step size; default per recipe.
        seed: random seed (initialization, shuffling, dropout).
        out: folder for ``<name>.safetensors`` and ``<name>-history.png``.
        limit: train on the first ``limit`` training samples only (quick runs).

    Returns:
        A :class:`TrainResult` with the file paths and the final metrics.

    Raises:
        KeyError: unknown recipe.  ValueError: a non-positive epochs/batch size/learning rate
            or limit, or a batch size for a (full-batch) classic recipe.
        FileNotFoundError: the data set is missing and cannot be downloaded.
    """
    from nnmath import plots

    r = get_recipe(name)
    epochs = r.epochs if epochs is None else int(epochs)
    lr = r.learning_rate if learning_rate is None else float(learning_rate)
    bs = (r.batch_size or 0) if batch_size is None else int(batch_size)
    problems = [text for bad, text in (
        (epochs < 1, f"epochs >= 1, got {epochs}"),
        (lr <= 0, f"learning rate > 0, got {lr}"),
        (r.kind == "sequential" and bs < 1, f"batch size >= 1, got {bs}"),
        (r.kind != "sequential" and batch_size is not None,
         f"no batch size (full-batch gradient descent), got {batch_size}; batch sizes apply "
         "to mnist-mlp, mnist-cnn and fashion-mlp"),
        (limit is not None and limit < 1, f"limit >= 1 samples, got {limit}"),
    ) if bad]
    if problems:
        raise ValueError(f"train {name}: expected " + "; ".join(problems))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model_path, plot_path = out / f"{name}.safetensors", out / f"{name}-history.png"
    print(f"recipe {name}: {r.description}")
    if r.kind != "sequential":
        print(f"full-batch gradient descent: {epochs} iterations, learning rate {lr}")
        params, metrics, costs, prep = _train_classic(r, epochs, lr, seed, limit, out)
        save_classic(model_path, r.kind, params, prep, metrics)
        every = 1000 if r.kind == "classic-shallow" else 100
        plots.plot_costs(costs, every=every, title=f"{name}: cost", path=plot_path)
        history = {"cost": costs}
    else:
        data = "fashion-mnist" if name == "fashion-mlp" else "mnist"
        xtr, ytr, xte, yte = _mnist(data, limit)
        flat = name != "mnist-cnn"
        if flat:
            xtr, xte = xtr.reshape(len(xtr), 784), xte.reshape(len(xte), 784)
        model = build_model(name, lr, seed)
        print(f"{len(xtr)} training samples, {epochs} epochs, batch size {bs}, learning rate {lr}")
        hist = model.fit(xtr, ytr, epochs=epochs, batch_size=bs, validation_data=(xte, yte),
                         verbose=1, seed=seed)
        loss, acc = model.evaluate(xte, yte, batch_size=500, verbose=0)
        metrics = {"test_loss": float(loss), "test_accuracy": 100 * float(acc)}
        print(f"test accuracy: {100 * acc:.2f} %  test loss: {loss:.4f}")
        classes = FASHION_CLASSES if data == "fashion-mnist" else MNIST_CLASSES
        model.save(str(model_path), preprocessing=_digits_preprocessing(flat, classes))
        history = {k: [float(v) for v in vs] for k, vs in hist.history.items()}
        plots.plot_history(history, title=name, path=plot_path)
    print(f"saved model {model_path} and history plot {plot_path}")
    return TrainResult(name, model_path, plot_path, metrics, history)
