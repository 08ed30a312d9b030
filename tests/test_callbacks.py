"""Callbacks: EarlyStopping, ModelCheckpoint, TerminateOnNaN, History and the progress display."""

from __future__ import annotations

import numpy as np
import pytest

import nnmath as nm
from nnmath import layers
from nnmath.models import Callback, EarlyStopping, ModelCheckpoint, TerminateOnNaN


def data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = (x.sum(axis=1) > 0).astype(np.int64)
    return x, y


def model(seed=0, lr=0.05):
    m = nm.Sequential(
        [layers.Dense(8, activation="relu"), layers.Dense(2, activation="softmax")], seed=seed
    )
    m.compile(nm.optimizers.Adam(lr), "sparse_categorical_crossentropy", ["accuracy"])
    return m


class Scripted(Callback):
    """Overwrites the monitored value with a script, to test the stopping rule exactly."""

    def __init__(self, values):
        self.values = values

    def on_epoch_end(self, epoch, logs=None):
        logs["val_loss"] = self.values[epoch]


def test_early_stopping_patience():
    x, y = data()
    stopper = EarlyStopping(monitor="val_loss", patience=2)
    script = Scripted([1.0, 0.8, 0.9, 0.85, 0.7, 0.6])  # no improvement at epochs 2 and 3
    h = model().fit(x, y, epochs=6, validation_split=0.25, verbose=0, callbacks=[script, stopper])
    assert h.epoch == [0, 1, 2, 3] and stopper.stopped_epoch == 3


def test_early_stopping_restores_best_weights():
    x, y = data()
    m = model()
    seen = []

    class Record(Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append([w.data.copy() for w in self.model.weights])

    stopper = EarlyStopping(monitor="val_loss", patience=0, restore_best_weights=True)
    m.fit(
        x,
        y,
        epochs=5,
        validation_split=0.25,
        verbose=0,
        callbacks=[Scripted([0.5, 0.4, 0.9, 0.1, 0.1]), stopper, Record()],
    )
    assert stopper.stopped_epoch == 2
    assert all(
        np.array_equal(a, b) for a, b in zip(seen[1], (w.data for w in m.weights), strict=True)
    )


def test_early_stopping_mode_and_missing_key():
    assert EarlyStopping(monitor="val_accuracy").mode == "max"
    x, y = data()
    with pytest.raises(KeyError, match=r"'val_loss' is not in the epoch logs.*validation"):
        model().fit(x, y, epochs=1, verbose=0, callbacks=[EarlyStopping()])


def test_model_checkpoint_every_epoch_and_best_only(tmp_path):
    x, y = data()
    m = model()
    m.fit(
        x,
        y,
        epochs=3,
        verbose=0,
        callbacks=[ModelCheckpoint(str(tmp_path / "e{epoch:02d}.safetensors"), monitor="loss")],
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "e01.safetensors",
        "e02.safetensors",
        "e03.safetensors",
    ]
    last = nm.load_model(tmp_path / "e03.safetensors")
    assert last.epoch == 3
    assert np.array_equal(last.predict(x), m.predict(x))
    best = tmp_path / "best.safetensors"
    script = Scripted([0.5, 0.9, 0.2])
    m.fit(
        x,
        y,
        epochs=3,
        validation_split=0.2,
        verbose=0,
        callbacks=[script, ModelCheckpoint(str(best), save_best_only=True)],
    )
    assert nm.load_model(best).epoch == 3  # epochs 1 and 3 improved
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary files left behind


def test_terminate_on_nan(capsys):
    x, _y = data()
    x[5:] *= 1e30  # overflow: the loss becomes inf/NaN at the first big batch
    m = nm.Sequential([layers.Dense(2)], seed=0)
    m.compile(nm.optimizers.SGD(1e10), "mse")
    batches = []

    class Count(Callback):
        def on_batch_end(self, batch, logs=None):
            batches.append(batch)

    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning, match="loss became"):
        h = m.fit(
            x,
            np.zeros((len(x), 2), np.float32),
            epochs=3,
            batch_size=4,
            shuffle=False,
            verbose=0,
            callbacks=[TerminateOnNaN(), Count()],
        )
    assert len(h.epoch) == 1 and len(batches) < 30
    assert "TerminateOnNaN" in capsys.readouterr().err


def test_a_diverging_run_stops_with_a_clear_warning():
    x, y = data()
    m = nm.Sequential([layers.Dense(8, activation="relu"), layers.Dense(2, activation="softmax")])
    m.compile(nm.optimizers.SGD(1e12), "sparse_categorical_crossentropy", metrics=["accuracy"])
    with pytest.warns(RuntimeWarning, match=r"loss became (nan|inf) at epoch 1, batch \d+") as w:
        h = m.fit(x * 1e3, y, epochs=5, batch_size=4, verbose=0, seed=0)
    message = str(w[0].message)
    assert "learning_rate=1000000000000.0" in message and "x / 255" in message
    assert len(h.epoch) == 1 and not np.isfinite(h.history["loss"][0])  # stopped at once


def test_progress_quiet_when_not_a_terminal(capsys):
    x, y = data()
    model().fit(x, y, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""
    model().fit(x, y, epochs=2, verbose=1, validation_split=0.25)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Epoch 1/2 - 3/3 - ")
    for key in ("loss: ", "accuracy: ", "val_loss: ", "val_accuracy: "):
        assert key in lines[1]


def test_progress_bar_on_a_terminal(capsys, monkeypatch):
    import sys

    from nnmath.models.callbacks import ProgbarLogger

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setattr(ProgbarLogger, "REFRESH", 0.0)  # redraw after every batch
    x, y = data()
    model().fit(x, y, epochs=2, batch_size=40, verbose=1)
    out = capsys.readouterr().out
    frames = [f for f in out.split("\r") if f.startswith("Epoch 1/2 ") and "[" in f]
    counts = [f.split()[2] for f in frames]
    assert counts[-1] == "3/3" and "1/3" in counts  # the live bar advanced batch by batch
    full = next(f for f in frames if f.split()[2] == "3/3")
    assert "[" + "=" * 30 + "]" in full and "accuracy: " in full and "loss: " in full
    summaries = [line.strip("\r\x1b[A") for line in out.splitlines() if "Epoch " in line]
    summaries = [line[line.index("Epoch "):] for line in summaries]
    assert [line.split(" - ")[:2] for line in summaries if " - 3/3 - " in line] == [
        ["Epoch 1/2", "3/3"],
        ["Epoch 2/2", "3/3"],
    ]


def test_progress_bar_is_quiet_without_a_terminal(capsys):
    x, y = data()
    model().fit(x, y, epochs=2, batch_size=40, verbose=1)
    out = capsys.readouterr().out
    assert "\r" not in out and "[" not in out  # no live bar: one summary line per epoch
    assert [line.split(" - ")[:2] for line in out.splitlines()] == [
        ["Epoch 1/2", "3/3"],
        ["Epoch 2/2", "3/3"],
    ]


def test_verbose_2_prints_one_line_per_epoch(capsys):
    x, y = data()
    model().fit(x, y, epochs=3, verbose=2)
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(" - ")[0] for line in lines] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]


def test_summary_line_counts_the_batches_that_ran(capsys):
    x, y = data()

    class StopAfterTwo(Callback):
        def on_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    model().fit(x, y, epochs=3, batch_size=10, verbose=2, callbacks=[StopAfterTwo()])
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Epoch 1/3 - 2/12 - ")


def test_callbacks_must_be_callback_objects():
    x, y = data()
    with pytest.raises(TypeError, match=r"Callback objects, got type at position 0.*instances"):
        model().fit(x, y, verbose=0, callbacks=[EarlyStopping])  # the class, not an instance
    h = model().fit(x, y, epochs=1, verbose=0, callbacks=TerminateOnNaN())  # one is accepted
    assert h.epoch == [0]
