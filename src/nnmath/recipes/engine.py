"""The engine recipes: ``Sequential`` models in float32, mini-batch training.

``on_epoch(epoch, logs)`` is called after every epoch with the epoch's logs (``loss``,
``accuracy``, ``val_loss``, ``val_accuracy``); returning True ends ``fit`` there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from .base import Data, OnEpoch, Recipe, TrainResult

__all__ = ["EngineRecipe"]


def _epoch_hook(on_epoch: OnEpoch) -> Any:
    """A callback that calls ``on_epoch`` after each epoch and stops when it returns True."""
    from nnmath.models.callbacks import Callback

    class EpochHook(Callback):
        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            if on_epoch(epoch, {k: float(v) for k, v in (logs or {}).items()}):
                self.model.stop_training = True

    return EpochHook()


class EngineRecipe(Recipe):
    """A ``Sequential`` on pictures, sparse categorical cross-entropy, accuracy."""

    input_shape: ClassVar[tuple[int, ...]] = ()
    image_size: ClassVar[tuple[int, int]] = (28, 28)
    grayscale: ClassVar[bool] = True
    #: how ``nnmath predict`` prepares a picture (see nnmath.predict): MNIST's digit steps
    picture: ClassVar[dict[str, str]] = {"picture": "digits"}

    def _check_optimizer(self, value: Any) -> str | None:
        from nnmath import optimizers

        try:
            optimizers.get(value)
        except (ValueError, TypeError, AttributeError) as exc:
            return f"optimizer a registered name ({exc})"
        return None

    #: what the validation data are called in messages
    val_name: ClassVar[str] = "test"
    #: learning rates above this are refused (the engine optimizers' defaults are ~0.001)
    MAX_LEARNING_RATE: ClassVar[float] = 10.0

    def params(self, given: dict[str, Any] | None = None, *, limit: int | None = None,
               where: str | None = None) -> dict[str, Any]:
        p = super().params(given, limit=limit, where=where)
        lr = float(p["learning_rate"])
        if lr > self.MAX_LEARNING_RATE:
            raise ValueError(
                f"{where or f'recipe {self.name}'}: expected a learning rate <= "
                f"{self.MAX_LEARNING_RATE:g}, got {lr:g}; this recipe's default is "
                f"{self.defaults['learning_rate']:g} ({p['optimizer']}), and steps this large "
                "make the loss explode")
        return p

    def layers(self, p: dict[str, Any], classes: int) -> list[Any]:
        """The layers after ``Input(input_shape)``."""
        raise NotImplementedError

    def model_input_shape(self, p: dict[str, Any]) -> tuple[int, ...]:
        """The model's input shape (one sample)."""
        return self.input_shape

    def class_names(self, p: dict[str, Any]) -> list[str]:
        """The class names, label k = ``class_names[k]``."""
        from nnmath.datasets.prepared import class_names

        return class_names(self.dataset)

    def load_data(self, limit: int | None = None, seed: int = 0) -> Data:
        from nnmath.datasets import load_prepared

        d = load_prepared(self.dataset).limit(limit)
        return Data(*d.samples("train", self.input_shape), *d.samples("test", self.input_shape))

    def data_for(self, p: dict[str, Any], limit: int | None, seed: int, verbose: int) -> Data:
        """The data for parameters ``p`` (recipes whose data depend on them override this)."""
        return self.load_data(limit, seed)

    def build(self, params: dict[str, Any] | None = None, seed: int = 0) -> Any:
        import nnmath as nm
        from nnmath import layers, optimizers

        p = self.params(params)
        classes = len(self.class_names(p))
        model = nm.Sequential([layers.Input(self.model_input_shape(p)),
                               *self.layers(p, classes)], seed=seed)
        model.compile(optimizer=optimizers.get(p["optimizer"], learning_rate=p["learning_rate"]),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    def fit(self, params: dict[str, Any] | None = None, *, limit: int | None = None,
            seed: int = 0, on_epoch: OnEpoch | None = None, verbose: int = 0,
            callbacks: list[Any] | None = None, checkpoint: str | Path | None = None
            ) -> TrainResult:
        """See :meth:`Recipe.fit`; also ``callbacks`` (engine callbacks, e.g. the Ctrl-C
        stopper of ``recipes.train``) and ``checkpoint`` (a file: resume from it when it
        exists, rewrite it after every epoch; see ``Sequential.fit``)."""
        p = self.params(params, limit=limit)
        data = self.data_for(p, limit, seed, verbose)
        model = self.build(p, seed)
        n, bs, epochs = len(data.x_train), int(p["batch_size"]), int(p["epochs"])
        if verbose:
            print(f"{n} training samples, {epochs} epoch{'s' if epochs != 1 else ''}, batch "
                  f"size {bs}, learning rate {p['learning_rate']}")
            if bs > n:
                default = int(self.defaults["batch_size"])
                hint = f"try --batch-size {default}" if default < n else \
                    f"train on more samples (--limit), or try --batch-size {max(1, n // 4)}"
                print(f"note: batch size {bs} is larger than the {n} training samples: each "
                      f"epoch is ONE step on all {n} ({hint})")
            if float(p["learning_rate"]) > 1:
                print(f"note: learning rate {p['learning_rate']} is far above this recipe's "
                      f"default {self.defaults['learning_rate']}; the loss may blow up")
        hooks = [*(callbacks or []), *([_epoch_hook(on_epoch)] if on_epoch else [])]
        hist = model.fit(data.x_train, data.y_train, epochs=epochs,
                         batch_size=bs, validation_data=(data.x_val, data.y_val),
                         verbose=verbose, seed=seed, callbacks=hooks or None,
                         **({"checkpoint": str(checkpoint)} if checkpoint else {}))
        history = {k: [float(v) for v in vs] for k, vs in hist.history.items()}
        metrics = {k: history[k][-1] for k in ("accuracy", "val_accuracy", "loss", "val_loss")
                   if history.get(k)}
        if verbose and "val_accuracy" in metrics:  # percent only when printed
            print(f"{self.val_name} accuracy: {100 * metrics['val_accuracy']:.2f} %  "
                  f"{self.val_name} loss: {metrics['val_loss']:.4f}")
        return TrainResult(self.name, model, history, metrics, p)

    def preprocessing(self, params: dict[str, Any] | None = None) -> dict[str, Any]:
        from nnmath.datasets.prepared import class_names

        return {"input_shape": list(self.input_shape), "image_size": list(self.image_size),
                "scale": 1 / 255, "grayscale": self.grayscale,
                "invert_light_background": self.grayscale, **self.picture,
                "class_names": class_names(self.dataset), "dataset": self.dataset}

    def save(self, result: TrainResult, path: str | Path) -> Path:
        result.model.save(str(path), preprocessing=self.preprocessing(result.params))
        return Path(path)


class MnistMLP(EngineRecipe):
    """The Keras book's first network: ``h = relu(x W1 + b1)``, ``p = softmax(h W2 + b2)``."""

    name = "mnist-mlp"
    summary = "Dense(512, relu) -> Dense(10, softmax) on MNIST, RMSprop"
    dataset = "mnist"
    defaults: ClassVar[dict[str, Any]] = {
        "learning_rate": 0.001, "batch_size": 128, "epochs": 5, "optimizer": "rmsprop",
        "units": 512}
    widths: ClassVar[dict[str, str]] = {"units": "int"}
    input_shape = (784,)

    def layers(self, p: dict[str, Any], classes: int) -> list[Any]:
        from nnmath import layers

        return [layers.Dense(int(p["units"]), activation="relu"),
                layers.Dense(classes, activation="softmax")]


class MnistCNN(EngineRecipe):
    """keras.io's simple MNIST convnet: ``(28, 28, 1) -conv3x3x32-> -pool2-> -conv3x3x64->
    -pool2-> (5, 5, 64) -> dropout 0.5 -> softmax(10)``, 34 826 parameters."""

    name = "mnist-cnn"
    summary = "keras.io simple MNIST convnet (34 826 parameters), Adam"
    dataset = "mnist"
    defaults: ClassVar[dict[str, Any]] = {
        "learning_rate": 0.001, "batch_size": 128, "epochs": 3, "optimizer": "adam",
        "filters": [32, 64]}
    widths: ClassVar[dict[str, str]] = {"filters": "list"}
    input_shape = (28, 28, 1)

    def layers(self, p: dict[str, Any], classes: int) -> list[Any]:
        from nnmath import layers

        convs = [lay for f in p["filters"] for lay in
                 (layers.Conv2D(int(f), 3, activation="relu"), layers.MaxPool2D(2))]
        return [*convs, layers.Flatten(), layers.Dropout(0.5),
                layers.Dense(classes, activation="softmax")]


class FashionMLP(MnistMLP):
    name = "fashion-mlp"
    summary = "Dense(512, relu) -> Dense(10, softmax) on Fashion-MNIST, RMSprop"
    dataset = "fashion-mnist"
    defaults: ClassVar[dict[str, Any]] = {
        **MnistMLP.defaults, "epochs": 10}
    picture: ClassVar[dict[str, str]] = {"picture": "photo", "aspect": "pad"}
