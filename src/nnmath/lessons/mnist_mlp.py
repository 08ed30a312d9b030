# nnmath lesson
# order: 12
# summary: Dense(512, relu) -> Dense(10, softmax), RMSprop, 5 epochs: history and predictions
# headline: test accuracy {test_accuracy:.2%} after {epochs} epochs on {train_samples} digits
# headline: (published: 97.8 %)

# %% [markdown]
# # MNIST with a multilayer perceptron (Keras-style workflow)
#
# The first example of the classic Keras book: flatten each $28 \times 28$ digit to 784
# numbers in $[0, 1]$, stack two dense layers, compile with RMSprop and sparse categorical
# cross-entropy, fit for 5 epochs with batches of 128, evaluate on the 10 000 test digits
# (published: 97.8 %), and predict the first test digits. Everything runs on nnmath's own
# autodiff engine in float32.
#
# $$h = \text{relu}(x W_1 + b_1),\ W_1 \in \mathbb{R}^{784 \times 512}; \qquad
# p = \operatorname{softmax}(h W_2 + b_2),\ W_2 \in \mathbb{R}^{512 \times 10}$$
#
# $$\text{loss} = -\frac{1}{N} \sum_{n=1}^{N} \log p_{n, y_n}, \qquad
# s := \rho s + (1 - \rho) g^2, \quad w := w - \frac{\eta\, g}{\sqrt{s} + \epsilon}$$

# %%
import numpy as np

import nnmath as nm
from nnmath import layers, lessons, optimizers, plots
from nnmath.datasets import load_mnist

FAST = lessons.fast_mode()
(train_images, train_labels), (test_images, test_labels) = load_mnist()
n_train, epochs = (10000, 2) if FAST else (60000, 5)
x_train = train_images[:n_train].reshape(-1, 784).astype(np.float32) / 255
y_train = train_labels[:n_train].astype(np.int64)
x_test = test_images.reshape(-1, 784).astype(np.float32) / 255
y_test = test_labels.astype(np.int64)
print(f"train {x_train.shape} float32 in [0, 1], test {x_test.shape}; {epochs} epochs")

# %%
model = nm.Sequential([layers.Input((784,)), layers.Dense(512, activation="relu"),
                       layers.Dense(10, activation="softmax")], seed=0)
model.compile(optimizer=optimizers.RMSprop(learning_rate=0.001),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.summary()
history = model.fit(x_train, y_train, epochs=epochs, batch_size=128,
                    validation_data=(x_test, y_test), verbose=1, seed=0)
test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
print(f"test accuracy {test_accuracy:.4f}, test loss {test_loss:.4f} (published: 0.978)")
# Figure: Loss and accuracy per epoch on the training digits and on the test digits
#   (val_loss, val_accuracy).
fig = plots.plot_history(history.history, title="MNIST MLP")

# %%
probs = model.predict(x_test[:10])
pred = probs.argmax(axis=1)
print("first 10 test digits: predicted", pred.tolist(), " true", y_test[:10].tolist())
print("p(predicted) =", [round(float(q), 3) for q in probs.max(axis=1)])
# Figure: The first ten test digits, each titled with the predicted digit, its probability
#   and the true digit.
plots.plot_image_grid(test_images[:10], titles=[
    f"pred {p} ({q:.2f}), true {t}"
    for p, q, t in zip(pred, probs.max(1), y_test[:10], strict=True)], ncols=5)
lessons.record(train_samples=n_train, epochs=epochs, history=history.history,
               test_accuracy=float(test_accuracy), test_loss=float(test_loss),
               first_predictions=pred, first_labels=y_test[:10], params=model.count_params())
