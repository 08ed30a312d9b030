# nnmath lesson
# order: 15
# summary: keras.io's simple MNIST convnet (34 826 parameters): feature maps and accuracy
# headline: {params} parameters; test accuracy {test_accuracy:.2%}
# headline: after {epochs} epoch on {train_samples} digits

# %% [markdown]
# # A small convnet on MNIST
#
# keras.io's "simple MNIST convnet": Conv2D(32, 3×3, relu), MaxPool 2, Conv2D(64, 3×3,
# relu), MaxPool 2, Flatten, Dropout 0.5, Dense(10, softmax), Adam, batches of 128. A
# convolution layer computes
#
# $$y_{i,j,o} = b_o + \sum_{p,q,c} x_{i+p,\,j+q,\,c}\, W_{p,q,c,o}$$
#
# and the shapes go $(28, 28, 1) \to (26, 26, 32) \to (13, 13, 32) \to (11, 11, 64) \to
# (5, 5, 64) \to 1600 \to 10$. It has
#
# $$3 \cdot 3 \cdot 1 \cdot 32 + 32 + 3 \cdot 3 \cdot 32 \cdot 64 + 64 + 1600 \cdot 10 + 10
# = 34\,826$$
#
# parameters, fewer than a tenth of the MLP's, and reaches about 99 % after 15 epochs on
# all 60 000 digits (published). To keep the lesson short it trains one epoch here (on all
# 60 000 digits; fast: 6000); `nnmath train mnist-cnn` trains longer.

# %%
import numpy as np

import nnmath as nm
from nnmath import functional as F
from nnmath import layers, lessons, optimizers, plots
from nnmath.datasets import load_mnist

FAST = lessons.fast_mode()
(train_images, train_labels), (test_images, test_labels) = load_mnist()
n_train, n_test = (6000, 2000) if FAST else (60000, 10000)
x_train = train_images[:n_train].reshape(-1, 28, 28, 1).astype(np.float32) / 255
y_train = train_labels[:n_train].astype(np.int64)
x_test = test_images[:n_test].reshape(-1, 28, 28, 1).astype(np.float32) / 255
y_test = test_labels[:n_test].astype(np.int64)

model = nm.Sequential([
    layers.Input((28, 28, 1)),
    layers.Conv2D(32, 3, activation="relu"), layers.MaxPool2D(2),
    layers.Conv2D(64, 3, activation="relu"), layers.MaxPool2D(2),
    layers.Flatten(), layers.Dropout(0.5), layers.Dense(10, activation="softmax"),
], seed=0)
model.compile(optimizer=optimizers.Adam(learning_rate=0.001),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.summary()
print(f"training 1 epoch on {n_train} digits, batch 128:")
history = model.fit(x_train, y_train, epochs=1, batch_size=128, verbose=1, seed=0)
test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=500, verbose=0)
print(f"test accuracy on {n_test} digits: {test_accuracy:.4f} (loss {test_loss:.4f}); "
      "published after 15 epochs: about 0.99")

# %% [markdown]
# ## What the first layer sees
#
# The 32 feature maps of the first convolution for one test digit, and the 32 learned
# $3 \times 3$ filters that made them.

# %%
digit = x_test[:1]
conv1 = model.layers[1] if isinstance(model.layers[0], layers.Input) else model.layers[0]
W, b = conv1.weights[0].numpy(), conv1.weights[1].numpy()
maps = F.relu(F.conv2d(digit, W, b)).numpy()[0]            # (26, 26, 32)
firing = int((maps.max(axis=(0, 1)) > 0).sum())
print(f"first-layer feature maps of test digit 0 (label {y_test[0]}): {maps.shape}; "
      f"{firing} of 32 filters fire")
# Figure: The test digit fed to the network.
plots.plot_image_grid(digit, titles=[f"digit {y_test[0]}"], ncols=1)
# Figure: Its 32 feature maps after the first convolution and relu, each scaled to its own
#   range: bright where the filter responds (strokes, edges of one orientation).
plots.plot_feature_maps(maps, titles=[f"filter {k}" for k in range(32)], ncols=8,
                        title="conv 1 (32 filters, relu)")
# Figure: The 32 learned 3 x 3 filters on one shared scale, positive weights red, negative
#   blue.
plots.plot_feature_maps(W[:, :, 0, :], titles=[f"W{k}" for k in range(32)], ncols=8,
                        title="the learned 3x3 filters (red > 0 > blue, one shared scale)",
                        signed=True)
lessons.record(train_samples=n_train, test_samples=n_test, epochs=1,
               params=model.count_params(), history=history.history,
               test_accuracy=float(test_accuracy), test_loss=float(test_loss),
               filters_firing=firing, feature_map_shape=list(maps.shape),
               mean_activation=float(np.mean(maps)))
