"""nnmath.recipes: training recipes, model files, classic safetensors format."""

from __future__ import annotations

import json

import numpy as np
import pytest
from safetensors import safe_open

import nnmath as nm
from nnmath import recipes


def test_recipe_registry_has_the_required_names():
    assert recipes.names() == ["cat-logistic", "cat-deep", "planar", "mnist-mlp", "mnist-cnn",
                               "fashion-mlp", "images"]
    assert list(recipes.RECIPES) == recipes.names()
    with pytest.raises(KeyError, match=r"unknown recipe 'dog'.*cat-logistic"):
        recipes.get_recipe("dog")
    with pytest.raises(KeyError, match=r"unknown recipe 'dog'"):
        recipes.get("dog")


def test_bad_hyperparameters_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="epochs >= 1, got 0"):
        recipes.train("cat-logistic", epochs=0, out=tmp_path)
    with pytest.raises(ValueError, match=r"learning rate > 0, got -1.0$"):
        recipes.train("mnist-mlp", learning_rate=-1.0, out=tmp_path)
    with pytest.raises(ValueError, match=r"no batch size \(full-batch gradient descent\), got 8"):
        recipes.train("cat-deep", batch_size=8, out=tmp_path)
    with pytest.raises(ValueError, match="batch size >= 1, got 0; limit >= 1 samples, got 0"):
        recipes.train("mnist-cnn", batch_size=0, limit=0, out=tmp_path)
    assert not list(tmp_path.iterdir())  # rejected before any data is read or file written


def test_build_model_is_the_published_architecture():
    cnn = recipes.build_model("mnist-cnn", seed=1)
    assert cnn.count_params() == 34826  # keras.io simple MNIST convnet
    mlp = recipes.build_model("fashion-mlp", learning_rate=0.01)
    assert mlp.count_params() == 784 * 512 + 512 + 512 * 10 + 10
    assert mlp.optimizer.learning_rate == 0.01
    with pytest.raises(ValueError, match="'planar' is a classic recipe"):
        recipes.build_model("planar")


def test_cat_logistic_matches_the_course_and_round_trips(tmp_path, data_dir, capsys):
    r = recipes.train("cat-logistic", epochs=2000, out=tmp_path)
    out = capsys.readouterr().out
    assert "Cost after iteration 1900: 0.140872\n" in out  # the course's cost lines
    assert "train accuracy: 99.04 %  test accuracy: 70.00 %\n" in out  # two decimals
    assert r.metrics["accuracy"] == pytest.approx(207 / 209, abs=1e-12)  # fractions inside
    assert r.metrics["val_accuracy"] == pytest.approx(0.70, abs=1e-12)
    assert r.history["loss"][0] == pytest.approx(0.693147, abs=1e-6)
    assert r.history["loss"][19] == pytest.approx(0.140872, abs=1e-6)
    assert r.plot_path.read_bytes()[:4] == b"\x89PNG"
    kind, params, info = recipes.load_classic(r.model_path)
    assert kind == "classic-logistic" and params["w"].shape == (12288, 1)
    assert info["preprocessing"]["input_shape"] == [64, 64, 3]
    assert info["preprocessing"]["dataset"] == "catvnoncat"
    with safe_open(str(r.model_path), framework="np") as f:  # metadata, no pickle
        meta = f.metadata()
    config = json.loads(meta["nnmath"])  # the same checksummed format as Sequential.save
    assert config["format"] == recipes.CLASSIC_FORMAT and len(meta["sha256"]) == 64
    assert config["metrics"]["val_accuracy"] == pytest.approx(0.70)


def test_classic_file_round_trip_is_exact(tmp_path, rng):
    params = {"W1": rng.standard_normal((3, 2)), "b1": rng.standard_normal((3, 1))}
    path = recipes.save_classic(tmp_path / "m.safetensors", "classic-shallow", params,
                                {"input_shape": [2]})
    kind, back, _ = recipes.load_classic(path)
    assert kind == "classic-shallow"
    for k, v in params.items():
        np.testing.assert_array_equal(back[k], v)


@pytest.mark.slow
def test_mnist_mlp_recipe_trains_saves_and_reloads(tmp_path, data_dir):
    r = recipes.train("mnist-mlp", epochs=1, limit=6000, out=tmp_path, seed=3)
    assert r.metrics["val_accuracy"] > 0.85
    model = nm.load_model(str(r.model_path))
    assert model.preprocessing["grayscale"] is True
    assert model.preprocessing["class_names"][7] == "7"
    assert r.history["loss"] and r.history["val_accuracy"]


def test_planar_recipe(tmp_path):
    r = recipes.train("planar", epochs=3000, out=tmp_path)
    assert r.metrics["accuracy"] > 0.85 and "val_accuracy" not in r.metrics
    kind, params, _ = recipes.load_classic(r.model_path)
    assert kind == "classic-shallow" and params["W1"].shape == (4, 2)


def test_classic_loader_rejects_other_files(tmp_path):
    bad = tmp_path / "x.safetensors"
    bad.write_bytes(b"not a safetensors file at all")
    with pytest.raises(ValueError, match="not an nnmath model file"):
        recipes.load_classic(bad)
    seq = nm.Sequential([nm.layers.Input((2,)), nm.layers.Dense(1)], seed=0)
    seq.save(str(tmp_path / "seq.safetensors"))
    with pytest.raises(ValueError, match="not a classic nnmath model file"):
        recipes.load_classic(tmp_path / "seq.safetensors")
    with pytest.raises(FileNotFoundError):
        recipes.load_classic(tmp_path / "missing.safetensors")
