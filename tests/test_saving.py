"""Model files: one safetensors file, identical predictions after a round trip, optimizer
state, preprocessing metadata, clear errors for damaged files, and checkpoint resume."""

from __future__ import annotations

import json

import numpy as np
import pytest

import nnmath as nm
from nnmath import layers


def data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6, 6, 1)).astype(np.float32)
    y = (x.mean(axis=(1, 2, 3)) > 0).astype(np.int64) + (x[:, 0, 0, 0] > 1)
    return x, y


def convnet(seed=0):
    m = nm.Sequential(
        [
            layers.Input((6, 6, 1)),
            layers.Conv2D(4, 3, activation="relu"),
            layers.MaxPool2D(2),
            layers.Flatten(),
            layers.Dropout(0.2),
            layers.Dense(3, activation="softmax"),
        ],
        seed=seed,
    )
    m.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    return m


def test_round_trip_identical_predictions(tmp_path):
    x, y = data()
    m = convnet()
    m.fit(x, y, epochs=2, verbose=0, seed=0)
    path = tmp_path / "model.safetensors"
    m.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["model.safetensors"]  # ONE file
    again = nm.load_model(path)
    assert np.array_equal(again.predict(x), m.predict(x))
    assert again.count_params() == m.count_params()
    assert isinstance(again.optimizer, nm.optimizers.Adam) and again.metric_names == ["accuracy"]
    assert again.optimizer.iterations == m.optimizer.iterations
    # training continues identically from the saved optimizer state
    m.fit(x, y, epochs=1, verbose=0, seed=5)
    again.fit(x, y, epochs=1, verbose=0, seed=5)
    assert np.array_equal(again.predict(x), m.predict(x))


def test_file_is_plain_safetensors_with_json_config(tmp_path):
    from safetensors import safe_open

    m = convnet()
    path = tmp_path / "m.safetensors"
    m.save(
        path,
        include_optimizer=False,
        preprocessing={
            "input_shape": [6, 6, 1],
            "scale": 1 / 255,
            "grayscale": True,
            "class_names": ["a", "b", "c"],
        },
    )
    with safe_open(str(path), framework="np") as f:
        keys = set(f.keys())
        config = json.loads(f.metadata()["nnmath"])
    assert keys == {"weights/1/kernel", "weights/1/bias", "weights/5/kernel", "weights/5/bias"}
    assert [s["class_name"] for s in config["model"]["layers"]][:2] == ["Input", "Conv2D"]
    assert config["model"]["seed"] == 0 and config["model"]["init_seed"] == 0  # recorded
    assert config["compile"]["loss"]["class_name"] == "sparse_categorical_crossentropy"
    again = nm.load_model(path)
    assert again.preprocessing == {
        "input_shape": [6, 6, 1],
        "scale": 1 / 255,
        "grayscale": True,
        "class_names": ["a", "b", "c"],
    }


def test_truncated_file(tmp_path):
    path = tmp_path / "m.safetensors"
    convnet().save(path)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) - 50])
    with pytest.raises(ValueError, match=r"not a readable safetensors file.*truncated"):
        nm.load_model(path)
    path.write_bytes(raw[:5])
    with pytest.raises(ValueError, match="truncated or corrupted"):
        nm.load_model(path)


def test_tampered_weights_or_config(tmp_path):
    path = tmp_path / "m.safetensors"
    convnet().save(path)
    raw = bytearray(path.read_bytes())
    raw[-3] ^= 0xFF  # flip bits of the last weight
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"checksum mismatch.*tampered"):
        nm.load_model(path)
    convnet().save(path)
    raw = path.read_bytes().replace(b'\\"rate\\": 0.2', b'\\"rate\\": 0.9')
    assert b'\\"rate\\": 0.9' in raw
    path.write_bytes(raw)
    with pytest.raises(ValueError, match="checksum mismatch"):
        nm.load_model(path)


def test_not_an_nnmath_file_and_missing(tmp_path):
    from safetensors.numpy import save_file

    path = tmp_path / "other.safetensors"
    save_file({"w": np.zeros(3, np.float32)}, str(path))
    with pytest.raises(ValueError, match="not an nnmath model"):
        nm.load_model(path)
    with pytest.raises(FileNotFoundError, match="no model file at"):
        nm.load_model(tmp_path / "missing.safetensors")


def test_unbuilt_model_cannot_be_saved(tmp_path):
    with pytest.raises(ValueError, match="not built yet"):
        nm.Sequential([layers.Dense(3)]).save(tmp_path / "m.safetensors")


class Interrupt(nm.models.Callback):
    """Ctrl-C at the start of epoch ``at_epoch``, or in its middle (after batch 2)."""

    def __init__(self, at_epoch, mid_epoch=False):
        self.at_epoch, self.mid_epoch, self.epoch = at_epoch, mid_epoch, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        if epoch == self.at_epoch and not self.mid_epoch:
            raise KeyboardInterrupt

    def on_batch_end(self, batch, logs=None):
        if self.epoch == self.at_epoch and self.mid_epoch and batch == 2:
            raise KeyboardInterrupt


@pytest.mark.parametrize("mid_epoch", [False, True], ids=["between-epochs", "mid-epoch"])
def test_interrupted_run_resumes_bit_for_bit(tmp_path, mid_epoch):
    x, y = data()
    full = convnet(seed=3)
    h_full = full.fit(x, y, epochs=4, batch_size=16, verbose=0, seed=3)

    ckpt = tmp_path / "run.safetensors"
    part = convnet(seed=3)
    with pytest.raises(KeyboardInterrupt):
        part.fit(
            x,
            y,
            epochs=4,
            batch_size=16,
            verbose=0,
            seed=3,
            checkpoint=str(ckpt),
            callbacks=[Interrupt(at_epoch=2, mid_epoch=mid_epoch)],
        )
    assert nm.load_model(ckpt).epoch == 2
    resumed = convnet(seed=99)  # a fresh process would start from different weights
    h = resumed.fit(x, y, epochs=4, batch_size=16, verbose=0, seed=3, checkpoint=str(ckpt))
    assert h.history == h_full.history
    assert np.array_equal(resumed.predict(x), full.predict(x))
    assert nm.load_model(ckpt).epoch == 4


def test_checkpoint_of_other_architecture(tmp_path):
    x, y = data()
    ckpt = tmp_path / "run.safetensors"
    convnet().fit(x, y, epochs=1, verbose=0, checkpoint=str(ckpt))
    other = nm.Sequential([layers.Flatten(), layers.Dense(3, activation="softmax")])
    other.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="different model architecture; delete it"):
        other.fit(x, y, epochs=2, verbose=0, checkpoint=str(ckpt))


def test_saved_file_has_normal_permissions(tmp_path):
    import os
    import stat

    path = tmp_path / "m.safetensors"
    convnet().save(path)
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask


def test_missing_safetensors_says_what_to_install(tmp_path, monkeypatch):
    import sys

    m = convnet()
    monkeypatch.setitem(sys.modules, "safetensors", None)  # as if not installed
    with pytest.raises(ImportError, match=r"save: model files need the safetensors.*nnmath\[io\]"):
        m.save(tmp_path / "m.safetensors")
    with pytest.raises(ImportError, match="load_model: model files need the safetensors"):
        nm.load_model(tmp_path / "m.safetensors")


def test_tampered_header_shape(tmp_path):
    """Rewriting a tensor's shape in the header (same byte count) is caught too."""
    path = tmp_path / "m.safetensors"
    convnet().save(path, include_optimizer=False)
    raw = path.read_bytes()
    tampered = raw.replace(b'"shape":[3,3,1,4]', b'"shape":[3,3,4,1]')
    assert tampered != raw
    path.write_bytes(tampered)
    with pytest.raises(ValueError, match="checksum mismatch"):
        nm.load_model(path)
