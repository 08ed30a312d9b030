"""The books' "from scratch" MNIST model with a GradientTape loop, trained with nnmath.

Part 1 is the book's code as written: a hand-written Dense layer (weights uniform in
[0, 0.1), zero biases), a hand-written Sequential, batches of 128 in order, and a training
step that computes the loss under a ``GradientTape`` and applies plain SGD,
``w := w - 1e-3 dL/dw``. Part 2 is the same loop with Glorot-uniform initial weights and
``optimizers.RMSprop`` applied the Keras way, ``optimizer.apply_gradients(zip(grads,
weights))``, batches shuffled every epoch: the settings of the MNIST lesson's ``fit``. With
``--fit`` the lesson's ``Sequential.fit`` runs too, for comparison.

Measured once (full MNIST, one BLAS thread): the book's loop 81.58 % test accuracy after 10
epochs (the book reports about 81 %); the RMSprop loop 98.13 % after 5 epochs;
``Sequential.fit`` with the same settings 97.94 %.

Usage:
    NNMATH_DATA=/path/to/data python examples/custom_loop_mnist.py [--epochs-sgd 10]
        [--epochs-rmsprop 5] [--limit 60000] [--fit]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

import nnmath as nm
from nnmath import functional as F  # noqa: N812 - the engine's usual alias
from nnmath.losses import sparse_categorical_crossentropy


class NaiveDense:
    """``activation(inputs @ W + b)``; W uniform in [0, 0.1) as the book, or from ``init``."""

    def __init__(self, input_size: int, output_size: int, activation: Callable[..., nm.Tensor],
                 rng: np.random.Generator, init: Callable[..., np.ndarray] | None = None):
        self.activation = activation
        shape = (input_size, output_size)
        w = init(shape, rng) if init else rng.uniform(0, 1e-1, shape)
        self.W = nm.Tensor(w.astype(np.float32), requires_grad=True)
        self.b = nm.Tensor(np.zeros(output_size, dtype=np.float32), requires_grad=True)

    def __call__(self, inputs: Any) -> nm.Tensor:
        return self.activation(inputs @ self.W + self.b)

    @property
    def weights(self) -> list[nm.Tensor]:
        return [self.W, self.b]


class NaiveSequential:
    def __init__(self, layers: list[NaiveDense]) -> None:
        self.layers = layers

    def __call__(self, inputs: Any) -> nm.Tensor:
        x = inputs
        for layer in self.layers:
            x = layer(x)
        return x

    @property
    def weights(self) -> list[nm.Tensor]:
        return [w for layer in self.layers for w in layer.weights]


def build(seed: int = 0, init: Callable[..., np.ndarray] | None = None) -> NaiveSequential:
    """784 -> 512 relu -> 10 softmax, the book's model."""
    rng = np.random.default_rng(seed)
    return NaiveSequential([NaiveDense(28 * 28, 512, F.relu, rng, init),
                            NaiveDense(512, 10, F.softmax, rng, init)])


def batches(images: np.ndarray, labels: np.ndarray, batch_size: int,
            rng: np.random.Generator | None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Batches in order (the book's BatchGenerator) or, with ``rng``, shuffled."""
    order = rng.permutation(len(images)) if rng is not None else np.arange(len(images))
    for start in range(0, len(images), batch_size):
        idx = order[start:start + batch_size]
        yield images[idx], labels[idx]


def sgd_step(model: NaiveSequential, images: np.ndarray, labels: np.ndarray,
             learning_rate: float = 1e-3) -> float:
    """The book's ``one_training_step``: tape, gradients, ``w -= learning_rate g``."""
    with nm.GradientTape() as tape:
        predictions = model(images)
        loss = sparse_categorical_crossentropy(labels, predictions)
    gradients = tape.gradient(loss, model.weights)
    for g, w in zip(gradients, model.weights, strict=True):
        w.data -= learning_rate * g
    return float(loss.data)


def optimizer_step(model: NaiveSequential, images: np.ndarray, labels: np.ndarray,
                   optimizer: Any) -> float:
    """The same step, the update done by a Keras-style optimizer."""
    with nm.GradientTape() as tape:
        loss = sparse_categorical_crossentropy(labels, model(images))
    gradients = tape.gradient(loss, model.weights)
    optimizer.apply_gradients(zip(gradients, model.weights, strict=True))
    return float(loss.data)


def accuracy(model: NaiveSequential, images: np.ndarray, labels: np.ndarray) -> float:
    with nm.no_grad():
        predictions = np.concatenate([model(images[i:i + 1000]).data
                                      for i in range(0, len(images), 1000)])
    return float(np.mean(predictions.argmax(axis=1) == labels))


def fit(model: NaiveSequential, step: Callable[..., float], images: np.ndarray,
        labels: np.ndarray, epochs: int, batch_size: int = 128, shuffle_seed: int | None = None,
        log: Callable[[str], None] = print) -> list[float]:
    """``epochs`` passes of ``step`` over the batches; returns the mean loss of each epoch."""
    rng = np.random.default_rng(shuffle_seed) if shuffle_seed is not None else None
    losses = []
    for epoch in range(epochs):
        t0 = time.perf_counter()
        total, n = 0.0, 0
        for x, y in batches(images, labels, batch_size, rng):
            total += step(model, x, y) * len(x)
            n += len(x)
        losses.append(total / n)
        log(f"  epoch {epoch + 1}: loss {losses[-1]:.4f} ({time.perf_counter() - t0:.1f} s)")
    return losses


def load(limit: int | None = None) -> tuple[np.ndarray, ...]:
    (x_train, y_train), (x_test, y_test) = nm.datasets.load_mnist()
    x_train = x_train.reshape(-1, 28 * 28).astype(np.float32) / 255
    x_test = x_test.reshape(-1, 28 * 28).astype(np.float32) / 255
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
    return x_train, y_train, x_test, y_test


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs-sgd", type=int, default=10, help="book loop (default 10)")
    parser.add_argument("--epochs-rmsprop", type=int, default=5, help="RMSprop loop (5)")
    parser.add_argument("--limit", type=int, default=None, help="use only this many images")
    parser.add_argument("--fit", action="store_true", help="also train with Sequential.fit")
    args = parser.parse_args(argv)
    nm.threads.configure()  # what fit (and GradientTape) do first: nnmath's BLAS thread limit
    print(f"BLAS threads: {nm.get_num_threads()}")
    x_train, y_train, x_test, y_test = load(args.limit)
    results: dict[str, float] = {}

    print(f"1. the book's loop: uniform [0, 0.1) weights, plain SGD lr 1e-3, batch 128, "
          f"{args.epochs_sgd} epochs")
    model = build(seed=0)
    fit(model, sgd_step, x_train, y_train, args.epochs_sgd)
    results["sgd"] = accuracy(model, x_test, y_test)
    print(f"   test accuracy {results['sgd']:.4f}")

    print(f"2. the same loop: Glorot weights, RMSprop (apply_gradients), batch 128, shuffled, "
          f"{args.epochs_rmsprop} epochs")
    model = build(seed=0, init=nm.init.glorot_uniform)
    optimizer = nm.optimizers.RMSprop(learning_rate=1e-3)
    fit(model, lambda m, x, y: optimizer_step(m, x, y, optimizer), x_train, y_train,
        args.epochs_rmsprop, shuffle_seed=0)
    results["rmsprop"] = accuracy(model, x_test, y_test)
    print(f"   test accuracy {results['rmsprop']:.4f}")

    if args.fit:
        print(f"3. Sequential.fit with the same settings, {args.epochs_rmsprop} epochs")
        seq = nm.Sequential([nm.layers.Dense(512, activation="relu"),
                             nm.layers.Dense(10, activation="softmax")])
        seq.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"])
        seq.fit(x_train, y_train, epochs=args.epochs_rmsprop, batch_size=128, seed=0, verbose=0)
        results["fit"] = float(seq.evaluate(x_test, y_test, batch_size=1000, verbose=0)[1])
        print(f"   test accuracy {results['fit']:.4f}")
    return results


if __name__ == "__main__":
    main()
