"""The recipe contract that `nnmath train`, sweeps and the lessons build on (HELPERS.md):
get/names, defaults, load_data, build(params), fit(params, on_epoch=...), parameter errors,
and the README's recipe list equal to the registry."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from nnmath import recipes
from nnmath.datasets import prepared_names
from nnmath.recipes import base

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("name", recipes.names())
def test_every_recipe_states_its_contract(name, tmp_path):
    r = recipes.get(name)
    own = "data" in r.defaults  # `images`: the user's folder (params["data"]), no data set
    assert r.name == name and r.summary and (r.dataset in prepared_names() or
                                             (own and r.dataset == ""))
    assert {"learning_rate", "batch_size", "epochs", "optimizer"} <= set(r.defaults)
    assert set(r.widths) <= set(r.defaults)
    if own:
        for cls in ("b", "a"):
            (tmp_path / cls).mkdir()
        given = {"data": str(tmp_path)}
        assert r.params(given) == {**r.defaults, **given}
        prep = r.preprocessing(given)
        assert prep["class_names"] == ["a", "b"] and "dataset" not in prep
        return
    assert r.params() == r.defaults  # the defaults pass their own checks
    prep = r.preprocessing()
    assert prep["dataset"] == r.dataset and prep["class_names"]


def test_hidden_widths_are_parameters():
    assert recipes.get("mnist-mlp").defaults["units"] == 512
    assert recipes.get("fashion-mlp").defaults["units"] == 512
    assert recipes.get("planar").defaults["n_h"] == 4
    assert recipes.get("cat-deep").defaults["layers_dims"] == [20, 7, 5]
    assert recipes.get("mnist-cnn").defaults["filters"] == [32, 64]
    mlp = recipes.get("mnist-mlp").build({"units": 16, "optimizer": "sgd"}, seed=1)
    assert mlp.count_params() == 784 * 16 + 16 + 16 * 10 + 10
    assert type(mlp.optimizer).__name__ == "SGD"
    cnn = recipes.get("mnist-cnn").build({"filters": [4, 8]})
    assert cnn.count_params() == (9 * 4 + 4) + (9 * 4 * 8 + 8) + (5 * 5 * 8 * 10 + 10)
    deep = recipes.get("cat-deep").build({"layers_dims": [6, 3]}, seed=0)
    assert [deep.params[f"W{i}"].shape for i in (1, 2, 3)] == [(6, 12288), (3, 6), (1, 3)]
    planar = recipes.get("planar").build({"n_h": 7})
    assert planar.params["W1"].shape == (7, 2)


def test_defaults_are_not_shared_with_callers():
    r = recipes.get("cat-deep")
    p = r.params()
    p["layers_dims"].append(99)
    assert r.defaults["layers_dims"] == [20, 7, 5]


@pytest.mark.parametrize(("name", "params", "message"), [
    ("mnist-mlp", {"colour": "red"}, r"unknown parameter\(s\) 'colour'; this recipe takes "
                                     r"learning_rate, batch_size, epochs, optimizer, units"),
    ("mnist-mlp", {"units": 0}, "expected units >= 1, got 0"),
    ("mnist-mlp", {"units": 2.5}, "units an integer >= 1, got 2.5"),
    ("mnist-mlp", {"optimizer": "nadam"}, "unknown optimizer 'nadam'"),
    ("mnist-cnn", {"filters": []}, "filters a non-empty list of integers >= 1"),
    ("mnist-cnn", {"learning_rate": float("nan"), "epochs": True},
     "epochs an integer >= 1, got True; learning rate > 0, got nan"),
    ("planar", {"optimizer": "adam"}, "optimizer 'gd' \\(gradient descent\\), got 'adam'"),
    ("planar", {"batch_size": 16}, "no batch size \\(full-batch gradient descent\\), got 16"),
    ("cat-deep", {"layers_dims": [20, -1]}, "layers_dims a non-empty list of integers >= 1"),
])
def test_bad_parameters_are_clear_errors(name, params, message):
    with pytest.raises(ValueError, match=message):
        recipes.get(name).params(params)
    with pytest.raises(ValueError, match=f"recipe {name}: "):
        recipes.get(name).fit(params)  # rejected before any data is read


def test_fit_from_a_dict_on_a_tiny_limit(data_dir):
    r = recipes.get("mnist-mlp")
    params = {"units": 32, "optimizer": "adam", "epochs": 2, "batch_size": 64,
              "learning_rate": 0.003}
    result = r.fit(params, limit=512, seed=2)
    assert result.params == {**r.defaults, **params}
    assert result.model.count_params() == 784 * 32 + 32 + 32 * 10 + 10
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert len(result.history[key]) == 2
        assert result.metrics[key] == result.history[key][-1]
    assert 0.5 < result.metrics["val_accuracy"] <= 1.0  # a fraction: 512 digits, 2 epochs
    assert result.history["loss"][1] < result.history["loss"][0]
    again = r.fit(params, limit=512, seed=2)  # the seed fixes everything
    assert again.history == result.history


def test_load_data_is_in_the_models_layout(data_dir):
    d = recipes.get("mnist-cnn").load_data(limit=10)
    assert d.x_train.shape == (10, 28, 28, 1) and d.x_train.dtype == np.float32
    assert d.x_val.shape == (10000, 28, 28, 1) and d.y_train.dtype == np.int64
    d = recipes.get("cat-deep").load_data(limit=20)
    assert d.x_train.shape == (12288, 20) and d.x_train.dtype == np.float64
    assert d.y_train.shape == (1, 20) and d.x_val.shape == (12288, 50)


def test_engine_on_epoch_stops_cleanly_after_two_epochs(data_dir):
    calls = []

    def on_epoch(epoch, logs):
        calls.append((epoch, sorted(logs)))
        return epoch == 1  # stop after the second epoch

    result = recipes.get("mnist-mlp").fit({"epochs": 6, "units": 8}, limit=256,
                                          on_epoch=on_epoch)
    assert calls == [(0, ["accuracy", "loss", "val_accuracy", "val_loss"]),
                     (1, ["accuracy", "loss", "val_accuracy", "val_loss"])]
    assert len(result.history["loss"]) == 2 and "val_accuracy" in result.metrics


def test_classic_on_epoch_every_100_iterations_and_stop(data_dir):
    r = recipes.get("cat-logistic")
    seen = []
    full = r.fit({"epochs": 450}, on_epoch=lambda i, logs: seen.append((i, logs["loss"])))
    assert [i for i, _ in seen] == [0, 100, 200, 300, 400]
    assert [c for _, c in seen] == full.history["loss"]
    stopped = r.fit({"epochs": 450}, on_epoch=lambda i, logs: i == 200)
    assert len(stopped.history["loss"]) == 3
    # stopping at iteration 200 keeps that iteration's update: 201 iterations in all
    exact = r.fit({"epochs": 201})
    np.testing.assert_array_equal(stopped.model.params["w"], exact.model.params["w"])
    assert 0 <= stopped.metrics["accuracy"] <= 1 and 0 <= stopped.metrics["val_accuracy"] <= 1


@pytest.mark.parametrize(("name", "params"), [
    ("planar", {"epochs": 350, "n_h": 3}),
    ("cat-deep", {"epochs": 350, "layers_dims": [3]}),
])
def test_other_classic_recipes_call_on_epoch_every_100(name, params, data_dir):
    seen = []
    result = recipes.get(name).fit(params, limit=40,
                                   on_epoch=lambda i, logs: seen.append(i) or i == 200)
    assert seen == [0, 100, 200]
    assert len(result.history["loss"]) == 3


def test_a_new_recipe_is_one_class(monkeypatch):
    monkeypatch.setattr(base, "_REGISTRY", dict(base._REGISTRY))

    class Tiny(recipes.engine.MnistMLP):
        name = "tiny-mlp"
        summary = "Dense(4) on MNIST"

    assert recipes.names()[-1] == "tiny-mlp" and recipes.get("tiny-mlp").summary
    assert recipes.get("tiny-mlp").build({"units": 4}).count_params() == 784 * 4 + 4 + 50
    with pytest.raises(ValueError, match="two recipes named 'tiny-mlp'"):
        type("Again", (recipes.engine.MnistMLP,), {"name": "tiny-mlp"})


def test_readme_recipe_list_is_the_registry():
    text = README.read_text(encoding="utf-8")
    listed = re.search(r"Recipes: ((?:`[a-z-]+`,?\s*)+);", text)
    assert listed, "README: expected a sentence 'Recipes: `a`, `b`, ...;'"
    fix = f"README: list the registry's recipes, in this order: {', '.join(recipes.names())}"
    assert re.findall(r"`([a-z-]+)`", listed.group(1)) == recipes.names(), fix
    error = re.search(r"unknown recipe 'dog'; expected one of ([a-z, \n-]+)`", text)
    assert error and re.split(r",\s*", error.group(1).strip()) == recipes.names(), fix


def test_train_help_lists_every_recipe(capsys):
    from nnmath import cli

    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    out = capsys.readouterr().out
    for name in recipes.names():
        assert re.search(rf"^  {re.escape(name)}\s+{re.escape(recipes.get(name).summary)}$",
                         out, flags=re.M), name
