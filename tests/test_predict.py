"""nnmath.predict: saved models on image files, with the recorded preprocessing."""

from __future__ import annotations

import numpy as np
import pytest

import nnmath as nm
from nnmath import images, layers, predict, recipes


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    out = tmp_path_factory.mktemp("models")
    cat = recipes.train("cat-logistic", epochs=300, out=out).model_path
    deep = recipes.train("cat-deep", epochs=20, out=out).model_path
    mlp = recipes.train("mnist-mlp", epochs=1, limit=4000, out=out, seed=1).model_path
    planar = recipes.train("planar", epochs=200, out=out).model_path
    return {"cat": cat, "deep": deep, "mlp": mlp, "planar": planar, "dir": out}


@pytest.fixture(scope="module")
def pictures(tmp_path_factory):
    out = tmp_path_factory.mktemp("pics")
    (xtr, ytr), _, _ = nm.datasets.load_cat_vs_noncat()
    _, (xd, yd) = nm.datasets.load_mnist()
    cats = [images.save_image(out / f"cat{i}.png", xtr[i]) for i in range(4)]
    big = images.save_image(out / "big.jpg", images.resize(xtr[0], (200, 150)))
    digits = [images.save_image(out / f"d{i}.png", xd[i][..., None]) for i in range(6)]
    paper = [images.save_image(out / f"p{i}.png", (255 - xd[i])[..., None]) for i in range(6)]
    return {"cats": cats, "cat_labels": ytr[:4], "big": big, "digits": digits,
            "paper": paper, "digit_labels": yd[:6], "dir": out}


def test_classic_cat_model_on_image_files_equals_the_model_on_the_arrays(models, pictures):
    out = predict.predict_files(models["cat"], pictures["cats"])
    _kind, params, _ = recipes.load_classic(models["cat"])
    (xtr, _), _, _ = nm.datasets.load_cat_vs_noncat()
    X = xtr[:4].reshape(4, -1).T / 255.0
    a = 1 / (1 + np.exp(-(params["w"].T @ X + params["b"][0])))[0]
    for (_, label, p), ai in zip(out, a, strict=True):
        assert label == ("cat" if ai > 0.5 else "non-cat")
        assert p == pytest.approx(max(ai, 1 - ai), abs=1e-5)


def test_any_size_photo_is_resized(models, pictures):
    [(_, label, p)] = predict.predict_files(models["deep"], [pictures["big"]])
    assert label in ("cat", "non-cat") and 0.5 <= p <= 1.0


def test_digit_model_reads_grey_digits_and_inverts_paper_digits(models, pictures):
    dark = predict.predict_files(models["mlp"], pictures["digits"])
    light = predict.predict_files(models["mlp"], pictures["paper"])
    labels = [int(lbl) for _, lbl, _ in dark]
    assert np.mean(np.array(labels) == pictures["digit_labels"]) >= 0.8
    assert [lbl for _, lbl, _ in light] == [lbl for _, lbl, _ in dark]


def test_sequential_saved_without_preprocessing_still_predicts(tmp_path, pictures):
    model = nm.Sequential([layers.Input((28, 28, 1)), layers.Flatten(),
                           layers.Dense(10, activation="softmax")], seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.save(str(tmp_path / "plain.safetensors"))
    out = predict.predict_files(tmp_path / "plain.safetensors", pictures["digits"][:2])
    probs = model.predict(np.stack([images.load_image(p) for p in pictures["digits"][:2]])
                          .astype(np.float32) / 255)
    for (_, label, p), row in zip(out, probs, strict=True):
        assert label == str(int(row.argmax())) and p == pytest.approx(float(row.max()), 1e-5)


def test_evaluate_model(models):
    r = predict.evaluate_model(models["cat"], "catvnoncat")
    assert r["samples"] == 50 and 0.5 <= r["accuracy"] <= 1.0 and r["loss"] > 0
    r = predict.evaluate_model(models["mlp"], "mnist")
    assert r["samples"] == 10000 and r["accuracy"] > 0.8
    r = predict.evaluate_model(models["planar"], "planar")
    assert r["samples"] == 400 and r["accuracy"] > 0.6


def test_user_mistakes_give_clear_errors(models, pictures, tmp_path):
    with pytest.raises(ValueError, match="cannot run on mnist"):
        predict.evaluate_model(models["cat"], "mnist")
    with pytest.raises(KeyError, match="unknown data set 'dogs'"):
        predict.evaluate_model(models["cat"], "dogs")
    with pytest.raises(ValueError, match="not images"):
        predict.predict_files(models["planar"], pictures["cats"][:1])
    with pytest.raises(FileNotFoundError):
        predict.predict_files(models["cat"], [tmp_path / "nope.jpg"])
    text = tmp_path / "notes.png"
    text.write_text("hello")
    with pytest.raises(ValueError, match="not an image"):
        predict.predict_files(models["cat"], [text])
    with pytest.raises(ValueError, match="not an nnmath model file"):
        predict.load_any(text)
    from safetensors.numpy import save_file

    save_file({"x": np.zeros(3)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(ValueError, match="not an nnmath model"):
        predict.load_any(tmp_path / "other.safetensors")
