"""`nnmath predict` on pictures drawn with Pillow at test time (not MNIST): fonts, strokes,
dark on white, light on dark, transparent, off-centre on large canvases; "not sure", blank
pictures, --show, unreadable files, folders."""

from __future__ import annotations

import collections
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import nnmath as nm
from drawn import FONTS, STROKES, VARIANTS, digit_set, draw_digit
from nnmath import layers, predict, recipes


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnmath.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def cnn(tmp_path_factory) -> Path:
    """The mnist-cnn recipe trained as in the README (`recipes.train`), on a subset to keep
    the suite lean: 8000 digits, 2 epochs (about 97 % on the MNIST test set)."""
    out = tmp_path_factory.mktemp("cnn")
    return recipes.train("mnist-cnn", epochs=2, limit=8000, out=out).model_path


@pytest.fixture(scope="module")
def drawn(tmp_path_factory) -> list[tuple[Path, int, str]]:
    return digit_set(tmp_path_factory.mktemp("drawn"))


def test_drawn_digits_are_read_in_every_variant(cnn, drawn, capsys):
    results = predict.predict_pictures(cnn, [p for p, _, _ in drawn])
    right, total = collections.Counter(), collections.Counter()
    for r, (_, digit, variant) in zip(results, drawn, strict=True):
        assert r.error is None and not r.blank
        total[variant] += 1
        right[variant] += r.label == str(digit)
    with capsys.disabled():  # the figures per variant, in the test log
        print(f"\n  drawn digits ({len(FONTS)} fonts x {len(STROKES)} strokes x 10), read "
              "correctly by mnist-cnn:")
        for v in VARIANTS:
            print(f"    {v:<14} {right[v]}/{total[v]} = {100 * right[v] / total[v]:.2f} %")
        print(f"    {'all':<14} {sum(right.values())}/{len(drawn)} = "
              f"{100 * sum(right.values()) / len(drawn):.2f} %")
    assert sum(right.values()) >= 0.9 * len(drawn)
    for v in VARIANTS:  # the preprocessing makes the variants look alike to the model
        assert right[v] >= 0.85 * total[v], (v, right[v], total[v])


def test_blank_picture_is_not_sure_and_show_saves_the_exact_input(cnn, tmp_path):
    Image.new("RGB", (280, 280), "white").save(tmp_path / "blank.png")
    draw_digit(7, FONTS[0], "thin", "transparent").save(tmp_path / "seven.png")
    speck = Image.new("RGB", (280, 280), "white")
    speck.putpixel((140, 140), (0, 0, 0))
    speck.save(tmp_path / "speck.png")
    r = _cli("predict", str(cnn), "blank.png", "seven.png", "speck.png", "--show", "seen",
             cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == ("blank.png: not sure (a blank picture: nothing stands out from its "
                        "background)")
    assert lines[1].startswith("seven.png: 7 (") and lines[1].endswith(" % sure)")
    assert lines[2] == ("speck.png: not sure (only a speck of ink (1 x 1 pixels), too small "
                        "to be a digit)")
    assert lines[3] == "model inputs saved in seen/"
    seen = np.asarray(Image.open(tmp_path / "seen" / "seven-input.png"))
    assert seen.shape == (28, 28)
    m = predict.load_any(cnn)
    x = predict.prepare_picture(np.asarray(Image.open(tmp_path / "seven.png")), m.preprocessing)
    assert np.array_equal(seen, np.rint(x.pixels[..., 0] * 255).astype(np.uint8))
    assert np.asarray(Image.open(tmp_path / "seen" / "blank-input.png")).max() == 0


def test_one_unreadable_file_is_reported_alone_and_the_others_get_results(cnn, tmp_path):
    draw_digit(3, FONTS[1], "bold", "dark-on-white").save(tmp_path / "a.png")
    (tmp_path / "b.png").write_text("this is not a picture")
    draw_digit(4, FONTS[0], "bold", "light-on-dark").save(tmp_path / "c.png")
    r = _cli("predict", str(cnn), "a.png", "b.png", "missing.png", "c.png", cwd=tmp_path)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert [ln.split(":")[0] for ln in lines] == ["a.png", "b.png", "missing.png", "c.png"]
    assert lines[0].startswith("a.png: 3 (") and lines[3].startswith("c.png: 4 (")
    assert lines[1].startswith("b.png: error: not an image file Pillow can read")
    assert lines[2].startswith("missing.png: error: no such file")
    assert r.stderr.strip() == ("nnmath predict: error: 2 of 4 pictures could not be read "
                                "(see above)")


def test_folders_for_pictures_and_for_the_model(cnn, tmp_path):
    pics = tmp_path / "pics"
    pics.mkdir()
    for d in (1, 2):
        draw_digit(d, FONTS[0], "bold", "dark-on-white").save(pics / f"d{d}.png")
    (pics / "readme.txt").write_text("ignored")
    r = _cli("predict", str(cnn), "pics", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert [ln.split(":")[0] for ln in r.stdout.splitlines()] == ["pics/d1.png", "pics/d2.png"]
    r = _cli("predict", str(cnn.parent), "pics/d1.png", cwd=tmp_path)
    assert r.returncode == 2
    assert (f"nnmath predict: error: {cnn.parent} is a folder, not a model file; expected a "
            f".safetensors file such as {cnn}") in r.stderr
    (tmp_path / "empty").mkdir()
    r = _cli("predict", str(cnn), "empty", cwd=tmp_path)
    assert r.returncode == 1 and "empty: error: folder empty has no image files" in r.stdout


def test_not_sure_below_the_documented_confidence_names_the_top_two(tmp_path):
    model = nm.Sequential([layers.Input((28, 28, 1)), layers.Flatten(),
                           layers.Dense(10, activation="softmax")], seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    w, b = model.get_weights()
    b = np.log(np.array([1, 1, 1, 6, 1, 1, 1, 1, 4, 1], np.float32))  # p = 6/18 and 4/18
    model.set_weights([np.zeros_like(w), b])
    model.save(str(tmp_path / "m.safetensors"), preprocessing={
        "input_shape": [28, 28, 1], "image_size": [28, 28], "scale": 1 / 255,
        "grayscale": True, "picture": "digits", "class_names": [str(i) for i in range(10)]})
    draw_digit(5, FONTS[0], "thin", "dark-on-white").save(tmp_path / "five.png")
    [r] = predict.predict_pictures(tmp_path / "m.safetensors", [tmp_path / "five.png"])
    assert not r.sure and r.label == "3" and r.second[0] == "8"
    assert r.line().endswith("five.png: not sure (3 33.33 % or 8 22.22 %)")
    assert predict.NOT_SURE_BELOW == 0.5
    assert predict.Prediction("x", "3", 0.5, ("8", 0.3)).line() == "x: 3 (50.00 % sure)"
    assert predict.Prediction("x", "3", 0.4999, ("8", 0.3)).line() == \
        "x: not sure (3 49.99 % or 8 30.00 %)"


def test_a_blank_picture_is_not_sure_for_photo_models_too(tmp_path):
    model = nm.Sequential([layers.Input((8, 8, 3)), layers.Flatten(),
                           layers.Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    w, _ = model.get_weights()
    model.set_weights([np.zeros_like(w), np.log(np.array([9, 1], np.float32))])  # 90 % "cat"
    model.save(str(tmp_path / "m.safetensors"), preprocessing={
        "input_shape": [8, 8, 3], "image_size": [8, 8], "scale": 1 / 255,
        "grayscale": False, "picture": "photo", "aspect": "crop",
        "class_names": ["cat", "dog"]})
    Image.new("RGB", (64, 48), (250, 250, 245)).save(tmp_path / "white.png")
    Image.new("RGBA", (64, 48), (0, 0, 0, 0)).save(tmp_path / "clear.png")
    photo = Image.new("RGB", (64, 48), (250, 250, 245))
    photo.paste((20, 40, 200), (20, 10, 44, 38))
    photo.save(tmp_path / "icon.png")
    r = _cli("predict", str(tmp_path / "m.safetensors"), "white.png", "clear.png", "icon.png",
             cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    blank = "not sure (a blank picture: nothing stands out from its background)"
    assert r.stdout.splitlines() == [f"white.png: {blank}", f"clear.png: {blank}",
                                     "icon.png: cat (90.00 % sure)"]


def test_evaluate_says_what_the_model_expects(cnn):
    r = _cli("evaluate", str(cnn), "--data", "catvnoncat")
    assert r.returncode == 2
    assert r.stdout.startswith(f"{cnn}: expects 28x28 grey pictures (784 inputs); trained on "
                               "mnist")
    assert ("it expects 28x28 grey pictures (784 inputs), as in mnist: run it without --data "
            "(it defaults to mnist)") in r.stderr
    r = _cli("evaluate", str(cnn))
    assert r.returncode == 0 and "mnist: accuracy " in r.stdout and "(10000 samples)" in r.stdout


def test_digit_policy_is_read_from_the_model_file(cnn):
    m = predict.load_any(cnn)
    assert m.preprocessing["picture"] == "digits" and predict.picture_policy(m.preprocessing) \
        == "digits"
    old = {k: v for k, v in m.preprocessing.items() if k != "picture"}  # files before it
    assert predict.picture_policy(old) == "digits"
    assert predict.picture_policy({"image_size": [64, 64], "grayscale": False}) == "photo"
    assert os.path.basename(cnn) == "mnist-cnn.safetensors"
