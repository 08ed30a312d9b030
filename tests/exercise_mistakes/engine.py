# ruff: noqa  (deliberately wrong learner code, written the way learners write it)
"""Wrong versions of the engine exercises."""

import numpy as np

from nnmath import GradientTape, Tensor
from nnmath.autograd import Function
from nnmath.losses import sparse_categorical_crossentropy


def _sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


class Softplus__overflow(Function):
    def forward(self, x):
        self.x = x
        return np.log(1 + np.exp(x))

    def backward(self, g):
        return (g * _sigmoid(self.x),)


class Softplus__overflow__backward(Function):
    def forward(self, x):
        self.x = x
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))

    def backward(self, g):
        return (g / (1 + np.exp(-self.x)),)  # e^1000 at x = -1000


class Softplus__upstream_ones(Function):
    def forward(self, x):
        self.x = x
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))

    def backward(self, g):
        return (_sigmoid(self.x),)  # forgot the upstream gradient g


class Softplus__dtype(Function):
    def forward(self, x):
        self.x = x
        x = np.asarray(x, dtype=np.float64)
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))

    def backward(self, g):
        return (g * _sigmoid(self.x),)


class NaiveDense__transposed:
    def __init__(self, input_size, output_size, activation):
        self.activation = activation
        w = np.random.default_rng(0).uniform(0, 0.1, (output_size, input_size))
        self.W = Tensor(w.astype(np.float32), requires_grad=True)
        self.b = Tensor(np.zeros(output_size, dtype=np.float32), requires_grad=True)

    def __call__(self, inputs):
        return self.activation(inputs @ self.W.T + self.b)

    @property
    def weights(self):
        return [self.W, self.b]


class NaiveDense__values:
    def __init__(self, input_size, output_size, activation):
        self.activation = activation
        w = np.random.default_rng(0).normal(size=(input_size, output_size))  # not U[0, 0.1)
        self.W = Tensor(w.astype(np.float32), requires_grad=True)
        self.b = Tensor(np.zeros(output_size, dtype=np.float32), requires_grad=True)

    def __call__(self, inputs):
        return self.activation(inputs @ self.W + self.b)

    @property
    def weights(self):
        return [self.W, self.b]


def _grads(model, images, labels):
    with GradientTape() as tape:
        loss = sparse_categorical_crossentropy(labels, model(images))
    return loss, tape.gradient(loss, model.weights)


def one_training_step__sign(model, images_batch, labels_batch, learning_rate=1e-3):
    loss, grads = _grads(model, images_batch, labels_batch)
    for g, w in zip(grads, model.weights):
        w.data += learning_rate * g
    return float(loss.data)


def one_training_step__not_updated(model, images_batch, labels_batch, learning_rate=1e-3):
    loss, grads = _grads(model, images_batch, labels_batch)
    for g, w in zip(grads, model.weights):
        w = w - learning_rate * g  # rebinds the name only
    return float(loss.data)


def one_training_step__constant_factor(model, images_batch, labels_batch, learning_rate=1e-3):
    loss, grads = _grads(model, images_batch, labels_batch)
    for g, w in zip(grads, model.weights):
        w.data -= g  # no learning rate
    return float(loss.data)
