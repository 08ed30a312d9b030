"""Sequential: fit/evaluate/predict on small problems, seeded reproducibility, the fused
softmax/sigmoid + cross-entropy path, summary/count_params, and every boundary error."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nnmath as nm
from nnmath import layers, losses
from nnmath.models import fusion


def blobs(n=300, k=3, d=4, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(k, d)) * 4
    y = rng.integers(0, k, size=n)
    x = (centers[y] + rng.normal(size=(n, d))).astype(np.float32)
    return x, y


def mlp(k=3, seed=None, dropout=0.0):
    stack = [layers.Dense(16, activation="relu")]
    if dropout:
        stack.append(layers.Dropout(dropout))
    stack.append(layers.Dense(k, activation="softmax"))
    return nm.Sequential(stack, seed=seed)


def test_fit_learns_and_reports():
    x, y = blobs()
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0, seed=0, validation_split=0.2)
    h = history.history
    assert set(h) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 15 for v in h.values())
    assert h["loss"][-1] < 0.5 * h["loss"][0]
    loss, acc = model.evaluate(x, y, verbose=0)
    assert acc > 0.9 and loss < h["loss"][0]
    probs = model.predict(x[:7])
    assert probs.shape == (7, 3) and probs.dtype == np.float32
    assert np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    assert metrics_accuracy(y, model.predict(x)) == pytest.approx(acc)


def metrics_accuracy(y, p):
    return float((p.argmax(axis=1) == y).mean())


def test_evaluate_returns_float_without_metrics():
    x, y = blobs(60)
    model = mlp()
    model.compile("sgd", "sparse_categorical_crossentropy")
    value = model.evaluate(x, y, verbose=0)
    assert isinstance(value, float)
    with nm.no_grad():
        expected = losses.sparse_categorical_crossentropy(y, model(x)).item()
    assert value == pytest.approx(expected, rel=1e-5)


def test_same_seed_same_history_bit_for_bit():
    x, y = blobs()
    runs = []
    for _ in range(2):
        model = mlp(dropout=0.3)
        model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
        h = model.fit(x, y, epochs=3, batch_size=16, verbose=0, seed=42)
        runs.append((h.history, [w.data.copy() for w in model.weights]))
    assert runs[0][0] == runs[1][0]
    assert all(np.array_equal(a, b) for a, b in zip(runs[0][1], runs[1][1], strict=True))
    model = mlp(dropout=0.3)
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    other = model.fit(x, y, epochs=3, batch_size=16, verbose=0, seed=43)
    assert other.history != runs[0][0]


def test_fused_path_reports_the_unfused_loss():
    """Softmax + CE trains on the logits (fused op) yet reports the loss of the probabilities."""
    x, y = blobs(64)
    model = mlp(seed=1)
    model.compile("sgd", "sparse_categorical_crossentropy")
    assert fusion.fuses(model.last_layer, model.loss) is True
    with nm.no_grad():
        reference = losses.sparse_categorical_crossentropy(y, model(x)).item()
    assert model.evaluate(x, y, batch_size=64, verbose=0) == pytest.approx(reference, rel=1e-6)
    # the fused gradient equals the gradient through softmax then CE
    loss, _ = fusion.loss_and_probs(model.forward, model.last_layer, model.loss, y,
                                    nm.Tensor(x), training=True)
    loss.backward()
    fused = [w.grad.copy() for w in model.weights]
    for w in model.weights:
        w.grad = None
    losses.sparse_categorical_crossentropy(y, model(x, training=True)).backward()
    for a, w in zip(fused, model.weights, strict=True):
        assert np.allclose(a, w.grad, atol=1e-6)


def test_binary_classification_with_sigmoid():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.float32)
    model = nm.Sequential(
        [layers.Dense(8, activation="tanh"), layers.Dense(1, activation="sigmoid")]
    )
    model.compile(nm.optimizers.Adam(0.05), "binary_crossentropy", ["accuracy"])
    assert fusion.fuses(model.last_layer, model.loss) is True
    model.fit(x, y, epochs=20, batch_size=32, verbose=0, seed=0)
    _loss, acc = model.evaluate(x, y, verbose=0)
    assert acc > 0.95


def test_regression_mse():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3
    model = nm.Sequential([layers.Dense(1)])
    model.compile(nm.optimizers.SGD(0.1), "mse", ["mae"])
    h = model.fit(x, y, epochs=30, batch_size=32, verbose=0, seed=0)
    assert h.history["loss"][-1] < 1e-4
    assert np.allclose(model.layers[0].kernel.data[:, 0], [1, -2, 0.5], atol=0.01)


def test_validation_data_and_no_shuffle():
    x, y = blobs(100)
    model = mlp(seed=0)
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    h = model.fit(
        x[:80], y[:80], validation_data=(x[80:], y[80:]), epochs=2, shuffle=False, verbose=0
    )
    assert len(h.history["val_accuracy"]) == 2
    loss, _acc = model.evaluate(x[80:], y[80:], verbose=0)
    assert h.history["val_loss"][-1] == pytest.approx(loss)


def test_keras_convnet_has_34826_parameters():
    model = nm.Sequential(
        [
            layers.Input((28, 28, 1)),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPool2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPool2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ]
    )
    assert model.count_params() == 34826
    lines = []
    text = model.summary(print_fn=lines.append)
    assert lines == [text]
    for expected in (
        "(None, 26, 26, 32)",
        "320",
        "(None, 5, 5, 64)",
        "18,496",
        "(None, 1600)",
        "16,010",
        "Total params: 34,826",
        "conv2d_1 (Conv2D)",
    ):
        assert expected in text


def test_mlp_summary_and_lazy_build():
    model = nm.Sequential([layers.Dense(512, activation="relu"), layers.Dense(10)])
    with pytest.raises(ValueError, match=r"not built yet.*Input"):
        model.count_params()
    model.build((None, 784))
    assert model.count_params() == 784 * 512 + 512 + 5130
    model.add(layers.Dense(3))
    assert model.output_shape == (None, 3)


def _compiled(**kw):
    model = mlp(**kw)
    model.compile("sgd", "sparse_categorical_crossentropy", ["accuracy"])
    return model


def test_error_x_y_lengths():
    x, y = blobs(50)
    with pytest.raises(ValueError, match="same number of samples, got 50 and 49"):
        _compiled().fit(x, y[:-1], verbose=0)


def test_error_nan_inf_inputs():
    x, y = blobs(50)
    x[7, 1] = np.nan
    with pytest.raises(
        ValueError, match=r"x contains NaN or inf in 1 sample\(s\) \(first: index 7\)"
    ):
        _compiled().fit(x, y, verbose=0)
    x[7, 1] = np.inf
    with pytest.raises(ValueError, match="NaN or inf"):
        _compiled().predict(x)
    x[7, 1], x[9, 0] = np.inf, -np.inf  # their sum is NaN: still one error per sample
    with pytest.raises(ValueError, match=r"NaN or inf in 2 sample\(s\) \(first: index 7\)"):
        _compiled().fit(x, y, verbose=0)


def test_huge_finite_inputs_are_not_called_infinite():
    """The finiteness check sums the data first; a sum that overflows to inf is not an error
    when every value is finite (float32 max is about 3.4e38)."""
    from nnmath.models.checks import as_float32

    x = np.full((4, 3), 3e38, np.float32)
    assert as_float32("fit", "x", x) is x
    x[2, 2] = np.nan
    with pytest.raises(ValueError, match=r"NaN or inf in 1 sample\(s\) \(first: index 2\)"):
        as_float32("fit", "x", x)


def test_error_one_hot_labels_to_sparse():
    x, y = blobs(50)
    with pytest.raises(ValueError, match="one-hot labels: use categorical_crossentropy"):
        _compiled().fit(x, np.eye(3)[y], verbose=0)


def test_error_integer_labels_to_categorical():
    x, y = blobs(50)
    model = mlp()
    model.compile("sgd", "categorical_crossentropy")
    with pytest.raises(ValueError, match=r"integer labels.*use sparse_categorical_crossentropy"):
        model.fit(x, y, verbose=0)


def test_error_label_too_large():
    x, y = blobs(50)
    y[-1] = 3
    with pytest.raises(ValueError, match=r"labels in \[0, 3\) for 3 output classes.*units"):
        _compiled().fit(x, y, verbose=0)


def test_warns_on_softmax_with_from_logits():
    model = mlp()
    with pytest.warns(UserWarning, match="from_logits=True but the last layer ends with softmax"):
        model.compile("sgd", losses.SparseCategoricalCrossentropy(from_logits=True))


def test_warns_on_logits_with_probability_loss():
    model = nm.Sequential([layers.Dense(4), layers.Dense(3)])
    with pytest.warns(UserWarning, match="pass from_logits=True to the loss or add activation"):
        model.compile("sgd", "sparse_categorical_crossentropy")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.compile("sgd", losses.SparseCategoricalCrossentropy(from_logits=True))
        _compiled()


def test_error_not_compiled_and_wrong_input_shape():
    x, y = blobs(20)
    with pytest.raises(RuntimeError, match="compile the model first"):
        mlp().fit(x, y)
    model = _compiled()
    model.fit(x, y, verbose=0)
    with pytest.raises(ValueError, match=r"built for samples of shape \(4,\), got x of shape"):
        model.evaluate(x[:, :3], y, verbose=0)


def test_from_logits_model_trains():
    x, y = blobs()
    model = nm.Sequential([layers.Dense(16, activation="relu"), layers.Dense(3)])
    model.compile("adam", losses.SparseCategoricalCrossentropy(from_logits=True), ["accuracy"])
    assert fusion.fuses(model.last_layer, model.loss) is False
    model.fit(x, y, epochs=10, verbose=0, seed=0)
    assert model.evaluate(x, y, verbose=0)[1] > 0.9


def test_separate_softmax_layer_is_fused_too():
    x, y = blobs(64)
    model = nm.Sequential([layers.Dense(3), layers.Softmax()], seed=0)
    model.compile("sgd", "sparse_categorical_crossentropy")
    assert fusion.fuses(model.last_layer, model.loss) is True
    with nm.no_grad():
        reference = losses.sparse_categorical_crossentropy(y, model(x)).item()
    assert model.evaluate(x, y, batch_size=64, verbose=0) == pytest.approx(reference, rel=1e-6)
    model.compile("sgd", "mse")
    assert fusion.fuses(model.last_layer, model.loss) is False


def _convnet_with_input(seed=None):
    return nm.Sequential(
        [
            layers.Input((6, 6, 1)),
            layers.Conv2D(3, 3, activation="relu"),
            layers.Flatten(),
            layers.Dropout(0.3),
            layers.Dense(3, activation="softmax"),
        ],
        seed=seed,
    )


def test_fit_seed_builds_an_unbuilt_model_but_never_redraws_built_weights():
    """fit(seed=) seeds shuffling and dropout; it draws the weights only when it builds the
    model. An Input-first model is built at construction, from the MODEL's seed."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 6, 6, 1)).astype(np.float32)
    y = rng.integers(0, 3, size=40)

    def run(model, **kw):
        model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
        before = [w.data.copy() for w in model.weights]
        h = model.fit(x, y, epochs=2, batch_size=8, verbose=0, **kw)
        return before, h.history

    # seeded at construction: reproducible, and fit(seed=7) does not touch the initial draw
    seeded = [run(_convnet_with_input(seed=7), seed=7) for _ in range(2)]
    assert seeded[0][1] == seeded[1][1]
    init_a, _ = seeded[0]
    init_b, _ = run(_convnet_with_input(seed=7), seed=8)  # another fit seed, same weights
    assert all(np.array_equal(a, b) for a, b in zip(init_a, init_b, strict=True))
    # an unseeded Input-first model keeps its (unseeded) weights: fit(seed=) never redraws
    model = _convnet_with_input()
    drawn = [w.data.copy() for w in model.weights]
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=0, verbose=0, seed=7)
    assert all(np.array_equal(a, w.data) for a, w in zip(drawn, model.weights, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(drawn, init_a, strict=True))
    # an unbuilt model is built by fit from fit's seed: the same as seeding the model
    unbuilt = nm.Sequential([layers.Conv2D(3, 3, activation="relu"), layers.Flatten(),
                             layers.Dropout(0.3), layers.Dense(3, activation="softmax")])
    unbuilt.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    unbuilt.fit(x, y, epochs=0, verbose=0, seed=7)  # builds only
    assert all(np.array_equal(a, w.data) for a, w in zip(init_a, unbuilt.weights, strict=True))
    hist_c = unbuilt.fit(x, y, epochs=2, batch_size=8, verbose=0, seed=7).history
    assert hist_c == seeded[0][1]


def test_seed_never_redraws_trained_or_loaded_weights(tmp_path):
    x, y = blobs(64)
    model = mlp()
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, verbose=0, seed=0)
    trained = [w.data.copy() for w in model.weights]
    model.fit(x, y, epochs=1, verbose=0, seed=1, shuffle=False, batch_size=64)  # continues
    after = [w.data for w in model.weights]
    assert all(np.abs(a - b).max() < 0.05 for a, b in zip(trained, after, strict=True))
    path = tmp_path / "m.safetensors"
    model.save(path)
    again = nm.load_model(path)
    saved = [w.data.copy() for w in again.weights]
    again.fit(x, y, epochs=1, verbose=0, seed=123, shuffle=False, batch_size=64)
    assert all(
        np.abs(a - w.data).max() < 0.05 for a, w in zip(saved, again.weights, strict=True)
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"batch_size": 0}, ValueError, "fit: expected batch_size >= 1, got 0"),
        ({"batch_size": 2.5}, TypeError, "fit: expected an integer batch_size, got 2.5"),
        ({"epochs": -1}, ValueError, "fit: expected epochs >= 0, got -1"),
        ({"validation_split": 1.5}, ValueError, r"validation_split in \[0, 1\).*got 1.5"),
        ({"validation_split": 0.01}, ValueError, "leaves 0 for validation and 50 for training"),
    ],
)
def test_error_bad_fit_arguments(kwargs, error, message):
    x, y = blobs(50)
    with pytest.raises(error, match=message):
        _compiled().fit(x, y, verbose=0, **kwargs)


def test_error_targets_of_the_wrong_shape_name_the_full_shapes():
    x, y = blobs(50)
    model = mlp()
    model.compile("sgd", "mse")
    with pytest.raises(
        ValueError,
        match=r"fit: y of shape \(50, 2\) does not fit the model's output \(None, 3\) under "
        r"loss mean_squared_error; expected y of shape \(50, 3\)",
    ):
        model.fit(x, np.zeros((50, 2)), verbose=0)
    onehot = np.eye(3)[y]
    onehot[4, 0] = np.nan
    with pytest.raises(ValueError, match=r"y contains NaN or inf in 1 sample\(s\).*index 4"):
        model.fit(x, onehot, verbose=0)


def test_error_bad_batch_size_in_evaluate_and_predict():
    x, y = blobs(20)
    model = _compiled()
    with pytest.raises(ValueError, match="evaluate: expected batch_size >= 1, got 0"):
        model.evaluate(x, y, batch_size=0)
    with pytest.raises(ValueError, match="predict: expected batch_size >= 1, got -3"):
        model.predict(x, batch_size=-3)


def test_metrics_see_probabilities_when_the_loss_takes_logits():
    """With from_logits=True the model outputs logits; accuracy must threshold sigmoid(z) at
    0.5 (z at 0), not z at 0.5."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)
    model = nm.Sequential([layers.Dense(1)], seed=0)
    model.compile("sgd", losses.BinaryCrossentropy(from_logits=True), "accuracy")  # one name
    model.build((None, 2))
    model.layers[0].kernel.data[:] = [[1.0], [0.0]]
    model.layers[0].bias.data[:] = 0.3  # logits in (0, 0.5) count as class 1
    z = model.predict(x)[:, 0]
    _, acc = model.evaluate(x, y, verbose=0)
    assert acc == pytest.approx(np.mean((z > 0) == (y > 0.5)))
    assert acc != pytest.approx(np.mean((z > 0.5) == (y > 0.5)))


def test_seed_keeps_weights_of_layers_built_by_the_user():
    x, y = blobs(64)
    dense = layers.Dense(16, activation="relu")
    dense(np.zeros((1, 4), np.float32))  # built (and maybe edited) by the user
    dense.kernel.data[:] = 0.25
    model = nm.Sequential([dense, layers.Dense(3, activation="softmax")])
    model.build((None, 4))  # unseeded: fit(seed=3) redraws only what the model drew itself
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, verbose=0, seed=3, batch_size=64)
    assert np.abs(dense.kernel.data - 0.25).max() < 0.05  # trained a step, not redrawn
