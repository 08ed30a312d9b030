"""The keras.io "simple MNIST convnet", trained with nnmath (full run; takes minutes).

Conv2D 32 3x3 relu, MaxPool 2, Conv2D 64 3x3 relu, MaxPool 2, Flatten, Dropout 0.5,
Dense 10 softmax: 34 826 parameters; Adam, batch 128, 10 % of the training set held out for
validation, as in the Keras example. After every epoch the test accuracy is printed, so the
log shows when the model first reaches the 98.8 % target.

Usage:
    NNMATH_DATA=/path/to/data python examples/mnist_convnet.py [--epochs 15] [--save m.safetensors]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import nnmath as nm
from nnmath import layers


def build_model(seed: int = 0) -> nm.Sequential:
    """The keras.io simple MNIST convnet (34 826 parameters)."""
    return nm.Sequential(
        [
            layers.Input((28, 28, 1)),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPool2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPool2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ],
        seed=seed,
    )


class TestAccuracy(nm.models.Callback):
    """Evaluate on the test set after each epoch (reporting only; never used for training)."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x, self.y = x, y
        self.accuracies: list[float] = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        acc = self.model.evaluate(self.x, self.y, batch_size=500, verbose=0)[1]
        self.accuracies.append(acc)
        print(f"  epoch {epoch + 1}: test accuracy {acc:.4f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", default=None, help="write the trained model to this file")
    args = parser.parse_args()

    (x_train, y_train), (x_test, y_test) = nm.datasets.load_mnist()
    x_train = x_train.reshape(-1, 28, 28, 1).astype("float32") / 255
    x_test = x_test.reshape(-1, 28, 28, 1).astype("float32") / 255
    model = build_model(args.seed)
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    test_acc = TestAccuracy(x_test, y_test)
    nm.threads.configure()  # what fit does first: nnmath's BLAS limit, shown before timing
    print(f"BLAS threads: {nm.get_num_threads()}", flush=True)
    start = time.perf_counter()
    model.fit(
        x_train,
        y_train,
        epochs=args.epochs,
        batch_size=args.batch_size,
        validation_split=0.1,
        seed=args.seed,
        verbose=1,
        callbacks=[test_acc],
    )
    seconds = time.perf_counter() - start
    loss, acc = model.evaluate(x_test, y_test, batch_size=500, verbose=0)
    reached = next((i + 1 for i, a in enumerate(test_acc.accuracies) if a >= 0.988), None)
    print(
        f"test loss {loss:.4f}, test accuracy {acc:.4f} after {args.epochs} epochs "
        f"in {seconds:.0f} s ({seconds / args.epochs:.1f} s/epoch incl. test evaluation); "
        f"first epoch with >= 98.8 %: {reached}"
    )
    if args.save:
        model.save(
            args.save,
            preprocessing={
                "input_shape": [28, 28, 1],
                "scale": 1 / 255,
                "grayscale": True,
                "class_names": [str(d) for d in range(10)],
            },
        )
        print(f"saved to {args.save}")


if __name__ == "__main__":
    main()
