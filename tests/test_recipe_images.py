"""`nnmath train images --data DIR`: a small convnet on a folder of generated pictures."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from drawn import draw_shape, shape_folder
from nnmath import recipes
from nnmath.datasets import load_picture_folder


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnmath.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})


def test_train_images_learns_two_shapes_and_predict_reads_new_ones(tmp_path):
    data = shape_folder(tmp_path / "shapes", per_class=100, seed=0)
    (data / "circle" / "notes.txt").write_text("not a picture")  # ignored: not an image name
    (data / "square" / "broken.png").write_bytes(b"\x89PNG not really")  # skipped, counted
    r = _cli("train", "images", "--data", str(data), "--out", "m", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert f"{data}: 200 pictures in 2 classes (circle 100, square 100), resized to 32x32 " \
           "(crop)" in out
    assert "skipped 1 unreadable file(s), e.g. " in out and "broken.png" in out
    assert "160 training samples, 30 epochs, batch size 16" in out
    assert "Epoch 1/30 - 10/10 - " in out and "Epoch 30/30 - 10/10 - " in out  # progress
    assert "\r" not in out and "[=" not in out  # not a terminal: one plain line per epoch
    acc = float(re.search(r"validation accuracy: (\d+\.\d\d) %", out).group(1))
    assert acc >= 95.0, out
    assert (tmp_path / "m" / "images.safetensors").is_file()
    assert (tmp_path / "m" / "images-history.png").read_bytes()[:4] == b"\x89PNG"
    assert not (tmp_path / "m" / "images.checkpoint.safetensors").exists()  # finished: removed
    # new pictures, other sizes, never seen: predict reads them
    rng = np.random.default_rng(123)
    new = tmp_path / "new"
    new.mkdir()
    truth = {}
    for i in range(20):
        kind = ("circle", "square")[i % 2]
        size = int(rng.integers(40, 120))
        draw_shape(kind, size, rng).save(new / f"new{i:02d}.png")
        truth[f"new{i:02d}.png"] = kind
    r = _cli("predict", "m/images.safetensors", str(new), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 20
    read = {Path(ln.split(":")[0]).name: re.search(r": (circle|square) \(", ln) for ln in lines}
    right = sum(1 for name, m in read.items() if m and m.group(1) == truth[name])
    assert right >= 18, r.stdout


def test_picture_folder_errors_and_mixed_sizes(tmp_path):
    root = tmp_path / "pics"
    (root / "cat").mkdir(parents=True)
    Image.new("RGB", (30, 20), "red").save(root / "cat" / "a.png")
    with pytest.raises(ValueError, match=r"expected at least two class sub-folders .* found "
                                         r"only 'cat'"):
        load_picture_folder(root, 16)
    (root / "dog").mkdir()
    with pytest.raises(ValueError, match=r"class folder\(s\) dog hold no pictures"):
        load_picture_folder(root, 16)
    Image.new("RGBA", (100, 300), (0, 0, 255, 0)).save(root / "dog" / "tall.png")
    Image.new("L", (7, 9), 40).save(root / "dog" / "grey.jpg")
    (root / "dog" / "bad.jpg").write_bytes(b"nope")
    d = load_picture_folder(root, (12, 16), aspect="pad")
    assert d.x.shape == (3, 12, 16, 3) and d.x.dtype == np.float32
    assert d.y.tolist() == [0, 1, 1] and d.class_names == ["cat", "dog"]
    assert [p.name for p, _ in d.skipped] == ["bad.jpg"] and "not an image" in d.skipped[0][1]
    assert np.allclose(d.x[1], 40 / 255, atol=1e-3)  # grey.jpg: grey in all three channels
    assert np.allclose(d.x[2], 1.0, atol=1e-3)  # transparent blue: white, as predict sees it
    with pytest.raises(FileNotFoundError, match="no such folder"):
        load_picture_folder(tmp_path / "nope", 16)
    (root / "cat" / "a.png").write_bytes(b"broken")
    with pytest.raises(ValueError, match=r"no readable picture in class folder\(s\) cat"):
        load_picture_folder(root, 16)


def test_images_recipe_parameters_are_checked_before_any_work(tmp_path):
    r = recipes.get("images")
    with pytest.raises(ValueError, match="expected data, the folder of your pictures"):
        r.params({})
    with pytest.raises(ValueError, match=r"image_size an integer in 8..512, got 4; val_split a "
                                         r"fraction in \(0, 0.5\], got 0.9"):
        r.params({"data": "x", "image_size": 4, "val_split": 0.9})
    res = _cli("train", "images", "--out", str(tmp_path / "m"))
    assert res.returncode == 2 and "expected data, the folder of your pictures" in res.stderr
    res = _cli("train", "mnist-mlp", "--data", str(tmp_path))
    assert res.returncode == 2
    assert "--data applies to the images recipe (your own folder); mnist-mlp trains on its " \
           "data set mnist" in res.stderr


def test_progress_within_an_epoch_on_a_terminal_and_plain_lines_otherwise(tmp_path):
    import fcntl
    import pty
    import struct
    import termios

    data = shape_folder(tmp_path / "shapes", per_class=40, seed=1)
    cmd = [sys.executable, "-m", "nnmath.cli", "train", "images", "--data", str(data),
           "--epochs", "2", "--batch-size", "4", "--out", str(tmp_path / "m")]
    main, child = pty.openpty()  # a terminal: tqdm's live bar, redrawn within the epoch
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # 120 columns
    proc = subprocess.Popen(cmd, stdout=child, stderr=child, env=os.environ.copy())
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert proc.wait(timeout=300) == 0
    os.close(main)
    screen = b"".join(chunks).decode(errors="replace")
    assert re.search(r"Epoch 1/2 +\d+/16 \[=*", screen), screen  # a bar part-way through
    assert "\r" in screen and "Epoch 2/2 - 16/16 - " in screen
    # through a pipe: plain lines, see test_train_images_learns_two_shapes_and_predict_...


def test_evaluate_on_a_folder_model_says_what_to_do_instead(tmp_path):
    import nnmath as nm
    from nnmath import layers, predict

    model = nm.Sequential([layers.Input((8, 8, 3)), layers.Flatten(),
                           layers.Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    path = tmp_path / "images.safetensors"
    model.save(str(path), preprocessing={
        "input_shape": [8, 8, 3], "image_size": [8, 8], "scale": 1 / 255, "grayscale": False,
        "picture": "photo", "aspect": "crop", "class_names": ["circle", "square"],
        "data_folder": "shapes"})
    with pytest.raises(ValueError, match=r"was trained on your own pictures \(shapes\); "
                                         r"evaluate takes a data set \(.*mnist.*\): for your "
                                         r"pictures, `nnmath train images` printed"):
        predict.evaluate_model(path)
    assert "e.g. --data mnist" not in _cli("evaluate", str(path)).stderr
