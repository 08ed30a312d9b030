"""examples/custom_loop_mnist.py on a part of MNIST: the book's GradientTape loop learns, its
step is the exercise's reference step, and the RMSprop loop (apply_gradients) learns fast.
The full run (10 + 5 epochs, >= 97.5 % for RMSprop) is the example itself."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import numpy as np
import pytest

import nnmath as nm
from nnmath.exercises import engine

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "custom_loop_mnist.py"


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("custom_loop_mnist", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def data(example):
    x, y, xt, yt = example.load(limit=12000)
    return x, y, xt[:2000], yt[:2000]


def test_book_model_and_step(example, data):
    x, y, _, _ = data
    model = example.build(seed=0)
    assert [tuple(w.shape) for w in model.weights] == [(784, 512), (512,), (512, 10), (10,)]
    W = model.weights[0].data
    assert W.dtype == np.float32 and 0 <= W.min() and W.max() < 0.1
    # the example's step is the exercise's reference step: the same updated weights
    twin = copy.deepcopy(model)
    loss = example.sgd_step(model, x[:128], y[:128])
    ref_loss = engine.one_training_step(twin, x[:128], y[:128], 1e-3)
    assert loss == pytest.approx(ref_loss, rel=1e-6)
    for a, b in zip(model.weights, twin.weights, strict=True):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-6, atol=1e-8)
    losses = example.fit(model, example.sgd_step, x[:3000], y[:3000], 2, log=lambda s: None)
    assert losses[1] < losses[0]


def test_rmsprop_loop_with_apply_gradients_learns(example, data):
    x, y, xt, yt = data
    x, y = x[:6000], y[:6000]
    model = example.build(seed=0, init=nm.init.glorot_uniform)
    optimizer = nm.optimizers.RMSprop(learning_rate=1e-3)
    losses = example.fit(model, lambda m, a, b: example.optimizer_step(m, a, b, optimizer),
                         x, y, 2, shuffle_seed=0, log=lambda s: None)
    assert losses[1] < losses[0]
    assert optimizer.iterations == 2 * int(np.ceil(len(x) / 128))
    acc = example.accuracy(model, xt, yt)
    # Sequential.fit with the same settings on the same images learns as much: the
    # hand-written loop is the same algorithm, not a weaker one
    seq = nm.Sequential([nm.layers.Dense(512, activation="relu"),
                         nm.layers.Dense(10, activation="softmax")])
    seq.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                metrics=["accuracy"])
    seq.fit(x, y, epochs=2, batch_size=128, seed=0, verbose=0)
    fit_acc = seq.evaluate(xt, yt, verbose=0)[1]
    assert acc >= 0.85 and abs(acc - fit_acc) < 0.03, (acc, fit_acc)
