"""The training contract other parts build on: trainable_weights, train_on_batch /
test_on_batch, get_training_state / set_training_state (bit for bit), apply_gradients, a
settable learning rate, and the registries that find new layers, optimizers and losses."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import nnmath as nm
from nnmath import layers, losses, optimizers
from nnmath.tensor import Tensor


def blobs(n=96, k=3, d=4, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3.0, size=(k, d))
    y = rng.integers(0, k, size=n)
    return (centers[y] + rng.normal(size=(n, d))).astype(np.float32), y


def mlp(seed=0, optimizer="adam"):
    model = nm.Sequential(
        [layers.Dense(16, activation="relu"), layers.Dropout(0.3),
         layers.Dense(3, activation="softmax")],
        seed=seed,
    )
    model.compile(optimizer, "sparse_categorical_crossentropy", ["accuracy"])
    return model


def batches(x, y, size=16):
    return [(x[i : i + size], y[i : i + size]) for i in range(0, len(x), size)]


def test_trainable_weights_are_the_layers_tensors_in_order():
    model = mlp()
    model.build((None, 4))
    tw = model.trainable_weights
    assert all(isinstance(w, Tensor) and w.requires_grad for w in tw)
    assert [w.shape for w in tw] == [(4, 16), (16,), (16, 3), (3,)]
    assert all(a is b for a, b in zip(tw, model.layers[0].weights + model.layers[2].weights,
                                      strict=True))


def test_train_on_batch_steps_like_fit_bit_for_bit():
    x, y = blobs()
    by_fit = mlp(seed=5)
    by_fit.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0, seed=5)
    by_batch = mlp(seed=5)  # the dropout stream comes from the model's seed, as in fit
    logs = [by_batch.train_on_batch(xb, yb) for xb, yb in batches(x, y)]
    assert set(logs[0]) == {"loss", "accuracy"}
    for a, b in zip(by_fit.get_weights(), by_batch.get_weights(), strict=True):
        assert np.array_equal(a, b)
    assert by_batch.optimizer.iterations == len(logs) == 6


def test_test_on_batch_evaluates_without_updating():
    x, y = blobs(32)
    model = mlp()
    model.train_on_batch(x, y)
    before = model.get_weights()
    logs = model.test_on_batch(x, y)
    loss, acc = model.evaluate(x, y, batch_size=32, verbose=0)
    assert logs == pytest.approx({"loss": loss, "accuracy": acc}, rel=1e-6)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    with pytest.raises(ValueError, match="test_on_batch: expected x and y with the same"):
        model.test_on_batch(x, y[:3])
    with pytest.raises(RuntimeError, match="compile the model first"):
        nm.Sequential([layers.Dense(1)]).train_on_batch(x, y)


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_training_state_restores_bit_for_bit(optimizer):
    x, y = blobs()
    model = mlp(optimizer=optimizer)
    data = batches(x, y)
    for xb, yb in data[:3]:
        model.train_on_batch(xb, yb)
    state = model.get_training_state()
    first = [model.train_on_batch(xb, yb) for xb, yb in data[3:]]
    weights = model.get_weights()
    model.set_training_state(state)
    again = [model.train_on_batch(xb, yb) for xb, yb in data[3:]]
    assert first == again  # dropout masks, optimizer slots and step count all restored
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights(), strict=True))
    assert model.optimizer.iterations == 6


def test_training_state_is_a_deep_copy_and_restores_epochs_and_history():
    x, y = blobs()
    model = mlp()
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, seed=1)
    state = model.get_training_state()
    assert state["epoch"] == 2 and len(state["history"]["loss"]) == 2
    state["weights"][0][...] = 0.0  # editing the snapshot leaves the model alone
    assert np.abs(model.trainable_weights[0].data).max() > 0
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, seed=2)
    model.set_training_state(state)
    assert model.epoch == 2 and model.history.history["loss"] == state["history"]["loss"]
    assert np.abs(model.trainable_weights[0].data).max() == 0.0


def test_set_training_state_of_another_model_is_an_error():
    model, other = mlp(), nm.Sequential([layers.Dense(5)])
    model.build((None, 4))
    other.build((None, 4))
    with pytest.raises(ValueError, match="set_training_state: expected 4 arrays"):
        model.set_training_state(other.get_training_state())


def test_training_state_of_an_optimizer_that_has_not_stepped():
    x, y = blobs(32)
    model = mlp()
    model.build((None, 4))
    state = model.get_training_state()
    first = model.train_on_batch(x, y)
    model.set_training_state(state)
    assert model.optimizer.iterations == 0 and not model.optimizer.built
    assert model.train_on_batch(x, y) == first


def test_apply_gradients_equals_step():
    rng = np.random.default_rng(0)
    ws = [Tensor(rng.normal(size=s).astype(np.float32), requires_grad=True) for s in [(3, 2), (2,)]]
    twins = [Tensor(w.data.copy(), requires_grad=True) for w in ws]
    grads = [rng.normal(size=w.shape).astype(np.float32) for w in ws]
    a, b = optimizers.Adam(0.01), optimizers.Adam(0.01)
    for _ in range(3):
        a.apply_gradients(zip(grads, ws, strict=True))
        for t, g in zip(twins, grads, strict=True):
            t.grad = g
        b.step(twins)
    assert all(np.array_equal(w.data, t.data) for w, t in zip(ws, twins, strict=True))
    kept = ws[1].data.copy()
    a.apply_gradients([(grads[0], ws[0]), (None, ws[1])])  # None: that weight is left alone
    assert np.array_equal(ws[1].data, kept)
    with pytest.raises(ValueError, match=r"apply_gradients: gradient of shape \(2,\)"):
        a.apply_gradients([(grads[1], ws[0]), (grads[0], ws[1])])


def test_learning_rate_can_change_between_steps():
    w = Tensor(np.ones(3, np.float32), requires_grad=True)
    g = np.full(3, 2.0, np.float32)
    opt = optimizers.SGD(learning_rate=0.1)
    opt.apply_gradients([(g, w)])
    opt.learning_rate = 0.01
    opt.apply_gradients([(g, w)])
    assert np.allclose(w.data, 1 - 0.1 * 2 - 0.01 * 2)
    assert opt.get_config()["learning_rate"] == 0.01
    with pytest.raises(ValueError, match=r"SGD: expected a positive learning_rate, got -1\.0"):
        opt.learning_rate = -1


def test_new_layer_optimizer_and_loss_register_themselves():
    class Scale3(layers.Layer):
        """y = 3 x."""

        def call(self, x, training=False):
            return x * 3.0

    class HalfStep(optimizers.SGD):
        name = "half_step_sgd"

    class Squared4(losses.MeanSquaredError):
        name = "squared_times_one"
        aliases = ("sq1",)

    assert layers.LAYERS["Scale3"] is Scale3
    assert isinstance(layers.deserialize(layers.serialize(Scale3())), Scale3)
    assert isinstance(optimizers.get("half_step_sgd"), HalfStep)
    assert isinstance(losses.get("SQ1"), Squared4)

    class Dense(layers.Layer):  # a user's class of a built-in name does not hijack it
        pass

    assert layers.LAYERS["Dense"] is importlib.import_module("nnmath.layers.core").Dense


def test_alias_modules_are_gone_and_import_is_lazy_about_threads():
    for name in ("nnmath.saving", "nnmath.callbacks"):
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(name)
    from nnmath.models import callbacks, saving

    assert callbacks.EarlyStopping and saving.load_model


@pytest.mark.parametrize(
    ("layer", "loss", "fused"),
    [
        (layers.Dense(3, activation="softmax"), "sparse_categorical_crossentropy", True),
        (layers.Dense(3, activation="Softmax"), "categorical_crossentropy", True),
        (layers.Softmax(), "sparse_categorical_crossentropy", True),
        (layers.Dense(1, activation="sigmoid"), "binary_crossentropy", True),
        (layers.Dense(1, activation="sigmoid"), "sparse_categorical_crossentropy", False),
        (layers.Dense(3, activation="linear"), "sparse_categorical_crossentropy", False),
        (layers.Dense(3, activation="softmax"), "mse", False),
        (layers.Dense(3, activation="softmax"),
         losses.SparseCategoricalCrossentropy(from_logits=True), False),
        (layers.Flatten(), "sparse_categorical_crossentropy", False),
    ],
)
def test_the_fusion_seam_decides_from_the_layers_activation_and_the_loss(layer, loss, fused):
    from nnmath.models import fusion

    assert fusion.fuses(layer, losses.get(loss)) is fused


def test_the_fusion_seam_words_the_from_logits_mismatch():
    from nnmath.models import fusion

    ce = losses.SparseCategoricalCrossentropy
    assert "has from_logits=True but the last layer ends with softmax" in fusion.convention_warning(
        layers.Dense(3, activation="softmax"), ce(from_logits=True))
    assert "pass from_logits=True to the loss or add activation='softmax'" in (
        fusion.convention_warning(layers.Dense(3, name="out"), ce()))
    assert fusion.convention_warning(layers.Dense(3, activation="softmax"), ce()) is None
    assert fusion.convention_warning(layers.Dense(3), losses.get("mse")) is None
