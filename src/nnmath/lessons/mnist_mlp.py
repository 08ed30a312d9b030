"""Lesson: the Keras-style workflow on MNIST with a 2-layer MLP."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._data import mnist_data

if TYPE_CHECKING:
    from . import Context

TITLE = "MNIST with a multilayer perceptron (Keras-style workflow)"
SUMMARY = "Dense(512, relu) -> Dense(10, softmax), RMSprop, 5 epochs: history and predictions"
EXPLANATION = (
    "The first example of the classic Keras book: flatten each 28x28 digit to 784 numbers in "
    "[0, 1], stack Dense(512, relu) and Dense(10, softmax), compile with RMSprop and sparse "
    "categorical cross-entropy, fit for 5 epochs with batches of 128, evaluate on the 10 000 "
    "test digits (published: 97.8 %; the history's val_* curves are those test digits), and "
    "predict the first test digits. Everything runs on "
    "nnmath's own autodiff engine in float32."
)
FORMULAS = [
    "h = relu(x W1 + b1),  W1: (784, 512);  p = softmax(h W2 + b2),  W2: (512, 10)",
    "loss = -(1/N) sum_n log p[n, y_n]   (sparse categorical cross-entropy)",
    "RMSprop: s := rho s + (1 - rho) g^2;  w := w - lr g / (sqrt(s) + eps)",
]
LONG = True


def run(ctx: Context) -> None:
    from nnmath import plots, recipes

    d = mnist_data(ctx)
    n_train, epochs = (10000, 2) if ctx.fast else (60000, 5)
    x_train = d["train_x"][:n_train].reshape(n_train, 784)
    y_train = d["train_y"][:n_train]
    x_test, y_test = d["test_x"].reshape(-1, 784), d["test_y"]
    print(f"train {x_train.shape} float32 in [0, 1], test {x_test.shape}; {epochs} epochs")
    model = recipes.build_model("mnist-mlp", seed=ctx.seed)  # the `nnmath train` recipe's
    model.summary()
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=128,
                        validation_data=(x_test, y_test), verbose=1, seed=ctx.seed)
    test_loss, test_acc = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
    print(f"test accuracy {test_acc:.4f}, test loss {test_loss:.4f} (published: 0.978)")
    probs = model.predict(x_test[:10])
    pred = probs.argmax(axis=1)
    print("first 10 test digits: predicted", pred.tolist(), " true", y_test[:10].tolist())
    print("p(predicted) =", [round(float(q), 3) for q in probs.max(axis=1)])
    ctx.cache["mnist_mlp"] = model
    plots.plot_history(history.history, title="MNIST MLP", path=ctx.figure("history"))
    plots.plot_image_grid(d["test_x"][:10], titles=[
        f"pred {p} ({q:.2f}), true {t}" for p, q, t in zip(pred, probs.max(1), y_test[:10],
                                                            strict=True)],
        ncols=5, path=ctx.figure("predictions"))
    ctx.record(train_samples=n_train, epochs=epochs, history=history.history,
               test_accuracy=float(test_acc), test_loss=float(test_loss),
               first_predictions=pred, first_labels=y_test[:10],
               params=model.count_params())
