"""The product commands: lessons, train, predict, evaluate, conv (help, work, clear errors)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from nnmath import cli, images
from support import heavy_modules_loaded

PRODUCT = ["lessons", "train", "predict", "evaluate", "conv", "export"]


def _run(*args, cwd=None):
    env = dict(os.environ, MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "nnmath.cli", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=600)


def _photo():
    from matplotlib import cbook

    return str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Untrained model files of every kind (random weights: predictions are not judged)."""
    import nnmath as nm
    from nnmath import layers, recipes

    out = tmp_path_factory.mktemp("files")
    rng = np.random.default_rng(0)
    cat = recipes.save_classic(out / "cat.safetensors", "classic-logistic",
                               {"w": rng.standard_normal((12288, 1)) * 0.01, "b": np.zeros(1)},
                               recipes.get("cat-logistic").preprocessing())
    planar = recipes.save_classic(out / "planar.safetensors", "classic-shallow",
                                  {"W1": rng.standard_normal((4, 2))}, {"input_shape": [2]})
    mlp = nm.Sequential([layers.Input((784,)), layers.Dense(10, activation="softmax")], seed=0)
    mlp.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    mlp.save(str(out / "mlp.safetensors"))
    from safetensors.numpy import save_file

    save_file({"x": np.zeros(3)}, str(out / "foreign.safetensors"))
    (out / "notes.jpg").write_text("not a picture")
    digit = images.save_image(out / "digit.png", rng.integers(0, 255, (40, 30), np.uint8))
    return {"__CAT__": str(cat), "__PLANAR__": str(planar), "__MLP__": str(out / "mlp.safetensors"),
            "__FOREIGN__": str(out / "foreign.safetensors"), "__TEXT__": str(out / "notes.jpg"),
            "__DIGIT__": str(digit), "__PHOTO__": _photo(), "__FILE__": __file__}


def _fill(args, files):
    out = []
    for a in args:
        for key, value in files.items():
            a = a.replace(key, value)
        out.append(a)
    return out


def test_error_message_is_one_line_plus_a_hint():
    msg = cli.error_message("train", FileNotFoundError("data: 2 files missing in /d\n  a\n  b"))
    assert msg.splitlines() == ["nnmath train: error: data: 2 files missing in /d",
                                "  hint: 2 more lines of detail with `nnmath --debug train ...`"]
    msg = cli.error_message("conv", FileNotFoundError(2, "No such file or directory", "/o/e.png"))
    assert msg == "nnmath conv: error: /o/e.png: No such file or directory"
    assert cli.error_message("x", KeyError("unknown 'y'")) == "nnmath x: error: unknown 'y'"


def test_user_photo_and_digit_with_both_model_kinds(files, tmp_path):
    r = _run("predict", files["__CAT__"], files["__PHOTO__"], files["__DIGIT__"])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith(files["__PHOTO__"] + ": ")
    for line in lines:  # "<file>: cat (93.12 % sure)" or "<file>: not sure (cat 45.00 % or ..."
        m = re.search(r": (cat|non-cat) \((\d+\.\d\d) % sure\)$|: not sure \((cat|non-cat) "
                      r"(\d+\.\d\d) % or", line)
        assert m, line
        assert 50 <= float(m.group(2) or 101) <= 100 or 0 <= float(m.group(4) or 0) < 50
    r = _run("predict", files["__MLP__"], files["__DIGIT__"], files["__PHOTO__"])
    assert r.returncode == 0, r.stderr
    for line in r.stdout.strip().splitlines():
        assert re.search(r": \d \(\d+\.\d\d % sure\)$|: not sure \(\d \d+\.\d\d % or \d ", line), \
            line


@pytest.mark.parametrize("command", PRODUCT)
def test_every_command_has_help_with_an_example(command, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "example:" in out and f"nnmath {command}" in out.split("example:")[1]


def test_cli_import_is_light():
    heavy = ("matplotlib", "h5py", "PIL", "sklearn", "safetensors", "tqdm")
    assert heavy_modules_loaded("import nnmath.cli; nnmath.cli.build_parser()", heavy) == []


def test_lessons_list(capsys):
    assert cli.main(["lessons", "--list"]) == 0
    out = capsys.readouterr().out
    for name in ("images", "computation-graph", "cnn-mnist", "loss-landscape",
                 "learning-rate-search"):
        assert name in out
    from nnmath.lessons import LESSONS

    assert len([ln for ln in out.splitlines() if ln.strip()]) == len(LESSONS) >= 16


@pytest.mark.parametrize(("args", "message"), [
    (["lessons", "nope"], "unknown lesson 'nope'"),
    (["lessons"], "name some lessons"),
    (["lessons", "tensors", "--image", "/no/such.jpg"], "does not exist"),
    (["train", "dog-detector"], "unknown recipe 'dog-detector'"),
    (["predict", "/no/model.safetensors", "x.png"], "no such model file"),
    (["predict", "__FILE__", "x.png"], "not an nnmath model file"),
    (["evaluate", "/no/model.safetensors", "--data", "mnist"], "no such model file"),
    (["conv", "/no/photo.jpg", "--out", "o.png"], "no such file"),
    (["conv", "__FILE__", "--out", "o.png"], "not an image file"),
    (["conv", "__PHOTO__", "--kernel", "wobble", "--out", "o.png"], "unknown kernel 'wobble'"),
    (["conv", "__PHOTO__", "--out", "no/such/dir/o.png"], "no/such/dir does not exist"),
    (["lessons", "images", "--image", "__TEXT__"], "not an image file"),
    (["train", "cat-logistic", "--batch-size", "8"], "no batch size (full-batch"),
    (["train", "mnist-mlp", "--epochs", "0"], "expected epochs >= 1, got 0"),
    (["train", "mnist-mlp", "--param", "colour=red"], "unknown parameter(s) 'colour'"),
    (["train", "planar", "--param", "n_h=0"], "expected n_h >= 1, got 0"),
    (["train", "planar", "--param", "n_h"], "--param expects KEY=VALUE"),
    (["evaluate", "__MLP__"], "does not record its data set; name one with --data"),
    (["predict", "__CAT__", "__TEXT__"], "1 of 1 picture could not be read"),
    (["predict", "__CAT__", "missing.png"], "1 of 1 picture could not be read"),
    (["predict", "__PLANAR__", "__PHOTO__"], "not images"),
    (["predict", "__FOREIGN__", "__PHOTO__"], "not an nnmath model"),
    (["evaluate", "__MLP__", "--data", "catvnoncat"], "cannot run on catvnoncat"),
    (["evaluate", "__CAT__", "--data", "dogs"], "unknown data set 'dogs'"),
])
def test_user_mistakes_are_one_line_and_nonzero(args, message, tmp_path, files):
    args = _fill(args, files)
    r = _run(*args, cwd=tmp_path)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and message in lines[0], r.stderr
    assert lines[0].startswith(f"nnmath {args[0]}: error:")


def test_conv_writes_an_edge_image(tmp_path):
    r = _run("conv", _photo(), "--kernel", "sobel-x", "--out", str(tmp_path / "e.png"))
    assert r.returncode == 0, r.stderr
    with Image.open(tmp_path / "e.png") as img:
        edges = np.asarray(img)
    photo = images.load_image(_photo())
    assert edges.shape == photo.shape[:2]  # padding 1 keeps the size
    assert edges.max() == 255 and edges.std() > 5
    r = _run("conv", _photo(), "--kernel", "blur", "--stride", "2", "--padding", "0", "--out",
             str(tmp_path / "b.png"))
    assert r.returncode == 0 and "(299, 255)" in r.stdout


@pytest.mark.slow
def test_train_predict_evaluate_round_trip(tmp_path):
    r = _run("train", "cat-logistic", "--epochs", "400", "--learning-rate", "0.005", "--out",
             "m", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Cost after iteration 300" in r.stdout and "test accuracy" in r.stdout
    assert (tmp_path / "m" / "cat-logistic.safetensors").is_file()
    assert (tmp_path / "m" / "cat-logistic-history.png").read_bytes()[:4] == b"\x89PNG"
    (xtr, _), _, _ = __import__("nnmath").datasets.load_cat_vs_noncat()
    images.save_image(tmp_path / "c.png", xtr[2])
    r = _run("predict", "m/cat-logistic.safetensors", "c.png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    m = re.fullmatch(r"c\.png: (cat|non-cat) \((\d+\.\d\d) % sure\)|c\.png: not sure \("
                     r"(cat|non-cat) (\d+\.\d\d) % or (cat|non-cat) \d+\.\d\d %\)",
                     r.stdout.strip())
    assert m, r.stdout
    r = _run("evaluate", "m/cat-logistic.safetensors", "--data", "catvnoncat", cwd=tmp_path)
    assert r.returncode == 0 and "accuracy" in r.stdout and "(50 samples)" in r.stdout
    r = _run("evaluate", "m/cat-logistic.safetensors", "--data", "mnist", cwd=tmp_path)
    assert r.returncode != 0 and "cannot run on mnist" in r.stderr


def test_train_with_params_then_evaluate_on_the_recorded_data_set(tmp_path):
    r = _run("train", "mnist-mlp", "--param", "units=16", "--param", "optimizer=adam",
             "--epochs", "1", "--limit", "600", "--out", "m", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "600 training samples, 1 epoch, batch size 128" in r.stdout
    import nnmath as nm

    model = nm.load_model(str(tmp_path / "m" / "mnist-mlp.safetensors"))
    assert model.count_params() == 784 * 16 + 16 + 16 * 10 + 10
    assert model.preprocessing["dataset"] == "mnist"
    r = _run("evaluate", "m/mnist-mlp.safetensors", cwd=tmp_path)  # no --data: mnist
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == ("m/mnist-mlp.safetensors: expects 28x28 grey pictures "
                                        "(784 inputs); trained on mnist")
    assert r.stdout.splitlines()[1].startswith("mnist: accuracy ")
    assert "(10000 samples)" in r.stdout


def test_lessons_command_runs_named_lessons(tmp_path):
    r = _run("lessons", "tensors", "computation-graph", "--out", "rep", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "J = 3v = 33" in r.stdout
    assert (tmp_path / "rep" / "index.html").is_file()
    assert (tmp_path / "rep" / "numbers.json").is_file()
