"""The product commands: lessons, train, predict, evaluate, conv (help, work, clear errors)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from nnmath import cli, images

PRODUCT = ["lessons", "train", "predict", "evaluate", "conv"]


def _run(*args, cwd=None):
    env = dict(os.environ, MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "nnmath.cli", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=600)


def _photo():
    from matplotlib import cbook

    return str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))


@pytest.mark.parametrize("command", PRODUCT)
def test_every_command_has_help_with_an_example(command, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "example:" in out and f"nnmath {command}" in out.split("example:")[1]


def test_cli_import_is_light():
    code = ("import sys, nnmath.cli; cli = nnmath.cli.build_parser(); "
            "heavy = [m for m in ('matplotlib', 'h5py', 'PIL', 'sklearn', 'safetensors', 'tqdm')"
            " if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_lessons_list(capsys):
    assert cli.main(["lessons", "--list"]) == 0
    out = capsys.readouterr().out
    for name in ("images", "computation-graph", "cnn-mnist", "loss-landscape"):
        assert name in out
    assert len([ln for ln in out.splitlines() if ln.strip()]) == 16


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
])
def test_user_mistakes_are_one_line_and_nonzero(args, message, tmp_path):
    args = [a.replace("__FILE__", __file__).replace("__PHOTO__", _photo()) for a in args]
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
    label, prob = r.stdout.strip().split()[-2:]
    assert label in ("cat", "non-cat") and 0.5 <= float(prob) <= 1.0
    r = _run("evaluate", "m/cat-logistic.safetensors", "--data", "catvnoncat", cwd=tmp_path)
    assert r.returncode == 0 and "accuracy" in r.stdout and "(50 samples)" in r.stdout
    r = _run("evaluate", "m/cat-logistic.safetensors", "--data", "mnist", cwd=tmp_path)
    assert r.returncode != 0 and "cannot run on mnist" in r.stderr


def test_lessons_command_runs_named_lessons(tmp_path):
    r = _run("lessons", "tensors", "computation-graph", "--out", "rep", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "J = 3v = 33" in r.stdout
    assert (tmp_path / "rep" / "index.html").is_file()
    assert (tmp_path / "rep" / "numbers.json").is_file()
