"""Lesson: the small convnet on MNIST, its feature maps for one digit, accuracy."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._data import mnist_data

if TYPE_CHECKING:
    from . import Context

TITLE = "A small convnet on MNIST"
SUMMARY = "keras.io's simple MNIST convnet (34 826 parameters): feature maps and accuracy"
EXPLANATION = (
    "keras.io's 'simple MNIST convnet': Conv2D(32, 3x3, relu), MaxPool 2, Conv2D(64, 3x3, "
    "relu), MaxPool 2, Flatten, Dropout 0.5, Dense(10, softmax), Adam, batches of 128. It has "
    "34 826 parameters, fewer than a tenth of the MLP's, and reaches about 99 % after 15 "
    "epochs on all 60 000 digits (published). To keep the lesson short it trains ONE epoch "
    "here (on all 60 000 digits; --fast: 6000); `nnmath train mnist-cnn` trains longer. "
    "The feature maps show what the first layer's 32 learned filters respond to in one digit."
)
FORMULAS = [
    "conv: y[i, j, o] = b[o] + sum_{p, q, c} x[i + p, j + q, c] W[p, q, c, o]",
    "(28, 28, 1) -conv3-> (26, 26, 32) -pool2-> (13, 13, 32) -conv3-> (11, 11, 64) "
    "-pool2-> (5, 5, 64) -> 1600 -> 10",
    "params: 3*3*1*32 + 32 + 3*3*32*64 + 64 + 1600*10 + 10 = 34 826",
]
LONG = True


def run(ctx: Context) -> None:
    from nnmath import functional as F  # noqa: N812
    from nnmath import layers, plots, recipes

    d = mnist_data(ctx)
    n_train, n_test = (6000, 2000) if ctx.fast else (60000, 10000)
    x_train, y_train = d["train_x"][:n_train], d["train_y"][:n_train]
    x_test, y_test = d["test_x"][:n_test], d["test_y"][:n_test]
    model = recipes.build_model("mnist-cnn", seed=ctx.seed)  # the `nnmath train` recipe's
    model.summary()
    print(f"training 1 epoch on {n_train} digits, batch 128 (progress per epoch):")
    history = model.fit(x_train, y_train, epochs=1, batch_size=128, verbose=1, seed=ctx.seed)
    loss, acc = model.evaluate(x_test, y_test, batch_size=500, verbose=0)
    print(f"test accuracy on {n_test} digits: {acc:.4f} (loss {loss:.4f}); "
          "published after 15 epochs: about 0.99")
    ctx.cache["cnn"] = model
    digit = x_test[:1]
    conv1 = model.layers[1] if isinstance(model.layers[0], layers.Input) else model.layers[0]
    W, b = conv1.weights[0].numpy(), conv1.weights[1].numpy()
    maps = F.relu(F.conv2d(digit, W, b)).numpy()[0]            # (26, 26, 32)
    print(f"first-layer feature maps of test digit 0 (label {y_test[0]}): {maps.shape}; "
          f"{int((maps.max(axis=(0, 1)) > 0).sum())} of 32 filters fire")
    plots.plot_image_grid(digit, titles=[f"digit {y_test[0]}"], ncols=1,
                          path=ctx.figure("digit"))
    plots.plot_feature_maps(maps, titles=[f"filter {k}" for k in range(32)], ncols=8,
                            title="conv 1 (32 filters, relu)", path=ctx.figure("feature-maps"))
    plots.plot_feature_maps(W[:, :, 0, :], titles=[f"W{k}" for k in range(32)], ncols=8,
                            title="the learned 3x3 filters (red > 0 > blue, one shared scale)",
                            signed=True, path=ctx.figure("filters"))
    ctx.record(train_samples=n_train, test_samples=n_test, epochs=1,
               params=model.count_params(), history=history.history, test_accuracy=float(acc),
               test_loss=float(loss), filters_firing=int((maps.max(axis=(0, 1)) > 0).sum()),
               feature_map_shape=list(maps.shape), mean_activation=float(np.mean(maps)))
